//! End-to-end tests of the visit commands of the `doorstep` binary: recording,
//! measuring and signing contacts, the worklist, reviews, growth centiles,
//! the caseload summary, the quarterly KPIs and projection rebuilds. Each
//! test drives the real executable in its own temporary data directory, with
//! the clock fixed by `DOORSTEP_NOW` (Sunday 22 November 2026) and key
//! derivation at its floor so each run is quick.

mod common;

use common::*;
use serde_json::Value;

/// Visit-test helpers on top of the shared ones.
impl Doorstep {
    /// Plain-text run that must succeed; returns stdout.
    fn text_ok(&self, args: &[&str]) -> String {
        let r = self.text(args);
        assert_eq!(r.code, 0, "doorstep {args:?} failed:\n{}", r.describe());
        r.stdout
    }

    /// Adds a household; returns its id.
    fn family(&self) -> String {
        id(&self.ok(&[
            "family",
            "add",
            "--address-line1",
            "7 Spon End",
            "--postcode",
            "CV1 3HF",
        ])["family_id"])
    }

    /// Adds a child to `family`; returns the child's id.
    fn child(&self, family: &str, given: &str, dob: &str, sex: &str) -> String {
        self.write(&[
            "person",
            "add",
            "--family",
            family,
            "--role",
            "child",
            "--given-name",
            given,
            "--family-name",
            "Okafor",
            "--dob",
            dob,
            "--sex",
            sex,
            "--gestation",
            "40+0",
        ])
    }

    /// The worklist as JSON items.
    fn worklist(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["worklist"];
        args.extend_from_slice(extra);
        self.ok(&args)
            .as_array()
            .unwrap_or_else(|| panic!("worklist is not a list"))
            .clone()
    }
}

/// The worklist items of `kind` for `person`.
fn items_for<'a>(items: &'a [Value], kind: &str, person: &str) -> Vec<&'a Value> {
    items
        .iter()
        .filter(|i| i["kind"] == kind && i["person_id"] == person)
        .collect()
}

/// A family with a baby boy born 2026-11-10 at term and a signed new birth
/// visit on 2026-11-21 weighing 3.9 kg: (family, child, contact).
fn signed_new_birth_visit(d: &Doorstep) -> (String, String, String) {
    let f = d.family();
    let c = d.child(&f, "Kofi", "2026-11-10", "1");
    let contact = d.write(&[
        "contact",
        "record",
        "--family",
        &f,
        "--kind",
        "new-birth",
        "--child",
        &c,
        "--at",
        "2026-11-21T10:00",
        "--attendance",
        "attended",
        "--weight",
        "3.9",
        "--topics",
        "hia-1,hia-3",
        "--note",
        "Feeding well; cord separated.",
    ]);
    d.write(&["contact", "sign", "--family", &f, "--contact", &contact]);
    (f, c, contact)
}

