//! Caseload figures per practitioner and per team, worked out from each
//! family's document with the same domain rules the device uses: a family
//! counts unless the whole household was entered in error; its level is
//! `Family::level_on(today)`, its flags the kinds of `active_flags(today)`,
//! its children those `is_child_under_five(today)`; the counting and
//! weighting are `caseload::summarise`. Allocation comes from the hub (the
//! authority), not from the document.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use doorstep_domain::clinical::caseload::{
    summarise, CaseloadConfig, CaseloadFamily, CaseloadSummary,
};
use doorstep_domain::record::family::Family;
use serde::Serialize;
use uuid::Uuid;

use crate::admin::{Practitioner, Team};
use crate::documents::load_doc;
use crate::{Hub, HubError};

/// One practitioner's caseload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PractitionerCaseload {
    /// The practitioner.
    pub practitioner: Practitioner,
    /// Their team.
    pub team: Team,
    /// Their families' figures.
    pub summary: CaseloadSummary,
}

/// One team's families, all practitioners together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamCaseload {
    /// The team.
    pub team: Team,
    /// The team's figures.
    pub summary: CaseloadSummary,
}

/// The caseload report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseloadReport {
    /// Every practitioner (by team name, then name), with or without
    /// families.
    pub practitioners: Vec<PractitionerCaseload>,
    /// Every team, by name.
    pub teams: Vec<TeamCaseload>,
    /// Families whose document could not be read (left out of the figures).
    pub unreadable: u32,
}

/// A family as the caseload summary sees it on `today`; `None` for a
/// household entered in error.
pub fn caseload_family(
    family: &Family,
    practitioner: &str,
    today: NaiveDate,
) -> Option<CaseloadFamily> {
    if family.entered_in_error.is_some() {
        return None;
    }
    let mut flags: Vec<_> = family.active_flags(today).map(|(_, f)| f.kind).collect();
    flags.sort();
    flags.dedup();
    let children = family
        .current_members()
        .filter(|(_, p)| p.is_child_under_five(today))
        .count();
    Some(CaseloadFamily {
        level: family.level_on(today),
        flags,
        children_under5: u32::try_from(children).unwrap_or(u32::MAX),
        practitioner: Some(practitioner.to_owned()),
    })
}

impl Hub {
    /// Caseload figures on `today` for every practitioner and team, weighed
    /// with `cfg`.
    pub fn caseload_report(
        &self,
        today: NaiveDate,
        cfg: &CaseloadConfig,
    ) -> Result<CaseloadReport, HubError> {
        let teams = self.list_teams()?;
        let practitioners = self.list_practitioners()?;
        let names: BTreeMap<Uuid, String> = practitioners
            .iter()
            .map(|p| (p.id, p.name.clone()))
            .collect();
        let mut by_practitioner: BTreeMap<Uuid, Vec<CaseloadFamily>> = BTreeMap::new();
        let mut by_team: BTreeMap<Uuid, Vec<CaseloadFamily>> = BTreeMap::new();
        let mut unreadable = 0u32;
        self.db.read(|tx| {
            by_practitioner.clear();
            by_team.clear();
            unreadable = 0;
            for r in tx.query(
                "SELECT practitioner_id, team_id, snapshot FROM families ORDER BY id",
                &[],
            )? {
                let (practitioner, team) = (r.uuid(0)?, r.uuid(1)?);
                let name = names.get(&practitioner).map(String::as_str).unwrap_or("");
                let family = load_doc(r.blob(2)?)
                    .ok()
                    .and_then(|doc| doorstep_document::record::family(&doc).ok());
                let Some(family) = family else {
                    unreadable += 1;
                    continue;
                };
                if let Some(f) = caseload_family(&family, name, today) {
                    by_team.entry(team).or_default().push(f.clone());
                    by_practitioner.entry(practitioner).or_default().push(f);
                }
            }
            Ok(())
        })?;
        let team_of: BTreeMap<Uuid, &Team> = teams.iter().map(|t| (t.id, t)).collect();
        let mut rows: Vec<PractitionerCaseload> = practitioners
            .iter()
            .filter_map(|p| {
                let team = team_of.get(&p.team_id)?;
                let families = by_practitioner.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
                Some(PractitionerCaseload {
                    practitioner: p.clone(),
                    team: (*team).clone(),
                    summary: summarise(families, cfg),
                })
            })
            .collect();
        rows.sort_by(|a, b| {
            (&a.team.name, &a.practitioner.name, a.practitioner.id).cmp(&(
                &b.team.name,
                &b.practitioner.name,
                b.practitioner.id,
            ))
        });
        let teams = teams
            .iter()
            .map(|t| TeamCaseload {
                team: t.clone(),
                summary: summarise(by_team.get(&t.id).map(Vec::as_slice).unwrap_or(&[]), cfg),
            })
            .collect();
        Ok(CaseloadReport {
            practitioners: rows,
            teams,
            unreadable,
        })
    }
}
