//! Codec tests: round trips, every truncation, random mutations (never a
//! panic), limits, and the checks on embedded Automerge sync messages.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ROOT};
use doorstep_sync::audit::{AuditRow, AuditTip, GENESIS};
use doorstep_sync::codec::{
    decode_any, decode_request, decode_response, encode_request, encode_response, DecodeError,
    Decoded, Limit,
};
use doorstep_sync::protocol::{
    Cursor, DocAck, DocMessage, DocUpload, Rejection, SyncRequest, SyncResponse, PROTOCOL_VERSION,
};
use doorstep_sync::session::DocSync;
use doorstep_sync::Limits;
use uuid::Uuid;

/// Small deterministic PRNG (xorshift64*).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn id(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}

/// A real Automerge sync message carrying a few changes.
fn sync_bytes(n: u8) -> Vec<u8> {
    let mut doc = AutoCommit::new();
    doc.set_actor(ActorId::from(vec![n; 16]));
    for i in 0..3 {
        doc.put(ROOT, format!("k{i}"), i64::from(n) + i).unwrap();
        doc.commit();
    }
    let mut s = DocSync::new();
    let first = s.generate(&mut doc).unwrap();
    // Answer as an empty peer so the second message carries changes.
    let mut peer = AutoCommit::new();
    let mut ps = DocSync::new();
    ps.receive(&mut peer, &first).unwrap();
    let reply = ps.generate(&mut peer).unwrap();
    s.receive(&mut doc, &reply).unwrap();
    s.generate(&mut doc).unwrap()
}

fn saved_doc() -> Vec<u8> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "k", "v").unwrap();
    doc.save()
}

fn request() -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: id(7),
        cursor: Some(Cursor {
            epoch: "epoch-ü-2026".into(),
            seq: 300,
        }),
        messages: vec![
            DocMessage {
                doc_id: id(1),
                sync: sync_bytes(1),
            },
            DocMessage {
                doc_id: id(2),
                sync: sync_bytes(2),
            },
        ],
        uploads: vec![DocUpload {
            doc_id: id(8),
            doc: saved_doc(),
        }],
        audit: audit_rows(),
    }
}

/// Two chained audit rows, one without a record id.
fn audit_rows() -> Vec<AuditRow> {
    let mut rows: Vec<AuditRow> = Vec::new();
    for (seq, record) in [(1, Some("f1".to_string())), (2, None)] {
        let mut row = AuditRow {
            seq,
            at: "2026-12-07T09:00:00.000000Z".into(),
            practitioner: "Asha Patel".into(),
            action: "worklist.view".into(),
            record_kind: "worklist".into(),
            record_id: record.clone(),
            family_id: record,
            prev_hash: rows.last().map_or(GENESIS, |r| r.hash),
            hash: [0; 32],
        };
        row.hash = row.expected_hash();
        rows.push(row);
    }
    rows
}

fn response() -> SyncResponse {
    SyncResponse {
        cursor: Cursor {
            epoch: "e1".into(),
            seq: u64::MAX,
        },
        messages: vec![DocMessage {
            doc_id: id(3),
            sync: sync_bytes(3),
        }],
        acks: vec![
            DocAck {
                doc_id: id(3),
                heads: vec![[7u8; 32], [9u8; 32]],
            },
            DocAck {
                doc_id: id(8),
                heads: vec![],
            },
        ],
        evicted: vec![id(4), id(5)],
        rejected: vec![Rejection {
            doc_id: id(6),
            reason: "not found".into(),
        }],
        full_compare: true,
        more: false,
        revoked: true,
        audit_ack: Some(AuditTip {
            seq: 2,
            hash: [5; 32],
        }),
        audit_refused: Some("audit row 3 does not follow the row before it".into()),
    }
}

#[test]
fn round_trips() {
    let l = Limits::default();
    let req = request();
    assert_eq!(decode_request(&encode_request(&req), &l).unwrap(), req);
    let empty = SyncRequest {
        protocol: 1,
        device_id: id(9),
        cursor: None,
        messages: vec![],
        uploads: vec![],
        audit: vec![],
    };
    assert_eq!(decode_request(&encode_request(&empty), &l).unwrap(), empty);
    // A request of codec version 1 (before audit rows) still decodes.
    let mut v1 = encode_request(&empty);
    v1[3] = 1;
    v1.pop();
    assert_eq!(decode_request(&v1, &l).unwrap(), empty);
    for (ack, refused) in [(true, false), (false, true), (false, false)] {
        let r = SyncResponse {
            audit_ack: response().audit_ack.filter(|_| ack),
            audit_refused: response().audit_refused.filter(|_| refused),
            ..response()
        };
        assert_eq!(decode_response(&encode_response(&r), &l).unwrap(), r);
    }
    let resp = response();
    assert_eq!(decode_response(&encode_response(&resp), &l).unwrap(), resp);
    for (fc, more) in [(false, false), (false, true), (true, true)] {
        let r = SyncResponse {
            full_compare: fc,
            more,
            ..response()
        };
        assert_eq!(decode_response(&encode_response(&r), &l).unwrap(), r);
    }
    assert_eq!(
        decode_any(&encode_request(&req)).unwrap(),
        Decoded::Request(req)
    );
    assert_eq!(
        decode_any(&encode_response(&resp)).unwrap(),
        Decoded::Response(resp)
    );
}

