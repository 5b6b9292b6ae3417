#!/usr/bin/env python3
"""Build uk-who.csv: UK-WHO SDS and centiles computed by RCPCH's own code.

These are reference values for the project's UK-WHO growth tests. Each row is
one measurement. The script runs it through `rcpchgrowth.Measurement` with
reference "uk-who", the same way an app would, and records the SDS and
centile that rcpchgrowth returns.

Usage (rcpchgrowth is AGPL-3.0-or-later; install it only in a throwaway venv,
it is not a project dependency):

    python3 -m venv /tmp/rcpch
    /tmp/rcpch/bin/pip install rcpchgrowth==4.6.5
    /tmp/rcpch/bin/python data/growth/rcpch-comparison/make.py

The script writes uk-who.csv next to itself and prints a summary to stderr.
Its output is deterministic: the cases come from a fixed list plus
random.Random(SEED).

Generated on 2026-12-07 with:
- rcpchgrowth 4.6.5 (PyPI wheel, build commit 842463e3c19104efdc7596a4ba8bc7792733f866);
- scipy 1.17.1 and numpy 2.4.6;
- Python 3.11.7.

Columns
-------
case
    Group prefix and number. The groups are:
    PT  preterm (born 23+0 to 36+6 weeks), measured before 42 weeks
        postmenstrual age (corrected age under 14 days);
    TB  term birth (born 37+0 weeks or later), measured at 0-13 days;
    TI  term infancy, 14 days to 2 years (days 14-730);
    PC  preterm babies after 42 weeks postmenstrual age, measured on both
        sides of the correction limits;
    Y2  2 to 4 years (days 731-1460);
    Y4  4 to 5 years (days 1461-1826; UK90 child).
    Each case is one child and one observation date. It has up to four rows,
    one per measure.
sex
    male or female.
birth_date, observation_date
    ISO dates.
gestation_weeks, gestation_days
    Gestation at birth.
measure
    weight (kg), height (cm; lying length before 2 years, standing height
    from 2 years; rcpchgrowth calls both "height"), ofc (head circumference,
    cm) or bmi (kg/m2).
value
    The measurement. It is generated as the value at a random SDS in -3..+3
    (rcpchgrowth.measurement_from_sds at the age used) and then rounded:
    weight to 3 dp, height and ofc to 1 dp, bmi to 2 dp.
chronological_age_days
    observation_date - birth_date, in days.
corrected_age_days
    chronological_age_days - (280 - gestation in days). This is the age
    from the expected date of delivery, which is what rcpchgrowth computes
    for every gestation, term births included. It is filled in on every row,
    whichever age was used.
age_used
    corrected or chronological (see below).
reference
    The table rcpchgrowth took the LMS values from: uk90-preterm, who-2006 or
    uk90-child. It comes from rcpchgrowth.uk_who.uk_who_reference(age), the
    function that sds_for_measurement uses, at decimal age = age_used days /
    365.25.
sds
    rcpchgrowth's SDS at that age, to 6 dp.
centile
    rcpchgrowth's centile (100 * normal CDF of the SDS), to 4 dp.

Which age is used
-----------------
For "uk-who", rcpchgrowth does not choose between the ages.
Measurement.measurement["measurement_calculated_values"] always holds both:
- corrected_sds, at the age from the expected date of delivery, for every
  gestation and at every age (it never stops correcting);
- chronological_sds.
It drops the correction only for the "cdc" and "who" references. This
script therefore applies the project's own rule (the paper-chart rule, the
same as doorstep_domain::clinical::growth::Prematurity::default()) and
records rcpchgrowth's SDS for the age that rule picks:
- born before 37+0 weeks and before 32+0 weeks: corrected age up to and
  including chronological day 730;
- born before 37+0 weeks and at 32+0 weeks or later: corrected age up to and
  including chronological day 365;
- every other row (term births, and preterm babies past their limit):
  chronological age.

Rows that rcpchgrowth refuses are left out. A refused row is one where the
SDS for the age used comes back as None, because the reference has no data
there. The script counts them by reason on stderr.
"""

import contextlib
import csv
import io
import random
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import rcpchgrowth
from rcpchgrowth import Measurement, measurement_from_sds
from rcpchgrowth import uk_who

EXPECTED_VERSION = "4.6.5"
SEED = 20261207
OUT = Path(__file__).with_name("uk-who.csv")

COLUMNS = [
    "case", "sex", "birth_date", "gestation_weeks", "gestation_days",
    "observation_date", "measure", "value", "chronological_age_days",
    "corrected_age_days", "age_used", "reference", "sds", "centile",
]
MEASURES = ["weight", "height", "ofc", "bmi"]
DECIMALS = {"weight": 3, "height": 1, "ofc": 1, "bmi": 2}