#[test]
fn new_birth_visit_journey() {
    let d = Doorstep::init();
    let f = d.family();
    let empty = d.text_ok(&["reviews", &f]);
    assert!(empty.contains("No reviews"), "{empty:?}");
    let c = d.child(&f, "Kofi", "2026-11-10", "1");

    // 12 days old: the new birth visit (10–14 days) is due now.
    let before = d.worklist(&[]);
    let nbv = items_for(&before, "new-birth", &c);
    assert_eq!(nbv.len(), 1, "{before:#?}");
    assert_eq!(nbv[0]["category"], "due-now", "{:#?}", nbv[0]);
    assert_eq!(nbv[0]["family_id"], f.as_str());
    let text = d.text_ok(&["worklist"]);
    assert!(text.contains("DUE NOW"), "{text}");
    assert!(text.contains("New birth visit for Kofi Okafor"), "{text}");
    assert!(text.trim_end().ends_with("\n1 item"), "{text}");

    let recorded = d.ok(&[
        "contact",
        "record",
        "--family",
        &f,
        "--kind",
        "new-birth",
        "--child",
        &c,
        "--at",
        "2026-11-21T10:00",
        "--attendance",
        "attended",
        "--weight",
        "3.9",
        "--topics",
        "hia-1,hia-3",
        "--note",
        "Feeding well; cord separated.",
    ]);
    let contact = id(&recorded["record_id"]);
    assert_eq!(recorded["family_id"], f.as_str());
    let signed = d.ok(&["contact", "sign", "--family", &f, "--contact", &contact]);
    assert_eq!(signed["record_id"], contact.as_str());

    let after = d.worklist(&[]);
    assert!(
        items_for(&after, "new-birth", &c).is_empty(),
        "the new birth visit is still listed after it was done:\n{after:#?}"
    );
    assert_eq!(d.text_ok(&["worklist"]).trim_end(), "Nothing due.");

    let growth = d.ok(&["growth", "--family", &f, "--child", &c]);
    let ms = growth["measurements"].as_array().expect("measurements");
    assert_eq!(ms.len(), 1, "{growth:#}");
    let m = &ms[0];
    assert_eq!(m["measurement"]["measure"], "weight", "{m:#}");
    assert_eq!(m["measurement"]["measured_on"], "2026-11-21", "{m:#}");
    let a = &m["assessment"];
    let centile = a["centile"].as_f64().unwrap_or_else(|| panic!("{m:#}"));
    assert!((2.0..=98.0).contains(&centile), "centile {centile}: {m:#}");
    // The chart's words come from the core, so the CLI says them too.
    let words = a["centile_words"].as_str().unwrap_or_default();
    assert!(words.contains("centile"), "{m:#}");
    // 11 days old: UK-WHO reads the UK90 birth data until 2 weeks after term.
    assert_eq!(a["table"]["reference"], "uk90-preterm", "{m:#}");
    assert_eq!(a["age_days"], 11, "{m:#}");

    let text = d.text_ok(&["growth", "--family", &f, "--child", &c]);
    assert!(text.contains("centile"), "{text}");

    let reviews = d.text_ok(&["reviews", &f]);
    let line = reviews
        .lines()
        .find(|l| l.contains("New birth visit"))
        .unwrap_or_else(|| panic!("no new birth visit line:\n{reviews}"));
    assert!(line.contains("done 2026-11-21"), "{reviews}");
}

#[test]
fn signed_contact_is_immutable_but_correctable() {
    let d = Doorstep::init();
    let (f, c, contact) = signed_new_birth_visit(&d);

    let r = d.run(&[
        "contact",
        "measure",
        "--family",
        &f,
        "--contact",
        &contact,
        "--child",
        &c,
        "--weight",
        "4.0",
    ]);
    let problems = r.problems_for("contact");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("signed and cannot be changed")),
        "{}",
        r.describe()
    );

    d.write(&[
        "contact",
        "addendum",
        "--family",
        &f,
        "--contact",
        &contact,
        "--text",
        "Mother also reported good sleep.",
    ]);
    d.write(&[
        "contact",
        "entered-in-error",
        "--family",
        &f,
        "--contact",
        &contact,
        "--reason",
        "Recorded against the wrong family",
    ]);

    let shown = d.ok(&["family", "show", &f]);
    let kept = &shown["family"]["contacts"][&contact];
    assert!(kept.is_object(), "contact gone:\n{shown:#}");
    assert_eq!(kept["note"], "Feeding well; cord separated.", "{kept:#}");
    assert_eq!(kept["status"], "signed", "{kept:#}");
    assert_eq!(
        kept["entered_in_error"]["reason"], "Recorded against the wrong family",
        "{kept:#}"
    );
    let addenda = kept["addenda"].as_object().expect("addenda");
    assert_eq!(addenda.len(), 1, "{kept:#}");
    assert!(
        addenda
            .values()
            .any(|a| a["text"] == "Mother also reported good sleep."),
        "{kept:#}"
    );

    // Entered in error, the visit no longer counts: the review is due again.
    let items = d.worklist(&[]);
    assert_eq!(items_for(&items, "new-birth", &c).len(), 1, "{items:#?}");
}

