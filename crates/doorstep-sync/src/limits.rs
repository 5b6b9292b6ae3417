//! The one set of size limits both sides of the exchange use: what a
//! decoder accepts from the other side, and how full either side fills a
//! body before it leaves the rest for the next round trip.
//!
//! A device fills a request, and the server a reply, to about
//! [`Limits::body_budget_bytes`] and at most [`Limits::docs_per_body`]
//! documents, then sets the rest aside (the server says so with `more`).
//! The budget is half the largest body a decoder accepts
//! ([`Limits::max_message_bytes`]), and one document's message is at most
//! [`Limits::max_doc_message_bytes`], so a body filled to the budget always
//! decodes on the other side.
//!
//! The Automerge changes inside a body are bounded too, by what they would
//! build once inflated ([`crate::chunks`]): per document and per body. A
//! sender fills a body with [`Fill`], which measures each document's
//! changes as the receiver will, so a body it sends never goes past the
//! receiver's budget (what does not fit waits for the next round trip).

use automerge::sync::Message;

use crate::chunks::Budget;

/// Size limits of the sync exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest whole encoded request or response a decoder accepts.
    pub max_message_bytes: usize,
    /// Most entries in any one list (messages, evicted, rejected) a
    /// decoder accepts.
    pub max_docs: usize,
    /// Largest single embedded Automerge sync message.
    pub max_doc_message_bytes: usize,
    /// Longest string (epoch id, rejection reason).
    pub max_string_bytes: usize,
    /// Largest uploaded whole document.
    pub max_doc_bytes: usize,
    /// Most change hashes in one acknowledgement.
    pub max_heads: usize,
    /// Most audit rows in one request a decoder accepts.
    pub max_audit_rows: usize,
    /// Most audit rows a device puts in one request; the rest go in the
    /// next.
    pub audit_rows_per_body: usize,
    /// A request or reply is filled to about this many bytes; what is left
    /// waits for the next round trip.
    pub body_budget_bytes: usize,
    /// Most documents (messages and uploads) put in one request or reply.
    pub docs_per_body: usize,
    /// What one document's Automerge changes (in a message or an upload)
    /// may build: bytes once inflated, and column items
    /// ([`crate::chunks`]).
    pub max_doc_inflated_bytes: u64,
    /// Column items in one document's changes (each operation is about a
    /// dozen).
    pub max_doc_items: u64,
    /// The same for a whole request or reply: the per-request memory
    /// budget of what Automerge is asked to build.
    pub max_body_inflated_bytes: u64,
    /// Column items in a whole request or reply.
    pub max_body_items: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_bytes: 16 * 1024 * 1024,
            max_docs: 10_000,
            max_doc_message_bytes: 4 * 1024 * 1024,
            max_string_bytes: 4 * 1024,
            max_doc_bytes: 4 * 1024 * 1024,
            max_heads: 1024,
            max_audit_rows: 10_000,
            // A row is about 250 bytes: half a megabyte a request.
            audit_rows_per_body: 2_000,
            body_budget_bytes: 8 * 1024 * 1024,
            docs_per_body: 2_000,
            // A large family's document is a few hundred kilobytes
            // inflated and a few hundred thousand items; a body is at most
            // 16 MiB, and Automerge's columns inflate two to five times.
            max_doc_inflated_bytes: 32 * 1024 * 1024,
            max_doc_items: 8_000_000,
            max_body_inflated_bytes: 128 * 1024 * 1024,
            max_body_items: 32_000_000,
        }
    }
}

impl Limits {
    /// What one document's changes may build.
    pub fn document_budget(&self) -> Budget {
        Budget {
            bytes: self.max_doc_inflated_bytes,
            items: self.max_doc_items,
        }
    }

    /// What a whole body's changes may build.
    pub fn body_budget(&self) -> Budget {
        Budget {
            bytes: self.max_body_inflated_bytes,
            items: self.max_body_items,
        }
    }

    /// Whether a body already holding `docs` documents in `bytes` bytes has
    /// room for one more of `len` bytes. The first document always fits
    /// (so every round trip makes progress).
    pub fn has_room(&self, docs: usize, bytes: usize, len: usize) -> bool {
        docs == 0
            || (docs < self.docs_per_body && bytes.saturating_add(len) <= self.body_budget_bytes)
    }
}

