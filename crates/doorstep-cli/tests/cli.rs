//! End-to-end tests of the `doorstep` binary: each test sets up a device in
//! its own temporary data directory and drives the real executable, checking
//! exit codes, `--json` output, what is (and is not) written to disk, and the
//! unlock policy (warnings, crypto-erase). The clock is fixed with
//! `DOORSTEP_NOW` so every date is deterministic, and key derivation is kept
//! at its floor (`--kdf-target-ms 0`) so each run is quick.

use std::path::Path;

mod common;

use common::*;

const NEW_PASS: &str = "violet kettle orbit marmalade";
const WRONG: &str = "entirely the wrong words here";

/// Two households: the Kowalskas (A), with every kind of record, and the
/// Browns (B), who differ from A on every filter the journey test uses.
struct Caseload {
    d: Doorstep,
    a: String,
    b: String,
    parent_a: String,
    child_a: String,
    baby_a: String,
    cp_flag_a: String,
    alert_a: String,
    consent_a: String,
}

fn caseload() -> Caseload {
    let d = Doorstep::init_with(&["--practitioner", "Sam Health"]);
    let a = d.add_family(&[
        "--address-line1",
        "12 Foleshill Road",
        "--town",
        "Coventry",
        "--postcode",
        "cv1 2ab",
        "--phone",
        "07700 900123",
        "--language",
        "Polish",
        "--interpreter",
    ]);
    let b = d.add_family(&[
        "--address-line1",
        "3 Binley Road",
        "--postcode",
        "CV3 1AB",
        "--practitioner",
        "Jo Other",
    ]);
    let parent_a = d.write(&[
        "person",
        "add",
        "--family",
        &a,
        "--role",
        "parent",
        "--given-name",
        "Anna",
        "--family-name",
        "Kowalska",
        "--nhs-number",
        "943 476 5919",
    ]);
    let child_a = d.write(&[
        "person",
        "add",
        "--family",
        &a,
        "--role",
        "child",
        "--given-name",
        "Zofia",
        "--family-name",
        "Kowalska",
        "--dob",
        "2025-03-14",
        "--sex",
        "2",
        "--nhs-number",
        "9990000018",
        "--ethnicity",
        "C",
        "--gp",
        "y01001",
        "--gestation",
        "39+2",
        "--birth-weight",
        "3400",
    ]);
    let baby_a = d.write(&[
        "person",
        "add",
        "--family",
        &a,
        "--role",
        "unborn",
        "--family-name",
        "Kowalska",
        "--edd",
        "2026-12-20",
    ]);
    d.write(&[
        "person",
        "add",
        "--family",
        &b,
        "--role",
        "parent",
        "--given-name",
        "Grace",
        "--family-name",
        "Brown",
        "--nhs-number",
        "9990000026",
    ]);
    // A: targeted, then specialist.
    d.write(&[
        "level",
        "set",
        "--family",
        &a,
        "--level",
        "targeted",
        "--effective",
        "2026-01-10",
        "--reason",
        "Low mood after the birth",
    ]);
    d.write(&[
        "level",
        "set",
        "--family",
        &a,
        "--level",
        "specialist",
        "--effective",
        "2026-11-01",
        "--reason",
        "Child protection plan",
    ]);
    let cp_flag_a = d.write(&[
        "flag",
        "add",
        "--family",
        &a,
        "--kind",
        "child-protection",
        "--category",
        "neglect",
        "--lead-agency",
        "Coventry Children's Services",
        "--person",
        &child_a,
        "--start",
        "2026-10-01",
    ]);
    let alert_a = d.write(&[
        "flag",
        "add",
        "--family",
        &a,
        "--kind",
        "safety-alert",
        "--alert",
        "dog-in-house",
        "--start",
        "2026-09-01",
    ]);
    d.write(&[
        "flag",
        "end",
        "--family",
        &a,
        "--flag",
        &alert_a,
        "--end",
        "2026-11-15",
    ]);
    // B: a child-protection plan that has ended, and a safety alert in force,
    // so that `--flag` must look at active flags of the right kind.
    d.write(&[
        "flag",
        "add",
        "--family",
        &b,
        "--kind",
        "child-protection",
        "--category",
        "physical",
        "--start",
        "2026-01-01",
        "--end",
        "2026-06-01",
    ]);
    d.write(&[
        "flag",
        "add",
        "--family",
        &b,
        "--kind",
        "safety-alert",
        "--alert",
        "lone-worker-risk",
        "--start",
        "2026-02-01",
    ]);
    let consent_a = d.write(&[
        "consent",
        "record",
        "--family",
        &a,
        "--decision",
        "given",
        "--date",
        "2026-11-01",
        "--scope",
        "Share with GP and children's centre",
        "--person",
        &parent_a,
    ]);
    Caseload {
        d,
        a,
        b,
        parent_a,
        child_a,
        baby_a,
        cp_flag_a,
        alert_a,
        consent_a,
    }
}

