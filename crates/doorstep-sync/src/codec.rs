//! Compact binary codec for [`SyncRequest`] and [`SyncResponse`].
//!
//! Layout (all integers unsigned; `leb` is canonical LEB128 of a `u64`):
//!
//! ```text
//! request  = "DSQ" version:u8 protocol:u16le device_id:16 cursor? messages uploads audit
//! response = "DSR" version:u8 cursor messages acks evicted rejected flags:u8 tip? refused?
//! cursor?  = 0x00 | 0x01 cursor
//! cursor   = epoch:string seq:leb
//! messages = count:leb { doc_id:16 sync:bytes }
//! uploads  = count:leb { doc_id:16 doc:bytes }
//! acks     = count:leb { doc_id:16 count:leb { hash:32 } }
//! evicted  = count:leb { doc_id:16 }
//! rejected = count:leb { doc_id:16 reason:string }
//! audit    = count:leb { seq:leb at:string practitioner:string action:string
//!                       record_kind:string record_id:opt family_id:opt
//!                       prev_hash:32 hash:32 }
//! opt      = 0x00 | 0x01 string
//! string   = len:leb utf8    bytes = len:leb octets
//! flags    = bit 0 full_compare, bit 1 more, bit 2 revoked, bit 3 a tip
//!            follows, bit 4 a refusal follows, other bits zero
//! tip      = seq:leb hash:32          (the audit rows the server holds)
//! refused  = reason:string            (why it refused the audit rows)
//! ```
//!
//! A request of version 1 has no audit section; the server reads both.
//! Responses are version 1: only a device that sent audit rows (version
//! 2) gets the tip or refusal flags.
//!
//! Decoding is for hostile input: it never panics, checks every length
//! against [`Limits`] and the remaining input before using it, never
//! pre-allocates from an untrusted count, rejects the nil UUID, invalid
//! UTF-8, non-canonical LEB128 and trailing bytes, and checks that every
//! embedded Automerge sync message decodes.

use automerge::sync::Message;
use thiserror::Error;
use uuid::Uuid;

use crate::audit::{AuditRow, AuditTip};
use crate::chunks::{Budget, ChunkError};
use crate::limits::Limits;
use crate::protocol::{
    Cursor, DocAck, DocMessage, DocUpload, Rejection, SyncRequest, SyncResponse,
};

/// Magic bytes opening an encoded [`SyncRequest`].
pub const REQUEST_MAGIC: [u8; 3] = *b"DSQ";
/// Magic bytes opening an encoded [`SyncResponse`].
pub const RESPONSE_MAGIC: [u8; 3] = *b"DSR";
/// The codec version of the requests this crate writes (it reads 1 and 2).
pub const REQUEST_VERSION: u8 = 2;
/// The codec version of the responses this crate writes and reads.
pub const RESPONSE_VERSION: u8 = 1;

const FLAG_FULL_COMPARE: u8 = 0b01;
const FLAG_MORE: u8 = 0b10;
const FLAG_REVOKED: u8 = 0b100;
const FLAG_AUDIT_TIP: u8 = 0b1000;
const FLAG_AUDIT_REFUSED: u8 = 0b1_0000;

/// Which [`Limits`] field an input exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`Limits::max_message_bytes`].
    MessageBytes,
    /// [`Limits::max_docs`].
    Docs,
    /// [`Limits::max_doc_message_bytes`].
    DocMessageBytes,
    /// [`Limits::max_string_bytes`].
    StringBytes,
    /// [`Limits::max_doc_bytes`].
    DocBytes,
    /// [`Limits::max_heads`].
    Heads,
    /// [`Limits::max_audit_rows`].
    AuditRows,
}

