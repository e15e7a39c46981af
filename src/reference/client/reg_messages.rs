//! The Registration interface's messages (LwM2M 1.0.2 §8.2.3): Register, Update and
//! De-register. The registration faults are applied here, and only to the wire: what the
//! client believes the server learnt stays the conformant value, so no later Update "repairs"
//! a fault and each fault changes exactly one message.
//!
//! [`Snapshot`], what the messages tell the server, is defined here too, so the state machine in
//! `registration` uses this file and this file uses nothing of it.

use std::collections::BTreeSet;

use crate::coap::Message;
use crate::coap::message::option;
use crate::lwm2m::ContentFormat;
use crate::lwm2m::operation::{Operation, confirmable};

use super::{Fault, Version};

/// What the server learns from Register / Update: the Lifetime, the Binding and the object
/// list (link format). An Update carries only what changed since the server last learnt it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) lifetime: u32,
    pub(crate) binding: String,
    pub(crate) links: String,
    /// The `pct` a 1.1 client announces in Register (TS 1.1 §5.3.1), if any.
    pub(crate) pct: Option<u16>,
}

fn q(name: &str, value: impl Into<String>) -> (String, Option<String>) {
    (name.to_string(), Some(value.into()))
}

/// An Update or De-register: to the Location-Path segments of the 2.01 as they came, or to the
/// wrong location a fault asks for.
fn to_location(
    op: Operation,
    token: Vec<u8>,
    location: &[Vec<u8>],
    wrong: bool,
    query: &[(String, Option<String>)],
) -> Message {
    let mut m = confirmable(op, token, wrong.then_some("/rd/wrong"), query);
    if !wrong {
        for seg in location {
            m.add_option(option::URI_PATH, seg.clone());
        }
    }
    m
}

fn link_format_payload(m: &mut Message, links: &str) {
    m.add_uint_option(option::CONTENT_FORMAT, u32::from(ContentFormat::LINK_FORMAT.0));
    m.payload = links.as_bytes().to_vec();
}

/// Register: POST /rd?ep=..&lt=..&lwm2m=1.0&b=.. with the object list in link format
/// (`lwm2m=1.1` for a 1.1 client: the parameter "is required only for LWM2M versions > 1.0").
pub(crate) fn register(
    endpoint: &str,
    faults: &BTreeSet<Fault>,
    version: Version,
    token: Vec<u8>,
    current: &Snapshot,
) -> Message {
    let has = |f| faults.contains(&f);
    let mut query = Vec::new();
    if !has(Fault::RegisterOmitEndpoint) {
        query.push(q("ep", endpoint));
    }
    let lt = if has(Fault::RegisterLifetimeMismatch) {
        current.lifetime.saturating_add(1)
    } else {
        current.lifetime
    };
    query.push(q("lt", lt.to_string()));
    if !has(Fault::RegOmitLwm2mVersion) {
        query.push(q("lwm2m", version.as_str()));
    }
    let b = if has(Fault::RegisterInvalidBinding) {
        "X"
    } else {
        current.binding.as_str()
    };
    query.push(q("b", b));
    if let Some(pct) = current.pct {
        query.push(q("pct", pct.to_string()));
    }
    let wrong_path = has(Fault::RegisterWrongPath).then_some("/register");
    let mut m = confirmable(Operation::Register, token, wrong_path, &query);
    let links = if has(Fault::RegisterEmptyObjectList) {
        ""
    } else {
        current.links.as_str()
    };
    link_format_payload(&mut m, links);
    m
}

/// Update: POST {location} with `lt`, `b` and the object list only where they changed since
/// the server last learnt them (§5.3.2).
pub(crate) fn update(
    faults: &BTreeSet<Fault>,
    token: Vec<u8>,
    location: &[Vec<u8>],
    known: &Snapshot,
    current: &Snapshot,
) -> Message {
    let mut query = Vec::new();
    if current.lifetime != known.lifetime {
        query.push(q("lt", current.lifetime.to_string()));
    }
    if current.binding != known.binding {
        query.push(q("b", current.binding.clone()));
    }
    let wrong = faults.contains(&Fault::UpdateWrongLocation);
    let mut m = to_location(Operation::Update, token, location, wrong, &query);
    if current.links != known.links {
        link_format_payload(&mut m, &current.links);
    }
    m
}

/// De-register: DELETE {location}.
pub(crate) fn deregister(faults: &BTreeSet<Fault>, token: Vec<u8>, location: &[Vec<u8>]) -> Message {
    let wrong = faults.contains(&Fault::DeregisterWrongLocation);
    to_location(Operation::Deregister, token, location, wrong, &[])
}
