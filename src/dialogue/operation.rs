//! Which LwM2M operation a CoAP request is, from its method, Uri-Path, Uri-Query, Observe option and
//! the role of its sender (LwM2M TS 1.0.2 §8.2.2 Bootstrap, §8.2.3 Registration, §8.2.4 Device
//! Management & Service Enablement and §8.2.5 Information Reporting "Operation to CoAP mapping"
//! tables; TS 1.1.1 §6.2 for the composite operations and Send).

use crate::coap::message::option;
use crate::coap::{Code, Message};
use crate::lwm2m::Role;
use crate::lwm2m::{ContentFormat, Path};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Register,
    Update,
    Deregister,
    BootstrapRequest,
    BootstrapFinish,
    BootstrapWrite,
    BootstrapRead,
    BootstrapDiscover,
    BootstrapDelete,
    Read,
    Discover,
    /// Write (replace): PUT.
    Write,
    /// Write (partial update): POST on an Object Instance.
    WritePartial,
    WriteAttributes,
    Execute,
    Create,
    Delete,
    Observe,
    CancelObservation,
    ReadComposite,
    WriteComposite,
    ObserveComposite,
    Send,
    /// A request no LwM2M operation maps to (shown as plain CoAP).
    Other,
}

/// The LwM2M interface an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    Bootstrap,
    Registration,
    DeviceManagement,
    InformationReporting,
    Other,
}

impl Op {
    /// The operation's name as the specification writes it.
    pub fn name(self) -> &'static str {
        match self {
            Op::Register => "Register",
            Op::Update => "Update",
            Op::Deregister => "De-register",
            Op::BootstrapRequest => "Bootstrap-Request",
            Op::BootstrapFinish => "Bootstrap-Finish",
            Op::BootstrapWrite => "Bootstrap-Write",
            Op::BootstrapRead => "Bootstrap-Read",
            Op::BootstrapDiscover => "Bootstrap-Discover",
            Op::BootstrapDelete => "Bootstrap-Delete",
            Op::Read => "Read",
            Op::Discover => "Discover",
            Op::Write => "Write",
            Op::WritePartial => "Write (partial update)",
            Op::WriteAttributes => "Write-Attributes",
            Op::Execute => "Execute",
            Op::Create => "Create",
            Op::Delete => "Delete",
            Op::Observe => "Observe",
            Op::CancelObservation => "Cancel Observation",
            Op::ReadComposite => "Read-Composite",
            Op::WriteComposite => "Write-Composite",
            Op::ObserveComposite => "Observe-Composite",
            Op::Send => "Send",
            Op::Other => "CoAP",
        }
    }

    pub fn interface(self) -> Interface {
        match self {
            Op::Register | Op::Update | Op::Deregister => Interface::Registration,
            Op::BootstrapRequest
            | Op::BootstrapFinish
            | Op::BootstrapWrite
            | Op::BootstrapRead
            | Op::BootstrapDiscover
            | Op::BootstrapDelete => Interface::Bootstrap,
            Op::Read
            | Op::Discover
            | Op::Write
            | Op::WritePartial
            | Op::WriteAttributes
            | Op::Execute
            | Op::Create
            | Op::Delete
            | Op::ReadComposite
            | Op::WriteComposite => Interface::DeviceManagement,
            Op::Observe | Op::CancelObservation | Op::ObserveComposite | Op::Send => Interface::InformationReporting,
            Op::Other => Interface::Other,
        }
    }

    /// Whether the request carries an LwM2M object path (so its payload and its response's
    /// payload decode relative to it).
    pub fn on_object_path(self) -> bool {
        matches!(
            self.interface(),
            Interface::DeviceManagement | Interface::InformationReporting
        ) || matches!(
            self,
            Op::BootstrapWrite | Op::BootstrapRead | Op::BootstrapDiscover | Op::BootstrapDelete
        )
    }
}

/// What the classifier knows beyond the message itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The sender's role, when known.
    pub sender: Option<Role>,
    /// The registration location the sender was given by the recipient (from the 2.01 to its Register).
    pub location: Option<&'a str>,
}

