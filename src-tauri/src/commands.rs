//! Every command the UI can call, each declared once: a request in, one
//! doorstep-core call, the result or an [`IpcError`] out. The
//! [`commands!`] macro turns each declaration into a Tauri command, its
//! name (for the capability check) and its TypeScript signature.

use chrono::NaiveDate;
use doorstep_core::assessments::{FormSummary, ResponseView};
use doorstep_core::code_lists::CodeLists;
use doorstep_core::contacts::{GrowthChart, GrowthView, MeasurementPreview};
use doorstep_core::device::passphrase::{self, Strength};
use doorstep_core::device::{self, NewProfile};
use doorstep_core::domain::clinical::caseload::CaseloadSummary;
use doorstep_core::domain::clinical::kpi::KpiReport;
use doorstep_core::domain::clinical::schedule::{Review, WorkItem};
use doorstep_core::domain::record::contact::{NewContact, NewMeasurements};
use doorstep_core::domain::record::follow_up::FollowUpItem;
use doorstep_core::domain::record::listing::{FamilyPage, FamilyQuery};
use doorstep_core::domain::record::response::GoalHistory;
use doorstep_core::follow_ups::FollowUpView;
use doorstep_core::reports::WorklistQuery;
use doorstep_core::session::{FamilyView, Written};
use doorstep_core::sync::{ConflictView, EnrolReport, Resolved};
use doorstep_core::{CoreError, EnrolOptions, Resolution, SyncReport, SyncStatus};

use doorstep_core::domain::record::departure::{NewArrival, NewDeparture};
use doorstep_core::domain::record::family::{
    HouseholdUpdate, NewBirth, NewConsent, NewFamily, NewFlag, NewLevel, NewPerson, PersonUpdate,
};
use doorstep_core::drafts::Draft;
use doorstep_core::session::{AuditEntry, DuplicateView};

use crate::desktop::Desktop;
use crate::export::ExportRequest;
use crate::ipc::{AppState, Enrolment, IpcError, PassphraseCheck};

macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        $kind:ident $name:ident ( $v:ident $(, $arg:ident : $ty:ty)* ) -> $ret:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command(rename_all = "snake_case")]
            #[allow(unused_variables)]
            pub async fn $name(
                app: tauri::AppHandle,
                state: tauri::State<'_, Desktop>,
                $($arg: $ty),*
            ) -> Result<$ret, IpcError> {
                commands!(@run $kind state app $v (move || $body) $ret)
            }
        )*

        /// The names of every registered command.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// Every command's TypeScript signature.
        #[cfg(feature = "codegen")]
        pub fn signatures() -> Vec<crate::codegen::Signature> {
            use ts_rs::TS;
            let cfg = crate::codegen::ts_config();
            vec![$(crate::codegen::Signature {
                name: stringify!($name),
                docs: concat!($($doc, "\n"),*),
                args: vec![$((stringify!($arg), <$ty as TS>::name(&cfg))),*],
                returns: <$ret as TS>::name(&cfg),
            }),*]
        }

        /// Visits every type a command takes or returns.
        #[cfg(feature = "codegen")]
        pub fn visit_types(v: &mut impl ts_rs::TypeVisitor) {
            $($(v.visit::<$ty>();)* v.visit::<$ret>();)*
        }

        /// The invoke handler with every command.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
    (@run device $state:ident $app:ident $v:ident (move || $body:block) $ret:ty) => {
        $state.with_device(move |$v| -> Result<$ret, CoreError> { $body }).await
    };
    (@run desktop $state:ident $app:ident $v:ident (move || $body:block) $ret:ty) => {
        $state.in_background(move |$v| -> Result<$ret, CoreError> { $body }).await
    };
    (@run session $state:ident $app:ident $v:ident (move || $body:block) $ret:ty) => {
        $state.with_session(move |$v| -> Result<$ret, CoreError> { $body }).await
    };
    // Acts on the app's window (the body gets the app handle).
    (@run window $state:ident $app:ident $v:ident (move || $body:block) $ret:ty) => {{
        let $v = &$app;
        $body
    }};
    // Prepares an export in the session, then asks where to save it.
    (@run export $state:ident $app:ident $v:ident (move || $body:block) $ret:ty) => {{
        let prepared = $state
            .with_session(move |$v| -> Result<crate::export::Prepared, CoreError> { $body })
            .await?;
        crate::export::save(&$app, prepared).await
    }};
}

