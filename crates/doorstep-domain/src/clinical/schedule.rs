//! The Healthy Child Programme schedule: the five mandated reviews for each
//! child and pregnancy, their windows, and what is overdue, due, upcoming
//! or needs a follow-up — derived from the facts (dates of birth, EDDs,
//! contacts) every time, never stored.
//!
//! Windows and the prematurity rule are configuration ([`ScheduleConfig`],
//! REFERENCE §1.1, [R]). Facts come in as plain rows ([`ChildFacts`],
//! [`ContactFacts`]) so the same rules run over a family document or over
//! the projections of a whole caseload.

use std::collections::HashMap;

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::forms::AsqDomainValues;
use crate::values::codes::{
    Attendance, ConsultationMechanism, ContactKind, FeedingStatus, LocationType, MemberRole,
    PractitionerRole,
};

/// A point relative to a date: days or calendar months after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Offset {
    /// Whole days.
    Days(i64),
    /// Calendar months (e.g. 12 months after 29 Feb is 28 Feb).
    Months(u32),
}

impl Offset {
    /// `base` moved by this offset.
    pub fn from(&self, base: NaiveDate) -> NaiveDate {
        match *self {
            Offset::Days(d) if d >= 0 => base + Days::new(d as u64),
            Offset::Days(d) => base - Days::new(d.unsigned_abs()),
            Offset::Months(m) => base.checked_add_months(Months::new(m)).unwrap_or(base),
        }
    }
}

/// One review's window, relative to the date of birth (or, for the
/// antenatal review, to the EDD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Window {
    /// When it can first be done.
    pub opens: Offset,
    /// The date it is due by; overdue the day after.
    pub due: Offset,
    /// When it counts as late (12-month review: after 15 months).
    #[serde(default)]
    pub late: Option<Offset>,
    /// After this an incomplete review drops off the worklist (it is still
    /// shown as missed on the family record).
    pub expires: Offset,
}

/// Which reviews use corrected age for babies born early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrematurityRule {
    /// Babies born before this many completed weeks are corrected.
    pub below_weeks: u8,
    /// The reviews whose windows move by the weeks born early.
    pub reviews: Vec<ContactKind>,
}

/// The schedule configuration (every value is [R]: confirm locally).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScheduleConfig {
    /// Antenatal review, relative to the EDD (28 weeks of pregnancy = EDD − 84 days).
    pub antenatal: Window,
    /// Offer the antenatal review to every pregnancy, not only first-time parents.
    pub antenatal_for_all: bool,
    /// New birth visit (10–14 days).
    pub new_birth: Window,
    /// 6–8 week review (by 8 weeks = 56 days).
    pub six_to_eight_week: Window,
    /// 12-month review (from 9 months, by 12, late after 15).
    pub twelve_month: Window,
    /// 2–2½ year review (from 24 months, by 30).
    pub two_year: Window,
    /// Corrected age for premature babies.
    pub prematurity: PrematurityRule,
    /// Days after a failed attempt by which the rebooked review is due.
    pub follow_up_days: i64,
    /// The reviews that must be seen face to face: one delivered any other
    /// way (telephone, video, letter) is recorded and counted in the
    /// delivery measures, but stays open with a face-to-face follow-up
    /// unless the practitioner records why not (REFERENCE §1.1; [R]).
    #[serde(default = "all_reviews")]
    pub face_to_face_reviews: Vec<ContactKind>,
}

fn all_reviews() -> Vec<ContactKind> {
    ContactKind::REVIEWS.to_vec()
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            antenatal: Window {
                opens: Offset::Days(-84),
                due: Offset::Days(0),
                late: None,
                expires: Offset::Days(0),
            },
            antenatal_for_all: false,
            new_birth: Window {
                opens: Offset::Days(10),
                due: Offset::Days(14),
                late: None,
                expires: Offset::Days(56),
            },
            six_to_eight_week: Window {
                opens: Offset::Days(42),
                due: Offset::Days(56),
                late: None,
                expires: Offset::Months(4),
            },
            twelve_month: Window {
                opens: Offset::Months(9),
                due: Offset::Months(12),
                late: Some(Offset::Months(15)),
                expires: Offset::Months(24),
            },
            two_year: Window {
                opens: Offset::Months(24),
                due: Offset::Months(30),
                late: None,
                expires: Offset::Months(42),
            },
            // Off by default: national metrics use actual age. A service that
            // schedules reviews at corrected age lists them here.
            prematurity: PrematurityRule {
                below_weeks: 37,
                reviews: vec![],
            },
            follow_up_days: 7,
            face_to_face_reviews: all_reviews(),
        }
    }
}