/// Why bytes could not be decoded.
#[derive(Debug, Error, PartialEq)]
pub enum DecodeError {
    /// The input ended early.
    #[error("input truncated at byte {at}")]
    Truncated {
        /// Offset at which more input was needed.
        at: usize,
    },
    /// The input does not start with the expected magic bytes.
    #[error("bad magic bytes")]
    BadMagic,
    /// The codec version is not one this crate reads.
    #[error("unsupported codec version {0}")]
    UnsupportedVersion(u8),
    /// A size exceeded a limit.
    #[error("{limit:?} limit exceeded: {value} > {max}")]
    OverLimit {
        /// Which limit.
        limit: Limit,
        /// The size found (saturated to `u64`).
        value: u64,
        /// The limit.
        max: u64,
    },
    /// Bytes remained after a complete message.
    #[error("{0} trailing bytes")]
    TrailingBytes(usize),
    /// A LEB128 integer was overlong or overflowed 64 bits.
    #[error("invalid LEB128 integer at byte {at}")]
    InvalidInteger {
        /// Offset of the integer.
        at: usize,
    },
    /// A UUID was nil.
    #[error("invalid (nil) UUID at byte {at}")]
    InvalidUuid {
        /// Offset of the UUID.
        at: usize,
    },
    /// A string was not UTF-8.
    #[error("invalid UTF-8 at byte {at}")]
    InvalidUtf8 {
        /// Offset of the string's bytes.
        at: usize,
    },
    /// A tag or flags byte had an unknown value.
    #[error("invalid tag or flags byte {value:#04x} at byte {at}")]
    InvalidTag {
        /// Offset of the byte.
        at: usize,
        /// The byte.
        value: u8,
    },
    /// An embedded message's or upload's Automerge changes would inflate
    /// past, or hold more than, [`Limits`] allows ([`crate::chunks`]).
    #[error("the changes for document {doc_id} were refused: {problem} ({max})")]
    Changes {
        /// The document the changes were for.
        doc_id: Uuid,
        /// What was wrong with them.
        problem: ChunkError,
        /// The budget they went past (bytes, or items), the document's or
        /// what was left of the body's.
        max: u64,
    },
    /// An embedded Automerge sync message did not decode.
    #[error("invalid sync message for document {doc_id}: {reason}")]
    InvalidSyncMessage {
        /// The document the message was about.
        doc_id: Uuid,
        /// Automerge's description of the problem.
        reason: String,
    },
}

/// Either decoded message, as returned by [`decode_any`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A device's request.
    Request(SyncRequest),
    /// A server's response.
    Response(SyncResponse),
}

// ---------------------------------------------------------------- encoding

/// Appends `v` as unsigned LEB128 (the integers of this codec and of
/// Automerge's format).
pub fn put_leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_leb(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn put_cursor(out: &mut Vec<u8>, c: &Cursor) {
    put_bytes(out, c.epoch.as_bytes());
    put_leb(out, c.seq);
}

fn put_messages(out: &mut Vec<u8>, messages: &[DocMessage]) {
    put_leb(out, messages.len() as u64);
    for m in messages {
        out.extend_from_slice(m.doc_id.as_bytes());
        put_bytes(out, &m.sync);
    }
}

fn put_audit(out: &mut Vec<u8>, rows: &[AuditRow]) {
    put_leb(out, rows.len() as u64);
    for row in rows {
        put_leb(out, row.seq);
        for s in [&row.at, &row.practitioner, &row.action, &row.record_kind] {
            put_bytes(out, s.as_bytes());
        }
        for s in [&row.record_id, &row.family_id] {
            match s {
                None => out.push(0),
                Some(s) => {
                    out.push(1);
                    put_bytes(out, s.as_bytes());
                }
            }
        }
        out.extend_from_slice(&row.prev_hash);
        out.extend_from_slice(&row.hash);
    }
}

/// The bytes `rows` take in an encoded request (its audit section).
pub fn audit_section_len(rows: &[AuditRow]) -> usize {
    let mut out = Vec::new();
    put_audit(&mut out, rows);
    out.len()
}

/// Encodes a request.
pub fn encode_request(req: &SyncRequest) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&REQUEST_MAGIC);
    out.push(REQUEST_VERSION);
    out.extend_from_slice(&req.protocol.to_le_bytes());
    out.extend_from_slice(req.device_id.as_bytes());
    match &req.cursor {
        None => out.push(0),
        Some(c) => {
            out.push(1);
            put_cursor(&mut out, c);
        }
    }
    put_messages(&mut out, &req.messages);
    put_leb(&mut out, req.uploads.len() as u64);
    for u in &req.uploads {
        out.extend_from_slice(u.doc_id.as_bytes());
        put_bytes(&mut out, &u.doc);
    }
    put_audit(&mut out, &req.audit);
    out
}

