//! Building the CoAP request for an LwM2M DM / Information Reporting operation
//! (LwM2M TS 1.0.2 §8.2.4 Device Management and §8.2.5 Information Reporting mapping).

use crate::case::Vars;
use crate::case::model::{Operation, SendRequest};
use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::objects::resource_def;
use crate::lwm2m::{ContentFormat, Path, Record};

/// What the engine needs to remember about a request it built.
pub struct Built {
    pub message: Message,
    pub path: Path,
    pub accept: Option<ContentFormat>,
}

/// `preferred`: the DUT profile's formats, most preferred first.
pub fn build(
    req: &SendRequest,
    vars: &Vars,
    preferred: &[ContentFormat],
    mid: u16,
    token: Vec<u8>,
) -> Result<Built, String> {
    if req.operation == Operation::BootstrapFinish {
        let mut m = Message::new(MessageType::Confirmable, Code::POST, mid, token);
        m.set_uri("/bs", &[]);
        return Ok(Built {
            message: m,
            path: Path::root(),
            accept: None,
        });
    }
    if req.operation.is_client_operation() {
        return build_client_operation(req, vars, mid, token);
    }
    if req.path.is_empty() {
        return Err(format!("send: {:?} needs a `path`", req.operation));
    }
    let path_text = vars.render(&req.path)?;
    let path: Path = path_text.parse().map_err(|e| format!("send.path `{path_text}`: {e}"))?;
    let mtype = if req.confirmable {
        MessageType::Confirmable
    } else {
        MessageType::NonConfirmable
    };
    let method = match req.operation {
        Operation::Read | Operation::Discover | Operation::Observe | Operation::CancelObservation => Code::GET,
        Operation::Write | Operation::WriteAttributes => Code::PUT,
        Operation::WritePartial | Operation::Execute | Operation::Create | Operation::BootstrapFinish => Code::POST,
        Operation::Delete => Code::DELETE,
        other => return Err(format!("send: {} is built elsewhere", other.name())),
    };
    let mut m = Message::new(mtype, method, mid, token);
    let mut query = Vec::new();
    if req.operation == Operation::WriteAttributes {
        for (k, v) in &req.attributes {
            query.push((k.clone(), Some(vars.render(v)?)));
        }
    }
    m.set_uri(&path.to_string(), &query);
    match req.operation {
        Operation::Observe => m.add_uint_option(option::OBSERVE, 0),
        Operation::CancelObservation => m.add_uint_option(option::OBSERVE, 1),
        _ => {}
    }
    let default_accept = matches!(
        req.operation,
        Operation::Read | Operation::Observe | Operation::CancelObservation
    );
    let accept = match (req.operation, req.accept.as_deref()) {
        (Operation::Discover, None) => Some(ContentFormat::LINK_FORMAT),
        (_, Some("none")) => None,
        (_, None | Some("preferred")) if default_accept => pick_for(&path, preferred),
        (_, None) => None,
        (_, Some("preferred")) => pick_for(&path, preferred),
        (_, Some(name)) => {
            Some(ContentFormat::from_name(name).ok_or_else(|| format!("send.accept: unknown format `{name}`"))?)
        }
    };
    if let Some(a) = accept {
        m.add_uint_option(option::ACCEPT, u32::from(a.0));
    }
    if !req.values.is_empty() {
        let format = match req.format.as_deref() {
            Some(name) => {
                ContentFormat::from_name(name).ok_or_else(|| format!("send.format: unknown format `{name}`"))?
            }
            None => pick_for(&path, preferred).unwrap_or(ContentFormat::TLV),
        };
        let records = records(&req.values, vars)?;
        m.payload = crate::lwm2m::encode(format, &path, &records).map_err(|e| format!("cannot encode payload: {e}"))?;
        m.add_uint_option(option::CONTENT_FORMAT, u32::from(format.0));
    } else if let Some(p) = &req.payload {
        m.payload = vars.render(p)?.into_bytes();
        if let Some(name) = req.format.as_deref() {
            let f = ContentFormat::from_name(name).ok_or_else(|| format!("send.format: unknown format `{name}`"))?;
            m.add_uint_option(option::CONTENT_FORMAT, u32::from(f.0));
        } else if req.operation != Operation::Execute {
            m.add_uint_option(option::CONTENT_FORMAT, u32::from(ContentFormat::TEXT.0));
        }
    }
    Ok(Built {
        message: m,
        path,
        accept,
    })
}

/// Registration and Bootstrap-Request as an LwM2M Client would send them (TS 1.0.2 §8.2.3, §8.2.2).
fn build_client_operation(req: &SendRequest, vars: &Vars, mid: u16, token: Vec<u8>) -> Result<Built, String> {
    let (method, default_path) = match req.operation {
        Operation::Register => (Code::POST, "/rd"),
        Operation::Update => (Code::POST, "{location}"),
        Operation::Deregister => (Code::DELETE, "{location}"),
        _ => (Code::POST, "/bs"),
    };
    let path = vars.render(if req.path.is_empty() { default_path } else { &req.path })?;
    let mut query = Vec::new();
    for (k, v) in &req.query {
        let v = vars.render(v)?;
        query.push((k.clone(), (!v.is_empty()).then_some(v)));
    }
    let mtype = if req.confirmable {
        MessageType::Confirmable
    } else {
        MessageType::NonConfirmable
    };
    let mut m = Message::new(mtype, method, mid, token);
    m.set_uri(&path, &query);
    if let Some(p) = &req.payload {
        m.payload = vars.render(p)?.into_bytes();
        let f = match req.format.as_deref() {
            Some(name) => {
                ContentFormat::from_name(name).ok_or_else(|| format!("send.format: unknown format `{name}`"))?
            }
            None => ContentFormat::LINK_FORMAT,
        };
        m.add_uint_option(option::CONTENT_FORMAT, u32::from(f.0));
    }
    Ok(Built {
        message: m,
        path: Path::root(),
        accept: None,
    })
}

/// Plain text only carries a single resource; for anything wider pick the first multi-value format.
fn pick_for(path: &Path, preferred: &[ContentFormat]) -> Option<ContentFormat> {
    let single = path.resource.is_some();
    preferred.iter().copied().find(|f| {
        *f != ContentFormat::LINK_FORMAT && (single || (*f != ContentFormat::TEXT && *f != ContentFormat::OPAQUE))
    })
}

/// Turn `path: value` text into typed records using the object definitions.
fn records(values: &std::collections::BTreeMap<String, String>, vars: &Vars) -> Result<Vec<Record>, String> {
    let mut out = Vec::new();
    for (p, v) in values {
        let path: Path = vars
            .render(p)?
            .parse()
            .map_err(|e| format!("send.values: bad path `{p}`: {e}"))?;
        let text = vars.render(v)?;
        let ty = match (path.object, path.resource) {
            (Some(o), Some(r)) => resource_def(o, r).map(|d| d.ty),
            _ => None,
        };
        let value = typed(&text, ty).map_err(|e| format!("send.values.{p}: {e}"))?;
        out.push(Record { path, value });
    }
    Ok(out)
}

pub(crate) use crate::lwm2m::assignment::typed;
