//! The standard normal cumulative distribution function Φ, used to turn an
//! SDS (z-score) into a centile.
//!
//! Φ(z) = erfc(−z/√2)/2. The complementary error function is computed in
//! double precision without a lookup table:
//! - for 0 ≤ x < 2.5 from the everywhere-convergent series of positive terms
//!   erf(x) = (2/√π)·e^(−x²)·Σₙ 2ⁿ·x^(2n+1)/(1·3·…·(2n+1)), then 1 − erf;
//! - for x ≥ 2.5 from the Laplace continued fraction
//!   erfc(x) = (e^(−x²)/√π) / (x + ½/(x + 1/(x + (3/2)/(x + 2/(x + …))))),
//!   evaluated with the modified Lentz method.
//!
//! Checked against 40-digit arithmetic on a 0.0025-step grid over −10…10:
//! the absolute error is below 1e-15 everywhere (far inside the 1e-12 the
//! centile display needs), and the lower tail keeps a relative accuracy
//! better than 1e-11.

use std::f64::consts::{FRAC_2_SQRT_PI, SQRT_2};

/// Where the series hands over to the continued fraction.
const SWITCH: f64 = 2.5;

/// Beyond this, e^(−x²) underflows to zero in double precision.
const UNDERFLOW: f64 = 27.3;

/// Φ(z), the probability that a standard normal variable is at most `z`.
///
/// Accurate to about 1e-15 absolute (and to a small relative error in the
/// lower tail). `normal_cdf(f64::NAN)` is NaN; ±∞ give 1 and 0.
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    // Upper-tail probability of |z|: P(Z > |z|) = erfc(|z|/√2)/2.
    let tail = 0.5 * erfc_non_negative(z.abs() / SQRT_2);
    if z < 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

/// erfc(x) for x ≥ 0 (including +∞).
fn erfc_non_negative(x: f64) -> f64 {
    if x < SWITCH {
        1.0 - erf_series(x)
    } else if x > UNDERFLOW {
        0.0
    } else {
        erfc_continued_fraction(x)
    }
}

/// erf(x) for 0 ≤ x < 2.5 by the series of positive terms (no cancellation).
fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    // At x = 2.5 the terms peak near n = 6 and fall below 1e-17 of the sum
    // by about n = 45; 200 is a generous cap.
    for n in 1..200 {
        term *= 2.0 * x2 / f64::from(2 * n + 1);
        sum += term;
        if term <= sum * 1e-17 {
            break;
        }
    }
    FRAC_2_SQRT_PI * (-x2).exp() * sum
}

/// erfc(x) for 2.5 ≤ x ≤ 27.3 by the continued fraction (modified Lentz).
fn erfc_continued_fraction(x: f64) -> f64 {
    // f = x + a₁/(x + a₂/(x + …)) with aⱼ = j/2. Every partial numerator and
    // denominator is positive, so no Lentz denominator can vanish.
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for j in 1..500 {
        let a = f64::from(j) / 2.0;
        d = 1.0 / (x + a * d);
        c = x + a / c;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    // 1/√π = (2/√π)/2.
    0.5 * FRAC_2_SQRT_PI * (-x * x).exp() / f
}
