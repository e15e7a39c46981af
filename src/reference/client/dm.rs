//! The Device Management & Service Enablement interface (LwM2M 1.0.2 §5.4, CoAP mapping
//! §8.2.4): one request in, one reply out, plus what the rest of the client must do next.
//!
//! Response codes follow the 1.0 table (§8.2.6 Response Codes): 4.04 for a path that does not
//! exist, 4.05 for an operation its target does not allow, 4.00 for a payload or query that
//! cannot be used, 4.06 for an Accept the client cannot produce, 4.15 for a Content-Format it
//! cannot read.

use crate::coap::message::option;
use crate::coap::{Code, Message};
use crate::lwm2m::objects::{ResourceType, resource_def};
use crate::lwm2m::operation::{Context, Operation, classify_any_path};
use crate::lwm2m::{Content, ContentFormat, Link, Path, Record, Role, link_format};

use super::attributes::AttributeStore;
use super::objects::{DEVICE, ObjectStore, Resource, SERVER, WriteMode, rid};

/// What a DM request answers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reply {
    pub(crate) code: Code,
    pub(crate) content_format: Option<ContentFormat>,
    pub(crate) payload: Vec<u8>,
    /// Location-Path of a Create's 2.01.
    pub(crate) location: Option<Path>,
    /// Observe option of a reply that establishes an observation.
    pub(crate) observe: Option<u32>,
}

impl Reply {
    pub(crate) fn code(code: Code) -> Reply {
        Reply {
            code,
            content_format: None,
            payload: Vec::new(),
            location: None,
            observe: None,
        }
    }

    pub(crate) fn content(format: ContentFormat, payload: Vec<u8>) -> Reply {
        Reply {
            content_format: Some(format),
            payload,
            ..Reply::code(Code::CONTENT)
        }
    }
}

impl From<Result<Reply, Code>> for Reply {
    fn from(r: Result<Reply, Code>) -> Reply {
        r.unwrap_or_else(Reply::code)
    }
}

/// What the client must do after answering, beyond the store change itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Registration Update Trigger /1/x/8 of Server instance x was executed: the client sends
    /// an Update to that server now.
    RegistrationUpdate(u16),
    /// Reboot /3/0/4 was executed: restart (forget observations, Register again).
    Reboot,
    /// Bootstrap-Request Trigger /1/x/9 was executed (LwM2M 1.1): the client initiates a Client
    /// Initiated Bootstrap with its Bootstrap-Server Account.
    BootstrapRequest,
}

/// The LwM2M path a request targets; 4.04 when the Uri-Path is not one.
pub(crate) fn request_path(req: &Message) -> Result<Path, Code> {
    let segs: Vec<&str> = req
        .option_values(option::URI_PATH)
        .map(std::str::from_utf8)
        .collect::<Result<_, _>>()
        .map_err(|_| Code::NOT_FOUND)?;
    Path::from_segments(&segs).map_err(|_| Code::NOT_FOUND)
}

/// The operation of a request from an LwM2M Server (`lwm2m::operation`), read by method and
/// options whatever the Uri-Path: an Observe of no LwM2M path is still an Observe (answered
/// 4.04). Classified once per request; [`operation`] reads the result as a DM operation.
pub(crate) fn server_operation(req: &Message) -> Option<Operation> {
    classify_any_path(req, Context::sent_by(Role::Server))
}

/// The Device Management operation that answers `req`, whose operation is `op`
/// ([`server_operation`]). An Observe or Cancel Observation is read as the GET it also is: a
/// Discover when it accepts link format, else a Read (the observation itself is `observe.rs`'s).
/// Every other operation is itself.
pub(crate) fn operation(op: Option<Operation>, req: &Message) -> Option<Operation> {
    match op {
        Some(Operation::Observe | Operation::CancelObservation) => {
            Some(if req.accept() == Some(ContentFormat::LINK_FORMAT.0) {
                Operation::Discover
            } else {
                Operation::Read
            })
        }
        other => other,
    }
}