impl ScheduleConfig {
    /// The window of a review kind (None for non-review kinds).
    pub fn window(&self, kind: ContactKind) -> Option<&Window> {
        Some(match kind {
            ContactKind::Antenatal => &self.antenatal,
            ContactKind::NewBirth => &self.new_birth,
            ContactKind::SixToEightWeek => &self.six_to_eight_week,
            ContactKind::TwelveMonth => &self.twelve_month,
            ContactKind::TwoYear => &self.two_year,
            _ => return None,
        })
    }
}

/// What the schedule needs to know about a child or pregnancy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChildFacts {
    /// The person.
    pub person_id: Uuid,
    /// Their family.
    pub family_id: Uuid,
    /// Display name.
    pub name: String,
    /// Child or unborn.
    pub role: MemberRole,
    /// Date of birth (children).
    pub date_of_birth: Option<NaiveDate>,
    /// Expected date of delivery (pregnancies; kept after birth).
    pub expected_delivery_date: Option<NaiveDate>,
    /// Completed weeks of gestation at birth.
    pub gestation_weeks: Option<u8>,
    /// Extra days of gestation.
    pub gestation_days: Option<u8>,
    /// The household has no born children (first-time parents).
    pub first_time_parents: bool,
    /// The antenatal review was requested.
    pub antenatal_requested: bool,
    /// An ethnic category other than "not stated" / "not known" is recorded.
    pub ethnic_category_stated: bool,
    /// The family's named practitioner.
    pub practitioner: Option<String>,
    /// The date the child died, if recorded.
    #[serde(default)]
    pub died_on: Option<NaiveDate>,
    /// The date the child moved out of the area, if recorded.
    #[serde(default)]
    pub moved_away_on: Option<NaiveDate>,
    /// The date the child transferred in from another area, if recorded.
    #[serde(default)]
    pub transferred_in_on: Option<NaiveDate>,
}

impl ChildFacts {
    /// Whether the service is responsible for the child on `day`: not
    /// died or moved away by then.
    pub fn on_caseload(&self, day: NaiveDate) -> bool {
        self.died_on.is_none_or(|d| d > day) && self.moved_away_on.is_none_or(|d| d > day)
    }
}

/// The ASQ-3 completed for a child at a 2–2½ year review (from the
/// completed review form, never a ticked box).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AsqFacts {
    /// The questionnaire used (24, 27 or 30 months), when it was known.
    pub interval: Option<u8>,
    /// The five domain scores.
    pub scores: AsqDomainValues,
}

/// A contact, as the schedule sees it (one row per child it concerns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactFacts {
    /// The contact.
    pub contact_id: Uuid,
    /// The child it concerns.
    pub person_id: Uuid,
    /// Its kind.
    pub kind: ContactKind,
    /// Its UK date.
    pub date: NaiveDate,
    /// Outcome.
    pub attendance: Attendance,
    /// How it was delivered (CSDS consultation mechanism).
    pub mechanism: ConsultationMechanism,
    /// Where (CSDS location type).
    pub location: LocationType,
    /// Who delivered it.
    pub role: PractitionerRole,
    /// The practitioner recorded why it was not face to face.
    pub remote_reason_recorded: bool,
    /// Reason, when declined.
    pub declined_reason: Option<String>,
    /// Infant feeding status, when recorded.
    pub feeding: Option<FeedingStatus>,
    /// The ASQ-3 completed for this child at this contact.
    pub asq3: Option<AsqFacts>,
}

impl ContactFacts {
    /// Whether it was face to face.
    pub fn face_to_face(&self) -> bool {
        self.mechanism == ConsultationMechanism::FaceToFace
    }

    /// Whether it completes its review under `cfg`: the child was seen,
    /// and face to face unless the review may be remote or the
    /// practitioner recorded why not.
    pub fn completes_review(&self, cfg: &ScheduleConfig) -> bool {
        self.attendance.was_seen()
            && (self.face_to_face()
                || self.remote_reason_recorded
                || !cfg.face_to_face_reviews.contains(&self.kind))
    }
}

/// A measurement, as reports see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MeasurementFacts {
    /// The contact it was taken at.
    pub contact_id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// What was measured.
    pub measure: crate::clinical::growth::Measure,
}