/// A request or reply being filled: its documents, bytes and what their
/// changes build once inflated, against [`Limits`].
#[derive(Debug, Clone)]
pub struct Fill {
    limits: Limits,
    docs: usize,
    bytes: usize,
    budget: Budget,
}

impl Fill {
    /// An empty body with `bytes` already taken (by other sections).
    pub fn new(limits: Limits, bytes: usize) -> Fill {
        Fill {
            limits,
            docs: 0,
            bytes,
            budget: limits.body_budget(),
        }
    }

    /// Documents taken.
    pub fn docs(&self) -> usize {
        self.docs
    }

    /// Takes an encoded sync message if it fits: the body's documents and
    /// bytes, and its changes within what is left of the body's budget
    /// (and a document's). The first document is always taken, so every
    /// round trip makes progress.
    pub fn take_message(&mut self, sync: &[u8]) -> bool {
        let Ok(message) = Message::decode(sync) else {
            return self.take(sync.len(), Budget { bytes: 0, items: 0 });
        };
        let cost = self.cost(message.changes.iter());
        self.take(sync.len(), cost)
    }

    /// Takes a whole saved document if it fits, as [`Fill::take_message`].
    pub fn take_document(&mut self, doc: &[u8]) -> bool {
        let cost = self.cost([doc]);
        self.take(doc.len(), cost)
    }

    /// What the chunks build, measured as the receiver measures them
    /// (`None`'s stand-in: more than any budget, when they do not measure).
    fn cost<'c>(&self, chunks: impl IntoIterator<Item = &'c [u8]>) -> Budget {
        let all = self.limits.document_budget();
        let mut left = all;
        for c in chunks {
            if left.measure(c).is_err() {
                return Budget {
                    bytes: u64::MAX,
                    items: u64::MAX,
                };
            }
        }
        Budget {
            bytes: all.bytes - left.bytes,
            items: all.items - left.items,
        }
    }

    fn take(&mut self, len: usize, cost: Budget) -> bool {
        let len = len + 32;
        let fits = self.docs == 0
            || (self.limits.has_room(self.docs, self.bytes, len)
                && cost.bytes <= self.budget.bytes
                && cost.items <= self.budget.items);
        if fits {
            self.docs += 1;
            self.bytes = self.bytes.saturating_add(len);
            self.budget.bytes = self.budget.bytes.saturating_sub(cost.bytes);
            self.budget.items = self.budget.items.saturating_sub(cost.items);
        }
        fits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_budget_still_decodes() {
        let l = Limits::default();
        assert!(l.body_budget_bytes + l.max_doc_message_bytes <= l.max_message_bytes);
        assert!(l.docs_per_body <= l.max_docs);
        assert!(l.audit_rows_per_body <= l.max_audit_rows);
    }

    #[test]
    fn the_first_document_always_fits() {
        let l = Limits {
            body_budget_bytes: 10,
            docs_per_body: 2,
            ..Limits::default()
        };
        assert!(l.has_room(0, 0, 1_000));
        assert!(l.has_room(1, 4, 6));
        assert!(!l.has_room(1, 4, 7));
        assert!(!l.has_room(2, 0, 1));
    }

    #[test]
    fn a_body_is_filled_only_as_far_as_its_changes_inflate() {
        use automerge::transaction::Transactable;
        use automerge::{AutoCommit, ROOT};
        // A document that compresses well: small on the wire, large once
        // inflated.
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "note", "a".repeat(200_000)).unwrap();
        let saved = doc.save();
        let mut measured = Limits::default().document_budget();
        let whole = measured.bytes;
        measured.measure(&saved).unwrap();
        let inflated = whole - measured.bytes;
        assert!(
            inflated > 4 * saved.len() as u64,
            "{inflated} vs {}",
            saved.len()
        );
        let l = Limits {
            max_body_inflated_bytes: inflated * 3 / 2,
            ..Limits::default()
        };
        // By bytes and count a second copy would fit; by what it builds,
        // not: it waits for the next body.
        assert!(l.has_room(1, saved.len() + 32, saved.len() + 32));
        let mut fill = Fill::new(l, 0);
        assert!(fill.take_document(&saved));
        assert!(!fill.take_document(&saved));
        assert_eq!(fill.docs(), 1);
        // The first document always goes, so every round trip moves on.
        let tiny = Limits {
            max_body_inflated_bytes: 1,
            ..Limits::default()
        };
        assert!(Fill::new(tiny, 0).take_document(&saved));
    }
}
