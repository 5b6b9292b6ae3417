//! Urgent results and follow-ups (domain `record::follow_up`): the caseload's
//! open items for Today, a family's for its banner, and recording one as
//! addressed with a note.

use doorstep_domain::record::follow_up::{self, FollowUpItem};
use doorstep_store::facts;
use serde::Serialize;
use uuid::Uuid;

use crate::{CoreError, Session};

/// An open follow-up with the names Today shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUpView {
    /// The item.
    pub item: FollowUpItem,
    /// The family as listed.
    pub family: String,
    /// The person's name, when it is about one.
    pub person: Option<String>,
}

impl Session {
    /// The open follow-ups of the caseload (optionally one practitioner's),
    /// most urgent first; the view is audited (it names people).
    pub fn follow_ups(
        &mut self,
        practitioner: Option<&str>,
    ) -> Result<Vec<FollowUpView>, CoreError> {
        let cx = self.context();
        self.store
            .record_view("follow-ups.view", None, &crate::session::actor(&cx))?;
        let p = practitioner.map(str::trim).filter(|s| !s.is_empty());
        Ok(facts::follow_ups(self.store.connection(), p)?
            .into_iter()
            .map(|(item, family, person)| FollowUpView {
                item,
                family,
                person,
            })
            .collect())
    }

    /// The open follow-ups of one family, most urgent first.
    pub fn family_follow_ups(&mut self, family_id: &str) -> Result<Vec<FollowUpItem>, CoreError> {
        let id = self.resolve_family(family_id)?;
        let family = self.store.family(id)?;
        Ok(follow_up::open_items(&family))
    }

    /// Records follow-up `key` of a family as addressed, with what was done.
    pub fn record_addressed(
        &mut self,
        family_id: &str,
        key: &str,
        note: &str,
    ) -> Result<crate::session::Written, CoreError> {
        let id = self.resolve_family(family_id)?;
        let cx = self.context();
        let family = self.store.family(id)?;
        let action = follow_up::record_addressed(&family, Uuid::new_v4(), key, note, &cx)?;
        self.write(id, action, &cx)
    }
}
