//! An unlocked device: every use-case on the caseload. Each call validates
//! with the domain rules, then writes or reads through the store, recording
//! views and changes in the audit log.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use doorstep_domain::clinical::growth;
use doorstep_domain::record::action::{Action, ActionContext};
use doorstep_domain::record::departure::{self, NewArrival, NewDeparture};
use doorstep_domain::record::duplicates::{self, PersonKey};
use doorstep_domain::record::family::{
    self, Family, NewBirth, NewConsent, NewFamily, NewFlag, NewLevel, NewPerson,
};
use doorstep_domain::record::listing::{FamilyPage, FamilyQuery};
use doorstep_domain::record::merge;
use doorstep_domain::values::codes::LevelOfService;
use doorstep_domain::values::nhs_number::NhsNumber;
use doorstep_store::audit::{Row as AuditRow, Verification};
use doorstep_store::{projection, Actor, ProfileDir, ProfileInfo, Store, Write};
use serde::Serialize;
use uuid::Uuid;

use crate::{Clock, CoreError};
use doorstep_domain::config::Config;

/// A family as `family show` presents it: the record plus what is derived
/// from it today.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FamilyView {
    /// The record.
    pub family: Family,
    /// Level of service today.
    pub level: LevelOfService,
    /// Ids of flags in force today.
    pub active_flags: Vec<Uuid>,
    /// Children under five today.
    pub children_under5: usize,
    /// For each child with a date of birth, the day from which height is
    /// measured standing (before it, length lying).
    pub standing_from: BTreeMap<Uuid, NaiveDate>,
    /// The day (in England) this view is for: "today" on the screen.
    pub today: NaiveDate,
    /// Households holding records merged into this one (duplicates): each
    /// keeps its own history, shown with this family's.
    pub merged: Vec<Family>,
}

/// One entry of a family's audit trail, in words.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEntry {
    /// When (UTC, RFC 3339).
    pub at: String,
    /// Who.
    pub practitioner: String,
    /// The action's code (`person.add`).
    pub action: String,
    /// What was done, in words ("Added a person").
    pub what: String,
}

/// What a write changed: the family and the record created or changed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Written {
    /// The family id.
    pub family_id: Uuid,
    /// The record id.
    pub record_id: Uuid,
}

/// What a projection rebuild did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RebuildReport {
    /// Families whose projections were rebuilt.
    pub families: usize,
}

/// The unlocked device store with the practitioner using it.
pub struct Session {
    pub(crate) store: Store,
    info: ProfileInfo,
    dir: ProfileDir,
    clock: Clock,
    pub(crate) config: Config,
    /// The day the projections were last brought up to date for.
    fresh_for: Option<chrono::NaiveDate>,
    /// Once enrolled, the practitioner as the server knows them: who signs
    /// and who the audit names (not the editable profile file).
    pub(crate) signer: Option<String>,
}

/// A person already recorded who may be the one being added.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DuplicateView {
    /// Their family.
    pub family_id: Uuid,
    /// The family as listed ("Okafor, 12 Elm Road").
    pub family: String,
    /// The person.
    pub person_id: Uuid,
    /// Their name.
    pub name: String,
    /// Date of birth, or due date for a pregnancy.
    pub date_of_birth: Option<NaiveDate>,
    /// Why they may be the same person.
    pub reason: String,
}

impl Session {
    pub(crate) fn new(
        store: Store,
        info: ProfileInfo,
        dir: ProfileDir,
        clock: Clock,
        config: Config,
    ) -> Session {
        let signer = store
            .sync_server()
            .ok()
            .flatten()
            .map(|s| s.enrolment.practitioner_name);
        Session {
            store,
            info,
            dir,
            clock,
            config,
            fresh_for: None,
            signer,
        }
    }

    /// The organisation configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Folds recent writes into the database file so the next write does
    /// not pay for it ([`Store::checkpoint`]); for hosts to call while the
    /// practitioner is idle. Returns the pages now in the database file.
    pub fn checkpoint(&self) -> Result<u64, CoreError> {
        Ok(self.store.checkpoint()?)
    }

    /// Brings date-dependent projections up to today (a level or flag that
    /// starts or ends, a child turning five) before anything reads them.
    pub(crate) fn refresh(&mut self) -> Result<(), CoreError> {
        let today = self.clock.today();
        if self.fresh_for != Some(today) {
            self.store.refresh_for_day(today)?;
            self.fresh_for = Some(today);
        }
        Ok(())
    }