/// Answers `req`, whose operation is `op` as [`server_operation`] reads it (or as [`operation`]
/// does: the same answer); `own` is the Server Object Instance of the LwM2M Server the request
/// comes from.
pub(crate) fn handle(
    store: &mut ObjectStore,
    attrs: &mut AttributeStore,
    own: u16,
    req: &Message,
    op: Option<Operation>,
) -> (Reply, Option<Effect>) {
    let path = match request_path(req) {
        Ok(p) => p,
        Err(code) => return (Reply::code(code), None),
    };
    let plain = |r: Result<Reply, Code>| (Reply::from(r), None);
    match operation(op, req) {
        Some(Operation::Discover) => plain(discover(store, attrs, &path)),
        Some(Operation::Read) => {
            plain(read(store, &path, req.accept()).map(|(cf, _, payload)| Reply::content(cf, payload)))
        }
        Some(Operation::WriteAttributes) => plain(write_attributes(store, attrs, &path, &req.uri_query())),
        Some(Operation::Write) => plain(write(store, &path, req, WriteMode::Replace)),
        Some(Operation::WritePartial) => plain(write(store, &path, req, WriteMode::Update)),
        Some(Operation::Create) => plain(create(store, &path, req)),
        Some(Operation::Execute) => match execute(store, &path) {
            Ok(effect) => (Reply::code(Code::CHANGED), effect),
            Err(code) => (Reply::code(code), None),
        },
        Some(Operation::Delete) => plain(store.delete(&path, own).map(|()| {
            attrs.remove_under(&path);
            Reply::code(Code::DELETED)
        })),
        _ => plain(Err(Code::METHOD_NOT_ALLOWED)),
    }
}

/// The Content-Format of a Read (or Observe) reply: what Accept asks for if the client can
/// produce it for this target, else 4.06; without Accept, TLV for an Object, Object Instance
/// or multiple Resource and plain text (opaque for Opaque) for a single value (§6.4).
fn read_format(store: &ObjectStore, path: &Path, accept: Option<u16>) -> Result<ContentFormat, Code> {
    let single_value = match path.depth() {
        3 => !matches!(store.resource(path)?, Resource::Multiple(_)),
        4 => true,
        _ => false,
    };
    let opaque = match (path.object, path.resource) {
        (Some(o), Some(r)) => resource_def(o, r).is_some_and(|d| d.ty == ResourceType::Opaque),
        _ => false,
    };
    let Some(accept) = accept else {
        return Ok(match (single_value, opaque) {
            (false, _) => store.multi_value_format(),
            (true, false) => ContentFormat::TEXT,
            (true, true) => ContentFormat::OPAQUE,
        });
    };
    let asked = ContentFormat(accept);
    if !store.speaks(asked) {
        return Err(Code::NOT_ACCEPTABLE);
    }
    match asked.canonical() {
        ContentFormat::TLV | ContentFormat::SENML_JSON | ContentFormat::SENML_CBOR => Ok(asked),
        ContentFormat::TEXT if single_value && !opaque => Ok(asked),
        ContentFormat::OPAQUE if single_value && opaque => Ok(asked),
        _ => Err(Code::NOT_ACCEPTABLE),
    }
}

/// Read (§5.4.1): the records at `path` and their encoding in the negotiated format.
pub(crate) fn read(
    store: &ObjectStore,
    path: &Path,
    accept: Option<u16>,
) -> Result<(ContentFormat, Vec<Record>, Vec<u8>), Code> {
    let records = store.read(path)?;
    let (format, payload) = encode_read(store, path, accept, &records)?;
    Ok((format, records, payload))
}

/// `records` read at `path`, encoded in the format negotiated with `accept` (`read_format`).
pub(crate) fn encode_read(
    store: &ObjectStore,
    path: &Path,
    accept: Option<u16>,
    records: &[Record],
) -> Result<(ContentFormat, Vec<u8>), Code> {
    let format = read_format(store, path, accept)?;
    let payload = crate::lwm2m::encode(format, path, records).map_err(|e| {
        tracing::warn!("cannot encode {path} as {format}: {e}");
        Code::INTERNAL_SERVER_ERROR
    })?;
    Ok((format, payload))
}

