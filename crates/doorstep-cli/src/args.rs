//! The command-line grammar: every `doorstep` subcommand and its options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Doorstep: the offline caseload for health-visiting teams.
#[derive(Debug, Parser)]
#[command(name = "doorstep", version, about)]
pub struct Cli {
    /// Data directory (default: the platform's data directory; also DOORSTEP_DATA_DIR).
    #[arg(long, global = true, env = "DOORSTEP_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up this device: passphrase, encrypted database.
    Init(InitArgs),
    /// Change the passphrase (a new data key: the database is re-encrypted under it).
    Passphrase {
        /// What to do.
        #[command(subcommand)]
        command: PassphraseCommand,
    },
    /// Households.
    Family {
        /// What to do.
        #[command(subcommand)]
        command: FamilyCommand,
    },
    /// Parents and carers, children, unborn babies.
    Person {
        /// What to do.
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Level of service.
    Level {
        /// What to do.
        #[command(subcommand)]
        command: LevelCommand,
    },
    /// Safeguarding flags and safety alerts.
    Flag {
        /// What to do.
        #[command(subcommand)]
        command: FlagCommand,
    },
    /// Information-sharing consent.
    Consent {
        /// What to do.
        #[command(subcommand)]
        command: ConsentCommand,
    },
    /// Mark a record entered in error (it is kept, with who, when and why).
    EnteredInError(EnteredInErrorArgs),
    /// Urgent results and follow-ups still open, most urgent first.
    FollowUps {
        /// Only this practitioner's families.
        #[arg(long)]
        practitioner: Option<String>,
    },
    /// Record an open follow-up as addressed, with what was done.
    Addressed {
        /// Family id.
        #[arg(long)]
        family: String,
        /// The follow-up's key (from `doorstep follow-ups`).
        #[arg(long)]
        item: String,
        /// What was done.
        #[arg(long)]
        note: String,
    },
    /// Merge duplicates, keeping both histories: people first, then the household.
    Merge {
        /// What to merge.
        #[command(subcommand)]
        command: MergeCommand,
    },
    /// Contacts: record (draft), measure, sign, addendum, entered in error.
    Contact {
        /// What to do.
        #[command(subcommand)]
        command: ContactCommand,
    },
    /// Reviews overdue, due now, upcoming and follow-ups, most urgent first.
    Worklist(WorklistArgs),
    /// A family's five mandated reviews per child, and what stands.
    Reviews {
        /// Family id.
        family: String,
    },
    /// A child's measurements with WHO SDS and centiles.
    Growth {
        /// Family id.
        #[arg(long)]
        family: String,
        /// The child's person id.
        #[arg(long)]
        child: String,
    },
    /// The caseload: families and children by level and flag, weighted load.
    Caseload {
        /// What to do.
        #[command(subcommand)]
        command: CaseloadCommand,
    },
    /// Assessment forms: list, start, answer, show, complete, amend.
    Form {
        /// What to do.
        #[command(subcommand)]
        command: FormCommand,
    },
    /// A family's goals with their ratings over time (family partnership).
    Goals {
        /// Family id.
        family: String,
    },
    /// Reports.
    Report {
        /// What to do.
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// SQL projections of the family documents.
    Projections {
        /// What to do.
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// The local audit log.
    Audit {
        /// What to do.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Enrol this device with the trust's sync server (one-time code from an administrator).
    Enrol(EnrolArgs),
    /// Sync with the trust's server; `sync status` shows where sync stands.
    Sync {
        /// What to do (nothing: sync now).
        #[command(subcommand)]
        command: Option<SyncCommand>,
    },
    /// Fields two devices changed at once: list them, or resolve one.
    #[command(args_conflicts_with_subcommands = true)]
    Conflicts {
        /// Only this family's conflicts (id or its first 8+ characters).
        #[arg(long)]
        family: Option<String>,
        /// What to do (nothing: list them).
        #[command(subcommand)]
        command: Option<ConflictsCommand>,
    },
    /// Synthetic demo data.
    Demo {
        /// What to do.
        #[command(subcommand)]
        command: DemoCommand,
    },
}

/// `doorstep init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your name as it appears in records and the audit log.
    #[arg(long, default_value = "Demo Practitioner")]
    pub practitioner: String,
    /// Your role.
    #[arg(long, default_value = "health-visitor")]
    pub role: String,
    /// Your team.
    #[arg(long)]
    pub team: Option<String>,
    /// Failed unlock attempts before the local data is erased.
    #[arg(long, default_value_t = 10)]
    pub max_failures: u32,
    /// Back-off unit in milliseconds (doubles with each failure from the second).
    #[arg(long, default_value_t = 1000)]
    pub backoff_ms: u64,
    /// Target time for one key derivation, in milliseconds (memory is always at least 64 MiB).
    #[arg(long, default_value_t = 500)]
    pub kdf_target_ms: u64,
}

/// `doorstep passphrase …`.
#[derive(Debug, Subcommand)]
pub enum PassphraseCommand {
    /// Change the passphrase (current from DOORSTEP_PASSPHRASE or a prompt, new from DOORSTEP_NEW_PASSPHRASE or a prompt).
    Change {
        /// Target time for one key derivation, in milliseconds.
        #[arg(long, default_value_t = 500)]
        kdf_target_ms: u64,
    },
}

/// `doorstep family …`.
#[derive(Debug, Subcommand)]
pub enum FamilyCommand {
    /// Add a household.
    Add(FamilyAddArgs),
    /// Change household details (only the options given are changed).
    Update(FamilyUpdateArgs),
    /// Show one family.
    Show {
        /// Family id (or its first 8+ characters).
        family: String,
    },
    /// List families with filters and search.
    List(FamilyListArgs),
}

/// `doorstep family add`.
#[derive(Debug, Args)]
pub struct FamilyAddArgs {
    /// First line of the address.
    #[arg(long)]
    pub address_line1: String,
    /// Second line of the address.
    #[arg(long)]
    pub address_line2: Option<String>,
    /// Town.
    #[arg(long)]
    pub town: Option<String>,
    /// UK postcode.
    #[arg(long)]
    pub postcode: String,
    /// Phone number.
    #[arg(long)]
    pub phone: Option<String>,
    /// Main language.
    #[arg(long)]
    pub language: Option<String>,
    /// An interpreter is needed.
    #[arg(long)]
    pub interpreter: bool,
    /// Named practitioner (default: you).
    #[arg(long)]
    pub practitioner: Option<String>,
    /// Team.
    #[arg(long)]
    pub team: Option<String>,
}

/// `doorstep family update`.
#[derive(Debug, Args)]
pub struct FamilyUpdateArgs {
    /// Family id.
    pub family: String,
    /// First line of the address.
    #[arg(long)]
    pub address_line1: Option<String>,
    /// Second line of the address.
    #[arg(long)]
    pub address_line2: Option<String>,
    /// Town.
    #[arg(long)]
    pub town: Option<String>,
    /// UK postcode.
    #[arg(long)]
    pub postcode: Option<String>,
    /// Phone number.
    #[arg(long)]
    pub phone: Option<String>,
    /// Main language.
    #[arg(long)]
    pub language: Option<String>,
    /// Whether an interpreter is needed (true or false).
    #[arg(long)]
    pub interpreter: Option<bool>,
}

/// `doorstep family list`.
#[derive(Debug, Args)]
pub struct FamilyListArgs {
    /// Level of service: community, universal, targeted, specialist.
    #[arg(long)]
    pub level: Option<String>,
    /// Active flag kind: child-protection, child-in-need, looked-after, early-help, pre-birth-cp, safety-alert.
    #[arg(long)]
    pub flag: Option<String>,
    /// Named practitioner.
    #[arg(long)]
    pub practitioner: Option<String>,
    /// Search by name, NHS number (spaces allowed) or postcode.
    #[arg(long)]
    pub search: Option<String>,
    /// Sort: name, postcode, level, newest.
    #[arg(long, default_value = "name")]
    pub sort: String,
    /// Page number.
    #[arg(long, default_value_t = 1)]
    pub page: u32,
    /// Rows per page.
    #[arg(long, default_value_t = 20)]
    pub per_page: u32,
    /// Include families entered in error.
    #[arg(long)]
    pub include_entered_in_error: bool,
}

/// `doorstep person …`.
#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Add a parent/carer, child or unborn baby.
    Add(PersonAddArgs),
    /// Record the birth of an unborn baby (everything recorded against the pregnancy is kept).
    Birth(BirthArgs),
    /// Record that a person died, or that a person or the whole household moved out of the area.
    Leave(LeaveArgs),
    /// Record that a person, or the whole household, transferred in from another area.
    TransferIn(TransferInArgs),
}

/// `doorstep person leave`.
#[derive(Debug, Args)]
pub struct LeaveArgs {
    /// Family id.
    #[arg(long)]
    pub family: String,
    /// The person (omit for the whole household, when it moved away).
    #[arg(long)]
    pub person: Option<String>,
    /// died or moved-away.
    #[arg(long)]
    pub reason: String,
    /// The date of death or of the move, YYYY-MM-DD.
    #[arg(long)]
    pub date: String,
    /// Where to: the new area or service (moves).
    #[arg(long)]
    pub to: Option<String>,
}

/// `doorstep person transfer-in`.
#[derive(Debug, Args)]
pub struct TransferInArgs {
    /// Family id.
    #[arg(long)]
    pub family: String,
    /// The person (omit for the whole household).
    #[arg(long)]
    pub person: Option<String>,
    /// The date the service took them on, YYYY-MM-DD.
    #[arg(long)]
    pub date: String,
    /// Where from.
    #[arg(long)]
    pub from: Option<String>,
}

/// `doorstep person add`.
#[derive(Debug, Args)]
pub struct PersonAddArgs {
    /// Family id.
    #[arg(long)]
    pub family: String,
    /// parent, child or unborn.
    #[arg(long)]
    pub role: String,
    /// Given name.
    #[arg(long)]
    pub given_name: Option<String>,
    /// Family name.
    #[arg(long)]
    pub family_name: String,
    /// Date of birth, YYYY-MM-DD.
    #[arg(long)]
    pub dob: Option<String>,
    /// Expected date of delivery, YYYY-MM-DD (unborn).
    #[arg(long)]
    pub edd: Option<String>,
    /// Stated gender: 1 male, 2 female, 9 indeterminate, X not known.
    #[arg(long)]
    pub sex: Option<String>,
    /// NHS number.
    #[arg(long)]
    pub nhs_number: Option<String>,
    /// NHS number verification status (01–08).
    #[arg(long)]
    pub nhs_status: Option<String>,
    /// Ethnic category code (A–S, Z, 99).
    #[arg(long)]
    pub ethnicity: Option<String>,
    /// GP practice code.
    #[arg(long)]
    pub gp: Option<String>,
    /// Gestation at birth, weeks+days (e.g. 39+2).
    #[arg(long)]
    pub gestation: Option<String>,
    /// Birth weight in grams.
    #[arg(long)]
    pub birth_weight: Option<String>,
    /// The parents asked for the antenatal review (it is offered to first-time parents anyway).
    #[arg(long)]
    pub antenatal_requested: bool,
    /// Add them even though someone already recorded may be the same
    /// person (checked: they are not).
    #[arg(long)]
    pub not_a_duplicate: bool,
}

/// `doorstep person birth`.
#[derive(Debug, Args)]
pub struct BirthArgs {
    /// Family id.
    #[arg(long)]
    pub family: String,
    /// The unborn baby's person id.
    #[arg(long)]
    pub person: String,
    /// Date of birth.
    #[arg(long)]
    pub dob: String,
    /// Given name.
    #[arg(long)]
    pub given_name: Option<String>,
    /// Family name, if different.
    #[arg(long)]
    pub family_name: Option<String>,
    /// Stated gender.
    #[arg(long)]
    pub sex: Option<String>,
    /// NHS number.
    #[arg(long)]
    pub nhs_number: Option<String>,
    /// NHS number status.
    #[arg(long)]
    pub nhs_status: Option<String>,
    /// Gestation at birth, weeks+days.
    #[arg(long)]
    pub gestation: Option<String>,
    /// Birth weight in grams.
    #[arg(long)]
    pub birth_weight: Option<String>,
}

/// `doorstep level …`.
#[derive(Debug, Subcommand)]
pub enum LevelCommand {
    /// Set the level of service from a date.
    Set {
        /// Family id.
        #[arg(long)]
        family: String,
        /// community, universal, targeted or specialist.
        #[arg(long)]
        level: String,
        /// Effective date (YYYY-MM-DD).
        #[arg(long)]
        effective: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

/// `doorstep flag …`.
#[derive(Debug, Subcommand)]
pub enum FlagCommand {
    /// Add a flag.
    Add(FlagAddArgs),
    /// End a flag.
    End {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Flag id.
        #[arg(long)]
        flag: String,
        /// End date.
        #[arg(long)]
        end: String,
    },
    /// Record the next review conference of a child protection plan.
    ReviewConference {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Flag id.
        #[arg(long)]
        flag: String,
        /// The conference date.
        #[arg(long)]
        on: String,
    },
}

/// `doorstep flag add`.
#[derive(Debug, Args)]
pub struct FlagAddArgs {
    /// Family id.
    #[arg(long)]
    pub family: String,
    /// child-protection, child-in-need, looked-after, early-help, pre-birth-cp, safety-alert.
    #[arg(long)]
    pub kind: String,
    /// CP category: neglect, physical, sexual, emotional, multiple.
    #[arg(long)]
    pub category: Option<String>,
    /// Safety alert: lone-worker-risk, dog-in-house, two-person-visit, other.
    #[arg(long)]
    pub alert: Option<String>,
    /// The member it concerns (person id).
    #[arg(long)]
    pub person: Option<String>,
    /// Start date.
    #[arg(long)]
    pub start: String,
    /// End date.
    #[arg(long)]
    pub end: Option<String>,
    /// Lead agency.
    #[arg(long)]
    pub lead_agency: Option<String>,
    /// Note.
    #[arg(long)]
    pub note: Option<String>,
    /// Initial child protection conference date (child protection only).
    #[arg(long)]
    pub conference: Option<String>,
    /// Next review conference date (child protection only).
    #[arg(long)]
    pub review_conference: Option<String>,
}

/// `doorstep consent …`.
#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Record a consent decision.
    Record {
        /// Family id.
        #[arg(long)]
        family: String,
        /// given, refused or withdrawn.
        #[arg(long)]
        decision: String,
        /// Date of the decision.
        #[arg(long)]
        date: String,
        /// What the consent covers.
        #[arg(long)]
        scope: String,
        /// The member who decided (person id).
        #[arg(long)]
        person: Option<String>,
    },
}

/// `doorstep merge …`.
#[derive(Debug, Subcommand)]
pub enum MergeCommand {
    /// Merge a duplicate person record into the record kept (it keeps its
    /// history and points to the one kept).
    Person {
        /// The duplicate's family id.
        #[arg(long)]
        family: String,
        /// The duplicate person.
        #[arg(long)]
        person: String,
        /// The family of the record kept (default: the same family).
        #[arg(long)]
        into_family: Option<String>,
        /// The person kept.
        #[arg(long)]
        into_person: String,
    },
    /// Merge a duplicate household into the one kept, once each of its
    /// members is merged into a member of that household.
    Family {
        /// The duplicate household.
        #[arg(long)]
        family: String,
        /// The household kept.
        #[arg(long)]
        into: String,
    },
}

/// `doorstep entered-in-error`.
#[derive(Debug, Args)]
pub struct EnteredInErrorArgs {
    /// Family id.
    #[arg(long)]
    pub family: String,
    /// The record's id (a person, level, flag, consent, or the family itself).
    #[arg(long)]
    pub record: String,
    /// Why.
    #[arg(long)]
    pub reason: String,
}

/// `doorstep projections …`.
#[derive(Debug, Subcommand)]
pub enum ProjectionsCommand {
    /// Recreate every projection from the family documents.
    Rebuild,
}

/// `doorstep audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Show the audit entries about one family.
    Show {
        /// Family id.
        #[arg(long)]
        family: String,
    },
    /// Check the hash chain for edited, removed or reordered rows.
    Verify,
}

/// `doorstep demo …`.
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Add a deterministic synthetic caseload.
    Seed {
        /// Number of families.
        #[arg(long, default_value_t = 600)]
        families: usize,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Measurements typed at a contact.
#[derive(Debug, Args, Clone)]
pub struct MeasurementArgs {
    /// Weight in kg.
    #[arg(long)]
    pub weight: Option<String>,
    /// Length in cm (lying; under 2 years).
    #[arg(long)]
    pub length: Option<String>,
    /// Height in cm (standing; from 2 years).
    #[arg(long)]
    pub height: Option<String>,
    /// Head circumference in cm.
    #[arg(long)]
    pub head: Option<String>,
    /// Keep values flagged as implausible, with this reason.
    #[arg(long)]
    pub confirm_implausible: Option<String>,
}

impl MeasurementArgs {
    /// Whether any measurement was given.
    pub fn any(&self) -> bool {
        self.weight.is_some()
            || self.length.is_some()
            || self.height.is_some()
            || self.head.is_some()
    }
}

/// `doorstep contact …`.
#[derive(Debug, Subcommand)]
pub enum ContactCommand {
    /// Record a contact as a draft (with measurements for one child).
    Record(Box<ContactRecordArgs>),
    /// Add measurements to a draft contact.
    Measure {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Contact id.
        #[arg(long)]
        contact: String,
        /// The child measured.
        #[arg(long)]
        child: String,
        /// The values.
        #[command(flatten)]
        values: MeasurementArgs,
    },
    /// Export a contact as a FHIR R4 Bundle (Patient, Encounter and growth
    /// Observations per child) to standard output.
    Export {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Contact id.
        #[arg(long)]
        contact: String,
    },
    /// Sign a draft contact: it can no longer be changed.
    Sign {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Contact id.
        #[arg(long)]
        contact: String,
    },
    /// Add a dated correction to a signed contact.
    Addendum {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Contact id.
        #[arg(long)]
        contact: String,
        /// The correction.
        #[arg(long)]
        text: String,
    },
    /// Mark a contact entered in error (it is kept).
    EnteredInError {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Contact id.
        #[arg(long)]
        contact: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

/// `doorstep contact record`.
#[derive(Debug, Args)]
pub struct ContactRecordArgs {
    /// Family id.
    #[arg(long)]
    pub family: String,
    /// antenatal, new-birth, 6-8-week, 12-month, 2-year, targeted-visit, safeguarding-visit, phone-advice, clinic, other.
    #[arg(long)]
    pub kind: String,
    /// The child (or unborn baby) it concerns; repeat for twins.
    #[arg(long = "child")]
    pub children: Vec<String>,
    /// Local (UK) date and time it started, YYYY-MM-DDTHH:MM (default now).
    #[arg(long)]
    pub at: Option<String>,
    /// Duration in minutes.
    #[arg(long)]
    pub duration: Option<String>,
    /// CSDS location type (A01 home, K01 children's centre, C01 GP practice, …).
    #[arg(long, default_value = "A01")]
    pub location: String,
    /// CSDS consultation mechanism (01 face to face, 02 telephone, 11 video, …).
    #[arg(long, default_value = "01")]
    pub mechanism: String,
    /// attended, late-seen, late-not-seen, did-not-attend, cancelled-by-family, cancelled-by-service, no-access, declined.
    #[arg(long)]
    pub attendance: String,
    /// Why the family declined (with --attendance declined).
    #[arg(long)]
    pub declined_reason: Option<String>,
    /// Who was present.
    #[arg(long)]
    pub present: Option<String>,
    /// Your role for this contact.
    #[arg(long, default_value = "health-visitor")]
    pub role: String,
    /// The accountable health visitor, when delegated.
    #[arg(long)]
    pub accountable_hv: Option<String>,
    /// High-impact-area topics discussed, e.g. hia-1,hia-3.
    #[arg(long, value_delimiter = ',')]
    pub topics: Vec<String>,
    /// Free-text note.
    #[arg(long)]
    pub note: Option<String>,
    /// Why a review was not face to face (with a --mechanism other than 01):
    /// recorded, the review is done; without it a face-to-face follow-up stays due.
    #[arg(long)]
    pub remote_reason: Option<String>,
    /// Infant feeding status at a new birth visit or 6–8 week review:
    /// totally-breastfed, partially-breastfed, not-breastfed.
    #[arg(long)]
    pub feeding: Option<String>,
    /// Set a follow-up by this date (YYYY-MM-DD), with --follow-up-reason.
    #[arg(long)]
    pub follow_up_on: Option<String>,
    /// What to follow up.
    #[arg(long)]
    pub follow_up_reason: Option<String>,
    /// A safeguarding concern seen or heard at the contact, in words: an
    /// urgent item on Today until addressed.
    #[arg(long)]
    pub safeguarding_concern: Option<String>,
    /// Open follow-ups this contact addresses (keys from `doorstep follow-ups`).
    #[arg(long = "addresses")]
    pub addresses: Vec<String>,
    /// Why height or weight were not recorded at a 2-year review.
    #[arg(long)]
    pub bmi_not_recorded_reason: Option<String>,
    /// Measurements of the (first) child.
    #[command(flatten)]
    pub values: MeasurementArgs,
}

/// `doorstep worklist`.
#[derive(Debug, Args)]
pub struct WorklistArgs {
    /// As of this date (default today).
    #[arg(long)]
    pub from: Option<String>,
    /// Include reviews whose window opens by this date (default from + 28 days).
    #[arg(long)]
    pub to: Option<String>,
    /// Only this practitioner's families.
    #[arg(long)]
    pub practitioner: Option<String>,
}

/// `doorstep caseload …`.
#[derive(Debug, Subcommand)]
pub enum CaseloadCommand {
    /// Families and children by level and flag; weighted load against the limit.
    Summary {
        /// Only this practitioner's families.
        #[arg(long)]
        practitioner: Option<String>,
    },
}

/// `doorstep report …`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Health-visiting KPIs for a financial-year quarter (e.g. 2026Q3 = Oct–Dec 2026).
    Kpi {
        /// The quarter.
        #[arg(long)]
        quarter: String,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
}

/// `doorstep form …`.
#[derive(Debug, Subcommand)]
pub enum FormCommand {
    /// The installed forms and versions.
    List,
    /// Start a draft response to the latest version of a form.
    Start {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Form id (fhat, family-partnership, two-year-review, epds).
        #[arg(long)]
        form: String,
        /// The child (or parent) it is about.
        #[arg(long)]
        child: Option<String>,
        /// The contact it belongs to.
        #[arg(long)]
        contact: Option<String>,
    },
    /// Answer one item (saved at once).
    Answer {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Response id.
        #[arg(long)]
        response: String,
        /// Item linkId (repeating groups: goals[0].rating).
        #[arg(long)]
        item: String,
        /// The answer (yes/no, a number, a date, a code or text).
        #[arg(long)]
        value: String,
    },
    /// Show a response with its scores and what is still missing.
    Show {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Response id.
        #[arg(long)]
        response: String,
    },
    /// Validate, score and sign a response; it becomes immutable.
    Complete {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Response id.
        #[arg(long)]
        response: String,
    },
    /// Export: a completed response as FHIR R4 (JSON), or the family's
    /// Early Help summary as HTML or PDF, written to standard output.
    Export {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Response id (for --fhir).
        #[arg(long)]
        response: Option<String>,
        /// A FHIR R4 Bundle of the response, its Patient and score Observations.
        #[arg(long, group = "format")]
        fhir: bool,
        /// The Early Help Assessment summary as HTML.
        #[arg(long, group = "format")]
        early_help_html: bool,
        /// The Early Help Assessment summary as PDF (redirect it to a file).
        #[arg(long, group = "format")]
        early_help_pdf: bool,
    },
    /// Amend a completed response: a new draft that references it.
    Amend {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Response id.
        #[arg(long)]
        response: String,
    },
}

/// `doorstep enrol`.
#[derive(Debug, Args)]
pub struct EnrolArgs {
    /// The server's URL (https://; http:// only for 127.0.0.1, ::1 or localhost).
    #[arg(long)]
    pub server: String,
    /// The one-time enrolment code.
    #[arg(long)]
    pub code: String,
    /// A PEM file with the CA certificate that signed the server's certificate (a trust's own CA).
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// A name for this device, shown to administrators (default: the computer's name).
    #[arg(long)]
    pub device_name: Option<String>,
    /// Replace the current enrolment (when the server no longer accepts it).
    #[arg(long)]
    pub replace: bool,
}

/// `doorstep sync …`.
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Server, practitioner, last sync, pending and refused families.
    Status,
}

/// `doorstep conflicts …`.
#[derive(Debug, Subcommand)]
pub enum ConflictsCommand {
    /// Resolve one conflict: keep one of its values (--choose) or write another (--value).
    Resolve(ResolveArgs),
}

/// `doorstep conflicts resolve`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("resolution").required(true).args(["choose", "value"])))]
pub struct ResolveArgs {
    /// Family id (or its first 8+ characters).
    #[arg(long)]
    pub family: String,
    /// The field, as `doorstep conflicts` shows it (e.g. household/phone).
    #[arg(long)]
    pub field: String,
    /// Keep value number K of the conflict.
    #[arg(long)]
    pub choose: Option<usize>,
    /// Write this value instead (text, or JSON for a number, true/false or null).
    #[arg(long)]
    pub value: Option<String>,
}
