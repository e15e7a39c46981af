//! Every LwM2M operation and its CoAP mapping, as one table ([`TABLE`]: one row per operation,
//! in the specification's words), and the two functions over it: [`classify`] a request (which
//! operation is it?) and build one ([`request`]). The engine, `dialogue` and the three reference
//! DUTs all read and write requests through this table, so they agree on what a request is.
//!
//! Sources: LwM2M TS 1.0.2 §8.2.2 Bootstrap, §8.2.3 Registration, §8.2.4 Device Management &
//! Service Enablement and §8.2.5 Information Reporting "Operation to CoAP mapping" tables;
//! TS 1.1.1 §6 for Bootstrap-Read/-Discover, the composite operations and Send. A fault of a
//! reference DUT that breaks the mapping builds the conformant request here and then changes the
//! one thing it deviates in.

use std::ops::RangeInclusive;

use serde::Deserialize;

use super::{ContentFormat, Path, Role};
use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};

/// An LwM2M operation (a request; Notify is the response to an Observe). The kebab-case names
/// are the words a case's `send` and `trigger` steps use.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(
    description = "LwM2M operations the harness can send as a server, with their CoAP mapping (TS 1.0.2 §8.2.4-8.2.6)."
)]
pub enum Operation {
    /// Read: GET.
    Read,
    /// Discover: GET with Accept: application/link-format.
    Discover,
    /// Write (replace): PUT.
    Write,
    /// Write (partial update): POST.
    WritePartial,
    /// Execute: POST on a Resource, its arguments (if any) the payload.
    Execute,
    /// Create: POST on an Object.
    Create,
    /// Delete: DELETE of an Object Instance (`via: bootstrap`, a Bootstrap-Delete, also of "/").
    Delete,
    /// Write-Attributes: PUT with the `attributes` as Uri-Query and no payload.
    WriteAttributes,
    /// Observe: GET with Observe=0.
    Observe,
    /// Cancel Observation by a GET with Observe=1 and the observation's token.
    CancelObservation,
    /// Bootstrap-Finish: POST /bs with no payload (send it `via: bootstrap`). No `path`.
    BootstrapFinish,
    /// The harness as LwM2M Client (server-role cases): Register, POST /rd with `query` and a
    /// link-format `payload`.
    Register,
    /// Update: POST to `path` (default `{location}`) with `query`.
    Update,
    /// De-register: DELETE of `path` (default `{location}`).
    Deregister,
    /// Bootstrap-Request: POST /bs?ep=... (bootstrap-server-role cases).
    BootstrapRequest,
    // What follows no case names: a case sends `write`, `read`, `discover` or `delete` `via:
    // bootstrap` (the same CoAP request), and the rest the harness only recognises.
    /// Bootstrap-Write: PUT from the Bootstrap-Server.
    #[serde(skip)]
    BootstrapWrite,
    /// Bootstrap-Read (TS 1.1): GET from the Bootstrap-Server.
    #[serde(skip)]
    BootstrapRead,
    /// Bootstrap-Discover (TS 1.1): GET with Accept: application/link-format from the
    /// Bootstrap-Server.
    #[serde(skip)]
    BootstrapDiscover,
    /// Bootstrap-Delete: DELETE from the Bootstrap-Server, of "/" too.
    #[serde(skip)]
    BootstrapDelete,
    /// Read-Composite (TS 1.1): FETCH "/", the paths in the payload.
    #[serde(skip)]
    ReadComposite,
    /// Write-Composite (TS 1.1): iPATCH "/", the values in the payload.
    #[serde(skip)]
    WriteComposite,
    /// Observe-Composite (TS 1.1): FETCH "/" with Observe=0.
    #[serde(skip)]
    ObserveComposite,
    /// Send (TS 1.1): POST /dp from the LwM2M Client.
    #[serde(skip)]
    Send,
}

