//! Unsaved work kept as it is typed ([`doorstep_store::drafts`]): the UI
//! saves its state under a key as the practitioner types, finds it again
//! after a lock, an idle lock, a crash or a restart, and discards it once
//! the record is saved. Bounded and checked like every request.

pub use doorstep_store::drafts::Draft;
use doorstep_store::drafts::{self, BODY_MAX};

use crate::{CoreError, Session};

/// The screens a draft can bring back.
pub const SCREENS: [&str; 2] = ["contact", "contact-edit"];
const KEY_MAX: usize = 120;

fn check_key(key: &str) -> Result<(), CoreError> {
    let ok = !key.is_empty()
        && key.len() <= KEY_MAX
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid("draft", "is not a draft this app keeps"))
    }
}

impl Session {
    /// Keeps unsaved work: `body` is the screen's state as JSON, under
    /// `key` for `family_id`, brought back by `screen`.
    pub fn save_draft(
        &mut self,
        key: &str,
        family_id: &str,
        screen: &str,
        body: &str,
    ) -> Result<Draft, CoreError> {
        check_key(key)?;
        if !SCREENS.contains(&screen) {
            return Err(CoreError::invalid("draft", "is not a draft this app keeps"));
        }
        if body.len() > BODY_MAX {
            return Err(CoreError::invalid(
                "draft",
                "is too long to keep (more than 256 KB): shorten the note",
            ));
        }
        if serde_json::from_str::<serde_json::Value>(body).is_err() {
            return Err(CoreError::invalid("draft", "could not be read"));
        }
        let family = self.resolve_family(family_id)?;
        let draft = Draft {
            key: key.to_string(),
            family_id: family.to_string(),
            screen: screen.to_string(),
            body: body.to_string(),
            updated_at: self.clock().now().to_rfc3339(),
        };
        drafts::save(self.store.connection(), &draft)?;
        Ok(draft)
    }

    /// The unsaved work kept under `key`, if any.
    pub fn draft(&self, key: &str) -> Result<Option<Draft>, CoreError> {
        check_key(key)?;
        Ok(drafts::get(self.store.connection(), key)?)
    }

    /// Every piece of unsaved work, the latest first.
    pub fn drafts(&self) -> Result<Vec<Draft>, CoreError> {
        Ok(drafts::all(self.store.connection())?)
    }

    /// Forgets the unsaved work under `key` (saved, or discarded by the
    /// practitioner).
    pub fn discard_draft(&mut self, key: &str) -> Result<(), CoreError> {
        check_key(key)?;
        Ok(drafts::discard(self.store.connection(), key)?)
    }
}
