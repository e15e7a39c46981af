//! What a request from the Bootstrap-Server asks (the Bootstrap Interface's CoAP mapping,
//! LwM2M 1.0.2 §8.2.2), and carrying it out on the object store with the answer's code.

use std::collections::BTreeSet;

use crate::coap::message::option;
use crate::coap::{Code, Message};
use crate::lwm2m::{Path, Record};

use super::super::Fault;
use super::super::dm::BAD_OPTION;
use super::super::objects::ObjectStore;

/// Critical options a bootstrap request may carry (Uri-Host, Uri-Port, Uri-Path, Uri-Query,
/// Accept); any other critical option is 4.02 Bad Option (RFC 7252 §5.4.1).
const KNOWN_CRITICAL: [u16; 5] = [3, 7, option::URI_PATH, option::URI_QUERY, option::ACCEPT];

/// A request of the Bootstrap Interface (§8.2.2), or why it cannot be carried out.
pub(super) enum Op {
    Write(Path),
    Delete(Path),
    Finish,
    Refused(Code),
}

/// The bootstrap operation `req` is (a Bootstrap-Finish is POST /bs, a Write PUT, a Delete
/// DELETE), or None for a request not related to bootstrap.
pub(super) fn classify(req: &Message) -> Option<Op> {
    let path = || {
        let segs: Option<Vec<&str>> = req
            .option_values(option::URI_PATH)
            .map(|s| std::str::from_utf8(s).ok())
            .collect();
        segs.and_then(|s| Path::from_segments(&s).ok())
    };
    let op = match req.code {
        Code::POST if req.uri_path() == "/bs" => Op::Finish,
        // An empty PUT with a query is Write-Attributes, a Device Management operation.
        Code::PUT if req.payload.is_empty() && !req.uri_query().is_empty() => return None,
        Code::PUT => path().map_or(Op::Refused(Code::BAD_REQUEST), Op::Write),
        Code::DELETE => path().map_or(Op::Refused(Code::BAD_REQUEST), Op::Delete),
        _ => return None,
    };
    let unknown_critical = req
        .options
        .iter()
        .any(|(n, _)| n % 2 == 1 && !KNOWN_CRITICAL.contains(n));
    Some(if unknown_critical { Op::Refused(BAD_OPTION) } else { op })
}

/// The records of a Bootstrap Write: decoded exactly like a DM Write (no Content-Format means
/// text/plain, §8.1).
fn decode(path: &Path, req: &Message) -> Result<Vec<Record>, Code> {
    super::super::dm::decode_payload(path, req)
}

/// Carries out `op` on `store`; returns the code to answer with: 2.04 for Write and Finish,
/// 2.02 for Delete (§8.2.6), or the error.
pub(super) fn carry_out(op: &Op, req: &Message, store: &mut ObjectStore, faults: &BTreeSet<Fault>) -> Code {
    let done = match op {
        Op::Write(path) => {
            let create = !faults.contains(&Fault::BsWriteNeedsExistingInstance);
            decode(path, req)
                .and_then(|records| store.bootstrap_write(path, &records, create))
                .map(|()| Code::CHANGED)
        }
        Op::Delete(path) => {
            // Only "/" is affected by the fault: "/0" spares the account either way.
            let spare = path.depth() > 0 || !faults.contains(&Fault::BsDeleteRootRemovesBsAccount);
            store.bootstrap_delete(path, spare).map(|()| Code::DELETED)
        }
        Op::Finish => Ok(Code::CHANGED),
        Op::Refused(code) => Err(*code),
    };
    done.unwrap_or_else(|code| code)
}
