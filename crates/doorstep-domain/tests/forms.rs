//! The form engine: shipped definitions, versioning and content hashes,
//! answer parsing, validation (types, ranges, codes, enableWhen, required)
//! and every scoring rule at its boundaries.

use chrono::NaiveDate;
use doorstep_domain::forms::{
    self, asq_domain_results, asq_interval, epds_item_score, is_enabled, months_and_days,
    parse_answer, scores, validate, Answer, Answers, AsqDomain, AsqDomainValues, AsqZone,
    FormDefinition, FormError, FormsConfig, Score, ScoreContext, ScoreFlag,
};
use doorstep_domain::values::codes::LevelOfService;
use doorstep_domain::FieldProblem;

fn def(id: &str) -> &'static FormDefinition {
    forms::latest(id).unwrap_or_else(|| panic!("{id} is shipped"))
}

fn no_age() -> ScoreContext {
    ScoreContext::default()
}

fn score<'a>(list: &'a [Score], code: &str) -> &'a Score {
    list.iter()
        .find(|s| s.code == code)
        .unwrap_or_else(|| panic!("no score {code} in {list:?}"))
}

fn fields(problems: &[FieldProblem]) -> Vec<&str> {
    problems.iter().map(|p| p.field.as_str()).collect()
}

fn problem_for<'a>(problems: &'a [FieldProblem], field: &str) -> &'a FieldProblem {
    problems
        .iter()
        .find(|p| p.field == field)
        .unwrap_or_else(|| panic!("no problem for {field} in {problems:?}"))
}

/// EPDS answers with the given item scores.
fn epds_answers(items: [i64; 10]) -> Answers {
    let mut a = Answers::new();
    for (n, v) in items.iter().enumerate() {
        a.set(&format!("epds-{}", n + 1), Answer::Integer(*v));
    }
    a
}

/// The answers that let an FHAT complete (both Whooley answers no).
fn fhat_minimal() -> Answers {
    Answers::new()
        .with("sleep-place-day", Answer::Coding("moses-basket".into()))
        .with(
            "sleep-place-night",
            Answer::Coding("parents-room-cot".into()),
        )
        .with("sleep-position-back", Answer::Bool(true))
        .with("co-sleeping", Answer::Coding("none".into()))
        .with("smoking-household", Answer::Bool(false))
        .with("carer-substances", Answer::Bool(false))
        .with("safe-sleep-advice-given", Answer::Bool(true))
        .with("whooley-q1", Answer::Bool(false))
        .with("whooley-q2", Answer::Bool(false))
        .with("gad2-q1", Answer::Integer(0))
        .with("gad2-q2", Answer::Integer(1))
        .with("level-of-service", Answer::Coding("universal".into()))
}

// ---------- definitions, versions and hashes ----------

#[test]
fn every_shipped_definition_parses() {
    let all = forms::builtin();
    let ids: Vec<(&str, &str)> = all
        .iter()
        .map(|d| (d.id.as_str(), d.version.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("fhat", "1"),
            ("family-partnership", "1"),
            ("two-year-review", "1"),
            ("two-year-review", "2"),
            ("epds", "1"),
            ("epds", "2"),
            ("epds", "3"),
        ]
    );
    for d in all {
        assert!(!d.title.is_empty(), "{} has a title", d.id);
        assert_eq!(d.status, "active");
        assert_eq!(d.hash.len(), 32);
        assert!(d.hash.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!d.all_items().is_empty());
    }
    // Items the brief names are where they should be.
    let fhat = def("fhat");
    for id in [
        "child-development-strengths",
        "parenting-capacity-concerns",
        "family-environment-strengths",
        "sleep-place-day",
        "sleep-place-night",
        "feet-to-foot",
        "firm-flat-mattress",
        "no-loose-bedding",
        "room-temperature-ok",
        "co-sleeping",
        "smoking-household",
        "carer-substances",
        "premature-or-lbw",
        "routine-changes",
        "safe-sleep-advice-given",
        "safe-sleep-action-plan",
        "whooley-q1",
        "whooley-q2",
        "whooley-help",
        "gad2-q1",
        "gad2-q2",
        "level-of-service",
        "confirm-level",
    ] {
        assert!(fhat.item(id).is_some(), "fhat has {id}");
    }
    let night = fhat.item("sleep-place-night").unwrap();
    let codes: Vec<&str> = night
        .answer_options
        .iter()
        .map(|o| o.value_coding.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "own-cot",
            "moses-basket",
            "parents-room-cot",
            "adult-bed",
            "sofa-armchair",
            "pod-nest",
            "car-seat-sling",
            "other"
        ]
    );
    assert!(def("family-partnership").item("goals").unwrap().repeats);
    for d in AsqDomain::ALL {
        let item = def("two-year-review").item(d.link_id()).unwrap();
        assert_eq!((item.min_value, item.max_value), (Some(0.0), Some(60.0)));
    }
}

#[test]
fn no_copyrighted_item_wording_is_shipped() {
    for d in forms::builtin().iter().filter(|d| d.id == "epds") {
        for i in 1..=10 {
            let item = d.item(&format!("epds-{i}")).unwrap();
            let ours = if d.version == "3" {
                format!("EPDS item {i}: the answer the parent chose")
            } else {
                format!("EPDS item {i} score (0–3)")
            };
            assert!(item.text.starts_with(&ours), "{}", item.text);
            for o in &item.answer_options {
                assert!(o.value_coding.display.contains("answer printed"), "{o:?}");
            }
        }
    }
}

