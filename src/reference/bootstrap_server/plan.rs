//! What the reference Bootstrap-Server provisions: the requests of one bootstrap sequence, in
//! the order it sends them (their CoAP mapping is `lwm2m::operation`, LwM2M 1.0.2 §8.2.2; seed
//! 003 §8.1.1).
//!
//! Client Initiated: Bootstrap Delete "/" (the MAY of §8.1.1: clear every Object Instance but
//! the Bootstrap-Server Account before writing), Bootstrap Write of a Security and a Server
//! instance that point the client at the configured LwM2M Server, then Bootstrap-Finish.
//! Server Initiated: the same without the Delete ("In server initiated bootstrap, the Bootstrap
//! Server performs Write operation").
//!
//! Variants (`variant`): `discover-first` opens a Client Initiated sequence with a
//! Bootstrap-Discover on "/"; `delete-objects` deletes the Objects /0 and /1 instead of "/".

use std::collections::{BTreeSet, VecDeque};

use crate::coap::Message;
use crate::coap::message::option;
use crate::lwm2m::operation::{Operation, confirmable};
use crate::lwm2m::{ContentFormat, Path, Record, Value};

use super::{Fault, Variant};

/// The Security and Server Object Instances written, and the Short Server ID that links them.
const SECURITY_INSTANCE: u16 = 1;
const SERVER_INSTANCE: u16 = 1;
const SHORT_SERVER_ID: i64 = 1;
/// Lifetime (s) written to the Server instance.
const LIFETIME: i64 = 300;
/// Security Mode 3: NoSec (LwM2M 1.0.2 Appendix E.1, resource /0/x/2).
const NO_SEC: i64 = 3;

/// Who began the sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Initiator {
    /// The client's Bootstrap-Request.
    Client,
    /// The Bootstrap-Server itself (`--server-initiated`).
    Server,
}

/// One request of the sequence.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Request {
    /// LwM2M 1.1 Bootstrap-Discover: GET with Accept: application/link-format.
    Discover(Path),
    Delete(Path),
    Write(Path, Vec<Record>),
    Finish,
}

impl Request {
    pub(super) fn is_finish(&self) -> bool {
        matches!(self, Request::Finish)
    }

    /// The Confirmable CoAP request: Bootstrap-Discover, -Delete, -Write with a TLV payload, or
    /// Bootstrap-Finish with an empty payload. None when a Write's records do not encode (a bug;
    /// logged by the caller).
    pub(super) fn message(&self, token: Vec<u8>, faults: &BTreeSet<Fault>) -> Option<Message> {
        let (op, path) = match self {
            Request::Discover(p) => (Operation::BootstrapDiscover, Some(p.to_string())),
            Request::Delete(p) => (Operation::BootstrapDelete, Some(p.to_string())),
            Request::Write(p, _) => (Operation::BootstrapWrite, Some(p.to_string())),
            Request::Finish => (Operation::BootstrapFinish, None),
        };
        let mut m = confirmable(op, token, path.as_deref(), &[]);
        match self {
            Request::Write(p, records) => {
                m.payload = crate::lwm2m::encode(ContentFormat::TLV, p, records).ok()?;
                m.add_uint_option(option::CONTENT_FORMAT, u32::from(ContentFormat::TLV.0));
            }
            Request::Finish if faults.contains(&Fault::BsFinishWithPayload) => {
                m.payload = b"bootstrap-finish".to_vec();
                m.add_uint_option(option::CONTENT_FORMAT, u32::from(ContentFormat::TEXT.0));
            }
            _ => {}
        }
        Some(m)
    }
}

/// The requests of one sequence, first to last.
pub(super) fn sequence(
    server_uri: &str,
    initiator: Initiator,
    faults: &BTreeSet<Fault>,
    variants: &BTreeSet<Variant>,
) -> VecDeque<Request> {
    let mut out = VecDeque::new();
    if initiator == Initiator::Client {
        if variants.contains(&Variant::DiscoverFirst) {
            // Sent alone and answered before anything else (one request at a time, `session`).
            out.push_back(Request::Discover(Path::root()));
        }
        if faults.contains(&Fault::BsDeleteObject) {
            // 1.0 lets a Bootstrap Delete target "/" or an Object Instance, never a whole Object.
            out.push_back(Request::Delete(Path::object(1)));
        } else if variants.contains(&Variant::DeleteObjects) {
            // 1.1 lets it target an Object: the Security and Server Objects, which is what
            // "/" would clear of the accounts this sequence rewrites.
            out.push_back(Request::Delete(Path::object(0)));
            out.push_back(Request::Delete(Path::object(1)));
        } else {
            out.push_back(Request::Delete(Path::root()));
        }
    }
    out.push_back(Request::Write(
        Path::instance(0, SECURITY_INSTANCE),
        records(
            Path::instance(0, SECURITY_INSTANCE),
            vec![
                (0, Value::String(server_uri.to_string())),
                (1, Value::Boolean(false)),
                (2, Value::Integer(NO_SEC)),
                (3, Value::Opaque(Vec::new())),
                (4, Value::Opaque(Vec::new())),
                (5, Value::Opaque(Vec::new())),
                (10, Value::Integer(SHORT_SERVER_ID)),
            ],
        ),
    ));
    out.push_back(Request::Write(
        Path::instance(1, SERVER_INSTANCE),
        records(
            Path::instance(1, SERVER_INSTANCE),
            vec![
                (0, Value::Integer(SHORT_SERVER_ID)),
                (1, Value::Integer(LIFETIME)),
                (6, Value::Boolean(false)),
                (7, Value::String("U".into())),
            ],
        ),
    ));
    if !faults.contains(&Fault::BsNoFinish) {
        out.push_back(Request::Finish);
    }
    out
}

/// `(resource id, value)` pairs as records under the Object Instance `instance`.
fn records(instance: Path, values: Vec<(u16, Value)>) -> Vec<Record> {
    values
        .into_iter()
        .filter_map(|(id, v)| instance.child(id).map(|p| Record::new(p, v)))
        .collect()
}