fn segments(m: &Message) -> Vec<String> {
    m.option_values(option::URI_PATH)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Classifies one request. A message that is not a request is `Op::Other`.
pub fn classify(m: &Message, ctx: Context<'_>) -> Op {
    if !m.is_request() {
        return Op::Other;
    }
    let segs = segments(m);
    let first = segs.first().map(String::as_str);
    let path = m.uri_path();
    let at_location = ctx.location.is_some_and(|l| l == path);
    match (m.code, first, segs.len()) {
        (Code::POST, Some("rd"), 1) => return Op::Register,
        (Code::POST, Some("bs"), 1) => {
            let has_ep = m.uri_query().iter().any(|(k, _)| k == "ep");
            return match (ctx.sender, has_ep) {
                (Some(Role::Client), _) | (None, true) => Op::BootstrapRequest,
                _ => Op::BootstrapFinish,
            };
        }
        (Code::POST, Some("dp"), 1) => return Op::Send,
        _ => {}
    }
    // Update and De-register go to the location the server returned; a location under /rd is
    // recognised even when its 2.01 is not in view (a capture started mid-session).
    if at_location || (first == Some("rd") && segs.len() > 1) {
        match m.code {
            Code::POST => return Op::Update,
            Code::DELETE => return Op::Deregister,
            _ => {}
        }
    }
    let Ok(target) = Path::from_segments(&segs) else {
        return Op::Other;
    };
    let accept_links = m.accept() == Some(ContentFormat::LINK_FORMAT.0);
    if ctx.sender == Some(Role::BootstrapServer) {
        return match m.code {
            // A PUT with a query and no payload is a Write-Attributes whoever sends it: a
            // Bootstrap-Write always carries the value (TS 1.0.2 §5.2.7.2, §8.2.4).
            Code::PUT if m.payload.is_empty() && !m.uri_query().is_empty() => Op::WriteAttributes,
            Code::PUT => Op::BootstrapWrite,
            Code::DELETE => Op::BootstrapDelete,
            Code::GET if accept_links => Op::BootstrapDiscover,
            Code::GET => Op::BootstrapRead,
            _ => Op::Other,
        };
    }
    // Only Delete (and the Bootstrap operations above) may target the root "/".
    if target.depth() == 0 && m.code != Code::DELETE {
        return Op::Other;
    }
    match m.code {
        Code::GET => match m.observe() {
            Some(0) => Op::Observe,
            Some(1) => Op::CancelObservation,
            _ if accept_links => Op::Discover,
            _ => Op::Read,
        },
        Code::PUT if m.payload.is_empty() && !m.uri_query().is_empty() => Op::WriteAttributes,
        Code::PUT => Op::Write,
        Code::POST => match target.depth() {
            1 => Op::Create,
            2 => Op::WritePartial,
            _ => Op::Execute,
        },
        Code::DELETE => Op::Delete,
        Code::FETCH if m.observe() == Some(0) => Op::ObserveComposite,
        Code::FETCH => Op::ReadComposite,
        // iPATCH (RFC 8132), the Write-Composite method.
        Code(0x07) => Op::WriteComposite,
        _ => Op::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(code: Code, path: &str, query: &[&str]) -> Message {
        crate::dialogue::script::request(code, path, query)
    }

    fn op(m: &Message, sender: Option<Role>) -> &'static str {
        classify(m, Context { sender, location: None }).name()
    }

    #[test]
    fn registration_and_bootstrap_requests() {
        assert_eq!(op(&req(Code::POST, "/rd", &["ep=dev1", "lt=300"]), None), "Register");
        assert_eq!(op(&req(Code::POST, "/rd/5a3f", &["lt=300"]), None), "Update");
        assert_eq!(op(&req(Code::DELETE, "/rd/5a3f", &[]), None), "De-register");
        assert_eq!(op(&req(Code::POST, "/bs", &["ep=dev1"]), None), "Bootstrap-Request");
        assert_eq!(op(&req(Code::POST, "/bs", &[]), None), "Bootstrap-Finish");
        assert_eq!(
            op(&req(Code::POST, "/bs", &[]), Some(Role::Client)),
            "Bootstrap-Request",
            "a client's POST /bs is a Bootstrap-Request even without ep"
        );
        let elsewhere = req(Code::POST, "/reg/7", &[]);
        let ctx = Context {
            sender: Some(Role::Client),
            location: Some("/reg/7"),
        };
        assert_eq!(
            classify(&elsewhere, ctx),
            Op::Update,
            "a location outside /rd is still known"
        );
    }

    #[test]
    fn device_management_and_reporting_requests() {
        let mut observe = req(Code::GET, "/3/0/13", &[]);
        observe.add_uint_option(option::OBSERVE, 0);
        let mut cancel = req(Code::GET, "/3/0/13", &[]);
        cancel.add_uint_option(option::OBSERVE, 1);
        let mut discover = req(Code::GET, "/3", &[]);
        discover.add_uint_option(option::ACCEPT, 40);
        let mut write = req(Code::PUT, "/1/0/1", &[]);
        write.payload = b"300".to_vec();
        let cases = [
            (req(Code::GET, "/3/0", &[]), "Read"),
            (observe, "Observe"),
            (cancel, "Cancel Observation"),
            (discover, "Discover"),
            (write, "Write"),
            (req(Code::PUT, "/3/0/13", &["pmin=1", "pmax=5"]), "Write-Attributes"),
            (req(Code::POST, "/3/0/4", &[]), "Execute"),
            (req(Code::POST, "/1", &[]), "Create"),
            (req(Code::POST, "/1/0", &[]), "Write (partial update)"),
            (req(Code::DELETE, "/1/1", &[]), "Delete"),
            (req(Code::GET, "/.well-known/core", &[]), "CoAP"),
        ];
        for (m, name) in cases {
            assert_eq!(op(&m, Some(Role::Server)), name, "{m}");
        }
        assert_eq!(
            op(&req(Code::PUT, "/1/0", &[]), Some(Role::BootstrapServer)),
            "Bootstrap-Write"
        );
        assert_eq!(
            op(&req(Code::DELETE, "/", &[]), Some(Role::BootstrapServer)),
            "Bootstrap-Delete"
        );
        assert_eq!(op(&req(Code::DELETE, "/", &[]), Some(Role::Server)), "Delete");
    }
}