#[test]
fn whole_journey_with_json() {
    let Caseload {
        d,
        a,
        b,
        parent_a,
        child_a,
        baby_a,
        cp_flag_a,
        alert_a,
        consent_a,
    } = caseload();

    // The unborn baby is born: same person id, now a child, EDD kept.
    let born = d.ok(&[
        "person",
        "birth",
        "--family",
        &a,
        "--person",
        &baby_a,
        "--dob",
        "2026-11-20",
        "--given-name",
        "Jan",
        "--sex",
        "1",
        "--gestation",
        "35+4",
        "--birth-weight",
        "2900",
    ]);
    assert_eq!(born["record_id"], baby_a.as_str());
    assert_eq!(born["family_id"], a.as_str());

    let wrong = d.write(&[
        "entered-in-error",
        "--family",
        &a,
        "--record",
        &consent_a,
        "--reason",
        "Recorded against the wrong family",
    ]);
    assert_eq!(wrong, consent_a);

    let view = d.show(&a);
    let f = &view["family"];
    assert_eq!(f["id"], a.as_str());

    // Household, normalised.
    let h = &f["household"];
    assert_eq!(h["address_line1"], "12 Foleshill Road");
    assert_eq!(h["town"], "Coventry");
    assert_eq!(h["postcode"], "CV1 2AB");
    assert_eq!(h["phone"], "07700900123");
    assert_eq!(h["main_language"], "Polish");
    assert_eq!(h["interpreter_needed"], true);
    assert_eq!(f["allocation"]["practitioner"], "Sam Health");

    // Members.
    let members = f["members"].as_object().expect("members");
    assert_eq!(members.len(), 3);
    let parent = &members[&parent_a];
    assert_eq!(parent["role"], "parent");
    assert_eq!(parent["nhs_number"], "9434765919");
    let child = &members[&child_a];
    assert_eq!(child["role"], "child");
    assert_eq!(child["date_of_birth"], "2025-03-14");
    assert_eq!(child["sex"], "2");
    assert_eq!(child["nhs_number"], "9990000018");
    assert_eq!(child["ethnic_category"], "C");
    assert_eq!(child["gp_practice"], "Y01001");
    assert_eq!(child["gestation_weeks"], 39);
    assert_eq!(child["gestation_days"], 2);
    assert_eq!(child["birth_weight_grams"], 3400);
    let baby = &members[&baby_a];
    assert_eq!(baby["role"], "child");
    assert_eq!(baby["given_name"], "Jan");
    assert_eq!(baby["date_of_birth"], "2026-11-20");
    assert_eq!(baby["expected_delivery_date"], "2026-12-20");
    assert_eq!(baby["sex"], "1");
    assert_eq!(baby["gestation_weeks"], 35);
    assert_eq!(baby["gestation_days"], 4);
    assert_eq!(baby["birth_weight_grams"], 2900);
    assert_eq!(baby["birth_recorded"]["by"], "Sam Health");
    assert_eq!(baby["birth_recorded"]["at"], NOW);
    assert_eq!(view["children_under5"], 2);

    // Level history keeps both entries; the current level is the latest.
    let levels = f["levels"].as_object().expect("levels");
    let mut history: Vec<(&str, &str)> = levels
        .values()
        .map(|l| {
            (
                l["effective"].as_str().unwrap(),
                l["level"].as_str().unwrap(),
            )
        })
        .collect();
    history.sort();
    assert_eq!(
        history,
        [("2026-01-10", "targeted"), ("2026-11-01", "specialist")]
    );
    assert_eq!(view["level"], "specialist");

    // Flags: the CP plan is in force; the ended alert is kept but inactive.
    let flags = &f["flags"];
    let cp = &flags[&cp_flag_a];
    assert_eq!(cp["kind"], "child-protection");
    assert_eq!(cp["cp_category"], "neglect");
    assert_eq!(cp["lead_agency"], "Coventry Children's Services");
    assert_eq!(cp["person_id"], child_a.as_str());
    assert_eq!(cp["start"], "2026-10-01");
    assert!(cp.get("end").is_none(), "{cp}");
    let alert = &flags[&alert_a];
    assert_eq!(alert["kind"], "safety-alert");
    assert_eq!(alert["alert"], "dog-in-house");
    assert_eq!(alert["end"], "2026-11-15");
    assert_eq!(alert["ended"]["by"], "Sam Health");
    assert_eq!(view["active_flags"], serde_json::json!([cp_flag_a]));

    // The consent entered in error is kept, with who, when and why.
    let consent = &f["consents"][&consent_a];
    assert_eq!(consent["decision"], "given");
    assert_eq!(consent["person_id"], parent_a.as_str());
    let mark = &consent["entered_in_error"];
    assert_eq!(mark["reason"], "Recorded against the wrong family");
    assert_eq!(mark["by"], "Sam Health");
    assert_eq!(mark["at"], NOW);

    // The list row for A.
    let all = d.list(&[]);
    assert_eq!(total(&all), 2);
    let row_a = all["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == a.as_str())
        .expect("A listed");
    assert_eq!(row_a["name"], "Kowalska");
    assert_eq!(row_a["postcode"], "CV1 2AB");
    assert_eq!(row_a["level"], "specialist");
    assert_eq!(row_a["members"], 3);
    assert_eq!(row_a["children_under5"], 2);
    assert_eq!(row_a["flags"], serde_json::json!(["child-protection"]));
    assert_eq!(row_a["interpreter_needed"], true);

    // Filters: each picks one family and leaves the other out.
    let only_a = vec![a.clone()];
    let only_b = vec![b.clone()];
    assert_eq!(d.list_ids(&["--level", "specialist"]), only_a);
    assert_eq!(d.list_ids(&["--level", "universal"]), only_b);
    assert_eq!(d.list_ids(&["--flag", "child-protection"]), only_a);
    assert_eq!(d.list_ids(&["--flag", "safety-alert"]), only_b);
    assert_eq!(d.list_ids(&["--practitioner", "Sam Health"]), only_a);
    assert_eq!(d.list_ids(&["--practitioner", "Jo Other"]), only_b);
    assert_eq!(total(&d.list(&["--level", "specialist"])), 1);

    // Search: name fragments in any case, NHS numbers with or without
    // spaces, postcodes with or without the space.
    for s in ["kowal", "KOWAL", "zofia", "Anna Kow"] {
        assert_eq!(d.list_ids(&["--search", s]), only_a, "search {s:?}");
    }
    assert_eq!(d.list_ids(&["--search", "brow"]), only_b);
    for s in ["943 476 5919", "9434765919", "999 000 0018"] {
        assert_eq!(d.list_ids(&["--search", s]), only_a, "search {s:?}");
    }
    assert_eq!(d.list_ids(&["--search", "9990000026"]), only_b);
    for s in ["CV1 2AB", "cv12ab", "cv1 2ab"] {
        assert_eq!(d.list_ids(&["--search", s]), only_a, "search {s:?}");
    }
    assert_eq!(d.list_ids(&["--search", "cv3 1ab"]), only_b);
    assert_eq!(total(&d.list(&["--search", "nobody-called-this"])), 0);

    // Sorting and paging.
    assert_eq!(d.list_ids(&["--sort", "name"]), [b.clone(), a.clone()]);
    assert_eq!(d.list_ids(&["--sort", "postcode"]), [a.clone(), b.clone()]);
    assert_eq!(d.list_ids(&["--sort", "level"]), [a.clone(), b.clone()]);
    let mut newest = d.list_ids(&["--sort", "newest"]);
    newest.sort();
    let mut both = vec![a.clone(), b.clone()];
    both.sort();
    assert_eq!(newest, both);
    let page2 = d.list(&["--sort", "name", "--per-page", "1", "--page", "2"]);
    assert_eq!(total(&page2), 2);
    assert_eq!(page2["page"], 2);
    assert_eq!(page2["per_page"], 1);
    assert_eq!(ids(&page2), only_a);
    let page1 = d.list(&["--sort", "name", "--per-page", "1", "--page", "1"]);
    assert_eq!(ids(&page1), only_b);
    let page3 = d.list(&["--sort", "name", "--per-page", "1", "--page", "3"]);
    assert_eq!(total(&page3), 2);
    assert!(ids(&page3).is_empty());

    // The plain-text renderings of the same records.
    let r = d.text(&["family", "show", &a]);
    assert_eq!(r.code, 0, "{}", r.describe());
    for want in [
        "ALERT: Child protection plan (Neglect) since 2026-10-01",
        "CV1 2AB",
        "Polish (interpreter needed)",
        "Level:        Specialist",
        "NHS 943 476 5919",
        "EDD 2026-12-20",
        "[entered in error]",
    ] {
        assert!(
            r.stdout.contains(want),
            "show lacks {want:?}:\n{}",
            r.stdout
        );
    }
    assert!(
        !r.stdout.contains("Dog in the house) since"),
        "{}",
        r.stdout
    );
    let r = d.text(&["family", "list"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(
        r.stdout.ends_with("2 families, page 1 of 1\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn invalid_input_is_refused_by_field_and_nothing_is_written() {
    let d = Doorstep::init();
    let fam = d.add_family(&["--address-line1", "1 Moat Street", "--postcode", "CV1 1AA"]);
    let parent = d.write(&[
        "person",
        "add",
        "--family",
        &fam,
        "--role",
        "parent",
        "--given-name",
        "Ruby",
        "--family-name",
        "Hall",
    ]);

    // New families: nothing is added.
    let family_cases: &[(&str, &[&str])] = &[
        (
            "postcode",
            &["--address-line1", "2 Moat Street", "--postcode", "ZZ1"],
        ),
        (
            "address_line1",
            &["--address-line1", "", "--postcode", "CV1 1AA"],
        ),
        (
            "phone",
            &[
                "--address-line1",
                "2 Moat Street",
                "--postcode",
                "CV1 1AA",
                "--phone",
                "12345",
            ],
        ),
    ];
    for (field, args) in family_cases {
        let mut a = vec!["family", "add"];
        a.extend_from_slice(args);
        d.run(&a).assert_invalid_field(field);
        assert_eq!(total(&d.list(&[])), 1, "a family was added for {field}");
    }

    // Edits to the existing family: no audit entry, the record unchanged.
    let before = d.show(&fam)["family"].clone();
    let person = |role: &'static str, extra: &[&'static str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "person",
            "add",
            "--family",
            &fam,
            "--role",
            role,
            "--given-name",
            "Leo",
            "--family-name",
            "Hall",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let child = |extra: &[&'static str]| {
        let mut a = vec!["--dob", "2025-05-01"];
        a.extend_from_slice(extra);
        person("child", &a)
    };
    let strings = |a: &[&str]| -> Vec<String> { a.iter().map(|s| s.to_string()).collect() };
    let edit_cases: Vec<(&str, Vec<String>)> = vec![
        (
            "nhs_number",
            person("parent", &["--nhs-number", "9876544321"]),
        ),
        ("nhs_number", person("parent", &["--nhs-number", "12345"])),
        (
            "nhs_number",
            person("parent", &["--nhs-number", "99900O0018"]),
        ),
        (
            "nhs_number",
            person("parent", &["--nhs-number", "abcdefghij"]),
        ),
        ("ethnic_category", child(&["--ethnicity", "Q"])),
        ("gp_practice", child(&["--gp", "123"])),
        ("sex", child(&["--sex", "z"])),
        ("date_of_birth", person("child", &["--dob", "2027-01-01"])),
        ("date_of_birth", person("child", &[])),
        ("expected_delivery_date", person("unborn", &[])),
        ("gestation", child(&["--gestation", "50+1"])),
        ("birth_weight_grams", child(&["--birth-weight", "90000"])),
        (
            "level",
            strings(&[
                "level",
                "set",
                "--family",
                &fam,
                "--level",
                "gold",
                "--effective",
                "2026-11-01",
                "--reason",
                "Review",
            ]),
        ),
        (
            "effective",
            strings(&[
                "level",
                "set",
                "--family",
                &fam,
                "--level",
                "targeted",
                "--effective",
                "2026-13-01",
                "--reason",
                "Review",
            ]),
        ),
        (
            "cp_category",
            strings(&[
                "flag",
                "add",
                "--family",
                &fam,
                "--kind",
                "child-protection",
                "--start",
                "2026-11-01",
            ]),
        ),
        (
            "alert",
            strings(&[
                "flag",
                "add",
                "--family",
                &fam,
                "--kind",
                "safety-alert",
                "--start",
                "2026-11-01",
            ]),
        ),
        (
            "decision",
            strings(&[
                "consent",
                "record",
                "--family",
                &fam,
                "--decision",
                "maybe",
                "--date",
                "2026-11-01",
                "--scope",
                "Share with GP",
            ]),
        ),
        (
            "reason",
            strings(&[
                "entered-in-error",
                "--family",
                &fam,
                "--record",
                &parent,
                "--reason",
                "",
            ]),
        ),
    ];
    for (field, args) in &edit_cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let audit_before = d.audit_count(&fam);
        d.run(&args).assert_invalid_field(field);
        assert_eq!(
            d.audit_count(&fam),
            audit_before,
            "an audit entry was written for the bad {field} ({args:?})"
        );
        assert_eq!(
            d.show(&fam)["family"],
            before,
            "the family changed after the bad {field} ({args:?})"
        );
    }
    assert_eq!(total(&d.list(&[])), 1);
    // The audit check above is not vacuous: a good edit does add an entry.
    let audit_before = d.audit_count(&fam);
    d.write(&[
        "level",
        "set",
        "--family",
        &fam,
        "--level",
        "targeted",
        "--effective",
        "2026-11-01",
        "--reason",
        "Review",
    ]);
    assert_eq!(d.audit_count(&fam), audit_before + 1);
    assert_ne!(d.show(&fam)["family"], before);

    // Paging out of range.
    d.run(&["family", "list", "--per-page", "0"])
        .assert_invalid_field("per_page");

    // Problems never echo the NHS number, in JSON or in text.
    let bad = person("parent", &["--nhs-number", "9876544321"]);
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    let j = d.run(&bad);
    assert!(!j.stdout.contains("9876544321"), "{}", j.describe());
    assert!(!j.stderr.contains("9876544321"), "{}", j.describe());
    let t = d.text(&bad);
    assert_eq!(t.code, 3, "{}", t.describe());
    assert!(t.stderr.contains("nhs_number:"), "{}", t.describe());
    assert!(!t.stderr.contains("9876544321"), "{}", t.describe());
    assert!(!t.stdout.contains("9876544321"), "{}", t.describe());
    assert!(!t.stderr.contains("987 654 4321"), "{}", t.describe());
}

fn file_state(p: &Path) -> (Vec<u8>, std::time::SystemTime) {
    let bytes = std::fs::read(p).expect("read file");
    let mtime = std::fs::metadata(p)
        .and_then(|m| m.modified())
        .expect("mtime");
    (bytes, mtime)
}

#[test]
fn wrong_passphrase_warns_from_the_fifth_failure_and_keeps_the_data() {
    let d = Doorstep::init_with(&["--max-failures", "6"]);
    let fam = d.add_family(&["--address-line1", "1 Spon End", "--postcode", "CV1 3HF"]);
    let db = d.file("doorstep.db");
    let db_before = file_state(&db);

    for n in 1..=5 {
        let r = d.exec(false, WRONG, None, &["family", "list"]);
        assert_eq!(r.code, 4, "failure {n}:\n{}", r.describe());
        assert!(r.stdout.is_empty(), "{}", r.describe());
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(
            lines[0],
            "error: Passphrase not accepted.",
            "{}",
            r.describe()
        );
        if n < 5 {
            assert_eq!(lines.len(), 1, "failure {n}:\n{}", r.describe());
        } else {
            assert_eq!(lines.len(), 2, "failure {n}:\n{}", r.describe());
            assert!(lines[1].starts_with("Warning:"), "{}", r.describe());
            assert!(lines[1].contains("5 of 6"), "{}", r.describe());
            assert!(lines[1].contains("erased"), "{}", r.describe());
        }
    }
    // A failed unlock never touches the database.
    assert!(
        db_before == file_state(&db),
        "doorstep.db changed on failed unlocks"
    );

    // The right passphrase still unlocks, with the data intact...
    let page = d.list(&[]);
    assert_eq!(total(&page), 1);
    assert_eq!(ids(&page), vec![fam.clone()]);
    assert_eq!(d.show(&fam)["family"]["household"]["postcode"], "CV1 3HF");

    // ...and the count starts again: the next failure has no warning.
    let r = d.exec(true, WRONG, None, &["family", "list"]);
    assert_eq!(r.code, 4, "{}", r.describe());
    let e = r.error();
    assert_eq!(e["code"], "wrong-passphrase");
    assert_eq!(e["message"], "Passphrase not accepted.");
    assert!(e["warning"].is_null(), "{}", r.describe());
    assert!(d.file("key.json").exists());
}

#[test]
fn too_many_failures_erase_the_data() {
    let d = Doorstep::init_with(&["--max-failures", "3"]);
    d.add_family(&["--address-line1", "1 Spon End", "--postcode", "CV1 3HF"]);
    let db = d.file("doorstep.db");
    let db_before = file_state(&db);

    for _ in 0..2 {
        let r = d.exec(false, WRONG, None, &["family", "list"]);
        assert_eq!(r.code, 4, "{}", r.describe());
        assert_eq!(
            r.stderr.lines().next(),
            Some("error: Passphrase not accepted.")
        );
    }
    assert!(
        db_before == file_state(&db),
        "doorstep.db changed on failed unlocks"
    );

    let r = d.exec(false, WRONG, None, &["family", "list"]);
    assert_eq!(r.code, 5, "{}", r.describe());
    assert!(
        r.stderr.starts_with("error: Too many failed attempts"),
        "{}",
        r.describe()
    );
    assert!(r.stderr.contains("has been erased"), "{}", r.describe());

    assert!(!d.file("key.json").exists(), "key.json survived the erase");
    assert!(
        !d.file("doorstep.db").exists(),
        "doorstep.db survived the erase"
    );
    assert!(!d.file("doorstep.db-wal").exists());
    assert!(d.file("ERASED").exists(), "no ERASED marker");

    // Even the right passphrase now gets "erased".
    let r = d.text(&["family", "list"]);
    assert_eq!(r.code, 5, "{}", r.describe());
    assert!(r.stderr.contains("was erased"), "{}", r.describe());
    let r = d.run(&["family", "list"]);
    assert_eq!(r.code, 5, "{}", r.describe());
    assert_eq!(r.error()["code"], "erased");
    assert!(
        r.error()["message"]
            .as_str()
            .unwrap()
            .contains("was erased"),
        "{}",
        r.describe()
    );
}

#[test]
fn passphrase_change_swaps_the_passphrase_and_keeps_the_data() {
    let mut d = Doorstep::init();
    let fam = d.add_family(&["--address-line1", "1 Spon End", "--postcode", "CV1 3HF"]);
    let change = ["passphrase", "change", "--kdf-target-ms", "0"];

    // A weak new passphrase is refused and the old one still works.
    let r = d.exec(true, PASS, Some("short"), &change);
    r.assert_invalid_field("new_passphrase");
    assert_eq!(total(&d.list(&[])), 1);

    let r = d.exec(true, PASS, Some(NEW_PASS), &change);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert_eq!(r.json["changed"], true);

    let r = d.exec(true, PASS, None, &["family", "list"]);
    assert_eq!(r.code, 4, "old passphrase still works:\n{}", r.describe());
    assert_eq!(r.error()["code"], "wrong-passphrase");

    d.passphrase = NEW_PASS.into();
    assert_eq!(d.list_ids(&[]), vec![fam.clone()]);
    assert_eq!(
        d.show(&fam)["family"]["household"]["address_line1"],
        "1 Spon End"
    );
}

#[test]
fn init_refuses_a_weak_passphrase_and_a_second_profile() {
    let d = Doorstep::empty();
    let r = d.exec(
        true,
        "short",
        None,
        &["init", "--kdf-target-ms", "0", "--backoff-ms", "0"],
    );
    r.assert_invalid_field("passphrase");
    let left: Vec<_> = std::fs::read_dir(d.dir()).unwrap().collect();
    assert!(left.is_empty(), "init left files behind: {left:?}");

    d.ok(&["init", "--kdf-target-ms", "0", "--backoff-ms", "0"]);
    let key_before = std::fs::read(d.file("key.json")).unwrap();
    let r = d.run(&["init", "--kdf-target-ms", "0", "--backoff-ms", "0"]);
    assert_eq!(r.code, 7, "{}", r.describe());
    assert_eq!(r.error()["code"], "profile-exists");
    assert_eq!(std::fs::read(d.file("key.json")).unwrap(), key_before);
    assert_eq!(total(&d.list(&[])), 0);
}

#[test]
fn demo_seed_is_deterministic_and_projections_rebuild_identically() {
    let seed = ["demo", "seed", "--families", "50", "--seed", "3"];
    let list = ["family", "list", "--per-page", "100"];
    let one = Doorstep::init();
    let two = Doorstep::init();
    one.ok(&seed);
    two.ok(&seed);
    let first = one.ok(&list);
    let second = two.ok(&list);
    assert_eq!(total(&first), 50);
    assert_eq!(ids(&first).len(), 50);
    assert_eq!(first, second, "the same seed gave different caseloads");

    let rebuilt = one.ok(&["projections", "rebuild"]);
    assert_eq!(rebuilt["families"], 50);
    assert_eq!(one.ok(&list), first, "a rebuild changed the list");

    let r = one.text(&["audit", "verify"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(r.stdout.contains("intact"), "{}", r.describe());
    let v = one.ok(&["audit", "verify"]);
    assert_eq!(v["problems"], serde_json::json!([]));
}

#[test]
fn family_id_prefix_and_unknown_id() {
    let d = Doorstep::init();
    let fam = d.add_family(&["--address-line1", "1 Spon End", "--postcode", "CV1 3HF"]);
    let view = d.show(&fam[..8]);
    assert_eq!(view["family"]["id"], fam.as_str());

    let r = d.run(&["family", "show", "00000000-0000-4000-8000-000000000000"]);
    assert_eq!(r.code, 8, "{}", r.describe());
    assert_eq!(r.error()["code"], "not-found");

    let r = d.run(&["family", "show", &fam[..5]]);
    r.assert_invalid_field("family");
}

// BUG (doorstep-store, crates/doorstep-store/src/projection.rs `list`): the
// offset is computed as `(page - 1) * per_page` in u32, which overflows for
// large pages: a panic (exit 101) in debug builds, a silently wrong page in
// release builds. A page past the end should be an empty page (or a field
// problem for `page`), never a crash.
#[test]
fn paging_far_past_the_end_is_not_a_crash() {
    let d = Doorstep::init();
    d.add_family(&["--address-line1", "1 Spon End", "--postcode", "CV1 3HF"]);
    for page in ["9000000", "4294967295"] {
        let r = d.run(&["family", "list", "--per-page", "500", "--page", page]);
        match r.code {
            0 => {
                assert_eq!(total(&r.json), 1, "{}", r.describe());
                assert!(ids(&r.json).is_empty(), "{}", r.describe());
            }
            3 => r.assert_invalid_field("page"),
            _ => panic!(
                "page {page} (BUG in doorstep-store, see above):\n{}",
                r.describe()
            ),
        }
    }
}

// BUG (doorstep-store, crates/doorstep-store/src/projection.rs `list`): the
// search text goes into `LIKE` patterns unescaped, so `%` and `_` act as
// wildcards: a search for "%" lists every family. Search text should match
// literally (escape `%`, `_` and the escape character, with `ESCAPE`).
#[test]
fn search_text_is_literal_not_a_like_pattern() {
    let d = Doorstep::init();
    for (name, postcode) in [("Smith", "CV1 3HF"), ("Jones", "CV2 4AB")] {
        let fam = d.add_family(&["--address-line1", "1 Spon End", "--postcode", postcode]);
        d.write(&[
            "person",
            "add",
            "--family",
            &fam,
            "--role",
            "parent",
            "--given-name",
            "Alex",
            "--family-name",
            name,
        ]);
    }
    assert_eq!(total(&d.list(&["--search", "smi"])), 1);
    for s in ["%", "_", "S%h", "J_nes"] {
        assert_eq!(
            total(&d.list(&["--search", s])),
            0,
            "search {s:?} matched as a LIKE pattern (BUG in doorstep-store, see above)"
        );
    }
}