#[test]
fn every_truncation_is_an_error() {
    let l = Limits::default();
    let req = encode_request(&request());
    for n in 0..req.len() {
        assert!(decode_request(&req[..n], &l).is_err(), "request prefix {n}");
        assert!(decode_any(&req[..n]).is_err(), "any request prefix {n}");
    }
    let resp = encode_response(&response());
    for n in 0..resp.len() {
        assert!(
            decode_response(&resp[..n], &l).is_err(),
            "response prefix {n}"
        );
        assert!(decode_any(&resp[..n]).is_err(), "any response prefix {n}");
    }
}

#[test]
fn trailing_bytes_magic_version_and_tags() {
    let l = Limits::default();
    let mut req = encode_request(&request());
    req.push(0);
    assert_eq!(decode_request(&req, &l), Err(DecodeError::TrailingBytes(1)));
    let mut bad = encode_request(&request());
    bad[0] = b'X';
    assert_eq!(decode_request(&bad, &l), Err(DecodeError::BadMagic));
    // A response is not a request.
    assert_eq!(
        decode_request(&encode_response(&response()), &l),
        Err(DecodeError::BadMagic)
    );
    let mut bad = encode_request(&request());
    bad[3] = 3;
    assert_eq!(
        decode_request(&bad, &l),
        Err(DecodeError::UnsupportedVersion(3))
    );
    // Cursor tag other than 0/1.
    let mut bad = encode_request(&request());
    bad[4 + 2 + 16] = 2;
    assert!(matches!(
        decode_request(&bad, &l),
        Err(DecodeError::InvalidTag { value: 2, .. })
    ));
    // Unknown response flag bits.
    let plain = SyncResponse {
        audit_ack: None,
        audit_refused: None,
        ..response()
    };
    let mut bad = encode_response(&plain);
    *bad.last_mut().unwrap() = 0x20;
    assert!(matches!(
        decode_response(&bad, &l),
        Err(DecodeError::InvalidTag { value: 0x20, .. })
    ));
}

#[test]
fn nil_uuid_bad_utf8_and_bad_sync_message_are_rejected() {
    let l = Limits::default();
    let mut req = request();
    req.device_id = Uuid::nil();
    assert!(matches!(
        decode_request(&encode_request(&req), &l),
        Err(DecodeError::InvalidUuid { .. })
    ));
    let mut resp = response();
    resp.cursor.epoch = "abc".into();
    let mut bytes = encode_response(&resp);
    // Header is 4 bytes, then the epoch length (1 byte), then its bytes.
    bytes[5] = 0xff;
    assert!(matches!(
        decode_response(&bytes, &l),
        Err(DecodeError::InvalidUtf8 { at: 5 })
    ));
    let mut req = request();
    req.messages[1].sync = b"\x42garbage".to_vec();
    assert!(matches!(
        decode_request(&encode_request(&req), &l),
        Err(DecodeError::InvalidSyncMessage { doc_id, .. }) if doc_id == id(2)
    ));
}

#[test]
fn non_canonical_and_overflowing_integers_are_rejected() {
    let l = Limits::default();
    let mut resp = response();
    resp.cursor.epoch = String::new();
    let bytes = encode_response(&resp);
    // Overlong zero length for the epoch: 0x80 0x00.
    let mut overlong = bytes[..4].to_vec();
    overlong.extend_from_slice(&[0x80, 0x00]);
    overlong.extend_from_slice(&bytes[5..]);
    assert!(matches!(
        decode_response(&overlong, &l),
        Err(DecodeError::InvalidInteger { at: 4 })
    ));
    // seq = 2^64 (overflow): nine 0x80 bytes then 0x02.
    let mut overflow = bytes[..5].to_vec();
    overflow.extend_from_slice(&[0xff; 9]);
    overflow.push(0x02);
    assert!(matches!(
        decode_response(&overflow, &l),
        Err(DecodeError::InvalidInteger { at: 5 })
    ));
}

fn over_limit<T: std::fmt::Debug>(r: Result<T, DecodeError>) -> Limit {
    match r {
        Err(DecodeError::OverLimit { limit, .. }) => limit,
        other => panic!("expected OverLimit, got {other:?}"),
    }
}