/// Encodes a response.
pub fn encode_response(resp: &SyncResponse) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&RESPONSE_MAGIC);
    out.push(RESPONSE_VERSION);
    put_cursor(&mut out, &resp.cursor);
    put_messages(&mut out, &resp.messages);
    put_leb(&mut out, resp.acks.len() as u64);
    for a in &resp.acks {
        out.extend_from_slice(a.doc_id.as_bytes());
        put_leb(&mut out, a.heads.len() as u64);
        for h in &a.heads {
            out.extend_from_slice(h);
        }
    }
    put_leb(&mut out, resp.evicted.len() as u64);
    for id in &resp.evicted {
        out.extend_from_slice(id.as_bytes());
    }
    put_leb(&mut out, resp.rejected.len() as u64);
    for r in &resp.rejected {
        out.extend_from_slice(r.doc_id.as_bytes());
        put_bytes(&mut out, r.reason.as_bytes());
    }
    let mut flags = 0;
    if resp.full_compare {
        flags |= FLAG_FULL_COMPARE;
    }
    if resp.more {
        flags |= FLAG_MORE;
    }
    if resp.revoked {
        flags |= FLAG_REVOKED;
    }
    if resp.audit_ack.is_some() {
        flags |= FLAG_AUDIT_TIP;
    }
    if resp.audit_refused.is_some() {
        flags |= FLAG_AUDIT_REFUSED;
    }
    out.push(flags);
    if let Some(tip) = &resp.audit_ack {
        put_leb(&mut out, tip.seq);
        out.extend_from_slice(&tip.hash);
    }
    if let Some(reason) = &resp.audit_refused {
        put_bytes(&mut out, reason.as_bytes());
    }
    out
}

// ---------------------------------------------------------------- decoding

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    limits: &'a Limits,
    /// What the whole body's Automerge changes may still build.
    budget: Budget,
}