/// The LwM2M interface an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    /// The Bootstrap Interface (TS 1.0.2 §5.2).
    Bootstrap,
    /// The Client Registration Interface (§5.3).
    Registration,
    /// The Device Management and Service Enablement Interface (§5.4).
    DeviceManagement,
    /// The Information Reporting Interface (§5.5).
    InformationReporting,
}

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A fixed Uri-Path.
    Uri(&'static str),
    /// The registration's location: the Location-Path of the LwM2M Server's 2.01 to Register
    /// (`/rd/5a3f`).
    Location,
    /// An LwM2M object path, of these depths: 0 "/", 1 Object, 2 Object Instance, 3 Resource
    /// (TS 1.1 adds 4, Resource Instance, for some operations; the harness's own requests and
    /// its reference DUTs keep to the 1.0 targets).
    Path(RangeInclusive<usize>),
}

/// What the Uri-Query carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Query {
    /// None.
    None,
    /// Parameters (Register's `ep`, `lt`, ...).
    Parameters {
        /// The ones that must be present.
        mandatory: &'static [&'static str],
    },
    /// The `<NOTIFICATION>` attributes of Write-Attributes (pmin, pmax, gt, lt, st), with no
    /// payload: that shape tells Write-Attributes from a Write, whoever sends it.
    Attributes,
}

/// What the payload carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// None.
    None,
    /// Values, in the Content-Format the Content-Format option names (TLV, SenML, text, ...).
    Content,
    /// The Objects and Object Instances in CoRE link format (Register; Update when they changed).
    Links,
    /// Execute's optional arguments, with no Content-Format (TS 1.0.2 §5.4.5).
    Arguments,
}

/// One row: an operation and its CoAP mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The operation.
    pub operation: Operation,
    /// As the specification writes it.
    pub name: &'static str,
    /// The interface it belongs to.
    pub interface: Interface,
    /// The role that sends the request.
    pub sender: Role,
    /// The CoAP method.
    pub method: Code,
    /// Where the request goes.
    pub target: Target,
    /// The Observe option's value, for the operations it tells apart.
    pub observe: Option<u32>,
    /// The Accept option, for the operations it tells apart (Discover: link format).
    pub accept: Option<ContentFormat>,
    /// What its Uri-Query carries.
    pub query: Query,
    /// What its payload carries.
    pub payload: Payload,
}

const LINKS: Option<ContentFormat> = Some(ContentFormat::LINK_FORMAT);
/// Register and Bootstrap-Request carry the Endpoint Client Name.
const EP: Query = Query::Parameters { mandatory: &["ep"] };
const OPTIONAL: Query = Query::Parameters { mandatory: &[] };

/// One row of [`TABLE`], its columns in order.
#[rustfmt::skip]
#[allow(clippy::too_many_arguments)]
const fn row(
    operation: Operation, name: &'static str, interface: Interface, sender: Role, method: Code, target: Target,
    observe: Option<u32>, accept: Option<ContentFormat>, query: Query, payload: Payload,
) -> Mapping {
    Mapping { operation, name, interface, sender, method, target, observe, accept, query, payload }
}