    /// Who is using the device.
    pub fn profile(&self) -> &ProfileInfo {
        &self.info
    }

    /// The data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.root()
    }

    /// The clock in use.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The store underneath, for tests, benchmarks and the demo generator.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    pub(crate) fn context(&self) -> ActionContext {
        ActionContext {
            practitioner: self
                .signer
                .clone()
                .unwrap_or_else(|| self.info.practitioner.clone()),
            now: self.clock.now(),
            today: self.clock.today(),
        }
    }

    /// Finds a family by its id or a unique prefix of it (8+ characters).
    pub fn resolve_family(&self, id: &str) -> Result<Uuid, CoreError> {
        let id = id.trim();
        if let Ok(u) = Uuid::parse_str(id) {
            return if self.store.has_family(u)? {
                Ok(u)
            } else {
                Err(CoreError::NotFound("No such family on this device.".into()))
            };
        }
        if id.len() < 8 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(CoreError::invalid(
                "family",
                "must be a family id (or its first 8 or more characters)",
            ));
        }
        match self
            .store
            .families_with_prefix(&id.to_ascii_lowercase())?
            .as_slice()
        {
            [one] => Ok(*one),
            [] => Err(CoreError::NotFound("No such family on this device.".into())),
            _ => Err(CoreError::invalid(
                "family",
                "matches more than one family: give more characters",
            )),
        }
    }

    pub(crate) fn write(
        &mut self,
        family_id: Uuid,
        action: Action,
        cx: &ActionContext,
    ) -> Result<Written, CoreError> {
        let record_id = action.record_id;
        self.store.apply(family_id, &[action], false, &actor(cx))?;
        Ok(Written {
            family_id,
            record_id,
        })
    }

    /// Adds a family (household) to the caseload.
    pub fn add_family(&mut self, input: &NewFamily) -> Result<Written, CoreError> {
        let cx = self.context();
        let id = Uuid::new_v4();
        let (_, action) = family::add_family(id, input, &cx)?;
        self.store.apply(id, &[action], true, &actor(&cx))?;
        Ok(Written {
            family_id: id,
            record_id: id,
        })
    }

    /// Changes household details (address, phone, language, interpreter).
    pub fn update_household(
        &mut self,
        family_id: &str,
        input: &family::HouseholdUpdate,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::update_household(&current, input)?;
        self.write(id, action, &cx)
    }

    /// Changes a member's details (names, NHS number, ethnicity, GP…).
    pub fn update_person(
        &mut self,
        family_id: &str,
        person_id: &str,
        input: &family::PersonUpdate,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::update_person(&current, person_id, input, &cx)?;
        self.write(id, action, &cx)
    }

    /// Adds a parent/carer, child or unborn baby. A person who may
    /// already be recorded ([`Session::likely_duplicates`]) is refused
    /// unless `confirmed_different` says the practitioner checked them.
    pub fn add_person(
        &mut self,
        family_id: &str,
        input: &NewPerson,
        confirmed_different: bool,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::add_person(&current, Uuid::new_v4(), input, &cx)?;
        if !confirmed_different && !self.likely_duplicates(family_id, input)?.is_empty() {
            return Err(CoreError::invalid(
                "duplicate",
                "this person may already be recorded: check the likely duplicates, and confirm \
                 only if this is a different person",
            ));
        }
        self.write(id, action, &cx)
    }

    /// People already recorded who may be the person `input` describes,
    /// joining family `family_id` (its postcode is theirs): the same NHS
    /// number, or a name, date of birth (due date for a pregnancy) and
    /// postcode that agree allowing for typing slips.
    pub fn likely_duplicates(
        &mut self,
        family_id: &str,
        input: &NewPerson,
    ) -> Result<Vec<DuplicateView>, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        let date = [&input.date_of_birth, &input.expected_delivery_date]
            .into_iter()
            .flatten()
            .find_map(|d| doorstep_domain::values::validate::date(d).ok());
        let candidate = PersonKey {
            family_id: id,
            person_id: Uuid::nil(),
            given_name: input.given_name.clone(),
            family_name: input.family_name.clone(),
            date,
            postcode: Some(family.household.postcode.compact()),
            nhs_number: input
                .nhs_number
                .as_deref()
                .and_then(|n| NhsNumber::parse(n).ok())
                .map(|n| n.as_str().to_string()),
        };
        let held = doorstep_store::facts::person_keys(self.store.connection())?;
        let mut out = Vec::new();
        for d in duplicates::likely_duplicates(&candidate, &held) {
            let other = self.store.family(d.family_id)?;
            let Some(p) = other.members.get(&d.person_id) else {
                continue;
            };
            out.push(DuplicateView {
                family_id: d.family_id,
                family: other.list_name(),
                person_id: d.person_id,
                name: p.display_name(),
                date_of_birth: p.date_of_birth.or(p.expected_delivery_date),
                reason: d.reason.label().to_string(),
            });
        }
        Ok(out)
    }

    /// Records the birth of an unborn baby, keeping the pregnancy's record.
    pub fn record_birth(
        &mut self,
        family_id: &str,
        person_id: &str,
        input: &NewBirth,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::record_birth(&current, person_id, input, &cx)?;
        self.write(id, action, &cx)
    }

    /// Records that a person died, or that a person or the whole household
    /// moved out of the area; nothing is deleted.
    pub fn record_departure(
        &mut self,
        family_id: &str,
        input: &NewDeparture,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = departure::record_departure(&current, input, &cx)?;
        self.write(id, action, &cx)
    }

    /// Records that a person, or the whole household, transferred in.
    pub fn record_arrival(
        &mut self,
        family_id: &str,
        input: &NewArrival,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = departure::record_arrival(&current, input, &cx)?;
        self.write(id, action, &cx)
    }

    /// Sets the level of service from a date; the history is kept.
    pub fn set_level(&mut self, family_id: &str, input: &NewLevel) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::set_level(&current, Uuid::new_v4(), input, &cx)?;
        self.write(id, action, &cx)
    }

    /// Adds a safeguarding flag or safety alert.
    pub fn add_flag(&mut self, family_id: &str, input: &NewFlag) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::add_flag(&current, Uuid::new_v4(), input, &cx)?;
        self.write(id, action, &cx)
    }

    /// Ends a flag.
    pub fn end_flag(
        &mut self,
        family_id: &str,
        flag_id: &str,
        end: &str,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::end_flag(&current, flag_id, end, &cx)?;
        self.write(id, action, &cx)
    }

    /// Records the next review conference of a child protection plan.
    pub fn set_review_conference(
        &mut self,
        family_id: &str,
        flag_id: &str,
        on: &str,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::set_review_conference(&current, flag_id, on, &cx)?;
        self.write(id, action, &cx)
    }

    /// Records an information-sharing consent decision.
    pub fn record_consent(
        &mut self,
        family_id: &str,
        input: &NewConsent,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::record_consent(&current, Uuid::new_v4(), input, &cx)?;
        self.write(id, action, &cx)
    }

    /// Marks a record (or the family) entered in error, with the reason.
    pub fn mark_entered_in_error(
        &mut self,
        family_id: &str,
        record_id: &str,
        reason: &str,
    ) -> Result<Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let current = self.store.family(id)?;
        let action = family::mark_entered_in_error(&current, record_id, reason, &cx)?;
        self.write(id, action, &cx)
    }

    /// Records that the practitioner viewed something of family `id`.
    pub(crate) fn audit_view(&mut self, action: &str, id: Uuid) -> Result<(), CoreError> {
        let cx = self.context();
        self.store.record_view(action, Some(id), &actor(&cx))?;
        Ok(())
    }

    /// Shows a family, and records the view in the audit log.
    pub fn show_family(&mut self, family_id: &str) -> Result<FamilyView, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let family = self.store.family(id)?;
        self.store
            .record_view("family.view", Some(id), &actor(&cx))?;
        let today = cx.today;
        Ok(FamilyView {
            level: family.level_on(today),
            active_flags: family.active_flags(today).map(|(id, _)| *id).collect(),
            children_under5: family
                .current_members()
                .filter(|(_, p)| p.is_child_under_five(today))
                .count(),
            standing_from: family
                .current_members()
                .filter_map(|(id, p)| Some((*id, growth::standing_from(p.date_of_birth?))))
                .collect(),
            today,
            merged: self.merged_records(id)?,
            family,
        })
    }

    /// The households holding records merged into family `id`.
    pub(crate) fn merged_records(&mut self, id: Uuid) -> Result<Vec<Family>, CoreError> {
        let ids = self.store.families_merged_into(id)?;
        let mut out = Vec::with_capacity(ids.len());
        for other in ids {
            out.push(self.store.family(other)?);
        }
        Ok(out)
    }

    /// The duplicate's family id and record, the family kept and the
    /// action's context, for a merge.
    fn merge_pair(
        &mut self,
        family_id: &str,
        into_family: &str,
    ) -> Result<(Uuid, ActionContext, Family, Family), CoreError> {
        let id = self.resolve_family(family_id)?;
        let keep_id = self
            .resolve_family(into_family)
            .map_err(|_| CoreError::invalid("into_family", "is not a family on this device"))?;
        let away = self.store.family(id)?;
        let keep = self.store.family(keep_id)?;
        Ok((id, self.context(), away, keep))
    }

    /// Merges person `person` of family `family_id` (a duplicate) into
    /// person `into_person` of family `into_family` (which may be the same
    /// family). Nothing is copied or deleted: the duplicate keeps its
    /// history and points to the record kept.
    pub fn merge_person(
        &mut self,
        family_id: &str,
        person: &str,
        into_family: &str,
        into_person: &str,
    ) -> Result<Written, CoreError> {
        let (id, cx, away, keep) = self.merge_pair(family_id, into_family)?;
        let action = merge::merge_person(&away, person, &keep, into_person, &cx)?;
        self.write(id, action, &cx)
    }

    /// Merges household `family_id` (a duplicate) into `into_family`, once
    /// each of its members is merged into a member of the household kept.
    pub fn merge_family(
        &mut self,
        family_id: &str,
        into_family: &str,
    ) -> Result<Written, CoreError> {
        let (id, cx, away, keep) = self.merge_pair(family_id, into_family)?;
        let action = merge::merge_family(&away, &keep, &cx)?;
        self.write(id, action, &cx)
    }

    /// Lists families; a search is recorded in the audit log (without the
    /// search text, which may be patient data).
    pub fn list_families(&mut self, q: &FamilyQuery) -> Result<FamilyPage, CoreError> {
        if q.per_page == 0 || q.per_page > 500 {
            return Err(CoreError::invalid("per_page", "must be between 1 and 500"));
        }
        if q.page == 0 {
            return Err(CoreError::invalid("page", "must be 1 or more"));
        }
        self.refresh()?;
        let page = self.store.list(q, self.clock.today())?;
        let cx = self.context();
        self.store.record_view("family.list", None, &actor(&cx))?;
        Ok(page)
    }

    /// Recreates every projection from the family documents.
    pub fn rebuild_projections(&mut self) -> Result<RebuildReport, CoreError> {
        let families = self.store.rebuild_projections(self.clock.today())?;
        Ok(RebuildReport { families })
    }

    /// Every projection row, for comparing a rebuild with the live tables.
    pub fn projection_dump(&self) -> Result<Vec<(String, Vec<String>)>, CoreError> {
        Ok(projection::dump(self.store.connection())?)
    }

    /// The audit entries about one family.
    pub fn audit_for_family(&self, family_id: &str) -> Result<Vec<AuditRow>, CoreError> {
        let id = self.resolve_family(family_id)?;
        Ok(self.store.audit_for_family(id)?)
    }

    /// The family's audit trail in words, newest first: who did what and
    /// when (views included).
    pub fn family_audit(&self, family_id: &str) -> Result<Vec<AuditEntry>, CoreError> {
        let mut rows: Vec<AuditEntry> = self
            .audit_for_family(family_id)?
            .into_iter()
            .map(|r| AuditEntry {
                what: doorstep_domain::record::action::action_label(&r.action).to_string(),
                at: r.at,
                practitioner: r.practitioner,
                action: r.action,
            })
            .collect();
        rows.reverse();
        Ok(rows)
    }

    /// Checks the audit chain.
    pub fn verify_audit(&self) -> Result<Verification, CoreError> {
        Ok(self.store.verify_audit()?)
    }

    /// Writes several new families at once (the demo generator uses this).
    pub fn add_families_batch(&mut self, writes: &[Write]) -> Result<(), CoreError> {
        let cx = self.context();
        self.store.apply_batch(writes, &actor(&cx))?;
        Ok(())
    }
}

pub(crate) fn actor(cx: &ActionContext) -> Actor<'_> {
    Actor {
        practitioner: &cx.practitioner,
        now: cx.now,
        today: cx.today,
    }
}
