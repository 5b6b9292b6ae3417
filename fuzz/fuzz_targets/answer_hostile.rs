//! Fuzz target: the server's handling of a decoded request whose Automerge
//! bytes are hostile. The input is split into a sync message and a whole
//! document: the document is loaded and read as a family record as the
//! hub does before its transaction, the request goes through the codec's
//! checks as a body does, then the answering machine receives
//! both for a family the server holds, checking each merge with the
//! server's admission rules. Nothing may panic, and a request that is
//! answered must encode.
#![no_main]

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ROOT};
use doorstep_document::admission::Sender;
use doorstep_sync::answering::{Admission, Answering, Held, Upload};
use doorstep_sync::codec::{decode_request, encode_request, encode_response};
use doorstep_sync::protocol::{Cursor, DocMessage, SyncRequest, PROTOCOL_VERSION};
use doorstep_sync::Limits;
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

const FAMILY: Uuid = Uuid::from_u128(0x1111_2222_3333_4444_5555_6666_7777_8888);
const DEVICE: Uuid = Uuid::from_u128(0x9999_aaaa_bbbb_cccc_dddd_eeee_ffff_0001);

/// The hub's rules: the real admission check, with every other device
/// enrolled for the sender's practitioner.
struct Rules(Sender);

impl Admission for Rules {
    fn admit(
        &self,
        _id: Uuid,
        before: Option<&mut AutoCommit>,
        after: &mut AutoCommit,
    ) -> Result<(), String> {
        let mut signer_ok = |_: Uuid, who: &str| who == "Fuzz Visitor";
        self.0.check(before, after, Some(&mut signer_ok))
    }
}

/// The server's copy of the family: a small document.
fn held() -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![7u8; 16]));
    doc.put(ROOT, "id", FAMILY.to_string()).expect("put");
    let household = doc
        .put_object(ROOT, "household", automerge::ObjType::Map)
        .expect("map");
    doc.put(&household, "postcode", "CV1 4AA").expect("put");
    doc.commit();
    doc
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let at = (split as usize * rest.len()) / 255;
    let (message, upload) = rest.split_at(at.min(rest.len()));

    // What the hub does before its transaction: the codec measures the
    // upload's chunks against the document budget (refusing chunk types
    // and shapes Automerge should not be handed), then it is loaded and
    // read. Automerge is never handed bytes the codec refused.
    let mut uploads = Vec::new();
    let measured = Limits::default().document_budget().measure(upload).is_ok();
    if let Some(doc) = measured.then(|| AutoCommit::load(upload).ok()).flatten() {
        let _ = doorstep_document::record::family(&doc);
        uploads.push(Upload {
            doc_id: FAMILY,
            doc,
        });
    }
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: DEVICE,
        cursor: Some(Cursor {
            epoch: "e".into(),
            seq: 1,
        }),
        messages: vec![DocMessage {
            doc_id: FAMILY,
            sync: message.to_vec(),
        }],
        uploads: Vec::new(),
        audit: Vec::new(),
    };
    // As the hub does: the body goes through the codec's checks first (a
    // message it refuses is answered 400).
    let Ok(request) = decode_request(&encode_request(&request), &Limits::default()) else {
        return;
    };
    let mut machine = Answering::new(request, uploads, "e".into(), 2, Limits::default());
    let held = [(FAMILY, Held::Mine(held(), 1))].into_iter().collect();
    let rules = Rules(Sender {
        device: DEVICE,
        practitioner: "Fuzz Visitor".into(),
        now: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
        moved_at: None,
        moved_work_taken: false,
    });
    if machine.receive(held, Default::default(), &rules).is_err() {
        return;
    }
    let answer = machine.finish();
    let _ = encode_response(&answer.response(Some(3), "generation"));
});