/// The operations, in the order [`classify`] prefers them where two fit a request equally:
/// Information Reporting before Device Management (a GET with Observe=0 is an Observe), and
/// Discover before Read (a GET with Accept: link format is a Discover). Path depths: 0 "/",
/// 1 Object, 2 Object Instance, 3 Resource.
#[rustfmt::skip]
pub static TABLE: [Mapping; 23] = {
    use Interface::*;
    use Operation as O;
    use Payload as P;
    use Role::*;
    use Target::{Location, Path as At, Uri};
    [
    // TS 1.0.2 §8.2.2 Bootstrap Interface; TS 1.1.1 adds Bootstrap-Read and -Discover and lets Bootstrap-Delete target an Object.
    //  operation             name in the TS            interface             sender           method        target       Observe  Accept  Uri-Query          payload
    row(O::BootstrapRequest,  "Bootstrap-Request",      Bootstrap,            Client,          Code::POST,   Uri("/bs"),  None,    None,   EP,                P::None),
    row(O::BootstrapFinish,   "Bootstrap-Finish",       Bootstrap,            BootstrapServer, Code::POST,   Uri("/bs"),  None,    None,   Query::None,       P::None),
    row(O::BootstrapWrite,    "Bootstrap-Write",        Bootstrap,            BootstrapServer, Code::PUT,    At(1..=3),   None,    None,   Query::None,       P::Content),
    row(O::BootstrapDiscover, "Bootstrap-Discover",     Bootstrap,            BootstrapServer, Code::GET,    At(0..=1),   None,    LINKS,  Query::None,       P::None),
    row(O::BootstrapRead,     "Bootstrap-Read",         Bootstrap,            BootstrapServer, Code::GET,    At(1..=2),   None,    None,   Query::None,       P::None),
    row(O::BootstrapDelete,   "Bootstrap-Delete",       Bootstrap,            BootstrapServer, Code::DELETE, At(0..=2),   None,    None,   Query::None,       P::None),
    // TS 1.0.2 §8.2.3 Registration Interface: Update and De-register go to the location Register was given.
    row(O::Register,          "Register",               Registration,         Client,          Code::POST,   Uri("/rd"),  None,    None,   EP,                P::Links),
    row(O::Update,            "Update",                 Registration,         Client,          Code::POST,   Location,    None,    None,   OPTIONAL,          P::Links),
    row(O::Deregister,        "De-register",            Registration,         Client,          Code::DELETE, Location,    None,    None,   Query::None,       P::None),
    // TS 1.0.2 §8.2.5 Information Reporting Interface (Cancel Observation by GET with Observe=1: RFC 7641 §3.6);
    // TS 1.1.1 Observe-Composite (FETCH "/", the paths in the payload) and Send (POST /dp).
    row(O::Observe,           "Observe",                InformationReporting, Server,          Code::GET,    At(1..=3),   Some(0), None,   Query::None,       P::None),
    row(O::CancelObservation, "Cancel Observation",     InformationReporting, Server,          Code::GET,    At(1..=3),   Some(1), None,   Query::None,       P::None),
    row(O::ObserveComposite,  "Observe-Composite",      InformationReporting, Server,          Code::FETCH,  At(0..=0),   Some(0), None,   Query::None,       P::Content),
    row(O::Send,              "Send",                   InformationReporting, Client,          Code::POST,   Uri("/dp"),  None,    None,   Query::None,       P::Content),
    // TS 1.0.2 §8.2.4 Device Management & Service Enablement Interface; TS 1.1.1 Read-Composite (FETCH "/") and
    // Write-Composite (iPATCH "/"), their paths in the payload.
    row(O::Discover,          "Discover",               DeviceManagement,     Server,          Code::GET,    At(1..=3),   None,    LINKS,  Query::None,       P::None),
    row(O::Read,              "Read",                   DeviceManagement,     Server,          Code::GET,    At(1..=3),   None,    None,   Query::None,       P::None),
    row(O::Write,             "Write",                  DeviceManagement,     Server,          Code::PUT,    At(2..=3),   None,    None,   Query::None,       P::Content),
    row(O::WritePartial,      "Write (partial update)", DeviceManagement,     Server,          Code::POST,   At(2..=2),   None,    None,   Query::None,       P::Content),
    row(O::WriteAttributes,   "Write-Attributes",       DeviceManagement,     Server,          Code::PUT,    At(1..=3),   None,    None,   Query::Attributes, P::None),
    row(O::Execute,           "Execute",                DeviceManagement,     Server,          Code::POST,   At(3..=3),   None,    None,   Query::None,       P::Arguments),
    row(O::Create,            "Create",                 DeviceManagement,     Server,          Code::POST,   At(1..=1),   None,    None,   Query::None,       P::Content),
    row(O::Delete,            "Delete",                 DeviceManagement,     Server,          Code::DELETE, At(2..=2),   None,    None,   Query::None,       P::None),
    row(O::ReadComposite,     "Read-Composite",         DeviceManagement,     Server,          Code::FETCH,  At(0..=0),   None,    None,   Query::None,       P::Content),
    row(O::WriteComposite,    "Write-Composite",        DeviceManagement,     Server,          Code::IPATCH, At(0..=0),   None,    None,   Query::None,       P::Content),
    ]
};