/// The records of a Write or Create payload. A missing Content-Format means text/plain
/// (LwM2M 1.0.2 §8.1: "a default value of plain/text is assumed").
pub(super) fn decode_payload(store: &ObjectStore, base: &Path, req: &Message) -> Result<Vec<Record>, Code> {
    let format = ContentFormat(req.content_format().unwrap_or(ContentFormat::TEXT.0));
    if !store.speaks(format) {
        return Err(Code::UNSUPPORTED_CONTENT_FORMAT);
    }
    match format.canonical() {
        ContentFormat::TLV
        | ContentFormat::SENML_JSON
        | ContentFormat::SENML_CBOR
        | ContentFormat::TEXT
        | ContentFormat::OPAQUE => {}
        _ => return Err(Code::UNSUPPORTED_CONTENT_FORMAT),
    }
    match crate::lwm2m::decode(Some(format), base, &req.payload) {
        Ok(Content::Records(records)) => Ok(records),
        Ok(_) => Err(Code::BAD_REQUEST),
        Err(e) => {
            tracing::debug!("undecodable {format} payload for {base}: {e}");
            Err(Code::BAD_REQUEST)
        }
    }
}

/// Write (§5.4.3) to an Object Instance or a Resource.
fn write(store: &mut ObjectStore, path: &Path, req: &Message, mode: WriteMode) -> Result<Reply, Code> {
    let (Some(o), Some(i), 2 | 3) = (path.object, path.instance, path.depth()) else {
        return Err(Code::METHOD_NOT_ALLOWED);
    };
    store.instance(o, i)?;
    if let Some(r) = path.resource {
        resource_def(o, r).ok_or(Code::NOT_FOUND)?;
    }
    let records = decode_payload(store, path, req)?;
    store.write(path, &records, mode)?;
    Ok(Reply::code(Code::CHANGED))
}

/// Execute (§5.4.5); arguments in the payload are accepted and ignored.
fn execute(store: &ObjectStore, path: &Path) -> Result<Option<Effect>, Code> {
    store.check_executable(path)?;
    let effect = match (path.object, path.instance, path.resource) {
        (Some(SERVER), Some(i), Some(rid::REGISTRATION_UPDATE_TRIGGER)) => Some(Effect::RegistrationUpdate(i)),
        (Some(DEVICE), Some(0), Some(rid::REBOOT)) => Some(Effect::Reboot),
        (Some(SERVER), Some(_), Some(rid::BOOTSTRAP_REQUEST_TRIGGER)) => Some(Effect::BootstrapRequest),
        _ => None,
    };
    Ok(effect)
}

/// Create (§5.4.6): POST on an Object. The payload names the new instance (an Object
/// Instance TLV, or SenML names) or leaves the id to the client (bare Resource TLVs).
fn create(store: &mut ObjectStore, path: &Path, req: &Message) -> Result<Reply, Code> {
    let Some(o) = path.object else {
        return Err(Code::METHOD_NOT_ALLOWED);
    };
    store.instances(o)?;
    if ObjectStore::is_single_instance_object(o) {
        return Err(Code::METHOD_NOT_ALLOWED);
    }
    let records = match decode_payload(store, path, req) {
        Ok(r) => r,
        Err(Code::BAD_REQUEST) => {
            let fresh = store.free_instance(o).ok_or(Code::BAD_REQUEST)?;
            decode_payload(store, &Path::instance(o, fresh), req)?
        }
        Err(other) => return Err(other),
    };
    let first = records.first().map(|r| r.path.instance);
    if records.iter().any(|r| Some(r.path.instance) != first) {
        return Err(Code::BAD_REQUEST);
    }
    let i = store.create(o, &records)?;
    let mut reply = Reply::code(Code::CREATED);
    reply.location = Some(Path::instance(o, i));
    Ok(reply)
}

