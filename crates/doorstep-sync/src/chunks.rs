//! Automerge storage chunks as hostile input: how far they inflate and how
//! many items their columns hold, measured before Automerge builds them.
//!
//! Automerge inflates a compressed change chunk, and every compressed
//! column of a document chunk, with no limit, and builds one operation per
//! item of a run-length-encoded column: a 1 MB body can ask for gigabytes.
//! [`Budget::measure`] walks the chunks in a byte string without building
//! anything: compressed data goes through a capped streaming inflater,
//! each column's runs are counted, and values are skipped. It refuses as
//! soon as a budget is spent, so its own memory stays at its buffers.
//!
//! The layout read here is Automerge's binary format: a chunk is magic
//! (4 bytes), checksum (4), type (1: document 0, change 1, compressed
//! change 2), length (uLEB) and data. A change's data holds its metadata
//! and then its operation columns; a document's data holds actors, heads,
//! the change and operation column specs, then the columns. A column spec
//! is a uLEB: bits 0–2 the column type, bit 3 compressed (DEFLATE).
//! Checksums and the meaning of the values are Automerge's to check.

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::DeflateDecoder;
use thiserror::Error;

/// The magic bytes opening every chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Most columns one chunk may declare (Automerge writes about twenty).
const MAX_COLUMNS: u64 = 64;

/// Why a chunk was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ChunkError {
    /// Inflating the compressed data would pass the byte budget.
    #[error("the changes inflate past the budget")]
    InflatesTooFar,
    /// The columns hold more items than the budget allows.
    #[error("the changes hold more operations than the budget")]
    TooManyItems,
    /// The bytes are not Automerge chunks.
    #[error("the changes are not in Automerge's format ({0})")]
    Malformed(&'static str),
}

/// What one request or response may ask Automerge to build: bytes after
/// inflating, and items in its columns (operations, changes and their
/// parts). Spent as chunks are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Bytes the chunks may still inflate to (compressed data counted
    /// inflated, the rest as it is).
    pub bytes: u64,
    /// Column items the chunks may still hold.
    pub items: u64,
}

impl Budget {
    /// This budget, but no more than what `outer` has left.
    pub fn within(self, outer: Budget) -> Budget {
        Budget {
            bytes: self.bytes.min(outer.bytes),
            items: self.items.min(outer.items),
        }
    }

    /// Measures the chunks in `bytes` (one or more, back to back), spending
    /// the budget; refuses the moment any part of it would go below zero.
    pub fn measure(&mut self, bytes: &[u8]) -> Result<(), ChunkError> {
        let mut rest = bytes;
        while !rest.is_empty() {
            rest = self.chunk(rest)?;
        }
        Ok(())
    }