impl Operation {
    /// Its row of [`TABLE`].
    pub fn mapping(self) -> &'static Mapping {
        TABLE
            .iter()
            .find(|m| m.operation == self)
            .expect("every operation has a row (tests::every_operation_has_one_row)")
    }

    /// The operation's name as the specification writes it ("Write (partial update)").
    pub fn name(self) -> &'static str {
        self.mapping().name
    }

    /// The word a case uses for it (`write-partial`); the operations no case can name have
    /// their specification name.
    pub fn keyword(self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Discover => "discover",
            Operation::Write => "write",
            Operation::WritePartial => "write-partial",
            Operation::Execute => "execute",
            Operation::Create => "create",
            Operation::Delete => "delete",
            Operation::WriteAttributes => "write-attributes",
            Operation::Observe => "observe",
            Operation::CancelObservation => "cancel-observation",
            Operation::BootstrapFinish => "bootstrap-finish",
            Operation::Register => "register",
            Operation::Update => "update",
            Operation::Deregister => "deregister",
            Operation::BootstrapRequest => "bootstrap-request",
            other => other.name(),
        }
    }

    /// The interface it belongs to.
    pub fn interface(self) -> Interface {
        self.mapping().interface
    }

    /// Whether it belongs to the Information Reporting interface (Observe, Cancel Observation,
    /// Observe-Composite, Send).
    pub fn is_information_reporting(self) -> bool {
        self.interface() == Interface::InformationReporting
    }

    /// Operations an LwM2M Client sends: their path is a CoAP URI path (`/rd/5a3f`), not an
    /// LwM2M object path.
    pub fn is_client_operation(self) -> bool {
        self.mapping().sender == Role::Client
    }

    /// Whether the request carries an LwM2M object path (so its payload and its response's
    /// payload decode relative to it).
    pub fn on_object_path(self) -> bool {
        matches!(self.mapping().target, Target::Path(_))
    }
}

impl Mapping {
    /// Whether the operation applies to `path` (TS 1.0.2 §8.2.4 tables: Create on an Object,
    /// Execute on a Resource, ...). Always false for an operation without an object path.
    pub fn applies_to(&self, path: &Path) -> bool {
        match &self.target {
            Target::Path(depths) => depths.contains(&path.depth()),
            _ => false,
        }
    }

    /// How far `depth` is from the depths the operation applies to (0: one of them).
    fn distance(&self, depth: usize) -> usize {
        match &self.target {
            Target::Path(d) if depth < *d.start() => d.start() - depth,
            Target::Path(d) => depth.saturating_sub(*d.end()),
            _ => 0,
        }
    }