#[test]
fn implausible_measurements_are_refused_or_confirmed() {
    let d = Doorstep::init();
    let f = d.family();
    let c = d.child(&f, "Jakub", "2026-11-01", "1");
    let visit = |weight: &str, extra: &[&str]| {
        let mut args = vec![
            "contact",
            "record",
            "--family",
            &f,
            "--kind",
            "targeted-visit",
            "--child",
            &c,
            "--attendance",
            "attended",
            "--weight",
            weight,
        ];
        args.extend_from_slice(extra);
        d.run(&args)
    };

    let r = visit("45", &[]);
    let problems = r.problems_for(&format!("children/{c}/weight_kg"));
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("weight 45 kg is impossible for a child aged 3 weeks")),
        "{}",
        r.describe()
    );

    let r = visit("7", &[]);
    let problems = r.problems_for(&format!("children/{c}/weight_kg"));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("implausible") && p.contains("confirm")),
        "{}",
        r.describe()
    );

    let r = visit("7", &["--confirm-implausible", "re-weighed"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    let shown = d.ok(&["family", "show", &f]);
    let kept: Vec<&Value> = shown["family"]["measurements"]
        .as_object()
        .expect("measurements")
        .values()
        .collect();
    assert_eq!(kept.len(), 1, "{shown:#}");
    assert_eq!(kept[0]["implausible_confirmed"], "re-weighed", "{shown:#}");

    // Nothing was written by the refused attempts.
    let contacts = shown["family"]["contacts"].as_object().expect("contacts");
    assert_eq!(contacts.len(), 1, "{shown:#}");
}

#[test]
fn two_year_review_needs_height_and_weight_to_sign() {
    let d = Doorstep::init();
    let f = d.family();
    let c = d.child(&f, "Amara", "2024-08-01", "2");

    let contact = d.write(&[
        "contact",
        "record",
        "--family",
        &f,
        "--kind",
        "2-year",
        "--child",
        &c,
        "--attendance",
        "attended",
        "--weight",
        "12.5",
    ]);
    let sign = ["contact", "sign", "--family", &f, "--contact", &contact];
    d.run(&sign).problems_for("measurements");

    d.write(&[
        "contact",
        "measure",
        "--family",
        &f,
        "--contact",
        &contact,
        "--child",
        &c,
        "--height",
        "88",
    ]);
    d.write(&sign);

    let growth = d.ok(&["growth", "--family", &f, "--child", &c]);
    let bmi = growth["bmi"].as_array().expect("bmi");
    assert_eq!(bmi.len(), 1, "{growth:#}");
    let value = bmi[0]["bmi"].as_f64().expect("bmi value");
    assert!((value - 12.5 / 0.88 / 0.88).abs() < 0.01, "{growth:#}");

    // A delegated contact names the accountable health visitor.
    d.run(&[
        "contact",
        "record",
        "--family",
        &f,
        "--kind",
        "targeted-visit",
        "--child",
        &c,
        "--attendance",
        "attended",
        "--role",
        "nursery-nurse",
    ])
    .problems_for("accountable_hv");
    d.write(&[
        "contact",
        "record",
        "--family",
        &f,
        "--kind",
        "targeted-visit",
        "--child",
        &c,
        "--attendance",
        "attended",
        "--role",
        "nursery-nurse",
        "--accountable-hv",
        "Demo Practitioner",
    ]);
}

#[test]
fn failed_attempts_need_follow_up() {
    let d = Doorstep::init();
    let f = d.family();
    let c = d.child(&f, "Ruby", "2026-09-20", "2");

    d.write(&[
        "contact",
        "record",
        "--family",
        &f,
        "--kind",
        "6-8-week",
        "--child",
        &c,
        "--at",
        "2026-11-10T14:00",
        "--attendance",
        "no-access",
    ]);
    let items = d.worklist(&[]);
    let review = items_for(&items, "6-8-week", &c);
    assert_eq!(review.len(), 1, "{items:#?}");
    assert_eq!(review[0]["category"], "follow-up", "{:#?}", review[0]);
    let reason = review[0]["reason"].as_str().expect("reason");
    assert!(reason.contains("no access"), "{reason}");
    assert!(reason.contains("10 Nov 2026"), "{reason}");

    d.run(&[
        "contact",
        "record",
        "--family",
        &f,
        "--kind",
        "6-8-week",
        "--child",
        &c,
        "--attendance",
        "declined",
    ])
    .problems_for("declined_reason");
}

/// The codes of the KPI metrics, in order.
fn metric_codes(report: &Value) -> Vec<String> {
    report["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .map(|m| id(&m["code"]))
        .collect()
}

#[test]
fn demo_caseload_summary_kpis_and_worklist() {
    let d = Doorstep::init();
    d.ok(&["demo", "seed", "--families", "80", "--seed", "5"]);

    // Caseload summary.
    let s = d.ok(&["caseload", "summary"]);
    assert_eq!(s["families"], 80, "{s:#}");
    let by_level: u64 = s["by_level"]
        .as_array()
        .expect("by_level")
        .iter()
        .map(|l| l["families"].as_u64().expect("families"))
        .sum();
    assert_eq!(by_level, 80, "{s:#}");
    assert!(s["weighted"].as_f64().expect("weighted") > 0.0, "{s:#}");
    assert!(
        s["children_under5"].as_u64().expect("children") > 0,
        "{s:#}"
    );
    let text = d.text_ok(&["caseload", "summary"]);
    assert!(text.contains("Weighted caseload"), "{text}");

    // KPIs.
    let k = d.ok(&["report", "kpi", "--quarter", "2026Q2"]);
    assert_eq!(
        metric_codes(&k),
        [
            "C1", "C2", "C3", "C8i", "C8ii", "C4", "C5", "C6i", "C6ii", "C6iii", "C6iv", "C6v",
            "C6vi", "C6vii", "C6viii", "ETH", "BMI2", "FEED1", "FEED2"
        ],
        "{k:#}"
    );
    let ratio = |code: &str| {
        let m = k["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["code"] == code)
            .expect("metric");
        (
            m["ratio"]["numerator"].as_u64().expect("numerator"),
            m["ratio"]["denominator"].as_u64().expect("denominator"),
        )
    };
    // The demo completes the 2–2½ year review form with an ASQ-3 at most
    // reviews, and records feeding status at most new birth visits: both
    // reach the metrics from the records, not from a ticked box.
    let (c6ii, reviewed) = ratio("C6ii");
    assert!(c6ii > 0 && c6ii <= reviewed, "{k:#}");
    assert!(ratio("C6iii").1 > 0, "{k:#}");
    assert!(ratio("FEED1").0 > 0, "{k:#}");
    assert_eq!(
        k["delivery"].as_array().expect("delivery").len(),
        5,
        "{k:#}"
    );
    for m in k["metrics"].as_array().expect("metrics") {
        let n = m["ratio"]["numerator"].as_u64().expect("numerator");
        let dn = m["ratio"]["denominator"].as_u64().expect("denominator");
        if m["count_only"] == true {
            assert!(m["ratio"]["percent"].is_null(), "{m:#}");
            continue;
        }
        assert!(n <= dn, "{m:#}");
        if dn == 0 {
            assert!(m["ratio"]["percent"].is_null(), "{m:#}");
        } else {
            let p = m["ratio"]["percent"].as_f64().expect("percent");
            assert!((p - n as f64 * 100.0 / dn as f64).abs() < 1e-9, "{m:#}");
        }
    }
    let total: u64 = k["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .map(|m| m["ratio"]["denominator"].as_u64().expect("denominator"))
        .sum();
    assert!(
        total > 0,
        "every KPI denominator is 0 over 80 families:\n{k:#}"
    );
    let csv = d.text_ok(&["report", "kpi", "--quarter", "2026Q2", "--csv"]);
    assert_eq!(
        csv.lines().next(),
        Some("code,title,numerator,denominator,percent"),
        "{csv}"
    );
    let csv_codes: Vec<&str> = csv
        .lines()
        .skip(1)
        .take(19)
        .map(|l| l.split(',').next().unwrap_or_default())
        .collect();
    assert_eq!(csv_codes, metric_codes(&k), "{csv}");
    d.run(&["report", "kpi", "--quarter", "2026Q9"])
        .problems_for("quarter");

    // Worklist: most urgent category first.
    let items = d.worklist(&[]);
    assert!(!items.is_empty(), "an 80-family caseload has nothing due");
    let rank = |c: &Value| match c.as_str() {
        Some("overdue") => 0,
        Some("follow-up") => 1,
        Some("due-now") => 2,
        Some("upcoming") => 3,
        other => panic!("unknown category {other:?}"),
    };
    let ranks: Vec<u8> = items.iter().map(|i| rank(&i["category"])).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "worklist is not sorted by category: {ranks:?}"
    );
    assert!(
        d.worklist(&["--practitioner", "Nobody Here"]).is_empty(),
        "an unknown practitioner has work"
    );
    d.run(&["worklist", "--from", "2026-12-01", "--to", "2026-11-01"])
        .problems_for("to");

    // A caseload limit from the organisation's configuration.
    std::fs::write(
        d.dir().join("config.json"),
        r#"{"caseload": {"limit": 10}}"#,
    )
    .expect("write config.json");
    let s = d.ok(&["caseload", "summary"]);
    assert_eq!(s["limit"], 10.0, "{s:#}");
    let warnings = s["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.contains("over the limit of 10"))),
        "{s:#}"
    );

    // A family entered in error leaves the caseload and the worklist.
    let gone = id(&items[0]["family_id"]);
    d.write(&[
        "entered-in-error",
        "--family",
        &gone,
        "--record",
        &gone,
        "--reason",
        "Duplicate household",
    ]);
    assert_eq!(d.ok(&["caseload", "summary"])["families"], 79);
    assert!(
        d.worklist(&[])
            .iter()
            .all(|i| i["family_id"] != gone.as_str()),
        "a family entered in error is still on the worklist"
    );
}

#[test]
fn projection_rebuild_changes_no_report() {
    let d = Doorstep::init();
    d.ok(&["demo", "seed", "--families", "30", "--seed", "7"]);
    let f = d.family();
    let c = d.child(&f, "Ivy", "2026-09-20", "2");
    d.write(&[
        "contact",
        "record",
        "--family",
        &f,
        "--kind",
        "6-8-week",
        "--child",
        &c,
        "--at",
        "2026-11-10T14:00",
        "--attendance",
        "did-not-attend",
    ]);
    signed_new_birth_visit(&d);

    let snapshot = || {
        (
            d.ok(&["worklist"]),
            d.ok(&["report", "kpi", "--quarter", "2026Q2"]),
            d.ok(&["report", "kpi", "--quarter", "2026Q3"]),
        )
    };
    let before = snapshot();
    assert!(
        before.0.as_array().is_some_and(|a| !a.is_empty()),
        "{:#}",
        before.0
    );
    d.ok(&["projections", "rebuild"]);
    let after = snapshot();
    assert_eq!(before.0, after.0, "worklist changed on rebuild");
    assert_eq!(before.1, after.1, "2026Q2 KPIs changed on rebuild");
    assert_eq!(before.2, after.2, "2026Q3 KPIs changed on rebuild");
}