#[test]
fn limits_name_what_was_exceeded() {
    let req = encode_request(&request());
    let resp = encode_response(&response());
    let base = Limits::default();
    let l = Limits {
        max_message_bytes: req.len() - 1,
        ..base
    };
    assert_eq!(over_limit(decode_request(&req, &l)), Limit::MessageBytes);
    let l = Limits {
        max_docs: 1,
        ..base
    };
    assert_eq!(over_limit(decode_request(&req, &l)), Limit::Docs);
    // Two evicted documents.
    let l = Limits {
        max_docs: 1,
        ..base
    };
    assert_eq!(over_limit(decode_response(&resp, &l)), Limit::Docs);
    let l = Limits {
        max_doc_message_bytes: 10,
        ..base
    };
    assert_eq!(over_limit(decode_request(&req, &l)), Limit::DocMessageBytes);
    let l = Limits {
        max_string_bytes: 3,
        ..base
    };
    assert_eq!(over_limit(decode_request(&req, &l)), Limit::StringBytes);
    assert_eq!(over_limit(decode_response(&resp, &l)), Limit::StringBytes);
    let l = Limits {
        max_audit_rows: 1,
        ..base
    };
    assert_eq!(over_limit(decode_request(&req, &l)), Limit::AuditRows);

    // A huge claimed count within limits, with no entries behind it, is
    // truncated input and allocates nothing.
    let mut huge = req[..4 + 2 + 16].to_vec();
    huge.push(0);
    huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]); // 2^32-1 messages
    let l = Limits {
        max_docs: usize::MAX,
        ..base
    };
    assert!(matches!(
        decode_request(&huge, &l),
        Err(DecodeError::Truncated { .. })
    ));
    assert_eq!(over_limit(decode_request(&huge, &base)), Limit::Docs);
}

#[test]
fn random_mutations_never_panic() {
    let seeds = [encode_request(&request()), encode_response(&response())];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0;
    for i in 0..5_000 {
        let mut bytes = seeds[i % 2].clone();
        match rng.below(4) {
            // Flip a few bits.
            0 | 1 => {
                for _ in 0..=rng.below(4) {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
            }
            // Overwrite a byte with a random value.
            2 => {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            // Truncate and append random bytes.
            _ => {
                bytes.truncate(rng.below(bytes.len()));
                for _ in 0..rng.below(16) {
                    bytes.push(rng.next() as u8);
                }
            }
        }
        // Whatever decodes re-encodes to exactly the same bytes: the
        // encoding is canonical, so a mutation is either caught or is a
        // different valid message (most flips land inside Automerge
        // payloads, whose bloom filters and change bytes are opaque here).
        match decode_any(&bytes) {
            Ok(Decoded::Request(r)) => {
                accepted += 1;
                assert_eq!(encode_request(&r), bytes, "mutation {i}");
            }
            Ok(Decoded::Response(r)) => {
                accepted += 1;
                assert_eq!(encode_response(&r), bytes, "mutation {i}");
            }
            Err(_) => {}
        }
        let _ = decode_request(&bytes, &Limits::default());
        let _ = decode_response(&bytes, &Limits::default());
    }
    assert!(accepted < 5_000, "no mutation was caught");
}

#[test]
fn changes_are_measured_before_anything_builds_them() {
    let l = Limits {
        max_doc_inflated_bytes: 1024,
        ..Limits::default()
    };
    // A change chunk of a thousand bytes of text: within 1 KiB? No.
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "note", "x".repeat(2_000)).unwrap();
    let big = SyncRequest {
        uploads: vec![DocUpload {
            doc_id: id(8),
            doc: doc.save(),
        }],
        ..request()
    };
    assert!(matches!(
        decode_request(&encode_request(&big), &l),
        Err(DecodeError::Changes { doc_id, max: 1024, .. }) if doc_id == id(8)
    ));
    // Not Automerge at all.
    let junk = SyncRequest {
        uploads: vec![DocUpload {
            doc_id: id(8),
            doc: vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3],
        }],
        ..request()
    };
    assert!(matches!(
        decode_request(&encode_request(&junk), &Limits::default()),
        Err(DecodeError::Changes { .. })
    ));
    // The body's budget is shared by its documents.
    let shared = Limits {
        max_body_inflated_bytes: 600,
        ..Limits::default()
    };
    let each = saved_doc().len() + sync_bytes(1).len();
    assert!(each < 600, "{each}");
    let many = SyncRequest {
        uploads: (10..20)
            .map(|n| DocUpload {
                doc_id: id(n),
                doc: saved_doc(),
            })
            .collect(),
        ..request()
    };
    assert!(matches!(
        decode_request(&encode_request(&many), &shared),
        Err(DecodeError::Changes { .. })
    ));
}

#[test]
fn bloom_filters_automerge_cannot_use_are_refused() {
    use automerge::sync::{BloomFilter, Have, Message};
    let l = Limits::default();
    // Entries but no bits (Automerge would divide by zero), and billions
    // of probes (it would allocate a vector of them); then a usable one.
    for (bloom, ok) in [
        (vec![1u8, 0, 7], false),
        (vec![1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff], false),
        (vec![1, 10, 7, 0xff, 0xff], true),
    ] {
        let mut message = Message::decode(&sync_bytes(1)).unwrap();
        message.have = vec![Have {
            last_sync: vec![],
            bloom: BloomFilter::try_from(bloom.as_slice()).unwrap(),
        }];
        let mut req = request();
        req.messages[0].sync = message.encode();
        let got = decode_request(&encode_request(&req), &l);
        if ok {
            assert!(got.is_ok(), "{got:?}");
        } else {
            assert!(
                matches!(&got, Err(DecodeError::InvalidSyncMessage { reason, .. })
                    if reason.contains("Bloom filter")),
                "{got:?}"
            );
        }
    }
}