    /// Whether the request's Observe, Accept or Uri-Query is what tells this operation apart.
    fn has_mark(&self) -> bool {
        self.observe.is_some() || self.accept.is_some() || self.query == Query::Attributes
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

impl Context<'_> {
    /// A request from a peer known to play `role`, with no registration location in view.
    pub fn sent_by(role: Role) -> Self {
        Context {
            sender: Some(role),
            location: None,
        }
    }
}

/// Which operation a request is; None for a message that is not a request or a request no row
/// fits (shown as plain CoAP).
///
/// 1. The rows whose shape the request has: its method; its Uri-Path (the row's fixed one, the
///    registration location or any location under `/rd`, or an LwM2M object path: "/" only for
///    the operations that target it, the Bootstrap-Server's, and Delete; the Bootstrap-Server's
///    operations on the tree only from it); and the Observe value, Accept or Write-Attributes
///    query a row names.
/// 2. A row told apart by one of those beats the rows that are not (a GET with Observe=0 is an
///    Observe, whoever sends it; a PUT with a query and no payload a Write-Attributes: a Write
///    always carries the value, TS 1.0.2 §5.2.7.2, §8.2.4).
/// 3. The sender's own operations beat the others (a Bootstrap-Server's PUT is a
///    Bootstrap-Write, a Server's a Write); a sender not known yet, or sending what its role
///    never sends, is read as an LwM2M Server.
/// 4. The rows whose mandatory query parameters are present beat the others (a POST /bs with
///    `ep` from a sender not known yet is a Bootstrap-Request, without it a Bootstrap-Finish).
/// 5. The row whose targets hold the path's depth, else the one nearest it (a POST on an Object
///    is a Create, on an Object Instance a Write (partial update), on a Resource an Execute):
///    an operation sent to a target it does not apply to is still that operation, answered with
///    an error (and judged: "an LwM2M Server sent Delete /"). Then table order.
pub fn classify(m: &Message, ctx: Context<'_>) -> Option<Operation> {
    classify_with(m, ctx, false)
}

/// As [`classify`], but a Uri-Path that is no LwM2M path (`/0/x`) fits the rows of an object
/// path too: for a recipient that answers such a request with an error rather than ignoring it.
pub fn classify_any_path(m: &Message, ctx: Context<'_>) -> Option<Operation> {
    classify_with(m, ctx, true)
}

fn classify_with(m: &Message, ctx: Context<'_>, any_path: bool) -> Option<Operation> {
    if !m.is_request() {
        return None;
    }
    let segments: Vec<String> = m
        .option_values(option::URI_PATH)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    let uri = m.uri_path();
    let object_path = Path::from_segments(&segments).ok();
    let query = m.uri_query();
    let from_bootstrap_server = ctx.sender == Some(Role::BootstrapServer);
    let fits = |row: &&Mapping| {
        let target = match (&row.target, object_path) {
            (Target::Uri(u), _) => uri == *u,
            // A location under /rd is recognised even when its 2.01 is not in view (a capture
            // started mid-session).
            (Target::Location, _) => ctx.location == Some(uri.as_str()) || (segments.len() > 1 && segments[0] == "rd"),
            // The Bootstrap-Server's operations on the tree are read only from it.
            (Target::Path(_), _) if row.sender == Role::BootstrapServer && !from_bootstrap_server => false,
            (Target::Path(_), None) => any_path,
            // "/" is no operation's target but those that have it (Bootstrap-Delete and
            // -Discover, the composite operations); yet the Bootstrap-Server provisions the
            // whole tree, so each of its requests is read whatever it targets, and a DELETE of
            // "/" is a Delete, so that an LwM2M Server's "Delete /" is judged as one.
            (Target::Path(depths), Some(p)) => {
                p.depth() > 0 || depths.contains(&0) || from_bootstrap_server || row.operation == Operation::Delete
            }
        };
        row.method == m.code
            && target
            && row.observe.is_none_or(|v| m.observe() == Some(v))
            && row.accept.is_none_or(|a| m.accept() == Some(a.0))
            && (row.query != Query::Attributes || (m.payload.is_empty() && !query.is_empty()))
    };
    let mut rows: Vec<&Mapping> = TABLE.iter().filter(fits).collect();
    narrow(&mut rows, |r| r.has_mark());
    let reading = ctx.sender.unwrap_or(Role::Server);
    if !narrow(&mut rows, |r| r.sender == reading) {
        narrow(&mut rows, |r| r.sender == Role::Server);
    }
    narrow(&mut rows, |r| match r.query {
        Query::Parameters { mandatory } => mandatory.iter().all(|p| query.iter().any(|(k, _)| k == p)),
        _ => true,
    });
    let depth = object_path.map_or(0, |p| p.depth());
    let distance = |r: &&&Mapping| if object_path.is_some() { r.distance(depth) } else { 0 };
    rows.iter().min_by_key(distance).map(|r| r.operation)
}

/// Keeps the rows `keep` selects when it selects any; whether it did.
fn narrow(rows: &mut Vec<&Mapping>, keep: impl Fn(&Mapping) -> bool) -> bool {
    if rows.iter().any(|r| keep(r)) {
        rows.retain(|r| keep(r));
        true
    } else {
        false
    }
}

/// The request of `op`: its method, the Uri-Path `to` (None: the operation's own, `/rd`, `/bs`
/// or `/dp`; for the others the caller adds the Uri-Path itself), the Uri-Query `query`, and
/// the Observe and Accept options the operation is told apart by. Payload and Content-Format
/// are the caller's.
pub fn request(
    op: Operation,
    mtype: MessageType,
    mid: u16,
    token: Vec<u8>,
    to: Option<&str>,
    query: &[(String, Option<String>)],
) -> Message {
    let row = op.mapping();
    let mut m = Message::new(mtype, row.method, mid, token);
    let own = match row.target {
        Target::Uri(u) => u,
        _ => "",
    };
    m.set_uri(to.unwrap_or(own), query);
    if let Some(v) = row.observe {
        m.add_uint_option(option::OBSERVE, v);
    }
    if let Some(a) = row.accept {
        m.add_uint_option(option::ACCEPT, u32::from(a.0));
    }
    m
}

/// [`request`] as a Confirmable message with Message ID 0 (the message layer gives it one).
pub fn confirmable(op: Operation, token: Vec<u8>, to: Option<&str>, query: &[(String, Option<String>)]) -> Message {
    request(op, MessageType::Confirmable, 0, token, to, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(code: Code, path: &str, query: &[&str]) -> Message {
        let mut m = Message::new(MessageType::Confirmable, code, 1, vec![1]);
        let q: Vec<(String, Option<String>)> = query
            .iter()
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (p.to_string(), None),
            })
            .collect();
        m.set_uri(path, &q);
        m
    }