/// Discover (§5.4.2), laid out as in the specification's examples (and Anjay): an Object
/// lists its attributes, its instances and their resources; an Object Instance its attributes
/// and its resources with `dim` and their own attributes; a Resource its `dim` and its
/// attributes including those inherited from the Object Instance and Object.
fn discover(store: &ObjectStore, attrs: &AttributeStore, path: &Path) -> Result<Reply, Code> {
    if !(1..=3).contains(&path.depth()) {
        return Err(Code::METHOD_NOT_ALLOWED);
    }
    store.exists(path)?;
    let link = |p: &Path, params: Vec<(String, Option<String>)>| Link {
        target: p.to_string(),
        attributes: params,
    };
    let resource_link = |p: &Path, res: &Resource, inherited: bool| {
        let mut params = Vec::new();
        if let Some(dim) = res.dim() {
            params.push(("dim".to_string(), Some(dim.to_string())));
        }
        let a = if inherited { attrs.inherited(p) } else { attrs.at(p) };
        params.extend(a.link_params());
        link(p, params)
    };
    let mut links = vec![];
    match (path.object, path.instance, path.resource) {
        (Some(o), None, _) => {
            links.push(link(path, attrs.at(path).link_params()));
            for (i, inst) in store.instances(o)? {
                let ip = Path::instance(o, *i);
                links.push(link(&ip, Vec::new()));
                links.extend(inst.keys().filter_map(|r| ip.child(*r)).map(|rp| link(&rp, Vec::new())));
            }
        }
        (Some(o), Some(i), None) => {
            links.push(link(path, attrs.at(path).link_params()));
            for (r, res) in store.instance(o, i)? {
                if let Some(rp) = path.child(*r) {
                    links.push(resource_link(&rp, res, false));
                }
            }
        }
        _ => links.push(resource_link(path, store.resource(path)?, true)),
    }
    Ok(Reply::content(
        ContentFormat::LINK_FORMAT,
        link_format::serialize(&links).into_bytes(),
    ))
}

/// Write-Attributes (§5.4.4): PUT with the attributes as Uri-Query and no payload.
fn write_attributes(
    store: &ObjectStore,
    attrs: &mut AttributeStore,
    path: &Path,
    query: &[(String, Option<String>)],
) -> Result<Reply, Code> {
    if !(1..=3).contains(&path.depth()) {
        return Err(Code::METHOD_NOT_ALLOWED);
    }
    store.exists(path)?;
    let numeric = match (path.object, path.resource) {
        (Some(o), Some(r)) => resource_def(o, r).is_some_and(|d| {
            matches!(
                d.ty,
                ResourceType::Integer | ResourceType::UnsignedInteger | ResourceType::Float | ResourceType::Time
            )
        }),
        _ => false,
    };
    attrs.write(path, query, numeric)?;
    Ok(Reply::code(Code::CHANGED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coap::MessageType;
    use crate::lwm2m::operation::classify;

    /// An Observe or Cancel Observation answers as the GET it also is: the operation of the same
    /// request without its Observe option (Accept: link format, a Discover). Other operations
    /// are themselves.
    #[test]
    fn an_observe_answers_as_the_get_it_also_is() {
        let accepts = [
            None,
            Some(ContentFormat::LINK_FORMAT),
            Some(ContentFormat::TLV),
            Some(ContentFormat::TEXT),
        ];
        for path in ["/3", "/3/0", "/3/0/13", "/3/0/11/0"] {
            for accept in accepts {
                let mut get = Message::new(MessageType::Confirmable, Code::GET, 1, vec![1]);
                get.set_uri(path, &[]);
                if let Some(cf) = accept {
                    get.add_uint_option(option::ACCEPT, u32::from(cf.0));
                }
                let as_get = classify(&get, Context::sent_by(Role::Server));
                assert_eq!(operation(server_operation(&get), &get), as_get, "{get}");
                for observe in [0, 1] {
                    let mut req = get.clone();
                    req.add_uint_option(option::OBSERVE, observe);
                    let op = server_operation(&req);
                    assert!(
                        matches!(op, Some(Operation::Observe | Operation::CancelObservation)),
                        "{req}"
                    );
                    assert_eq!(operation(op, &req), as_get, "{req}");
                }
            }
        }
        let req = Message::new(MessageType::Confirmable, Code::PUT, 1, vec![1]);
        assert_eq!(operation(Some(Operation::Write), &req), Some(Operation::Write));
        assert_eq!(operation(None, &req), None);
    }
}
