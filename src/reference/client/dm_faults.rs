//! The Device Management faults of the reference client (table in `fault.rs`), applied around
//! the conformant [`dm::handle`]. Each one breaks exactly one operation of the interface (LwM2M
//! 1.0.2 §5.4), as `dm::operation` reads the request's operation (the shared CoAP mapping): the
//! operation is refused with 4.05 Method Not Allowed, answered but not applied, or answered with
//! part of its content missing. Without faults this is `dm::handle` itself.

use std::collections::BTreeSet;

use crate::coap::{Code, Message};
use crate::lwm2m::{Operation, link_format};

use super::Fault;
use super::attributes::AttributeStore;
use super::dm::{self, Effect, Reply};
use super::objects::ObjectStore;

/// Answers a DM request (or the Read of a cancelling GET), whose operation is `op`
/// (`dm::server_operation`), like `dm::handle`, with the DM faults in `faults` applied.
pub(crate) fn handle(
    faults: &BTreeSet<Fault>,
    store: &mut ObjectStore,
    attrs: &mut AttributeStore,
    own: u16,
    req: &Message,
    op: Option<Operation>,
) -> (Reply, Option<Effect>) {
    let Ok(path) = dm::request_path(req) else {
        return dm::handle(store, attrs, own, req, op);
    };
    let has = |f: Fault| faults.contains(&f);
    let op = dm::operation(op, req);
    let refused = match op {
        Some(Operation::Read) => match path.depth() {
            1 => has(Fault::DmNoReadObject),
            2 => has(Fault::DmNoReadInstance),
            3 => has(Fault::DmNoReadResource),
            _ => false,
        },
        Some(Operation::WritePartial) => has(Fault::DmNoWritePartial),
        Some(Operation::Execute) => has(Fault::DmNoExecute),
        Some(Operation::Create) => has(Fault::DmNoCreate),
        Some(Operation::Delete) => has(Fault::DmNoDelete),
        Some(Operation::WriteAttributes) => has(Fault::DmNoWriteAttributes),
        _ => false,
    };
    if refused {
        return (Reply::code(Code::METHOD_NOT_ALLOWED), None);
    }
    if op == Some(Operation::WriteAttributes)
        && has(Fault::DmWriteAttributesRejectsStep)
        && req.uri_query().iter().any(|(name, _)| name == "st")
    {
        return (Reply::code(Code::BAD_REQUEST), None);
    }
    if op == Some(Operation::Write) && has(Fault::DmWriteReplaceNotApplied) {
        // Acknowledged, never stored.
        return (Reply::code(Code::CHANGED), None);
    }
    let (mut reply, effect) = dm::handle(store, attrs, own, req, op);
    if op == Some(Operation::Discover) && has(Fault::DmDiscoverOmitsResources) && reply.code == Code::CONTENT {
        reply.payload = without_resource_links(&reply.payload);
    }
    (reply, effect)
}

/// A Discover payload with the Resource links left out (Object and Object Instance links stay).
fn without_resource_links(payload: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(payload);
    match link_format::parse(&text) {
        Ok(links) => {
            let kept: Vec<_> = links
                .into_iter()
                .filter(|l| l.path().is_none_or(|p| p.resource.is_none()))
                .collect();
            link_format::serialize(&kept).into_bytes()
        }
        Err(_) => payload.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_links_are_dropped_and_the_rest_kept() {
        let payload = b"</3>,</3/0>;pmin=10,</3/0/0>,</3/0/11>;dim=1";
        let out = without_resource_links(payload);
        assert_eq!(String::from_utf8_lossy(&out), "</3>,</3/0>;pmin=10");
    }
}