    fn op(m: &Message, sender: Option<Role>) -> &'static str {
        classify(m, Context { sender, location: None }).map_or("CoAP", Operation::name)
    }

    #[test]
    fn every_operation_has_one_row() {
        for (i, r) in TABLE.iter().enumerate() {
            assert_eq!(
                TABLE.iter().position(|o| o.operation == r.operation),
                Some(i),
                "{} twice",
                r.name
            );
            assert_eq!(r.operation.mapping(), r);
        }
        let names: Vec<&str> = TABLE.iter().map(|r| r.operation.keyword()).collect();
        assert!(names.contains(&"write-partial") && names.contains(&"Send"), "{names:?}");
    }

    #[test]
    fn registration_and_bootstrap_requests() {
        assert_eq!(op(&req(Code::POST, "/rd", &["ep=dev1", "lt=300"]), None), "Register");
        assert_eq!(op(&req(Code::POST, "/rd/5a3f", &["lt=300"]), None), "Update");
        assert_eq!(op(&req(Code::DELETE, "/rd/5a3f", &[]), None), "De-register");
        assert_eq!(op(&req(Code::GET, "/rd/5a3f", &[]), None), "CoAP");
        assert_eq!(op(&req(Code::POST, "/bs", &["ep=dev1"]), None), "Bootstrap-Request");
        assert_eq!(op(&req(Code::POST, "/bs", &[]), None), "Bootstrap-Finish");
        assert_eq!(op(&req(Code::POST, "/bs", &[]), Some(Role::Server)), "Bootstrap-Finish");
        assert_eq!(
            op(&req(Code::POST, "/bs", &[]), Some(Role::Client)),
            "Bootstrap-Request",
            "a client's POST /bs is a Bootstrap-Request even without ep"
        );
        assert_eq!(
            op(&req(Code::POST, "/bs", &["ep=x"]), Some(Role::BootstrapServer)),
            "Bootstrap-Finish"
        );
        assert_eq!(op(&req(Code::POST, "/dp", &[]), None), "Send");
        let elsewhere = req(Code::POST, "/reg/7", &[]);
        let ctx = Context {
            sender: Some(Role::Client),
            location: Some("/reg/7"),
        };
        assert_eq!(
            classify(&elsewhere, ctx),
            Some(Operation::Update),
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
        let mut observe_links = observe.clone();
        observe_links.add_uint_option(option::ACCEPT, 40);
        let mut odd_observe = req(Code::GET, "/3/0", &[]);
        odd_observe.add_uint_option(option::OBSERVE, 5);
        let mut write = req(Code::PUT, "/1/0/1", &[]);
        write.payload = b"300".to_vec();
        let mut observe_composite = req(Code::FETCH, "/", &[]);
        observe_composite.add_uint_option(option::OBSERVE, 0);
        let cases = [
            (req(Code::GET, "/3/0", &[]), "Read"),
            (req(Code::GET, "/3/0/11/0", &[]), "Read"),
            (observe, "Observe"),
            (observe_links, "Observe"),
            (odd_observe, "Read"),
            (cancel, "Cancel Observation"),
            (discover, "Discover"),
            (write, "Write"),
            (req(Code::PUT, "/3/0/13", &["pmin=1", "pmax=5"]), "Write-Attributes"),
            (req(Code::POST, "/3/0/4", &[]), "Execute"),
            (req(Code::POST, "/3/0/4/0", &[]), "Execute"),
            (req(Code::POST, "/1", &[]), "Create"),
            (req(Code::POST, "/1/0", &[]), "Write (partial update)"),
            (req(Code::DELETE, "/1/1", &[]), "Delete"),
            (req(Code::DELETE, "/", &[]), "Delete"),
            (req(Code::FETCH, "/", &[]), "Read-Composite"),
            (observe_composite, "Observe-Composite"),
            (req(Code(0x07), "/", &[]), "Write-Composite"),
            (req(Code::GET, "/.well-known/core", &[]), "CoAP"),
        ];
        for (m, name) in cases {
            assert_eq!(op(&m, Some(Role::Server)), name, "{m}");
        }
    }

    #[test]
    fn the_bootstrap_server_sends_the_bootstrap_operations() {
        let bs = Some(Role::BootstrapServer);
        let mut discover = req(Code::GET, "/", &[]);
        discover.add_uint_option(option::ACCEPT, 40);
        let mut discover_instance = req(Code::GET, "/1/0", &[]);
        discover_instance.add_uint_option(option::ACCEPT, 40);
        assert_eq!(op(&req(Code::PUT, "/1/0", &[]), bs), "Bootstrap-Write");
        assert_eq!(op(&req(Code::DELETE, "/", &[]), bs), "Bootstrap-Delete");
        assert_eq!(op(&req(Code::GET, "/1", &[]), bs), "Bootstrap-Read");
        assert_eq!(op(&req(Code::GET, "/", &[]), bs), "Bootstrap-Read");
        assert_eq!(
            op(&req(Code::GET, "/", &[]), Some(Role::Server)),
            "CoAP",
            "no Read of \"/\""
        );
        assert_eq!(op(&discover, Some(Role::Server)), "CoAP", "nor a Discover");
        assert_eq!(
            op(&req(Code::GET, "/1", &[]), None),
            "Read",
            "a sender not known yet reads as a Server"
        );
        assert_eq!(op(&discover, bs), "Bootstrap-Discover");
        assert_eq!(
            op(&discover_instance, bs),
            "Bootstrap-Discover",
            "Accept decides, not the depth"
        );
        assert_eq!(
            op(&req(Code::PUT, "/1/0", &["pmin=5"]), bs),
            "Write-Attributes",
            "a PUT with a query and no payload, whoever sends it"
        );
        assert_eq!(op(&req(Code::POST, "/bs", &[]), bs), "Bootstrap-Finish");
        let bad = req(Code::PUT, "/0/x", &[]);
        assert_eq!(classify(&bad, Context::sent_by(Role::BootstrapServer)), None);
        assert_eq!(
            classify_any_path(&bad, Context::sent_by(Role::BootstrapServer)),
            Some(Operation::BootstrapWrite)
        );
    }

    #[test]
    fn requests_built_from_the_table_classify_as_their_operation() {
        for r in &TABLE {
            let to = match &r.target {
                Target::Uri(_) => None,
                Target::Location => Some("/rd/5a3f"),
                Target::Path(d) => Some(["/", "/1", "/1/0", "/3/0/4"][*d.start()]),
            };
            let query: Vec<(String, Option<String>)> = match r.query {
                Query::Parameters { mandatory } => {
                    mandatory.iter().map(|k| (k.to_string(), Some("x".into()))).collect()
                }
                Query::Attributes => vec![("pmin".into(), Some("1".into()))],
                Query::None => Vec::new(),
            };
            let mut m = request(r.operation, MessageType::Confirmable, 1, vec![1], to, &query);
            if r.payload == Payload::Content {
                m.payload = b"1".to_vec();
            }
            assert_eq!(classify(&m, Context::sent_by(r.sender)), Some(r.operation), "{m}");
        }
    }
}