commands! {
    /// The profile (readable while locked), whether it is unlocked, and the idle limit.
    device app_state(d) -> AppState { d.state() }

    /// How strong a new passphrase is, and why it is refused if it is.
    device passphrase_strength(_d, passphrase: String) -> PassphraseCheck {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        Ok(match passphrase::check(&passphrase) {
            Ok(strength) => PassphraseCheck { strength, problem: None },
            Err(problem) => PassphraseCheck { strength: Strength::Weak, problem: Some(problem) },
        })
    }

    /// Sets the device up with a passphrase (and demo data if asked), then unlocks it.
    device create_profile(d, profile: NewProfile) -> AppState {
        let session = device::create_profile(d.dir(), &profile, d.clock())?;
        d.open(session);
        d.state()
    }

    /// Unlocks the device with the passphrase.
    device unlock(d, passphrase: String) -> AppState {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        d.unlock(&passphrase)?;
        d.state()
    }

    /// Locks the device now, dropping the key from memory.
    device lock(d) -> AppState {
        d.lock();
        d.state()
    }

    /// Counts as use (the UI calls it while the user types), so the idle lock waits.
    session keep_alive(_s) -> () { Ok(()) }

    /// Enrols the device with the trust's server using a one-time code.
    device enrol(d, enrolment: Enrolment) -> EnrolReport {
        let report = d.session()?.enrol(&EnrolOptions {
            server: enrolment.server,
            code: enrolment.code,
            ca_pem: enrolment.ca_pem.filter(|p| !p.trim().is_empty()),
            device_name: enrolment
                .device_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "Doorstep laptop".into()),
            replace: false,
        })?;
        d.remember_server();
        Ok(report)
    }

    /// Overdue, follow-ups, due and upcoming reviews, most urgent first.
    session worklist(s, query: WorklistQuery) -> Vec<WorkItem> { s.worklist(&query) }

    /// Urgent results and follow-ups still open across the caseload, most urgent first.
    session follow_ups(s) -> Vec<FollowUpView> { s.follow_ups(None) }

    /// One family's open urgent results and follow-ups.
    session family_follow_ups(s, family_id: String) -> Vec<FollowUpItem> { s.family_follow_ups(&family_id) }

    /// Records an open follow-up as addressed, with what was done.
    session record_addressed(s, family_id: String, key: String, note: String) -> Written {
        s.record_addressed(&family_id, &key, &note)
    }

    /// The caseload, filtered, searched and paged.
    session list_families(s, query: FamilyQuery) -> FamilyPage { s.list_families(&query) }

    /// Families and children by level and flag, and the weighted caseload against the limit.
    session caseload_summary(s) -> CaseloadSummary { s.caseload_summary(None) }

    /// One family's record.
    session show_family(s, family_id: String) -> FamilyView { s.show_family(&family_id) }

    /// The family's children's mandated reviews with their state.
    session family_reviews(s, family_id: String) -> Vec<Review> { s.family_reviews(&family_id) }

    /// A child's measurements with SDS and centiles, and BMIs.
    session growth(s, family_id: String, person_id: String) -> GrowthView {
        s.growth(&family_id, &person_id)
    }

    /// A growth chart (WHO centile lines and the child's points) for one measure.
    session growth_chart(s, family_id: String, person_id: String, measure: String) -> GrowthChart {
        s.growth_chart(&family_id, &person_id, &measure)
    }

    /// Checks typed measurements (impossible, implausible) and gives SDS and centile, saving nothing.
    session preview_measurements(s, family_id: String, measured_on: NaiveDate, measurements: NewMeasurements) -> Vec<MeasurementPreview> {
        s.preview_measurements(&family_id, measured_on, &measurements)
    }

    /// The code lists for forms and filters, with the configured topic labels.
    session code_lists(s) -> CodeLists { Ok(s.code_lists()) }

    /// Records a contact as a draft, with any measurements taken at it.
    session record_contact(s, family_id: String, contact: NewContact, measurements: Vec<NewMeasurements>) -> Written {
        s.record_contact(&family_id, &contact, &measurements)
    }

    /// Adds measurements to a draft contact.
    session add_measurements(s, family_id: String, contact_id: String, measurements: NewMeasurements) -> Written {
        s.add_measurements(&family_id, &contact_id, &measurements)
    }

    /// Signs a draft contact; it cannot change after this.
    session sign_contact(s, family_id: String, contact_id: String) -> Written {
        s.sign_contact(&family_id, &contact_id)
    }

    /// Adds a dated correction to a signed contact.
    session add_addendum(s, family_id: String, contact_id: String, text: String) -> Written {
        s.add_addendum(&family_id, &contact_id, &text)
    }

    /// Marks a record entered in error, with the reason; the original is kept.
    session mark_entered_in_error(s, family_id: String, record_id: String, reason: String) -> Written {
        s.mark_entered_in_error(&family_id, &record_id, &reason)
    }

    /// The assessment forms available.
    session form_list(s) -> Vec<FormSummary> { Ok(s.form_list()) }

    /// Starts a form for the family (optionally about one member, at one contact).
    session form_start(s, family_id: String, form_id: String, subject: Option<String>, contact: Option<String>) -> Written {
        s.form_start(&family_id, &form_id, subject.as_deref(), contact.as_deref())
    }

    /// Saves one answer (autosave).
    session form_answer(s, family_id: String, response_id: String, item: String, value: String) -> Written {
        s.form_answer(&family_id, &response_id, &item, &value)
    }

    /// A form response with its definition, answers, scores and problems.
    session form_show(s, family_id: String, response_id: String) -> ResponseView {
        s.form_show(&family_id, &response_id)
    }

    /// Completes a form once every required answer is given.
    session form_complete(s, family_id: String, response_id: String) -> Written {
        s.form_complete(&family_id, &response_id)
    }

    /// The family's goals with their ratings over time.
    session goals(s, family_id: String) -> Vec<GoalHistory> { s.goals(&family_id) }

    /// Syncs with the trust's server now.
    desktop sync_now(d) -> SyncReport { d.sync() }

    /// Last sync, pending families, refusals and conflicts.
    session sync_status(s) -> SyncStatus { s.sync_status() }

    /// Fields with competing values (all families, or one).
    session conflicts(s, family_id: Option<String>) -> Vec<ConflictView> {
        s.conflicts(family_id.as_deref())
    }

    /// Resolves a conflict by keeping one value or writing a new one.
    session resolve_conflict(s, family_id: String, field: String, choice: Resolution) -> Resolved {
        s.resolve_conflict(&family_id, &field, &choice)
    }

    /// The KPI report for a quarter such as 2026Q3.
    session kpi_report(s, quarter: String) -> KpiReport { s.kpi_report(&quarter) }

    /// Registers a household (a family moving in, a new-birth notification).
    session add_family(s, family: NewFamily) -> Written { s.add_family(&family) }

    /// Changes household details: address, phone, language, interpreter.
    session update_household(s, family_id: String, update: HouseholdUpdate) -> Written {
        s.update_household(&family_id, &update)
    }

    /// People already recorded who may be the person about to be added.
    session likely_duplicates(s, family_id: String, person: NewPerson) -> Vec<DuplicateView> {
        s.likely_duplicates(&family_id, &person)
    }

    /// Adds a parent or carer, a child or an unborn baby; a likely duplicate
    /// is refused unless the practitioner confirms a different person.
    session add_person(s, family_id: String, person: NewPerson, confirmed_different: bool) -> Written {
        s.add_person(&family_id, &person, confirmed_different)
    }

    /// Changes a member's details: names, NHS number, ethnicity, GP.
    session update_person(s, family_id: String, person_id: String, update: PersonUpdate) -> Written {
        s.update_person(&family_id, &person_id, &update)
    }

    /// Records the birth of an unborn baby.
    session record_birth(s, family_id: String, person_id: String, birth: NewBirth) -> Written {
        s.record_birth(&family_id, &person_id, &birth)
    }

    /// Records that a person, or the household, moved away, or a death.
    session record_departure(s, family_id: String, departure: NewDeparture) -> Written {
        s.record_departure(&family_id, &departure)
    }

    /// Records that a person, or the household, transferred in.
    session record_arrival(s, family_id: String, arrival: NewArrival) -> Written {
        s.record_arrival(&family_id, &arrival)
    }

    /// Sets the level of service from a date, with its reason.
    session set_level(s, family_id: String, level: NewLevel) -> Written { s.set_level(&family_id, &level) }

    /// Adds a safeguarding flag or a safety alert.
    session add_flag(s, family_id: String, flag: NewFlag) -> Written { s.add_flag(&family_id, &flag) }

    /// Ends a flag on a date.
    session end_flag(s, family_id: String, flag_id: String, end: String) -> Written {
        s.end_flag(&family_id, &flag_id, &end)
    }

    /// Records the next review conference of a child protection plan.
    session set_review_conference(s, family_id: String, flag_id: String, on: String) -> Written {
        s.set_review_conference(&family_id, &flag_id, &on)
    }

    /// Records a consent decision (given, refused, withdrawn).
    session record_consent(s, family_id: String, consent: NewConsent) -> Written {
        s.record_consent(&family_id, &consent)
    }

    /// Changes a draft contact (a signed one takes addenda).
    session edit_contact(s, family_id: String, contact_id: String, contact: NewContact) -> Written {
        s.edit_contact(&family_id, &contact_id, &contact)
    }

    /// Starts an amendment of a completed form: a new draft that replaces it.
    session form_amend(s, family_id: String, response_id: String) -> Written {
        s.form_amend(&family_id, &response_id)
    }

    /// The family's audit trail in words, newest first.
    session family_audit(s, family_id: String) -> Vec<AuditEntry> { s.family_audit(&family_id) }

    /// Keeps unsaved work as it is typed.
    session save_draft(s, key: String, family_id: String, screen: String, body: String) -> Draft {
        s.save_draft(&key, &family_id, &screen, &body)
    }

    /// The unsaved work under a key, if any.
    session draft(s, key: String) -> Option<Draft> { s.draft(&key) }

    /// Every piece of unsaved work, the latest first.
    session drafts(s) -> Vec<Draft> { s.drafts() }

    /// Forgets unsaved work (saved, or discarded by the practitioner).
    session discard_draft(s, key: String) -> () { s.discard_draft(&key) }

    /// Opens the system's print dialog for the page shown (where "Print to
    /// File" also makes a PDF); nothing is printed without that choice.
    window print_page(app) -> () { crate::export::print(app) }

    /// Saves an export (a PDF or a FHIR bundle) where the practitioner
    /// chooses in the system's save dialog; the file name, or null if cancelled.
    export save_export(s, family_id: String, request: ExportRequest) -> Option<String> {
        crate::export::prepare(s, &family_id, &request)
    }
}
