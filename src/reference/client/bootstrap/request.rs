//! What a request from the Bootstrap-Server asks (the Bootstrap Interface's CoAP mapping,
//! LwM2M 1.0.2 §8.2.2, read by `lwm2m::operation`; 1.1 adds Bootstrap-Read and
//! Bootstrap-Discover), and carrying it out on the object store with the answer.

use std::collections::BTreeSet;

use crate::coap::message::option;
use crate::coap::{Code, Message};
use crate::lwm2m::operation::{Context, Operation, classify_any_path};
use crate::lwm2m::{Path, Record, Role};

use super::super::dm::Reply;
use super::super::objects::ObjectStore;
use super::super::{Fault, Version};
use super::read;

/// A request of the Bootstrap Interface (§8.2.2), or why it cannot be carried out.
pub(super) enum Op {
    Write(Path),
    Delete(Path),
    /// LwM2M 1.1: GET (with an Accept other than link format, or none).
    Read(Path),
    /// LwM2M 1.1: GET with Accept: application/link-format.
    Discover(Path),
    Finish,
    Refused(Code),
}

/// The bootstrap operation `req` is (a Bootstrap-Finish, -Write or -Delete, and for a 1.1 client
/// a Bootstrap-Read or -Discover), or None for a request not related to bootstrap (a
/// Write-Attributes, an Observe, or for a 1.0 client any GET). One whose Uri-Path is no LwM2M
/// path cannot be carried out: 4.00.
pub(super) fn classify(req: &Message, version: Version) -> Option<Op> {
    let path = || {
        let segs: Option<Vec<&str>> = req
            .option_values(option::URI_PATH)
            .map(|s| std::str::from_utf8(s).ok())
            .collect();
        segs.and_then(|s| Path::from_segments(&s).ok())
    };
    let v1_1 = version >= Version::V1_1;
    let op = match classify_any_path(req, Context::sent_by(Role::BootstrapServer))? {
        Operation::BootstrapFinish => Op::Finish,
        Operation::BootstrapWrite => path().map_or(Op::Refused(Code::BAD_REQUEST), Op::Write),
        Operation::BootstrapDelete => path().map_or(Op::Refused(Code::BAD_REQUEST), Op::Delete),
        Operation::BootstrapDiscover if v1_1 => path().map_or(Op::Refused(Code::BAD_REQUEST), Op::Discover),
        Operation::BootstrapRead if v1_1 => path().map_or(Op::Refused(Code::BAD_REQUEST), Op::Read),
        _ => return None,
    };
    let unknown_critical = req.unknown_critical_option().is_some();
    Some(if unknown_critical {
        Op::Refused(Code::BAD_OPTION)
    } else {
        op
    })
}

/// The records of a Bootstrap Write: decoded exactly like a DM Write (no Content-Format means
/// text/plain, §8.1).
fn decode(store: &ObjectStore, path: &Path, req: &Message) -> Result<Vec<Record>, Code> {
    super::super::dm::decode_payload(store, path, req)
}

/// Carries out `op` on `store`; returns the answer: 2.04 for Write and Finish, 2.02 for
/// Delete (§8.2.6), 2.05 with content for Read and Discover, or the error.
pub(super) fn carry_out(op: &Op, req: &Message, store: &mut ObjectStore, faults: &BTreeSet<Fault>) -> Reply {
    let done = match op {
        Op::Read(_) if faults.contains(&Fault::BsNoBootstrapRead) => Err(Code::METHOD_NOT_ALLOWED),
        Op::Read(path) => return read::read(store, path, req.accept()).into(),
        Op::Discover(_) if faults.contains(&Fault::BsNoBootstrapDiscover) => Err(Code::METHOD_NOT_ALLOWED),
        Op::Discover(path) => return read::discover(store, path).into(),
        Op::Write(path) => {
            let create = !faults.contains(&Fault::BsWriteNeedsExistingInstance);
            decode(store, path, req)
                .and_then(|records| store.bootstrap_write(path, &records, create))
                .map(|()| Code::CHANGED)
        }
        // Answered as done, nothing deleted.
        Op::Delete(path) if path.depth() == 0 && faults.contains(&Fault::BsDeleteRootKeepsServers) => Ok(Code::DELETED),
        Op::Delete(path) => {
            // Only "/" is affected by the fault: "/0" spares the account either way.
            let spare = path.depth() > 0 || !faults.contains(&Fault::BsDeleteRootRemovesBsAccount);
            store.bootstrap_delete(path, spare).map(|()| Code::DELETED)
        }
        Op::Finish => Ok(Code::CHANGED),
        Op::Refused(code) => Err(*code),
    };
    Reply::code(done.unwrap_or_else(|code| code))
}
