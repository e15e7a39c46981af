//! Building the CoAP request for a case's `send` step: the operation's CoAP mapping comes from
//! `lwm2m::operation` (LwM2M TS 1.0.2 §8.2.2-8.2.5); this adds what the case chooses (path,
//! query, Accept, payload and its encoding).

use crate::case::model::{Operation, SendRequest};
use crate::coap::message::option;
use crate::coap::{Message, MessageType};
use crate::lwm2m::objects::resource_def;
use crate::lwm2m::operation::{self, Payload, Target};
use crate::lwm2m::{ContentFormat, Path, Record};
use crate::template::Vars;

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
    let mtype = if req.confirmable {
        MessageType::Confirmable
    } else {
        MessageType::NonConfirmable
    };
    let row = req.operation.mapping();
    if !matches!(row.target, Target::Path(_)) {
        return build_on_uri(req, vars, mtype, mid, token);
    }
    if req.path.is_empty() {
        return Err(format!("send: {:?} needs a `path`", req.operation));
    }
    let path_text = vars.render(&req.path)?;
    let path: Path = path_text.parse().map_err(|e| format!("send.path `{path_text}`: {e}"))?;
    let mut query = Vec::new();
    if row.query == operation::Query::Attributes {
        for (k, v) in &req.attributes {
            query.push((k.clone(), Some(vars.render(v)?)));
        }
    }
    let mut m = operation::request(req.operation, mtype, mid, token, Some(&path.to_string()), &query);
    // The Accept the mapping sets (Discover's link format) is the default; the case may ask
    // for another one, or none.
    m.options.retain(|(n, _)| *n != option::ACCEPT);
    let default_accept = matches!(
        req.operation,
        Operation::Read | Operation::Observe | Operation::CancelObservation
    );
    let accept = match req.accept.as_deref() {
        None if row.accept.is_some() => row.accept,
        Some("none") => None,
        None | Some("preferred") if default_accept => pick_for(&path, preferred),
        None => None,
        Some("preferred") => pick_for(&path, preferred),
        Some(name) => {
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
        } else if row.payload != Payload::Arguments {
            m.add_uint_option(option::CONTENT_FORMAT, u32::from(ContentFormat::TEXT.0));
        }
    }
    Ok(Built {
        message: m,
        path,
        accept,
    })
}

/// The operations whose Uri-Path is a CoAP URI path rather than an LwM2M object path:
/// Register, Update, De-register and Bootstrap-Request as an LwM2M Client sends them (a case may
/// send them elsewhere with `path`), and Bootstrap-Finish.
fn build_on_uri(req: &SendRequest, vars: &Vars, mtype: MessageType, mid: u16, token: Vec<u8>) -> Result<Built, String> {
    let row = req.operation.mapping();
    let to = match (&row.target, req.path.is_empty() || !req.operation.is_client_operation()) {
        (Target::Uri(own), true) => own.to_string(),
        (_, true) => vars.render("{location}")?,
        (_, false) => vars.render(&req.path)?,
    };
    let mut query = Vec::new();
    for (k, v) in &req.query {
        let v = vars.render(v)?;
        query.push((k.clone(), (!v.is_empty()).then_some(v)));
    }
    let mut m = operation::request(req.operation, mtype, mid, token, Some(&to), &query);
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