#[test]
fn limits_are_fhir_extensions_and_moving_them_there_kept_every_hash() {
    // The hashes recorded on responses made before the limits moved into
    // FHIR's minValue/maxValue extensions (computed by the code of that
    // time): the same definitions still have them.
    for (id, version, hash) in [
        ("fhat", "1", "e7aa23b980228e4157373d1baadd0d12"),
        (
            "family-partnership",
            "1",
            "6fcda5b1feb85df0490af058fc13b5ad",
        ),
        ("two-year-review", "1", "3ae0b08db5b4482acb2623e94d7f337f"),
        ("epds", "1", "e6f703031a5c8fdb6065f5d96986d4f0"),
        ("epds", "2", "6696194da61e700ba54d8fcb69fb25e5"),
    ] {
        assert_eq!(
            forms::find(id, version).unwrap().hash,
            hash,
            "{id} v{version}"
        );
    }
    // A limit read from its extension, integer or decimal.
    let json = r#"{"resourceType":"Questionnaire","id":"x","version":"1","status":"active",
        "item":[{"linkId":"a","type":"decimal","extension":[
            {"url":"http://hl7.org/fhir/StructureDefinition/minValue","valueDecimal":0.5},
            {"url":"http://example.org/other","valueString":"ignored"},
            {"url":"http://hl7.org/fhir/StructureDefinition/maxValue","valueInteger":3}]}]}"#;
    let d = FormDefinition::parse(json).unwrap();
    let a = d.item("a").unwrap();
    assert_eq!((a.min_value, a.max_value), (Some(0.5), Some(3.0)));
    // The plain fields FHIR does not have are refused.
    let plain = r#"{"resourceType":"Questionnaire","id":"x","version":"1","status":"active",
        "item":[{"linkId":"a","type":"integer","minValue":0}]}"#;
    let e = FormDefinition::parse(plain).unwrap_err();
    assert!(e.to_string().contains("minValue"), "{e}");
}

#[test]
fn epds_v3_records_the_answer_chosen_and_the_engine_reverse_scores() {
    let v3 = forms::find("epds", "3").unwrap();
    // The first answer printed everywhere: items 1, 2 and 4 score 0, the
    // seven reverse-scored items 3 each: 21.
    let mut answers = Answers::new();
    for i in 1..=10 {
        answers.set(&format!("epds-{i}"), Answer::Coding("a".into()));
    }
    assert_eq!(validate(v3, &answers, true), vec![]);
    let s = scores(v3, &answers, &no_age(), &FormsConfig::default());
    assert_eq!(score(&s, "epds-total").value, 21.0);
    // Item 10's first printed answer is the most worrying: urgent.
    assert_eq!(score(&s, "epds-item10").value, 3.0);
    assert!(score(&s, "epds-item10").has(ScoreFlag::Urgent));
    // The fourth answer everywhere: 3 + 3 + 0 + 3 + 0 × 6 = 9, item 10 = 0.
    for i in 1..=10 {
        answers.set(&format!("epds-{i}"), Answer::Coding("d".into()));
    }
    let s = scores(v3, &answers, &no_age(), &FormsConfig::default());
    assert_eq!(score(&s, "epds-total").value, 9.0);
    assert!(!score(&s, "epds-item10").has(ScoreFlag::Urgent));
    // A score typed as on v2 is not an answer on v3.
    let p = forms::parse_answer(v3, "epds-1", "2").unwrap_err();
    assert_eq!(p.field, "epds-1");
}

#[test]
fn content_hash_is_stable_and_tracks_content() {
    let v1 = forms::find("epds", "1").unwrap();
    let v2 = forms::find("epds", "2").unwrap();
    assert_ne!(v1.form_ref().hash, v2.form_ref().hash);
    assert_eq!(v1.form_ref().id, "epds");
    assert_eq!(v1.form_ref().version, "1");

    let src = include_str!("../../../forms/epds.v1.json");
    let again = FormDefinition::parse(src).unwrap();
    assert_eq!(again.form_ref(), v1.form_ref());
    // Whitespace and key order are not content.
    let value: serde_json::Value = serde_json::from_str(src).unwrap();
    let compact = serde_json::to_string(&value).unwrap();
    assert_eq!(FormDefinition::parse(&compact).unwrap().hash, v1.hash);
    // Any change of content is.
    let edited = src.replace("EPDS item 4 score", "EPDS item 4 scored");
    assert_ne!(FormDefinition::parse(&edited).unwrap().hash, v1.hash);
    // A known value, so the hash cannot drift between runs or builds.
    let tiny = r#"{"resourceType":"Questionnaire","id":"t","version":"1","status":"draft",
        "item":[{"linkId":"a","type":"boolean"}]}"#;
    let h = FormDefinition::parse(tiny).unwrap().hash;
    assert_eq!(h, FormDefinition::parse(tiny).unwrap().hash);
    assert_eq!(h.len(), 32);
}