fn over(limit: Limit, value: u64, max: usize) -> DecodeError {
    DecodeError::OverLimit {
        limit,
        value,
        max: u64::try_from(max).unwrap_or(u64::MAX),
    }
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8], limits: &'a Limits) -> Result<Self, DecodeError> {
        if input.len() > limits.max_message_bytes {
            return Err(over(
                Limit::MessageBytes,
                u64::try_from(input.len()).unwrap_or(u64::MAX),
                limits.max_message_bytes,
            ));
        }
        Ok(Self {
            input,
            pos: 0,
            limits,
            budget: limits.body_budget(),
        })
    }

    /// Measures one document's Automerge chunks against the document's
    /// and the body's budgets, before anything builds them.
    fn measure<'c>(
        &mut self,
        doc_id: Uuid,
        chunks: impl IntoIterator<Item = &'c [u8]>,
    ) -> Result<(), DecodeError> {
        let mut doc = self.limits.document_budget().within(self.budget);
        let before = doc;
        for c in chunks {
            doc.measure(c).map_err(|problem| {
                let max = match problem {
                    ChunkError::TooManyItems => before.items,
                    _ => before.bytes,
                };
                DecodeError::Changes {
                    doc_id,
                    problem,
                    max,
                }
            })?;
        }
        self.budget.bytes -= before.bytes - doc.bytes;
        self.budget.items -= before.items - doc.items;
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.input.len())
            .ok_or(DecodeError::Truncated {
                at: self.input.len(),
            })?;
        let out = &self.input[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn leb(&mut self) -> Result<u64, DecodeError> {
        let at = self.pos;
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = self.u8()?;
            let bits = u64::from(byte & 0x7f);
            if i == 9 && byte > 1 {
                return Err(DecodeError::InvalidInteger { at });
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                if byte == 0 && i > 0 {
                    return Err(DecodeError::InvalidInteger { at });
                }
                return Ok(value);
            }
        }
        Err(DecodeError::InvalidInteger { at })
    }

    /// Reads a length or count and checks it against `max`.
    fn len(&mut self, limit: Limit, max: usize) -> Result<usize, DecodeError> {
        let v = self.leb()?;
        match usize::try_from(v) {
            Ok(n) if n <= max => Ok(n),
            _ => Err(over(limit, v, max)),
        }
    }

    fn uuid(&mut self) -> Result<Uuid, DecodeError> {
        let at = self.pos;
        let bytes: [u8; 16] = self
            .take(16)?
            .try_into()
            .map_err(|_| DecodeError::Truncated { at })?;
        let id = Uuid::from_bytes(bytes);
        if id.is_nil() {
            return Err(DecodeError::InvalidUuid { at });
        }
        Ok(id)
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let n = self.len(Limit::StringBytes, self.limits.max_string_bytes)?;
        let at = self.pos;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| DecodeError::InvalidUtf8 { at })
    }

    fn cursor(&mut self) -> Result<Cursor, DecodeError> {
        let epoch = self.string()?;
        let seq = self.leb()?;
        Ok(Cursor { epoch, seq })
    }

    fn count(&mut self) -> Result<usize, DecodeError> {
        self.len(Limit::Docs, self.limits.max_docs)
    }

    fn messages(&mut self) -> Result<Vec<DocMessage>, DecodeError> {
        let n = self.count()?;
        // No pre-allocation: `n` is untrusted; the vector grows only as
        // entries are actually read from the input.
        let mut out = Vec::new();
        for _ in 0..n {
            let doc_id = self.uuid()?;
            let len = self.len(Limit::DocMessageBytes, self.limits.max_doc_message_bytes)?;
            let sync = self.take(len)?;
            let message = Message::decode(sync).map_err(|e| DecodeError::InvalidSyncMessage {
                doc_id,
                reason: e.to_string(),
            })?;
            for have in &message.have {
                check_bloom(&have.bloom.to_bytes()).map_err(|reason| {
                    DecodeError::InvalidSyncMessage {
                        doc_id,
                        reason: reason.into(),
                    }
                })?;
            }
            self.measure(doc_id, message.changes.iter())?;
            out.push(DocMessage {
                doc_id,
                sync: sync.to_vec(),
            });
        }
        Ok(out)
    }

    fn uploads(&mut self) -> Result<Vec<DocUpload>, DecodeError> {
        let n = self.count()?;
        let mut out = Vec::new();
        for _ in 0..n {
            let doc_id = self.uuid()?;
            let len = self.len(Limit::DocBytes, self.limits.max_doc_bytes)?;
            let doc = self.take(len)?;
            self.measure(doc_id, [doc])?;
            let doc = doc.to_vec();
            out.push(DocUpload { doc_id, doc });
        }
        Ok(out)
    }

    fn acks(&mut self) -> Result<Vec<DocAck>, DecodeError> {
        let n = self.count()?;
        let mut out = Vec::new();
        for _ in 0..n {
            let doc_id = self.uuid()?;
            let m = self.len(Limit::Heads, self.limits.max_heads)?;
            let mut heads = Vec::new();
            for _ in 0..m {
                let at = self.pos;
                let h: [u8; 32] = self
                    .take(32)?
                    .try_into()
                    .map_err(|_| DecodeError::Truncated { at })?;
                heads.push(h);
            }
            out.push(DocAck { doc_id, heads });
        }
        Ok(out)
    }

    fn hash(&mut self) -> Result<[u8; 32], DecodeError> {
        let at = self.pos;
        self.take(32)?
            .try_into()
            .map_err(|_| DecodeError::Truncated { at })
    }

    fn opt_string(&mut self) -> Result<Option<String>, DecodeError> {
        let at = self.pos;
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.string()?)),
            value => Err(DecodeError::InvalidTag { at, value }),
        }
    }

    fn audit(&mut self) -> Result<Vec<AuditRow>, DecodeError> {
        let n = self.len(Limit::AuditRows, self.limits.max_audit_rows)?;
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(AuditRow {
                seq: self.leb()?,
                at: self.string()?,
                practitioner: self.string()?,
                action: self.string()?,
                record_kind: self.string()?,
                record_id: self.opt_string()?,
                family_id: self.opt_string()?,
                prev_hash: self.hash()?,
                hash: self.hash()?,
            });
        }
        Ok(out)
    }

    /// Reads the magic bytes and returns the version, one of `versions`.
    fn header(&mut self, magic: [u8; 3], versions: &[u8]) -> Result<u8, DecodeError> {
        let found = self.take(3)?;
        if found != magic {
            return Err(DecodeError::BadMagic);
        }
        match self.u8()? {
            v if versions.contains(&v) => Ok(v),
            v => Err(DecodeError::UnsupportedVersion(v)),
        }
    }

    fn finish(&self) -> Result<(), DecodeError> {
        match self.input.len() - self.pos {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }
}