/// Where a review stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ReviewState {
    /// Done: a contact of this kind was attended.
    Done {
        /// When.
        date: NaiveDate,
        /// Which contact.
        contact_id: Uuid,
    },
    /// The family declined it.
    Declined {
        /// When.
        date: NaiveDate,
        /// Why.
        reason: String,
    },
    /// Still to do.
    Open {
        /// The latest failed attempt, if any (needs a follow-up).
        last_attempt: Option<(NaiveDate, Attendance)>,
        /// The latest delivery other than face to face with no reason
        /// recorded: it needs a face-to-face follow-up.
        #[serde(default)]
        remote: Option<(NaiveDate, ConsultationMechanism)>,
    },
    /// No longer this service's to do: the child died or moved out of the
    /// area, or the review was due before they transferred in.
    Ended {
        /// The date of death, of the move, or of the transfer in.
        date: NaiveDate,
        /// Why.
        why: EndReason,
    },
    /// Not offered (antenatal review for parents who are not first-time and
    /// did not ask).
    NotOffered,
    /// Its window has passed without it being done.
    Missed,
}

/// Why a review is no longer this service's to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum EndReason {
    /// The child died.
    Died,
    /// The child moved out of the area.
    MovedAway,
    /// It was due before the child transferred in.
    DueBeforeTransferIn,
}

impl EndReason {
    /// In words.
    pub fn label(&self) -> &'static str {
        match self {
            EndReason::Died => "died",
            EndReason::MovedAway => "moved out of the area",
            EndReason::DueBeforeTransferIn => "due before the child transferred in",
        }
    }
}

/// One review for one child, with its window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Review {
    /// Which review.
    pub kind: ContactKind,
    /// The child or pregnancy.
    pub person_id: Uuid,
    /// The family.
    pub family_id: Uuid,
    /// From.
    pub opens: NaiveDate,
    /// Due by.
    pub due: NaiveDate,
    /// Late after (12-month review).
    pub late: Option<NaiveDate>,
    /// Drops off the worklist after.
    pub expires: NaiveDate,
    /// Whether corrected age moved the window.
    pub corrected: bool,
    /// Where it stands on the day asked about.
    pub state: ReviewState,
}

fn applies(kind: ContactKind, child: &ChildFacts) -> bool {
    match kind {
        ContactKind::Antenatal => child.expected_delivery_date.is_some(),
        _ => child.role == MemberRole::Child && child.date_of_birth.is_some(),
    }
}

/// The five reviews of one child or pregnancy as they stand on `on`, from
/// the contacts that concern it (any order).
pub fn reviews(
    child: &ChildFacts,
    contacts: &[&ContactFacts],
    on: NaiveDate,
    cfg: &ScheduleConfig,
) -> Vec<Review> {
    let mut out = Vec::new();
    for kind in ContactKind::REVIEWS {
        if !applies(kind, child) {
            continue;
        }
        let w = cfg.window(kind).expect("reviews have windows");
        let (base, corrected) = match kind {
            ContactKind::Antenatal => (child.expected_delivery_date.expect("applies"), false),
            _ => {
                let dob = child.date_of_birth.expect("applies");
                let early = match (
                    child.gestation_weeks,
                    cfg.prematurity.reviews.contains(&kind),
                ) {
                    (Some(w), true) if w < cfg.prematurity.below_weeks => {
                        280 - (i64::from(w) * 7 + i64::from(child.gestation_days.unwrap_or(0)))
                    }
                    _ => 0,
                };
                (dob + Days::new(early.max(0) as u64), early > 0)
            }
        };
        let (opens, due, late, expires) = (
            w.opens.from(base),
            w.due.from(base),
            w.late.map(|l| l.from(base)),
            w.expires.from(base),
        );
        let mut mine: Vec<&&ContactFacts> = contacts
            .iter()
            .filter(|c| c.kind == kind && c.person_id == child.person_id && c.date <= on)
            .collect();
        mine.sort_by_key(|c| c.date);
        let done = mine.iter().find(|c| c.completes_review(cfg));
        let declined = mine.iter().find(|c| c.attendance == Attendance::Declined);
        let ended = [
            (child.died_on, EndReason::Died),
            (child.moved_away_on, EndReason::MovedAway),
        ]
        .into_iter()
        .find_map(|(d, why)| d.filter(|d| *d <= on).map(|d| (d, why)))
        .or_else(|| {
            child
                .transferred_in_on
                .filter(|t| due < *t)
                .map(|t| (t, EndReason::DueBeforeTransferIn))
        });
        let state = if let Some(c) = done {
            ReviewState::Done {
                date: c.date,
                contact_id: c.contact_id,
            }
        } else if let Some(c) = declined {
            ReviewState::Declined {
                date: c.date,
                reason: c.declined_reason.clone().unwrap_or_default(),
            }
        } else if let Some((date, why)) = ended {
            ReviewState::Ended { date, why }
        } else if kind == ContactKind::Antenatal
            && !(child.first_time_parents || child.antenatal_requested || cfg.antenatal_for_all)
        {
            ReviewState::NotOffered
        } else if on > expires
            || (kind == ContactKind::Antenatal && child.role == MemberRole::Child)
        {
            ReviewState::Missed
        } else {
            let last = mine
                .iter()
                .rev()
                .find(|c| c.attendance.needs_follow_up())
                .map(|c| (c.date, c.attendance));
            let remote = mine
                .iter()
                .rev()
                .find(|c| c.attendance.was_seen())
                .map(|c| (c.date, c.mechanism));
            ReviewState::Open {
                last_attempt: last,
                remote,
            }
        };
        out.push(Review {
            kind,
            person_id: child.person_id,
            family_id: child.family_id,
            opens,
            due,
            late,
            expires,
            corrected,
            state,
        });
    }
    out
}