#[test]
fn a_v1_response_completes_after_v2_is_installed() {
    assert_eq!(forms::latest("epds").unwrap().version, "3");
    let v1 = forms::find("epds", "1").expect("old version stays installed");
    assert!(forms::find("epds", "4").is_none());
    assert!(forms::latest("no-such-form").is_none());

    let answers = epds_answers([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    assert_eq!(validate(v1, &answers, true), vec![]);
    let s = scores(v1, &answers, &no_age(), &FormsConfig::default());
    assert_eq!(score(&s, "epds-total").value, 9.0);

    // v2's new item is not on v1 ...
    let with_notes = answers
        .clone()
        .with("epds-notes", Answer::Text("interpreter present".into()));
    let p = validate(v1, &with_notes, true);
    assert_eq!(fields(&p), ["epds-notes"]);
    assert!(p[0]
        .problem
        .contains("not a question on this form (epds v1)"));
    // ... and optional on v2, where the v1 answers complete too.
    let v2 = forms::find("epds", "2").unwrap();
    assert_eq!(validate(v2, &answers, true), vec![]);
    assert_eq!(validate(v2, &with_notes, true), vec![]);
}

#[test]
fn invalid_definitions_are_refused() {
    let bad = [
        (
            r#"{"resourceType":"Patient","id":"x","version":"1","status":"active"}"#,
            "Questionnaire",
        ),
        ("not json", "not a valid Questionnaire"),
        (
            r#"{"resourceType":"Questionnaire","id":"x","version":"1","status":"active",
               "item":[{"linkId":"a","type":"boolean"},{"linkId":"a","type":"integer"}]}"#,
            "used twice",
        ),
        (
            r#"{"resourceType":"Questionnaire","id":"x","version":"1","status":"active",
               "item":[{"linkId":"a","type":"boolean","enableWhen":[{"question":"zz","operator":"=","answerBoolean":true}]}]}"#,
            "not on the form",
        ),
        (
            r#"{"resourceType":"Questionnaire","id":"x","version":"1","status":"active",
               "item":[{"linkId":"a","type":"choice"}]}"#,
            "answer options",
        ),
        (
            r#"{"resourceType":"Questionnaire","id":"x","version":"1","status":"active",
               "item":[{"linkId":"a","type":"integer","extension":[
                   {"url":"http://hl7.org/fhir/StructureDefinition/minValue","valueInteger":5},
                   {"url":"http://hl7.org/fhir/StructureDefinition/maxValue","valueInteger":1}]}]}"#,
            "minValue",
        ),
        (
            r#"{"resourceType":"Questionnaire","id":"x","version":"1","status":"active",
               "item":[{"linkId":"a","type":"integer","requried":true}]}"#,
            "requried",
        ),
        (
            r#"{"resourceType":"Questionnaire","id":"x","version":"1","status":"active",
               "item":[{"linkId":"a","type":"integer"},
                       {"linkId":"b","type":"text","enableWhen":[{"question":"a","operator":"=","answerBoolean":true}]}]}"#,
            "does not fit",
        ),
    ];
    for (json, expect) in bad {
        let e = FormDefinition::parse(json).unwrap_err();
        assert!(
            e.to_string().contains(expect),
            "{e} should mention {expect}"
        );
        assert!(matches!(e, FormError::Json(_) | FormError::Invalid { .. }));
    }
}

// ---------- answers ----------

#[test]
fn parse_answer_types_and_problems_name_the_field() {
    let fhat = def("fhat");
    assert_eq!(
        parse_answer(fhat, "whooley-q1", " Yes "),
        Ok(Answer::Bool(true))
    );
    assert_eq!(
        parse_answer(fhat, "whooley-q1", "n"),
        Ok(Answer::Bool(false))
    );
    assert_eq!(parse_answer(fhat, "gad2-q1", "2"), Ok(Answer::Integer(2)));
    assert_eq!(
        parse_answer(fhat, "sleep-place-night", "Sofa or armchair"),
        Ok(Answer::Coding("sofa-armchair".into()))
    );
    assert_eq!(
        parse_answer(fhat, "sleep-place-night", "ADULT-BED"),
        Ok(Answer::Coding("adult-bed".into()))
    );
    let tyr = def("two-year-review");
    assert_eq!(
        parse_answer(tyr, "asq3-fine-motor", "42.5"),
        Ok(Answer::Decimal(42.5))
    );
    assert_eq!(
        parse_answer(tyr, "eyfs-check-date", "2025-03-01"),
        Ok(Answer::Date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()))
    );
    let fp = def("family-partnership");
    assert_eq!(
        parse_answer(fp, "goals[2].rating", "7"),
        Ok(Answer::Integer(7))
    );

    let cases: [(&FormDefinition, &str, &str, &str); 10] = [
        (fhat, "whooley-q1", "maybe", "must be yes or no"),
        (fhat, "gad2-q1", "2.5", "must be a whole number"),
        (
            fhat,
            "sleep-place-night",
            "hammock",
            "is not one of the options: own-cot (Own cot or crib)",
        ),
        (fhat, "safe-sleep", "yes", "is a group of questions"),
        (
            fhat,
            "no-such-item",
            "1",
            "is not a question on this form (fhat v1)",
        ),
        (fhat, "gad2-q2", "  ", "has no value"),
        (tyr, "asq3-communication", "lots", "must be a number"),
        (tyr, "eyfs-check-date", "01/03/2025", "YYYY-MM-DD"),
        (fp, "rating", "3", "write it as goals[n].rating"),
        (fp, "goals[01].rating", "3", "is not an item path"),
    ];
    for (d, field, raw, expect) in cases {
        let p = parse_answer(d, field, raw).unwrap_err();
        assert_eq!(p.field, field);
        assert!(
            p.problem.contains(expect),
            "{field}: {p} should say {expect}"
        );
    }
}