    /// Measures one chunk; returns the bytes after it.
    fn chunk<'a>(&mut self, input: &'a [u8]) -> Result<&'a [u8], ChunkError> {
        let mut r = Reader::plain(input);
        let mut head = [0u8; 9];
        for b in head.iter_mut() {
            *b = r.byte(self)?;
        }
        if head[..4] != MAGIC {
            return Err(malformed("bad magic bytes"));
        }
        let len = r.uleb(self)?;
        let (data, rest) = r.split(len)?;
        self.spend_bytes(len)?;
        match head[8] {
            0 => self.document(data)?,
            1 => self.change(&mut Reader::plain(data))?,
            2 => self.change(&mut Reader::inflating(data))?,
            _ => return Err(malformed("unknown chunk type")),
        }
        Ok(rest)
    }

    /// A change's data: metadata, column specs, the columns, extra bytes.
    fn change<R: BufRead>(&mut self, r: &mut Reader<R>) -> Result<(), ChunkError> {
        let deps = r.uleb(self)?;
        r.skip(
            deps.checked_mul(32).ok_or(malformed("too many deps"))?,
            self,
        )?;
        let actor = r.uleb(self)?;
        r.skip(actor, self)?;
        r.uleb(self)?; // seq
        r.uleb(self)?; // start op
        r.sleb(self)?; // time
        let message = r.uleb(self)?;
        r.skip(message, self)?;
        let others = r.uleb(self)?;
        for _ in 0..others {
            let len = r.uleb(self)?;
            r.skip(len, self)?;
        }
        for (spec, len) in column_specs(r, self)? {
            if spec.compressed() {
                return Err(malformed("a change's columns may not be compressed"));
            }
            let mut column = Reader {
                inner: (&mut r.inner).take(len),
                inflated: r.inflated,
            };
            self.column(spec, &mut column)?;
            if column.inner.limit() != 0 {
                return Err(malformed("truncated column"));
            }
        }
        r.skip_to_end(self)
    }

    /// A document's data: actors, heads, column specs, the columns (any
    /// of them compressed), head indices.
    fn document(&mut self, data: &[u8]) -> Result<(), ChunkError> {
        let mut r = Reader::plain(data);
        let actors = r.uleb(self)?;
        for _ in 0..actors {
            let len = r.uleb(self)?;
            r.skip(len, self)?;
        }
        let heads = r.uleb(self)?;
        r.skip(
            heads.checked_mul(32).ok_or(malformed("too many heads"))?,
            self,
        )?;
        let mut specs = column_specs(&mut r, self)?;
        specs.extend(column_specs(&mut r, self)?);
        for (spec, len) in specs {
            let (column, rest) = r.split(len)?;
            r = Reader::plain(rest);
            if spec.compressed() {
                self.column(spec, &mut Reader::inflating(column))?;
            } else {
                self.column(spec, &mut Reader::plain(column))?;
            }
        }
        Ok(())
    }

    /// Counts one column's items (the lengths of its runs), spending the
    /// budget as it goes.
    fn column<R: BufRead>(&mut self, spec: Spec, r: &mut Reader<R>) -> Result<(), ChunkError> {
        match spec.kind() {
            // Raw values: their lengths are in the metadata column.
            7 => r.skip_to_end(self)?,
            // Booleans: alternating run lengths.
            4 => {
                while !r.at_end()? {
                    let n = r.uleb(self)?;
                    self.spend_items(n)?;
                }
            }
            kind => {
                while !r.at_end()? {
                    let run = r.sleb(self)?;
                    let n = run.unsigned_abs();
                    if run == 0 {
                        let nulls = r.uleb(self)?;
                        self.spend_items(nulls)?;
                        continue;
                    }
                    self.spend_items(n)?;
                    let values = if run > 0 { 1 } else { n };
                    for _ in 0..values {
                        r.value(kind, self)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn spend_bytes(&mut self, n: u64) -> Result<(), ChunkError> {
        self.bytes = self
            .bytes
            .checked_sub(n)
            .ok_or(ChunkError::InflatesTooFar)?;
        Ok(())
    }

    fn spend_items(&mut self, n: u64) -> Result<(), ChunkError> {
        self.items = self.items.checked_sub(n).ok_or(ChunkError::TooManyItems)?;
        Ok(())
    }
}

fn malformed(what: &'static str) -> ChunkError {
    ChunkError::Malformed(what)
}

/// A column spec: `(id << 4) | compressed << 3 | type`.
#[derive(Debug, Clone, Copy)]
struct Spec(u64);

impl Spec {
    fn compressed(self) -> bool {
        self.0 & 0b1000 != 0
    }

    fn kind(self) -> u64 {
        self.0 & 0b111
    }
}

/// A list of column specs with their stored lengths.
fn column_specs<R: BufRead>(
    r: &mut Reader<R>,
    budget: &mut Budget,
) -> Result<Vec<(Spec, u64)>, ChunkError> {
    let n = r.uleb(budget)?;
    if n > MAX_COLUMNS {
        return Err(malformed("too many columns"));
    }
    let mut out = Vec::new();
    for _ in 0..n {
        let spec = Spec(r.uleb(budget)?);
        let len = r.uleb(budget)?;
        out.push((spec, len));
    }
    Ok(out)
}

/// Bytes being measured: a slice, or DEFLATE data inflating as it is read
/// (every inflated byte spends the byte budget as it is read).
struct Reader<R> {
    inner: R,
    /// Whether the bytes are inflated ones (each spends the budget).
    inflated: bool,
}

impl<'a> Reader<&'a [u8]> {
    fn plain(bytes: &'a [u8]) -> Self {
        Reader {
            inner: bytes,
            inflated: false,
        }
    }

    /// The next `len` bytes, and the ones after them.
    fn split(&self, len: u64) -> Result<(&'a [u8], &'a [u8]), ChunkError> {
        match usize::try_from(len) {
            Ok(n) if n <= self.inner.len() => Ok(self.inner.split_at(n)),
            _ => Err(malformed("truncated")),
        }
    }
}

impl<'a> Reader<BufReader<DeflateDecoder<&'a [u8]>>> {
    fn inflating(compressed: &'a [u8]) -> Self {
        Reader {
            inner: BufReader::with_capacity(16 * 1024, DeflateDecoder::new(compressed)),
            inflated: true,
        }
    }
}

impl<R: BufRead> Reader<R> {
    fn at_end(&mut self) -> Result<bool, ChunkError> {
        Ok(self.inner.fill_buf().map_err(io_error)?.is_empty())
    }

    fn byte(&mut self, budget: &mut Budget) -> Result<u8, ChunkError> {
        let b = match self.inner.fill_buf().map_err(io_error)? {
            [] => return Err(malformed("truncated")),
            [b, ..] => *b,
        };
        self.inner.consume(1);
        if self.inflated {
            budget.spend_bytes(1)?;
        }
        Ok(b)
    }

    fn uleb(&mut self, budget: &mut Budget) -> Result<u64, ChunkError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = self.byte(budget)?;
            if i == 9 && byte > 1 {
                return Err(malformed("integer too large"));
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed("integer too long"))
    }

    fn sleb(&mut self, budget: &mut Budget) -> Result<i64, ChunkError> {
        let mut value: i64 = 0;
        for i in 0..10 {
            let byte = self.byte(budget)?;
            value |= i64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                let shift = 7 * (i + 1);
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
        }
        Err(malformed("integer too long"))
    }

    /// One value of a run-length-encoded column of type `kind`.
    fn value(&mut self, kind: u64, budget: &mut Budget) -> Result<(), ChunkError> {
        match kind {
            // Deltas are signed.
            3 => {
                self.sleb(budget)?;
            }
            // Strings: a length and the bytes.
            5 => {
                let len = self.uleb(budget)?;
                self.skip(len, budget)?;
            }
            // Group counts, actors, integers, value metadata.
            _ => {
                self.uleb(budget)?;
            }
        }
        Ok(())
    }

    fn skip(&mut self, n: u64, budget: &mut Budget) -> Result<(), ChunkError> {
        if self.inflated {
            budget.spend_bytes(n)?;
        }
        let skipped =
            io::copy(&mut (&mut self.inner).take(n), &mut io::sink()).map_err(io_error)?;
        if skipped != n {
            return Err(malformed("truncated"));
        }
        Ok(())
    }

    fn skip_to_end(&mut self, budget: &mut Budget) -> Result<(), ChunkError> {
        loop {
            let n = self.inner.fill_buf().map_err(io_error)?.len();
            if n == 0 {
                return Ok(());
            }
            if self.inflated {
                budget.spend_bytes(n as u64)?;
            }
            self.inner.consume(n);
        }
    }
}

fn io_error(_: io::Error) -> ChunkError {
    malformed("compressed data does not inflate")
}

#[cfg(test)]
mod tests {

    /// The fuzzer found that Automerge's loader (hexane 1.0.0-alpha.5) panics on a "bundle"
    /// chunk (type 3) with a bad delta column: the codec refuses the chunk
    /// type, so the hub never hands Automerge such bytes.
    #[test]
    fn a_bundle_chunk_that_panics_automerge_is_refused() {
        let bytes = include_bytes!("../../../fuzz/regressions/answer_hostile-bundle-chunk");
        let upload = &bytes[1..];
        let mut budget = Budget {
            bytes: u64::MAX,
            items: u64::MAX,
        };
        assert_eq!(
            budget.measure(upload),
            Err(ChunkError::Malformed("unknown chunk type"))
        );
    }
    use std::io::Write;

    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};
    use flate2::write::DeflateEncoder;
    use flate2::Compression;

    use super::*;
    use crate::codec::put_leb;

    const ROOMY: Budget = Budget {
        bytes: 64 * 1024 * 1024,
        items: 10_000_000,
    };

    fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend([0; 4]);
        out.push(kind);
        put_leb(&mut out, data.len() as u64);
        out.extend(data);
        out
    }

    fn deflate_zeros(n: usize) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::best());
        let block = vec![0u8; 1 << 20];
        let mut left = n;
        while left > 0 {
            let k = left.min(block.len());
            e.write_all(&block[..k]).unwrap();
            left -= k;
        }
        e.finish().unwrap()
    }

    /// A family-sized document: a few hundred keys, lists and long text.
    fn document() -> AutoCommit {
        let mut doc = AutoCommit::new();
        let list = doc.put_object(ROOT, "contacts", ObjType::List).unwrap();
        for i in 0..300 {
            let c = doc.insert_object(&list, i, ObjType::Map).unwrap();
            doc.put(&c, "note", format!("visit {i}: ").repeat(20))
                .unwrap();
            doc.put(&c, "weight_kg", 3.5 + f64::from(i as u32) / 100.0)
                .unwrap();
            doc.put(&c, "signed", i % 2 == 0).unwrap();
            if i % 50 == 0 {
                doc.commit();
            }
        }
        doc.commit();
        doc
    }

    #[test]
    fn real_documents_and_changes_measure_within_budget() {
        let mut doc = document();
        let saved = doc.save();
        let mut budget = ROOMY;
        budget.measure(&saved).unwrap();
        let spent = ROOMY.bytes - budget.bytes;
        assert!(
            spent > saved.len() as u64,
            "compressed columns count inflated"
        );
        assert!(ROOMY.items - budget.items > 300 * 3, "every op counted");
        for change in doc.get_changes(&[]) {
            let mut raw = ROOMY;
            raw.measure(change.raw_bytes()).unwrap();
            let mut stored = ROOMY;
            let mut change = change.clone();
            stored.measure(change.bytes().as_ref()).unwrap();
        }
        // And an uncompressed save, and chunks back to back.
        let mut all = doc.save_nocompress();
        all.extend(doc.save());
        ROOMY.clone().measure(&all).unwrap();
    }

    #[test]
    fn real_sync_messages_measure_within_budget() {
        let mut doc = document();
        let mut state = automerge::sync::State::new();
        let mut peer = AutoCommit::new();
        let mut peer_state = automerge::sync::State::new();
        use automerge::sync::SyncDoc;
        for _ in 0..4 {
            if let Some(m) = doc.sync().generate_sync_message(&mut state) {
                for c in m.changes.iter() {
                    ROOMY.clone().measure(c).unwrap();
                }
                peer.sync()
                    .receive_sync_message(&mut peer_state, m)
                    .unwrap();
            }
            if let Some(m) = peer.sync().generate_sync_message(&mut peer_state) {
                doc.sync().receive_sync_message(&mut state, m).unwrap();
            }
        }
        assert_eq!(peer.get_heads(), doc.get_heads());
    }

    #[test]
    fn a_compressed_change_that_inflates_too_far_is_refused() {
        let bomb = chunk(2, &deflate_zeros(64 << 20));
        assert!(bomb.len() < 200 * 1024);
        let mut budget = Budget {
            bytes: 8 << 20,
            items: 1_000,
        };
        assert!(matches!(
            budget.measure(&bomb),
            Err(ChunkError::InflatesTooFar)
        ));
    }

    #[test]
    fn a_document_column_that_inflates_too_far_is_refused() {
        let compressed = deflate_zeros(64 << 20);
        let mut data = Vec::new();
        put_leb(&mut data, 0); // actors
        put_leb(&mut data, 0); // heads
        put_leb(&mut data, 1); // change columns
        put_leb(&mut data, (1 << 4) | 0b1000 | 2); // compressed integers
        put_leb(&mut data, compressed.len() as u64);
        put_leb(&mut data, 0); // op columns
        data.extend(&compressed);
        let mut budget = Budget {
            bytes: 8 << 20,
            items: 1_000,
        };
        assert!(matches!(
            budget.measure(&chunk(0, &data)),
            Err(ChunkError::InflatesTooFar)
        ));
    }

    #[test]
    fn a_run_of_a_billion_operations_is_refused() {
        let mut column = Vec::new();
        // A run of 1,000,000,000 copies of the value 1 (sLEB run, uLEB value).
        let mut v: i64 = 1_000_000_000;
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 && byte & 0x40 == 0 {
                column.push(byte);
                break;
            }
            column.push(byte | 0x80);
        }
        column.push(1);
        let mut data = Vec::new();
        put_leb(&mut data, 0); // deps
        put_leb(&mut data, 16); // actor
        data.extend([7; 16]);
        for v in [1, 1, 0, 0, 0] {
            put_leb(&mut data, v); // seq, start op, time, message, others
        }
        put_leb(&mut data, 1);
        put_leb(&mut data, (4 << 4) | 2);
        put_leb(&mut data, column.len() as u64);
        data.extend(&column);
        let mut budget = ROOMY;
        assert_eq!(
            budget.measure(&chunk(1, &data)),
            Err(ChunkError::TooManyItems)
        );
    }

    #[test]
    fn garbage_is_malformed_and_never_panics() {
        let saved = document().save();
        assert!(matches!(
            ROOMY.clone().measure(b"not a chunk at all"),
            Err(ChunkError::Malformed(_))
        ));
        assert!(matches!(
            ROOMY.clone().measure(&saved[..saved.len() / 2]),
            Err(ChunkError::Malformed(_))
        ));
        // Every single-byte corruption of a real document: an answer, no panic.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut bytes = saved.clone();
            let at = (seed as usize) % bytes.len();
            bytes[at] = (seed >> 32) as u8;
            let _ = ROOMY.clone().measure(&bytes);
        }
    }
}
