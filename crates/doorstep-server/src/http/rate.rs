//! Rate limits on enrolment and sync (governor's keyed limiters): per
//! address for enrolment, per address and per device for sync. Past a
//! limit the answer is 429 with `Retry-After`; the first refusal of each
//! address or device in a minute is audited (`rate.limited`), so a flood
//! leaves a trace without filling the audit.
//!
//! The address is the TCP peer's: behind a trust's proxy every laptop
//! shares one, which is why the per-address sync limit is generous and
//! the per-device one is the tight one.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use uuid::Uuid;

/// Requests allowed per minute (each also the burst).
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    /// Enrolment attempts from one address.
    pub enrol_per_address: NonZeroU32,
    /// Sync requests from one address.
    pub sync_per_address: NonZeroU32,
    /// Sync requests from one device.
    pub sync_per_device: NonZeroU32,
}

/// What is limited, for the audit's words.
#[derive(Debug, Clone, Copy)]
pub enum Limited {
    /// Enrolment from an address.
    Enrol,
    /// Sync from an address.
    SyncAddress,
    /// Sync from a device.
    SyncDevice,
}

impl Limited {
    fn words(self) -> &'static str {
        match self {
            Limited::Enrol => "enrolment attempts from this address",
            Limited::SyncAddress => "sync requests with a token not accepted from this address",
            Limited::SyncDevice => "sync requests from this device",
        }
    }
}

/// A refusal: how long to wait, and whether to audit it (the first for
/// its key this minute).
#[derive(Debug, Clone)]
pub struct Refusal {
    /// When to try again.
    pub retry_after: Duration,
    /// `(actor, detail)` to audit, when this is the minute's first.
    pub audit: Option<(String, String)>,
}

/// The server's limiters and when each key was last audited.
pub struct RateLimits {
    enrol_per_address: DefaultKeyedRateLimiter<IpAddr>,
    sync_per_address: DefaultKeyedRateLimiter<IpAddr>,
    sync_per_device: DefaultKeyedRateLimiter<Uuid>,
    audited: Mutex<HashMap<String, Instant>>,
    clock: DefaultClock,
}

/// The address a limit counts: an IPv4 address, or an IPv6 address's /64
/// (one subscriber's network, which has more addresses than any limit).
fn network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
    }
}

/// How often a key's refusals are audited.
const AUDIT_EVERY: Duration = Duration::from_secs(60);

impl RateLimits {
    /// Limiters for these rates.
    pub fn new(rates: Rates) -> RateLimits {
        RateLimits {
            enrol_per_address: DefaultKeyedRateLimiter::keyed(Quota::per_minute(
                rates.enrol_per_address,
            )),
            sync_per_address: DefaultKeyedRateLimiter::keyed(Quota::per_minute(
                rates.sync_per_address,
            )),
            sync_per_device: DefaultKeyedRateLimiter::keyed(Quota::per_minute(
                rates.sync_per_device,
            )),
            audited: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one enrolment attempt from `address`.
    pub fn enrol(&self, address: IpAddr) -> Result<(), Refusal> {
        self.take(&self.enrol_per_address, network(address), Limited::Enrol)
    }

    /// Takes one sync request from `address` whose token was not accepted.
    pub fn sync_from(&self, address: IpAddr) -> Result<(), Refusal> {
        self.take(
            &self.sync_per_address,
            network(address),
            Limited::SyncAddress,
        )
    }

    /// Takes one sync request from `device`.
    pub fn sync_by(&self, device: Uuid) -> Result<(), Refusal> {
        self.take(&self.sync_per_device, device, Limited::SyncDevice)
    }

    /// Forgets keys not seen for a while (run once a minute), so a flood
    /// from many addresses does not grow the limiters for ever.
    pub fn forget_idle(&self) {
        self.enrol_per_address.retain_recent();
        self.sync_per_address.retain_recent();
        self.sync_per_device.retain_recent();
        self.enrol_per_address.shrink_to_fit();
        self.sync_per_address.shrink_to_fit();
        self.sync_per_device.shrink_to_fit();
        let now = Instant::now();
        if let Ok(mut audited) = self.audited.lock() {
            audited.retain(|_, at| now.duration_since(*at) < AUDIT_EVERY);
            audited.shrink_to_fit();
        }
    }

    fn take<K: Clone + Hash + Eq + std::fmt::Display>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: K,
        what: Limited,
    ) -> Result<(), Refusal> {
        let Err(not_until) = limiter.check_key(&key) else {
            return Ok(());
        };
        // At least a second: Retry-After is in whole seconds.
        let retry_after = not_until
            .wait_time_from(self.clock.now())
            .max(Duration::from_secs(1));
        let actor = key.to_string();
        let audit = self
            .first_this_minute(&format!("{what:?} {actor}"))
            .then(|| {
                (
                    actor,
                    format!("too many {}: refused with 429", what.words()),
                )
            });
        Err(Refusal { retry_after, audit })
    }

    fn first_this_minute(&self, actor: &str) -> bool {
        let now = Instant::now();
        let Ok(mut audited) = self.audited.lock() else {
            return true;
        };
        match audited.get(actor) {
            Some(at) if now.duration_since(*at) < AUDIT_EVERY => false,
            _ => {
                audited.insert(actor.to_owned(), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(n: u32) -> RateLimits {
        let n = NonZeroU32::new(n).unwrap();
        RateLimits::new(Rates {
            enrol_per_address: n,
            sync_per_address: n,
            sync_per_device: n,
        })
    }

    #[test]
    fn a_burst_passes_then_refusals_say_when_and_audit_once() {
        let l = limits(3);
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..3 {
            l.enrol(a).unwrap();
        }
        let first = l.enrol(a).unwrap_err();
        assert!(first.retry_after >= Duration::from_secs(1));
        assert!(first.retry_after <= Duration::from_secs(20));
        let (actor, detail) = first.audit.expect("the first refusal is audited");
        assert_eq!(actor, "192.0.2.7");
        assert!(detail.contains("enrolment attempts"));
        assert!(l.enrol(a).unwrap_err().audit.is_none(), "once a minute");
        // Another address, and sync, have their own allowances.
        l.enrol("192.0.2.8".parse().unwrap()).unwrap();
        l.sync_from(a).unwrap();
        let device = Uuid::new_v4();
        for _ in 0..3 {
            l.sync_by(device).unwrap();
        }
        assert!(l.sync_by(device).is_err());
        l.sync_by(Uuid::new_v4()).unwrap();
        // One IPv6 network is one address.
        let v6 = |s: &str| -> IpAddr { s.parse().unwrap() };
        for n in 1..=3 {
            l.enrol(v6(&format!("2001:db8:1:2::{n}"))).unwrap();
        }
        assert!(l.enrol(v6("2001:db8:1:2:ffff::9")).is_err());
        l.enrol(v6("2001:db8:1:3::1")).unwrap();
        l.forget_idle();
    }
}
