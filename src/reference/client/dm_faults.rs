//! The Device Management faults of the reference client (table in `fault.rs`), applied around
//! the conformant [`dm::handle`]. Each one breaks exactly one operation of the interface (LwM2M
//! 1.0.2 §5.4): the operation is refused with 4.05 Method Not Allowed, answered but not applied,
//! or answered with part of its content missing. Without faults this is `dm::handle` itself.

use std::collections::BTreeSet;

use crate::coap::{Code, Message};
use crate::lwm2m::{ContentFormat, link_format};

use super::Fault;
use super::attributes::AttributeStore;
use super::dm::{self, Effect, Reply};
use super::objects::ObjectStore;

/// The DM operation a request carries, as `dm::handle` dispatches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Read,
    Discover,
    WriteReplace,
    WritePartial,
    Execute,
    Create,
    Delete,
    WriteAttributes,
    Other,
}

fn operation(req: &Message, depth: usize) -> Operation {
    match req.code {
        Code::GET if req.accept() == Some(ContentFormat::LINK_FORMAT.0) => Operation::Discover,
        Code::GET => Operation::Read,
        Code::PUT if req.payload.is_empty() && !req.uri_query().is_empty() => Operation::WriteAttributes,
        Code::PUT => Operation::WriteReplace,
        Code::POST => match depth {
            1 => Operation::Create,
            2 => Operation::WritePartial,
            3 => Operation::Execute,
            _ => Operation::Other,
        },
        Code::DELETE => Operation::Delete,
        _ => Operation::Other,
    }
}

/// Answers a DM request (or the Read of a cancelling GET) like `dm::handle`, with the DM faults
/// in `faults` applied.
pub(crate) fn handle(
    faults: &BTreeSet<Fault>,
    store: &mut ObjectStore,
    attrs: &mut AttributeStore,
    own: u16,
    req: &Message,
) -> (Reply, Option<Effect>) {
    let Ok(path) = dm::request_path(req) else {
        return dm::handle(store, attrs, own, req);
    };
    let has = |f: Fault| faults.contains(&f);
    let op = operation(req, path.depth());
    let refused = match op {
        Operation::Read => match path.depth() {
            1 => has(Fault::DmNoReadObject),
            2 => has(Fault::DmNoReadInstance),
            3 => has(Fault::DmNoReadResource),
            _ => false,
        },
        Operation::WritePartial => has(Fault::DmNoWritePartial),
        Operation::Execute => has(Fault::DmNoExecute),
        Operation::Create => has(Fault::DmNoCreate),
        Operation::Delete => has(Fault::DmNoDelete),
        Operation::WriteAttributes => has(Fault::DmNoWriteAttributes),
        Operation::Discover | Operation::WriteReplace | Operation::Other => false,
    };
    if refused {
        return (Reply::code(Code::METHOD_NOT_ALLOWED), None);
    }
    if op == Operation::WriteAttributes
        && has(Fault::DmWriteAttributesRejectsStep)
        && req.uri_query().iter().any(|(name, _)| name == "st")
    {
        return (Reply::code(Code::BAD_REQUEST), None);
    }
    if op == Operation::WriteReplace && has(Fault::DmWriteReplaceNotApplied) {
        // Acknowledged, never stored.
        return (Reply::code(Code::CHANGED), None);
    }
    let (mut reply, effect) = dm::handle(store, attrs, own, req);
    if op == Operation::Discover && has(Fault::DmDiscoverOmitsResources) && reply.code == Code::CONTENT {
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