# The project's correction rule (Prematurity::default()).
CORRECT_BELOW_DAYS = 37 * 7
VERY_PRETERM_BELOW_DAYS = 32 * 7
UNTIL_DAY_32_TO_36 = 365
UNTIL_DAY_VERY_PRETERM = 730


def age_used(gestation_days_total: int, chronological_days: int) -> str:
    if gestation_days_total >= CORRECT_BELOW_DAYS:
        return "chronological"
    until = (UNTIL_DAY_VERY_PRETERM if gestation_days_total < VERY_PRETERM_BELOW_DAYS
             else UNTIL_DAY_32_TO_36)
    return "corrected" if chronological_days <= until else "chronological"


def reference_name(decimal_age: float) -> str:
    table = uk_who.uk_who_reference(age=decimal_age, default_youngest_reference=False)
    if table is uk_who.UK90_PRETERM_DATA:
        return "uk90-preterm"
    if table is uk_who.WHO_INFANTS_DATA or table is uk_who.WHO_CHILD_DATA:
        return "who-2006"
    if table is uk_who.UK90_CHILD_DATA:
        return "uk90-child"
    raise AssertionError("unexpected UK-WHO table")


# ---------------------------------------------------------------- the cases
# A case is (group, gestation_weeks, gestation_days, chronological_age_days).
# Sex alternates within each group, and birth dates are random.

def pma_case(group, gw, gd, pma_w, pma_d):
    """A case measured at postmenstrual age pma_w+pma_d weeks."""
    return (group, gw, gd, (pma_w * 7 + pma_d) - (gw * 7 + gd))


