//! Caseload size and weighting: default and custom weights, counts by level
//! and flag, and the over-limit warnings.

use doorstep_domain::clinical::caseload::{
    summarise, CaseloadConfig, CaseloadFamily, LevelWeights,
};
use doorstep_domain::values::codes::{FlagKind, LevelOfService};

fn family(level: LevelOfService, flags: &[FlagKind], children_under5: u32) -> CaseloadFamily {
    CaseloadFamily {
        level,
        flags: flags.to_vec(),
        children_under5,
        practitioner: Some("HV One".into()),
    }
}

fn small_caseload() -> Vec<CaseloadFamily> {
    use FlagKind::*;
    use LevelOfService::*;
    vec![
        family(Universal, &[], 2),                             // 1
        family(Targeted, &[ChildInNeed], 1),                   // 3 + 3
        family(Specialist, &[ChildProtection, PreBirthCp], 3), // 4 + 5 (once)
        family(
            Specialist,
            &[LookedAfter, ChildProtection, ChildProtection],
            1,
        ), // 4 + 3 + 5
        family(Community, &[EarlyHelp, SafetyAlert], 0),       // 0 + 0
        // A migrated Universal Partnership Plus family counts as specialist.
        family(LevelOfService::parse("UPP").unwrap(), &[], 1), // 4
    ]
}

#[test]
fn default_weights() {
    let s = summarise(&small_caseload(), &CaseloadConfig::default());
    // 1 + 6 + 9 + 12 + 0 + 4 = 32.
    assert_eq!(s.weighted, 32.0);
    assert_eq!(s.families, 6);
    assert_eq!(s.children_under5, 8);
    assert_eq!(s.limit, 400.0);
    assert!(s.warnings.is_empty());

    let levels: Vec<_> = s
        .by_level
        .iter()
        .map(|l| (l.level, l.families, l.children_under5))
        .collect();
    use LevelOfService::*;
    assert_eq!(
        levels,
        [
            (Community, 1, 0),
            (Universal, 1, 2),
            (Targeted, 1, 1),
            (Specialist, 3, 5)
        ]
    );

    let flags: Vec<_> = s
        .by_flag
        .iter()
        .map(|f| (f.flag, f.families, f.children_under5))
        .collect();
    use FlagKind::*;
    assert_eq!(
        flags,
        [
            (ChildProtection, 2, 4), // the repeated flag counts the family once
            (ChildInNeed, 1, 1),
            (LookedAfter, 1, 1),
            (EarlyHelp, 1, 0),
            (PreBirthCp, 1, 3),
            (SafetyAlert, 1, 0),
        ]
    );
}

#[test]
fn custom_weights() {
    let cfg = CaseloadConfig {
        level_weights: LevelWeights {
            community: 0.5,
            universal: 2.0,
            targeted: 4.0,
            specialist: 6.0,
        },
        cp: 10.0,
        cin: 1.0,
        lac: 2.0,
        early_help: 1.5,
        limit: 250.0,
    };
    let s = summarise(&small_caseload(), &cfg);
    // 2 + (4 + 1) + (6 + 10) + (6 + 2 + 10) + (0.5 + 1.5) + 6 = 49.
    assert_eq!(s.weighted, 49.0);
    assert_eq!(s.limit, 250.0);
    let one = family(
        LevelOfService::Targeted,
        &[FlagKind::PreBirthCp, FlagKind::EarlyHelp],
        1,
    );
    assert_eq!(cfg.weight(&one), 4.0 + 10.0 + 1.5);
}

#[test]
fn config_reads_partial_json() {
    let cfg: CaseloadConfig =
        serde_json::from_str(r#"{"cp": 6, "level_weights": {"targeted": 2.5}}"#).unwrap();
    assert_eq!(cfg.cp, 6.0);
    assert_eq!(cfg.cin, 3.0);
    assert_eq!(
        cfg.level_weights,
        LevelWeights {
            targeted: 2.5,
            ..LevelWeights::default()
        }
    );
    assert_eq!(cfg.limit, 400.0);
}

#[test]
fn weighted_over_limit_warns() {
    // 103 specialist CP families of one child: 103 × 9 = 927 weighted, 103
    // children.
    let families = vec![family(LevelOfService::Specialist, &[FlagKind::ChildProtection], 1); 103];
    let s = summarise(&families, &CaseloadConfig::default());
    assert_eq!(s.weighted, 927.0);
    assert_eq!(
        s.warnings,
        ["Weighted caseload 927.0 is over the limit of 400"]
    );
}

#[test]
fn headcount_over_limit_warns() {
    // 206 community families of two children: weighted 0, 412 children.
    let families = vec![family(LevelOfService::Community, &[], 2); 206];
    let s = summarise(&families, &CaseloadConfig::default());
    assert_eq!(s.weighted, 0.0);
    assert_eq!(
        s.warnings,
        ["412 children under five is over the limit of 400"]
    );

    // Both at once.
    let families = vec![family(LevelOfService::Universal, &[], 1); 412];
    let s = summarise(&families, &CaseloadConfig::default());
    assert_eq!(
        s.warnings,
        [
            "Weighted caseload 412.0 is over the limit of 400",
            "412 children under five is over the limit of 400"
        ]
    );
}

#[test]
fn exactly_at_the_limit_is_fine() {
    // 400 universal families of one child: weighted 400, 400 children.
    let families = vec![family(LevelOfService::Universal, &[], 1); 400];
    let s = summarise(&families, &CaseloadConfig::default());
    assert_eq!((s.weighted, s.children_under5), (400.0, 400));
    assert!(s.warnings.is_empty());
    // One more child tips the headcount only.
    let mut more = families;
    more.push(family(LevelOfService::Community, &[], 1));
    let s = summarise(&more, &CaseloadConfig::default());
    assert_eq!(
        s.warnings,
        ["401 children under five is over the limit of 400"]
    );
}

#[test]
fn empty_caseload_and_table() {
    let s = summarise(&[], &CaseloadConfig::default());
    assert_eq!((s.families, s.children_under5, s.weighted), (0, 0, 0.0));
    assert_eq!(s.by_level.len(), 4);
    assert_eq!(s.by_flag.len(), FlagKind::ALL.len());

    let families = vec![family(LevelOfService::Universal, &[], 1); 412];
    let table = summarise(&families, &CaseloadConfig::default()).to_table();
    assert!(
        table.contains("Weighted caseload: 412.0 (limit 400)"),
        "{table}"
    );
    assert!(table.contains("Universal"));
    assert!(table.contains("Child protection plan"));
    assert!(table.contains("Warning: 412 children under five is over the limit of 400"));
}