/// Why an item is on the worklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Past its due date.
    Overdue,
    /// A failed attempt to rebook.
    FollowUp,
    /// In its window now.
    DueNow,
    /// Its window opens soon.
    Upcoming,
}

/// One line of the worklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkItem {
    /// Why it is listed.
    pub category: Category,
    /// Which review.
    pub kind: ContactKind,
    /// The child or pregnancy.
    pub person_id: Uuid,
    /// The family.
    pub family_id: Uuid,
    /// The child's name.
    pub name: String,
    /// The family's named practitioner.
    pub practitioner: Option<String>,
    /// Window opens.
    pub opens: NaiveDate,
    /// Due by.
    pub due: NaiveDate,
    /// Days past due (0 if not overdue).
    pub days_late: i64,
    /// The reason, in words.
    pub reason: String,
}

/// The worklist as of `on`: overdue, follow-ups, due now, and reviews whose
/// window opens by `until` — most urgent first.
pub fn worklist(
    children: &[ChildFacts],
    contacts: &[ContactFacts],
    on: NaiveDate,
    until: NaiveDate,
    cfg: &ScheduleConfig,
) -> Vec<WorkItem> {
    let mut by_person: HashMap<Uuid, Vec<&ContactFacts>> = HashMap::new();
    for c in contacts {
        by_person.entry(c.person_id).or_default().push(c);
    }
    let mut items = Vec::new();
    for child in children {
        let mine = by_person
            .get(&child.person_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for r in reviews(child, mine, on, cfg) {
            let ReviewState::Open {
                last_attempt,
                remote,
            } = r.state
            else {
                continue;
            };
            let label = r.kind.label();
            // Dates in the words a practitioner reads: "12 Dec 2026".
            let uk = |d: NaiveDate| d.format("%-d %b %Y").to_string();
            let (due, opens) = (uk(r.due), uk(r.opens));
            let days_late = (on - r.due).num_days().max(0);
            let status = if days_late > 0 {
                format!("overdue by {}", days(days_late))
            } else {
                format!("due by {due}")
            };
            // The latest of a remote delivery and a failed attempt decides.
            let remote_is_latest = match (remote, last_attempt) {
                (Some((r, _)), Some((a, _))) => r >= a,
                (Some(_), None) => true,
                _ => false,
            };
            let (category, reason) = if let (true, Some((date, how))) = (remote_is_latest, remote) {
                (
                    Category::FollowUp,
                    format!(
                        "See {} face to face for the {label}: delivered by {} on {} with no reason recorded; {status}",
                        child.name,
                        how.label().to_lowercase(),
                        uk(date)
                    ),
                )
            } else if let Some((date, how)) = last_attempt {
                (
                    Category::FollowUp,
                    format!(
                        "Rebook the {label} for {}: {} on {}; {status}",
                        child.name,
                        how.label().to_lowercase(),
                        uk(date)
                    ),
                )
            } else if days_late > 0 {
                let late = match r.late {
                    Some(l) if on > l => " (now late)",
                    _ => "",
                };
                (
                    Category::Overdue,
                    format!(
                        "{label} for {} overdue by {}{late} (due by {due})",
                        child.name,
                        days(days_late)
                    ),
                )
            } else if r.opens <= on {
                (
                    Category::DueNow,
                    format!(
                        "{label} for {} due by {due} ({} left)",
                        child.name,
                        days((r.due - on).num_days())
                    ),
                )
            } else if r.opens <= until {
                (
                    Category::Upcoming,
                    format!("{label} for {} from {opens} (due by {due})", child.name),
                )
            } else {
                continue;
            };
            items.push(WorkItem {
                category,
                kind: r.kind,
                person_id: r.person_id,
                family_id: r.family_id,
                name: child.name.clone(),
                practitioner: child.practitioner.clone(),
                opens: r.opens,
                due: r.due,
                days_late,
                reason,
            });
        }
    }
    items.sort_by(|a, b| {
        a.category
            .cmp(&b.category)
            .then(b.days_late.cmp(&a.days_late))
            .then(a.due.cmp(&b.due))
            .then(a.opens.cmp(&b.opens))
            .then(a.name.cmp(&b.name))
            .then(a.person_id.cmp(&b.person_id))
    });
    items
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// Whether the parents of baby `me` (due `edd`) are first-time parents: no
/// other child in the household (`born`: id and date of birth) was born more
/// than six months before the EDD. Twins, and the baby itself once born,
/// don't count. False when there is no EDD.
pub fn first_time_parents(me: Uuid, edd: Option<NaiveDate>, born: &[(Uuid, NaiveDate)]) -> bool {
    edd.is_some_and(|edd| {
        !born
            .iter()
            .any(|(id, dob)| *id != me && *dob + Days::new(183) < edd)
    })
}

/// The facts of every child and pregnancy in a family document, and of its
/// contacts, for the schedule.
pub fn facts_of(family: &crate::record::family::Family) -> (Vec<ChildFacts>, Vec<ContactFacts>) {
    let born: Vec<(Uuid, NaiveDate)> = family
        .current_members()
        .filter(|(_, p)| p.role == MemberRole::Child)
        .filter_map(|(id, p)| Some((*id, p.date_of_birth?)))
        .collect();
    let children = family
        .current_members()
        .filter(|(_, p)| matches!(p.role, MemberRole::Child | MemberRole::Unborn))
        .map(|(id, p)| ChildFacts {
            person_id: *id,
            family_id: family.id,
            name: p.display_name(),
            role: p.role,
            date_of_birth: p.date_of_birth,
            expected_delivery_date: p.expected_delivery_date,
            gestation_weeks: p.gestation_weeks,
            gestation_days: p.gestation_days,
            first_time_parents: first_time_parents(*id, p.expected_delivery_date, &born),
            ethnic_category_stated: p.ethnic_category.is_some_and(|e| e.is_stated()),
            antenatal_requested: p.antenatal_requested.unwrap_or(false),
            practitioner: family.allocation.practitioner.clone(),
            died_on: p.died_on(),
            moved_away_on: p.moved_away_on(),
            transferred_in_on: p.transferred_in.as_ref().map(|a| a.date),
        })
        .collect();
    let contacts = family
        .contacts
        .iter()
        .filter(|(_, c)| c.is_current())
        .flat_map(|(id, c)| {
            c.subjects
                .iter()
                .filter(|(_, on)| **on)
                .map(move |(pid, _)| ContactFacts {
                    contact_id: *id,
                    person_id: *pid,
                    kind: c.kind,
                    date: c.date,
                    attendance: c.attendance,
                    mechanism: c.mechanism,
                    location: c.location,
                    role: c.role,
                    remote_reason_recorded: c.remote_reason.is_some(),
                    declined_reason: c.declined_reason.clone(),
                    feeding: c.feeding_status,
                    asq3: crate::record::response::asq3_at(family, *id, *pid),
                })
        })
        .collect();
    (children, contacts)
}

/// The contacts of household `from` about people merged into members of
/// `into`, as the schedule sees them: counted for the person kept, so a
/// review done under a duplicate record shows done.
pub fn merged_contacts(
    into: &crate::record::family::Family,
    from: &crate::record::family::Family,
) -> Vec<ContactFacts> {
    let (_, contacts) = facts_of(from);
    contacts
        .into_iter()
        .filter_map(|mut c| {
            let mark = from.members.get(&c.person_id)?.merged_into.as_ref()?;
            (mark.family_id == into.id).then_some(())?;
            c.person_id = mark.person_id?;
            Some(c)
        })
        .collect()
}