def build_cases(rng: random.Random) -> list:
    cases = []

    # PT: preterm, measured before 42+0 weeks postmenstrual age.
    fixed = [
        (23, 0, 23, 0),  # first day of the reference; length refused below 25 weeks
        (23, 3, 24, 6),  # length still refused
        (24, 6, 25, 0),  # length from 25+0
        (26, 2, 26, 2),  # measured on the day of birth
        (30, 0, 41, 5),  # corrected day 12
        (30, 0, 41, 6),  # corrected day 13: last day of UK90 preterm
        (34, 4, 41, 6),
        (36, 6, 36, 6),  # last preterm gestation, on the day of birth
        (35, 1, 40, 0),  # exactly term (a reference row)
        (32, 0, 38, 3),
    ]
    cases += [pma_case("PT", *f) for f in fixed]
    for _ in range(14):
        gw, gd = rng.randint(23, 36), rng.randint(0, 6)
        g = gw * 7 + gd
        pma = rng.randint(g, 42 * 7 - 1)
        cases.append(pma_case("PT", gw, gd, pma // 7, pma % 7))

    # TB: term birth, 0-13 days.
    fixed = [(37, 0, 0), (40, 0, 0), (42, 0, 0), (39, 4, 1), (41, 6, 12),
             (40, 0, 13), (37, 2, 13), (38, 5, 7)]
    cases += [("TB", *f) for f in fixed]
    for _ in range(10):
        cases.append(("TB", rng.randint(37, 41), rng.randint(0, 6), rng.randint(0, 13)))

    # TI: term infancy, 14-730 days.
    fixed = [(40, 0, 14), (38, 2, 14), (41, 3, 15), (40, 0, 16), (40, 0, 100),
             (37, 0, 100),  # 37+0 is term: not corrected (compare with 36+6 in PC)
             (39, 0, 365), (40, 0, 366), (40, 0, 729), (38, 6, 730), (41, 0, 730)]
    cases += [("TI", *f) for f in fixed]
    for _ in range(13):
        cases.append(("TI", rng.randint(37, 41), rng.randint(0, 6), rng.randint(17, 728)))

    # PC: preterm after 42 weeks postmenstrual age, on both sides of the limits.
    fixed = [
        pma_case("PC", 30, 0, 42, 0),  # corrected day 14: first day of WHO
        pma_case("PC", 30, 0, 42, 1),
        pma_case("PC", 35, 2, 42, 0),
        pma_case("PC", 26, 5, 42, 2),
        ("PC", 36, 6, 100),  # corrected (compare with 37+0 in TI)
        ("PC", 32, 0, 364), ("PC", 32, 0, 365),  # last corrected days, born 32-36
        ("PC", 34, 3, 365), ("PC", 34, 3, 366),  # first chronological day
        ("PC", 36, 0, 366), ("PC", 33, 6, 367),
        ("PC", 31, 6, 366),  # born before 32: still corrected
        ("PC", 31, 6, 400), ("PC", 32, 0, 400),
        ("PC", 28, 0, 729), ("PC", 24, 2, 730),  # last corrected days, born <32
        ("PC", 28, 0, 731), ("PC", 29, 5, 732),  # chronological, WHO standing
        ("PC", 25, 4, 731),
    ]
    cases += fixed
    for _ in range(5):
        gw, gd = rng.randint(32, 36), rng.randint(0, 6)
        g = gw * 7 + gd
        cases.append(("PC", gw, gd, rng.randint(280 - g + 14, 365)))
    for _ in range(5):
        gw, gd = rng.randint(23, 31), rng.randint(0, 6)
        g = gw * 7 + gd
        cases.append(("PC", gw, gd, rng.randint(280 - g + 14, 730)))

    # Y2: 2 to 4 years, 731-1460 days.
    fixed = [(40, 0, 731), (39, 2, 732), (40, 0, 733), (40, 0, 1096),
             (38, 0, 1459), (40, 0, 1460), (33, 0, 1000)]
    cases += [("Y2", *f) for f in fixed]
    for _ in range(9):
        cases.append(("Y2", rng.randint(37, 41), rng.randint(0, 6), rng.randint(734, 1458)))

    # Y4: 4 to 5 years, 1461-1826 days (UK90 child).
    fixed = [(40, 0, 1461), (41, 1, 1461), (40, 0, 1462), (38, 3, 1463),
             (40, 0, 1826), (27, 3, 1500)]
    cases += [("Y4", *f) for f in fixed]
    for _ in range(6):
        cases.append(("Y4", rng.randint(37, 41), rng.randint(0, 6), rng.randint(1464, 1825)))

    return cases


# ------------------------------------------------------------ the run

def plausible_value(rng, measure, sex, decimal_age):
    """A value at a random SDS in -3..+3 at decimal_age. If rcpchgrowth has
    no data for this measure at this age, use the value at the nearest age
    that has data, so the row still goes to Measurement and is refused
    there."""
    z = rng.uniform(-3.0, 3.0)
    for age in (decimal_age, 14 / 365.25, (25 * 7 - 280) / 365.25):
        try:
            v = measurement_from_sds(reference="uk-who", requested_sds=z,
                                     measurement_method=measure, sex=sex, age=age)
        except LookupError:
            continue
        if v is not None:
            return round(v, DECIMALS[measure])
    raise AssertionError("no value")


def main() -> None:
    if rcpchgrowth.__version__ != EXPECTED_VERSION:
        print(f"warning: rcpchgrowth {rcpchgrowth.__version__}, expected "
              f"{EXPECTED_VERSION}; the output may differ", file=sys.stderr)
    rng = random.Random(SEED)
    cases = build_cases(rng)
    rows = []
    refused = Counter()
    per_group = defaultdict(int)
    numbers = Counter()
    sexes = defaultdict(int)
    start = date(2018, 1, 1)

    for group, gw, gd, chrono in cases:
        numbers[group] += 1
        case_id = f"{group}-{numbers[group]:03d}"
        sexes[group] += 1
        sex = "male" if sexes[group] % 2 == 1 else "female"
        birth = start + timedelta(days=rng.randint(0, 5 * 365))
        observed = birth + timedelta(days=chrono)
        g = gw * 7 + gd
        corrected = chrono - (280 - g)
        used = age_used(g, chrono)
        used_days = corrected if used == "corrected" else chrono
        used_decimal = used_days / 365.25
        for measure in MEASURES:
            value = plausible_value(rng, measure, sex, used_decimal)
            with contextlib.redirect_stdout(io.StringIO()):
                m = Measurement(birth_date=birth, measurement_method=measure,
                                observation_date=observed, observation_value=value,
                                reference="uk-who", sex=sex,
                                gestation_weeks=gw, gestation_days=gd)
            dates = m.measurement["measurement_dates"]
            assert round(dates["chronological_decimal_age"] * 365.25) == chrono
            assert round(dates["corrected_decimal_age"] * 365.25) == corrected
            calc = m.measurement["measurement_calculated_values"]
            key = "corrected" if used == "corrected" else "chronological"
            sds, cent = calc[f"{key}_sds"], calc[f"{key}_centile"]
            if sds is None:
                refused[f"{group} {measure}: {calc[f'{key}_measurement_error']}"] += 1
                continue
            rows.append({
                "case": case_id, "sex": sex, "birth_date": birth.isoformat(),
                "gestation_weeks": gw, "gestation_days": gd,
                "observation_date": observed.isoformat(), "measure": measure,
                "value": f"{value:.{DECIMALS[measure]}f}",
                "chronological_age_days": chrono, "corrected_age_days": corrected,
                "age_used": used, "reference": reference_name(used_decimal),
                "sds": f"{float(sds) + 0.0:.6f}", "centile": f"{float(cent):.4f}",
            })
            per_group[group] += 1

    with OUT.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)

    print(f"wrote {len(rows)} rows to {OUT}", file=sys.stderr)
    for group in ["PT", "TB", "TI", "PC", "Y2", "Y4"]:
        print(f"  {group}: {numbers[group]} cases, {per_group[group]} rows", file=sys.stderr)
    print("refused (left out):", file=sys.stderr)
    for reason, n in sorted(refused.items()):
        print(f"  {n:3d}  {reason}", file=sys.stderr)


if __name__ == "__main__":
    main()