#[test]
fn answers_round_trip_through_json_with_their_types() {
    let a = Answers::new()
        .with("asq3-communication", Answer::Decimal(30.0))
        .with("gad2-q1", Answer::Integer(3))
        .with("whooley-q1", Answer::Bool(true))
        .with("goals[0].goal", Answer::Text("sleep routine".into()))
        .with(
            "goals[0].review-date",
            Answer::Date(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()),
        )
        .with("sleep-place-day", Answer::Coding("own-cot".into()));
    let json = serde_json::to_string(&a).unwrap();
    assert!(
        json.contains(r#""asq3-communication":{"valueDecimal":30.0}"#),
        "{json}"
    );
    assert!(
        json.contains(r#""sleep-place-day":{"valueCoding":"own-cot"}"#),
        "{json}"
    );
    let back: Answers = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
    // A decimal stored as a whole number still reads back as a decimal.
    let back: Answer = serde_json::from_str(r#"{"valueDecimal":30}"#).unwrap();
    assert_eq!(back, Answer::Decimal(30.0));
}

// ---------- validation ----------

#[test]
fn whooley_help_is_asked_only_after_a_yes() {
    let fhat = def("fhat");
    let both_no = fhat_minimal();
    assert!(!is_enabled(fhat, &both_no, "whooley-help"));
    assert_eq!(
        validate(fhat, &both_no, true),
        vec![],
        "help not required when not asked"
    );

    let answered = both_no.clone().with("whooley-help", Answer::Bool(true));
    let p = validate(fhat, &answered, false);
    assert_eq!(fields(&p), ["whooley-help"]);
    assert_eq!(
        p[0].problem,
        "is not asked because whooley-q1 is not yes and whooley-q2 is not yes"
    );

    for q in ["whooley-q1", "whooley-q2"] {
        let yes = both_no.clone().with(q, Answer::Bool(true));
        assert!(
            is_enabled(fhat, &yes, "whooley-help"),
            "{q} yes enables help"
        );
        assert_eq!(validate(fhat, &yes, false), vec![], "a draft may leave it");
        let p = validate(fhat, &yes, true);
        assert_eq!(fields(&p), ["whooley-help"]);
        assert_eq!(p[0].problem, "is required");
        let done = yes.with("whooley-help", Answer::Bool(false));
        assert_eq!(validate(fhat, &done, true), vec![]);
    }
    // Unanswered questions do not enable it either.
    assert!(!is_enabled(fhat, &Answers::new(), "whooley-help"));
    assert!(is_enabled(fhat, &Answers::new(), "whooley-q1"));
    assert!(!is_enabled(fhat, &Answers::new(), "not-an-item"));
}

#[test]
fn other_enable_when_operators() {
    let fhat = def("fhat");
    // "any" over two choice questions.
    let a = fhat_minimal();
    assert!(!is_enabled(fhat, &a, "sleep-place-other"));
    let a = a.with("sleep-place-night", Answer::Coding("other".into()));
    assert!(is_enabled(fhat, &a, "sleep-place-other"));
    assert_eq!(fields(&validate(fhat, &a, true)), ["sleep-place-other"]);

    // "!=": the integrated-review details are asked unless it was not integrated.
    let tyr = def("two-year-review");
    let none = Answers::new();
    assert!(
        !is_enabled(tyr, &none, "ir2-setting"),
        "unanswered: not asked"
    );
    let joint = Answers::new().with("ir2-mode", Answer::Coding("joint".into()));
    assert!(is_enabled(tyr, &joint, "ir2-setting"));
    let not = Answers::new()
        .with("ir2-mode", Answer::Coding("not-integrated".into()))
        .with("ir2-consent-share", Answer::Bool(true));
    assert!(!is_enabled(tyr, &not, "ir2-setting"));
    let p = validate(tyr, &not, false);
    assert_eq!(fields(&p), ["ir2-consent-share"]);
    assert_eq!(
        p[0].problem,
        "is not asked because ir2-mode is not-integrated or not answered"
    );
}

#[test]
fn required_fields_are_checked_only_at_completion() {
    let fhat = def("fhat");
    assert_eq!(validate(fhat, &Answers::new(), false), vec![]);
    let p = validate(fhat, &Answers::new(), true);
    let f = fields(&p);
    for id in [
        "sleep-place-day",
        "sleep-place-night",
        "sleep-position-back",
        "whooley-q1",
        "whooley-q2",
        "gad2-q1",
        "gad2-q2",
        "level-of-service",
    ] {
        assert!(f.contains(&id), "{id} is required: {f:?}");
    }
    assert!(!f.contains(&"whooley-help"), "not asked, so not required");
    assert!(!f.contains(&"confirm-level"), "optional");
    assert!(p.iter().all(|p| p.problem == "is required"));
    assert_eq!(validate(fhat, &fhat_minimal(), true), vec![]);

    let tyr = def("two-year-review");
    let p = validate(tyr, &Answers::new(), true);
    assert_eq!(
        fields(&p),
        [
            "asq3-communication",
            "asq3-gross-motor",
            "asq3-fine-motor",
            "asq3-problem-solving",
            "asq3-personal-social",
            "ir2-mode"
        ]
    );
}

#[test]
fn ranges_are_enforced() {
    let tyr = def("two-year-review");
    for (v, ok) in [
        (61.0, false),
        (-1.0, false),
        (60.0, true),
        (0.0, true),
        (60.01, false),
    ] {
        let a = Answers::new().with("asq3-gross-motor", Answer::Decimal(v));
        let p = validate(tyr, &a, false);
        if ok {
            assert_eq!(p, vec![], "{v}");
        } else {
            assert_eq!(fields(&p), ["asq3-gross-motor"], "{v}");
            assert_eq!(p[0].problem, "must be between 0 and 60");
        }
    }
    let a = Answers::new().with("asqse2-total", Answer::Integer(-5));
    assert_eq!(validate(tyr, &a, false)[0].problem, "must be at least 0");

    let fp = def("family-partnership");
    let a = Answers::new()
        .with("goals[0].goal", Answer::Text("Better sleep".into()))
        .with("goals[0].rating", Answer::Integer(11))
        .with("goals[1].goal", Answer::Text("Nursery place".into()))
        .with("goals[1].rating", Answer::Integer(10));
    let p = validate(fp, &a, false);
    assert_eq!(fields(&p), ["goals[0].rating"]);
    assert_eq!(p[0].problem, "must be between 0 and 10");

    let fhat = def("fhat");
    let a = Answers::new().with("gad2-q1", Answer::Integer(4));
    assert_eq!(
        problem_for(&validate(fhat, &a, false), "gad2-q1").problem,
        "must be between 0 and 3"
    );
}

#[test]
fn choice_codes_and_types_are_checked() {
    let fhat = def("fhat");
    let a = Answers::new()
        .with("sleep-place-night", Answer::Coding("hammock".into()))
        .with("level-of-service", Answer::Coding("universal-plus".into()))
        .with("whooley-q1", Answer::Integer(1))
        .with("gad2-q1", Answer::Text("two".into()));
    let p = validate(fhat, &a, false);
    assert_eq!(
        fields(&p),
        [
            "gad2-q1",
            "level-of-service",
            "sleep-place-night",
            "whooley-q1"
        ]
    );
    assert!(problem_for(&p, "sleep-place-night")
        .problem
        .starts_with("is not one of the options: own-cot"));
    assert!(problem_for(&p, "level-of-service")
        .problem
        .contains("targeted (Targeted)"));
    assert_eq!(problem_for(&p, "whooley-q1").problem, "must be yes or no");
    assert_eq!(problem_for(&p, "gad2-q1").problem, "must be a whole number");
}

#[test]
fn repeating_goals_validate_per_instance() {
    let fp = def("family-partnership");
    let base = Answers::new().with("family-strengths", Answer::Text("Close family".into()));
    let p = validate(fp, &base, true);
    assert_eq!(fields(&p), ["goals"]);
    assert_eq!(p[0].problem, "needs at least one entry");

    let a = base
        .clone()
        .with("goals[0].goal", Answer::Text("Better sleep".into()))
        .with("goals[0].rating", Answer::Integer(3))
        .with("goals[3].rating", Answer::Integer(6))
        .with("rating", Answer::Integer(6))
        .with("goals.rating", Answer::Integer(6));
    let p = validate(fp, &a, true);
    assert_eq!(fields(&p), ["goals.rating", "rating", "goals[3].goal"]);
    assert_eq!(
        p[0].problem,
        "does not match the form: write it as goals[n].rating"
    );
    assert_eq!(p[2].problem, "is required");
    assert!(is_enabled(fp, &a, "goals[3].rating"));

    let done = base
        .with("goals[0].goal", Answer::Text("Better sleep".into()))
        .with(
            "goals[0].actions",
            Answer::Text("Bedtime routine; check in weekly".into()),
        )
        .with("goals[0].rating", Answer::Integer(3))
        .with(
            "goals[0].review-date",
            Answer::Date(NaiveDate::from_ymd_opt(2025, 5, 1).unwrap()),
        )
        .with("goals[1].goal", Answer::Text("Nursery place".into()));
    assert_eq!(validate(fp, &done, true), vec![]);
    let g = forms::goals(&done);
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].index, 0);
    assert_eq!(g[0].text, "Better sleep");
    assert_eq!(
        g[0].actions.as_deref(),
        Some("Bedtime routine; check in weekly")
    );
    assert_eq!(g[0].rating, Some(3));
    assert_eq!(g[0].review_date, NaiveDate::from_ymd_opt(2025, 5, 1));
    assert_eq!(
        (g[1].index, g[1].rating, g[1].actions.clone()),
        (1, None, None)
    );
}

#[test]
fn every_problem_names_a_field_on_the_form() {
    let fhat = def("fhat");
    let a = Answers::new()
        .with("sleep-place-night", Answer::Coding("hammock".into()))
        .with("whooley-q1", Answer::Bool(false))
        .with("whooley-q2", Answer::Bool(false))
        .with("whooley-help", Answer::Bool(true))
        .with("gad2-q1", Answer::Integer(9));
    let p = validate(fhat, &a, true);
    assert!(p.len() > 5);
    for problem in &p {
        assert!(
            fhat.item(&problem.field).is_some(),
            "{problem} names an item"
        );
        assert!(!problem.problem.is_empty());
        assert!(problem
            .to_string()
            .starts_with(&format!("{}: ", problem.field)));
    }
}

// ---------- FHAT level ----------

#[test]
fn level_recommendation_and_confirmation() {
    let a = fhat_minimal().with("level-of-service", Answer::Coding("targeted".into()));
    assert_eq!(forms::recommended_level(&a), Some(LevelOfService::Targeted));
    assert!(!forms::level_confirmed(&a));
    assert_eq!(forms::confirmed_level(&a), None);
    let a = a.with("confirm-level", Answer::Bool(true));
    assert!(forms::level_confirmed(&a));
    assert_eq!(forms::confirmed_level(&a), Some(LevelOfService::Targeted));
    assert_eq!(validate(def("fhat"), &a, true), vec![]);
    assert_eq!(forms::recommended_level(&Answers::new()), None);
}

// ---------- scores ----------

#[test]
fn whooley_positive_on_either_yes() {
    let fhat = def("fhat");
    let cfg = FormsConfig::default();
    let s = scores(fhat, &fhat_minimal(), &no_age(), &cfg);
    let w = score(&s, "whooley-positive");
    assert_eq!(w.value, 0.0);
    assert!(w.flags.is_empty());
    for q in ["whooley-q1", "whooley-q2"] {
        let a = fhat_minimal()
            .with(q, Answer::Bool(true))
            .with("whooley-help", Answer::Bool(true));
        let s = scores(fhat, &a, &no_age(), &cfg);
        let w = score(&s, "whooley-positive");
        assert_eq!(w.value, 1.0);
        assert_eq!(w.flags, [ScoreFlag::Positive]);
        assert!(w.interpretation.as_deref().unwrap().contains("wants help"));
    }
    // One yes is enough even before the other is answered; one no is not.
    let a = Answers::new().with("whooley-q2", Answer::Bool(true));
    assert!(score(&scores(fhat, &a, &no_age(), &cfg), "whooley-positive").has(ScoreFlag::Positive));
    let a = Answers::new().with("whooley-q1", Answer::Bool(false));
    assert!(scores(fhat, &a, &no_age(), &cfg).is_empty());
}

#[test]
fn gad2_positive_at_three_not_two() {
    let fhat = def("fhat");
    let cfg = FormsConfig::default();
    for (q1, q2, total, positive) in [
        (1, 1, 2.0, false),
        (2, 0, 2.0, false),
        (2, 1, 3.0, true),
        (0, 3, 3.0, true),
        (3, 3, 6.0, true),
        (0, 0, 0.0, false),
    ] {
        let a = Answers::new()
            .with("gad2-q1", Answer::Integer(q1))
            .with("gad2-q2", Answer::Integer(q2));
        let s = scores(fhat, &a, &no_age(), &cfg);
        let g = score(&s, "gad2-total");
        assert_eq!(g.value, total);
        assert_eq!(g.has(ScoreFlag::Positive), positive, "{q1}+{q2}");
    }
    // The cut-off is configuration.
    let strict = FormsConfig {
        gad2_cutoff: 2,
        ..FormsConfig::default()
    };
    let a = Answers::new()
        .with("gad2-q1", Answer::Integer(1))
        .with("gad2-q2", Answer::Integer(1));
    assert!(score(&scores(fhat, &a, &no_age(), &strict), "gad2-total").has(ScoreFlag::Positive));
    // No total until both are answered.
    let a = Answers::new().with("gad2-q1", Answer::Integer(3));
    assert!(scores(fhat, &a, &no_age(), &cfg).is_empty());
}

#[test]
fn epds_response_positions_and_reverse_scoring() {
    for item in [1, 2, 4] {
        assert_eq!(epds_item_score(item, 0), 0, "item {item}");
        assert_eq!(epds_item_score(item, 1), 1);
        assert_eq!(epds_item_score(item, 3), 3, "item {item}");
    }
    for item in [3, 5, 6, 7, 8, 9, 10] {
        assert_eq!(epds_item_score(item, 0), 3, "item {item} is reversed");
        assert_eq!(epds_item_score(item, 1), 2);
        assert_eq!(epds_item_score(item, 3), 0, "item {item} is reversed");
    }
    assert_eq!(epds_item_score(1, 9), 3, "positions above 3 count as 3");
}

#[test]
fn epds_totals_at_the_cut_offs() {
    let epds = def("epds");
    let cfg = FormsConfig::default();
    let cases = [
        (
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 0],
            9.0,
            "below the cut-offs",
            false,
        ),
        (
            [1, 1, 1, 1, 1, 1, 1, 1, 2, 0],
            10.0,
            "possible depression",
            false,
        ),
        (
            [3, 3, 3, 3, 0, 0, 0, 0, 0, 0],
            12.0,
            "possible depression",
            false,
        ),
        (
            [3, 3, 3, 3, 1, 0, 0, 0, 0, 0],
            13.0,
            "probable depression",
            true,
        ),
        (
            [3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
            30.0,
            "probable depression",
            true,
        ),
    ];
    for (items, total, text, positive) in cases {
        let s = scores(epds, &epds_answers(items), &no_age(), &cfg);
        let t = score(&s, "epds-total");
        assert_eq!(t.value, total);
        assert!(
            t.interpretation.as_deref().unwrap().starts_with(text),
            "{total}: {t:?}"
        );
        assert_eq!(t.has(ScoreFlag::Positive), positive, "{total}");
        assert_eq!(t.has(ScoreFlag::Urgent), items[9] > 0);
    }
    // Configurable: a local pathway at 12.
    let local = FormsConfig {
        epds_lower_cutoff: 12,
        ..FormsConfig::default()
    };
    let s = scores(
        epds,
        &epds_answers([1, 1, 1, 1, 1, 1, 1, 1, 2, 0]),
        &no_age(),
        &local,
    );
    assert!(score(&s, "epds-total")
        .interpretation
        .as_deref()
        .unwrap()
        .starts_with("below"));
    // No total until all ten are answered.
    let partial = Answers::new().with("epds-1", Answer::Integer(3));
    assert!(scores(epds, &partial, &no_age(), &cfg).is_empty());
}

#[test]
fn epds_item_10_is_urgent_whatever_the_total() {
    let epds = def("epds");
    let cfg = FormsConfig::default();
    let s = scores(
        epds,
        &epds_answers([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        &no_age(),
        &cfg,
    );
    let total = score(&s, "epds-total");
    assert_eq!(total.value, 1.0);
    assert_eq!(total.flags, [ScoreFlag::Urgent]);
    assert!(total
        .interpretation
        .as_deref()
        .unwrap()
        .contains("urgent safeguarding prompt: assess risk of self-harm today"));
    let item10 = score(&s, "epds-item10");
    assert_eq!(item10.flags, [ScoreFlag::Urgent]);
    assert_eq!(
        item10.interpretation.as_deref(),
        Some("urgent safeguarding prompt: assess risk of self-harm today")
    );
    // Even in a draft with nothing else answered.
    let draft = Answers::new().with("epds-10", Answer::Integer(2));
    let s = scores(epds, &draft, &no_age(), &cfg);
    assert_eq!(s.len(), 1);
    assert!(s[0].has(ScoreFlag::Urgent));
    // And not at 0.
    let s = scores(epds, &epds_answers([0; 10]), &no_age(), &cfg);
    assert!(s.iter().all(|s| s.flags.is_empty()));
    // The same on v1.
    let v1 = forms::find("epds", "1").unwrap();
    let s = scores(
        v1,
        &epds_answers([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        &no_age(),
        &cfg,
    );
    assert!(score(&s, "epds-total").has(ScoreFlag::Urgent));
}

fn asq_answers(interval: &str, domain: AsqDomain, value: f64) -> Answers {
    Answers::new()
        .with("asq-interval", Answer::Coding(interval.into()))
        .with(domain.link_id(), Answer::Decimal(value))
}

/// `v` with `n` added to every domain.
fn plus(v: AsqDomainValues, n: f64) -> AsqDomainValues {
    AsqDomainValues {
        communication: v.communication + n,
        gross_motor: v.gross_motor + n,
        fine_motor: v.fine_motor + n,
        problem_solving: v.problem_solving + n,
        personal_social: v.personal_social + n,
    }
}

#[test]
fn asq3_zones_at_each_cut_off() {
    let tyr = def("two-year-review");
    let default = FormsConfig::default();
    // The [R] reference cut-offs are the defaults; no monitoring threshold
    // is assumed (none is published in the reference).
    assert_eq!(default.asq3.m24.cutoff.communication, 25.17);
    assert_eq!(default.asq3.m27.cutoff.fine_motor, 18.42);
    assert_eq!(default.asq3.m30.cutoff.personal_social, 32.01);
    assert_eq!(default.asq3.m30.monitor, None);
    // A trust that holds the published thresholds configures them.
    let mut configured = default.clone();
    for cut in [
        &mut configured.asq3.m24,
        &mut configured.asq3.m27,
        &mut configured.asq3.m30,
    ] {
        cut.monitor = Some(plus(cut.cutoff, 10.0));
    }
    for cfg in [&default, &configured] {
        for (interval, cut) in [
            ("24", &cfg.asq3.m24),
            ("27", &cfg.asq3.m27),
            ("30", &cfg.asq3.m30),
        ] {
            for d in AsqDomain::ALL {
                let c = cut.cutoff.get(d);
                let cases = match cut.monitor.map(|m| m.get(d)) {
                    Some(m) => vec![
                        (c - 5.0, AsqZone::Refer),
                        (c - 0.01, AsqZone::Refer),
                        (c, AsqZone::Monitor),
                        (c + 0.01, AsqZone::Monitor),
                        (m - 0.01, AsqZone::Monitor),
                        (m, AsqZone::OnSchedule),
                        (60.0, AsqZone::OnSchedule),
                    ],
                    None => vec![
                        (c - 5.0, AsqZone::Refer),
                        (c - 0.01, AsqZone::Refer),
                        (c, AsqZone::OnSchedule),
                        (c + 0.01, AsqZone::OnSchedule),
                        (60.0, AsqZone::OnSchedule),
                    ],
                };
                for (v, zone) in cases {
                    let a = asq_answers(interval, d, v);
                    let (choice, results) = asq_domain_results(&a, &no_age(), cfg).unwrap();
                    assert_eq!(choice.interval.to_string(), interval);
                    assert!(choice.from_answer);
                    assert_eq!(results.len(), 1);
                    assert_eq!(results[0].zone, zone, "{interval} {d:?} {v}");
                    assert_eq!(results[0].expected_level, v >= c, "{interval} {d:?} {v}");
                    assert_eq!(results[0].expected_level, zone.at_expected_level());

                    let s = scores(tyr, &a, &no_age(), cfg);
                    assert_eq!(score(&s, "asq3-interval").value.to_string(), interval);
                    let sc = score(&s, d.link_id());
                    assert_eq!(sc.value, v);
                    let flags: &[ScoreFlag] = match zone {
                        AsqZone::Refer => &[ScoreFlag::Refer],
                        AsqZone::Monitor => &[ScoreFlag::Monitor],
                        AsqZone::OnSchedule => &[],
                    };
                    assert_eq!(sc.flags, flags, "{interval} {d:?} {v}");
                    if zone == AsqZone::Refer {
                        assert!(sc
                            .interpretation
                            .as_deref()
                            .unwrap()
                            .starts_with("below cut-off"));
                    }
                }
            }
        }
    }
}

#[test]
fn asq3_interval_comes_from_the_answer_or_the_age() {
    let tyr = def("two-year-review");
    let cfg = FormsConfig::default();
    let a = Answers::new().with("asq3-fine-motor", Answer::Decimal(30.0));
    // 30 is below the 24-month cut-off (35.16) but on schedule at 27 (18.42).
    let at = |age, corrected| ScoreContext {
        child_age_days: Some(age),
        corrected_age_days: corrected,
    };
    let s = scores(tyr, &a, &at(776, None), &cfg);
    assert_eq!(score(&s, "asq3-interval").value, 27.0);
    assert!(score(&s, "asq3-fine-motor").flags.is_empty());
    // Born at 33 weeks (49 days early): corrected age picks the 24-month one.
    let s = scores(tyr, &a, &at(776, Some(776 - 49)), &cfg);
    let i = score(&s, "asq3-interval");
    assert_eq!(i.value, 24.0);
    assert_eq!(
        i.interpretation.as_deref(),
        Some("from the child's corrected age")
    );
    assert_eq!(score(&s, "asq3-fine-motor").flags, [ScoreFlag::Refer]);
    // A recorded interval wins.
    let chosen = a.clone().with("asq-interval", Answer::Coding("30".into()));
    let s = scores(tyr, &chosen, &at(776, None), &cfg);
    assert_eq!(score(&s, "asq3-interval").value, 30.0);
    // No age and no interval: the score is kept, the zone is not known.
    let s = scores(tyr, &a, &no_age(), &cfg);
    assert!(s.iter().all(|s| s.code != "asq3-interval"));
    let fm = score(&s, "asq3-fine-motor");
    assert!(fm.flags.is_empty());
    assert!(fm
        .interpretation
        .as_deref()
        .unwrap()
        .starts_with("zone not known"));
    // ASQ:SE-2 total, when given.
    let se = a.with("asqse2-total", Answer::Integer(45));
    assert_eq!(
        score(&scores(tyr, &se, &no_age(), &cfg), "asqse2-total").value,
        45.0
    );
}

#[test]
fn asq_interval_at_every_age_boundary() {
    assert_eq!(months_and_days(700), (23, 0));
    assert_eq!(months_and_days(699), (22, 30));
    assert_eq!(months_and_days(775), (25, 15));
    assert_eq!(months_and_days(776), (25, 16));
    assert_eq!(months_and_days(867), (28, 15));
    assert_eq!(months_and_days(868), (28, 16));
    assert_eq!(months_and_days(958), (31, 15));
    assert_eq!(months_and_days(959), (31, 16));
    assert_eq!(months_and_days(0), (0, 0));
    assert_eq!(months_and_days(364), (11, 30));
    assert_eq!(months_and_days(365), (12, 0));

    let cases = [
        (699, Err("22 months 30 days")),
        (700, Ok(24)),
        (775, Ok(24)),
        (776, Ok(27)),
        (867, Ok(27)),
        (868, Ok(30)),
        (958, Ok(30)),
        (959, Err("31 months 16 days")),
    ];
    for (age, expect) in cases {
        match (asq_interval(age, None, &FormsConfig::default()), expect) {
            (Ok(got), Ok(want)) => assert_eq!(got, want, "day {age}"),
            (Err(e), Err(part)) => {
                assert!(e.contains(part), "{e}");
                assert!(
                    e.contains("outside the 24, 27 and 30-month ASQ-3 windows"),
                    "{e}"
                );
            }
            (got, want) => panic!("day {age}: {got:?}, expected {want:?}"),
        }
    }
    assert!(asq_interval(699, None, &FormsConfig::default())
        .unwrap_err()
        .contains("starts at 23 months 0 days"));
    assert!(asq_interval(959, None, &FormsConfig::default())
        .unwrap_err()
        .contains("ends at 31 months 15 days"));

    // Born at 33 weeks: 49 days early.
    let early = 49;
    assert_eq!(asq_interval(776, None, &FormsConfig::default()), Ok(27));
    assert_eq!(
        asq_interval(776, Some(776 - early), &FormsConfig::default()),
        Ok(24),
        "corrected age 23m27d"
    );
    assert_eq!(asq_interval(740, Some(740 - early), &FormsConfig::default()), Err(
        "the child's corrected age is 22 months 22 days, outside the 24, 27 and 30-month ASQ-3 windows: \
         the 24-month questionnaire starts at 23 months 0 days".to_string()
    ));
    // Corrected age 24 months or more: chronological age.
    assert_eq!(
        asq_interval(779, Some(779 - early), &FormsConfig::default()),
        Ok(27),
        "corrected 24m0d"
    );
    assert_eq!(
        asq_interval(778, Some(778 - early), &FormsConfig::default()),
        Ok(24),
        "corrected 23m29d"
    );
    // Born less than 3 weeks early: not corrected.
    assert_eq!(
        asq_interval(710, Some(710 - 20), &FormsConfig::default()),
        Ok(24)
    );
    assert!(
        asq_interval(710, Some(710 - 21), &FormsConfig::default()).is_err(),
        "3 weeks early: corrected"
    );
    // A corrected age above the age (born after term) is ignored.
    assert_eq!(
        asq_interval(776, Some(790), &FormsConfig::default()),
        Ok(27)
    );
    // The prematurity limits are the trust's: correcting only for babies
    // born 8 weeks early or more, the same child uses its actual age.
    let strict: FormsConfig =
        serde_json::from_str(r#"{"asq_correction": {"from_days_early": 56}}"#).unwrap();
    assert_eq!(strict.asq_correction.until_months, 24);
    assert_eq!(asq_interval(776, Some(776 - early), &strict), Ok(27));
    // Correcting until 30 months of corrected age.
    let longer: FormsConfig =
        serde_json::from_str(r#"{"asq_correction": {"until_months": 30}}"#).unwrap();
    let (age, corrected) = (month_start_days(26), month_start_days(26) - early);
    assert_eq!(
        asq_interval(age, Some(corrected), &FormsConfig::default()),
        Ok(27)
    );
    assert_eq!(asq_interval(age, Some(corrected), &longer), Ok(24));
}

/// The first day of month `m` of age, as the reference counts months.
fn month_start_days(m: i64) -> i64 {
    (m * 1461).div_euclid(48)
}

#[test]
fn forms_config_has_serde_defaults() {
    let cfg: FormsConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(cfg, FormsConfig::default());
    let cfg: FormsConfig = serde_json::from_str(r#"{"epds_cutoff": 12}"#).unwrap();
    assert_eq!(
        (cfg.epds_cutoff, cfg.epds_lower_cutoff, cfg.gad2_cutoff),
        (12, 10, 3)
    );
    let json = serde_json::to_string(&FormsConfig::default()).unwrap();
    let back: FormsConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, FormsConfig::default());
    assert!(
        json.contains(r#""24":{"cutoff":{"communication":25.17"#),
        "{json}"
    );
}

#[test]
fn scores_serialise_for_storage() {
    let s = scores(
        def("epds"),
        &epds_answers([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        &no_age(),
        &FormsConfig::default(),
    );
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains(r#""flags":["urgent"]"#), "{json}");
    let back: Vec<Score> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    assert!(scores(
        def("family-partnership"),
        &Answers::new(),
        &no_age(),
        &FormsConfig::default()
    )
    .is_empty());
}

#[test]
fn asked_lists_what_the_form_asks_with_one_fresh_entry_per_repeating_group() {
    let fhat = def("fhat");
    let mut answers = Answers::default();
    assert!(!forms::asked(fhat, &answers).contains(&"whooley-help".to_string()));
    answers.0.insert("whooley-q1".into(), Answer::Bool(true));
    answers.0.insert("whooley-help".into(), Answer::Bool(true));
    assert!(forms::asked(fhat, &answers).contains(&"whooley-help".to_string()));
    assert!(forms::answered_but_not_asked(fhat, &answers).is_empty());
    answers.0.insert("whooley-q1".into(), Answer::Bool(false));
    assert_eq!(
        forms::answered_but_not_asked(fhat, &answers),
        ["whooley-help"]
    );

    let plan = def("family-partnership");
    let mut answers = Answers::default();
    let asked = forms::asked(plan, &answers);
    assert!(asked.contains(&"goals".to_string()));
    assert!(asked.contains(&"goals[0].goal".to_string()));
    assert!(!asked.iter().any(|p| p.starts_with("goals[1]")));
    answers
        .0
        .insert("goals[0].goal".into(), Answer::Text("Sleep".into()));
    let asked = forms::asked(plan, &answers);
    assert!(asked.contains(&"goals[0].rating".to_string()));
    assert!(asked.contains(&"goals[1].goal".to_string()), "{asked:?}");
    assert!(!asked.iter().any(|p| p.starts_with("goals[2]")));
}