/// Refuses a Bloom filter Automerge cannot use safely: it divides by the
/// filter's size in bits (none: a panic) and allocates a vector of its
/// probe count (billions: memory exhausted). Automerge writes 10 bits per
/// entry and 7 probes; up to 64 of each is taken.
fn check_bloom(bytes: &[u8]) -> Result<(), &'static str> {
    if bytes.is_empty() {
        return Ok(());
    }
    let limits = Limits::default();
    let mut r = Reader::new(bytes, &limits).map_err(|_| "a Bloom filter too large")?;
    let mut number = || r.leb().map_err(|_| "a Bloom filter that does not read");
    let (entries, bits_per_entry, probes) = (number()?, number()?, number()?);
    let bits = bytes.len() - r.pos;
    let usable = entries > 0
        && (1..=64).contains(&bits_per_entry)
        && (1..=64).contains(&probes)
        && bits > 0
        && bits <= (u32::MAX / 8) as usize;
    if usable {
        Ok(())
    } else {
        Err("a Bloom filter with impossible parameters")
    }
}

/// Decodes a request from untrusted bytes.
pub fn decode_request(bytes: &[u8], limits: &Limits) -> Result<SyncRequest, DecodeError> {
    let mut r = Reader::new(bytes, limits)?;
    let version = r.header(REQUEST_MAGIC, &[1, REQUEST_VERSION])?;
    let protocol = u16::from_le_bytes([r.u8()?, r.u8()?]);
    let device_id = r.uuid()?;
    let at = r.pos;
    let cursor = match r.u8()? {
        0 => None,
        1 => Some(r.cursor()?),
        value => return Err(DecodeError::InvalidTag { at, value }),
    };
    let messages = r.messages()?;
    let uploads = r.uploads()?;
    let audit = if version == 1 { Vec::new() } else { r.audit()? };
    r.finish()?;
    Ok(SyncRequest {
        protocol,
        device_id,
        cursor,
        messages,
        uploads,
        audit,
    })
}

/// Decodes a response from untrusted bytes.
pub fn decode_response(bytes: &[u8], limits: &Limits) -> Result<SyncResponse, DecodeError> {
    let mut r = Reader::new(bytes, limits)?;
    r.header(RESPONSE_MAGIC, &[RESPONSE_VERSION])?;
    let cursor = r.cursor()?;
    let messages = r.messages()?;
    let acks = r.acks()?;
    let n = r.count()?;
    let mut evicted = Vec::new();
    for _ in 0..n {
        evicted.push(r.uuid()?);
    }
    let n = r.count()?;
    let mut rejected = Vec::new();
    for _ in 0..n {
        let doc_id = r.uuid()?;
        let reason = r.string()?;
        rejected.push(Rejection { doc_id, reason });
    }
    let at = r.pos;
    let flags = r.u8()?;
    let known = FLAG_FULL_COMPARE | FLAG_MORE | FLAG_REVOKED | FLAG_AUDIT_TIP | FLAG_AUDIT_REFUSED;
    if flags & !known != 0 {
        return Err(DecodeError::InvalidTag { at, value: flags });
    }
    let audit_ack = if flags & FLAG_AUDIT_TIP != 0 {
        Some(AuditTip {
            seq: r.leb()?,
            hash: r.hash()?,
        })
    } else {
        None
    };
    let audit_refused = if flags & FLAG_AUDIT_REFUSED != 0 {
        Some(r.string()?)
    } else {
        None
    };
    r.finish()?;
    Ok(SyncResponse {
        cursor,
        messages,
        acks,
        evicted,
        rejected,
        full_compare: flags & FLAG_FULL_COMPARE != 0,
        more: flags & FLAG_MORE != 0,
        revoked: flags & FLAG_REVOKED != 0,
        audit_ack,
        audit_refused,
    })
}

/// Tries both decoders with default [`Limits`]; the entry point for fuzzing.
///
/// Picks the decoder by magic bytes; input matching neither gives
/// [`DecodeError::BadMagic`] (or [`DecodeError::Truncated`] if too short).
pub fn decode_any(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let limits = Limits::default();
    if bytes.starts_with(&RESPONSE_MAGIC) {
        decode_response(bytes, &limits).map(Decoded::Response)
    } else if bytes.len() < REQUEST_MAGIC.len() && RESPONSE_MAGIC.starts_with(bytes) {
        Err(DecodeError::Truncated { at: bytes.len() })
    } else {
        decode_request(bytes, &limits).map(Decoded::Request)
    }
}
