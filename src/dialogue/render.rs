//! One transcript line per datagram, at the LwM2M level first and the CoAP message layer after:
//! `#3  0.104s  server -> client  Read /3/0 accept=TLV  [CON GET mid=45 tok=0002]`,
//! `#4  0.110s  client -> server  Read /3/0 -> 2.05 TLV {/3/0/0="ACME"}  [ACK mid=45 tok=0002 of #3]`.

use std::time::Duration;

use super::{Annotated, Kind, Operation, name_of};
use crate::coap::message::{decode_uint, hex};
use crate::coap::{Message, MessageType};
use crate::lwm2m::operation::{Payload, Target};
use crate::lwm2m::{self, ContentFormat, Path};

/// The line for one annotated datagram; `from` and `to` name its peers.
pub fn line(a: &Annotated, from: &str, to: &str) -> String {
    prefixed(a.frame(), a.datagram.at, &format!("{from} -> {to}  {}", body(a)))
}

/// A numbered, timed line (the shape every transcript line has).
pub fn prefixed(frame: u32, at: Duration, text: &str) -> String {
    format!("#{frame:<4} {:>8.3}s  {text}", at.as_secs_f64())
}

/// What the datagram is, without frame, time and peers.
pub fn body(a: &Annotated) -> String {
    let Some(m) = &a.msg else {
        let why = match &a.kind {
            Kind::Malformed(e) => e.as_str(),
            _ => "not CoAP",
        };
        return format!("malformed datagram ({} bytes): {why}", a.datagram.bytes.len());
    };
    let repeat = a
        .retransmits
        .map(|f| format!(", retransmission of #{f}"))
        .unwrap_or_default();
    let layer = |of: Option<u32>| {
        let code = if m.is_request() {
            format!(" {}", m.code)
        } else {
            String::new()
        };
        let of = of.map(|f| format!(" of #{f}")).unwrap_or_default();
        format!(
            "[{}{code} mid={} tok={}{}{of}{repeat}]",
            m.mtype.short(),
            m.mid,
            hex(&m.token),
            blocks(m)
        )
    };
    match &a.kind {
        Kind::Request { op, path } => format!("{}  {}", request(*op, path, m), layer(None)),
        Kind::Response { answers } => {
            let (head, base) = match answers {
                Some(r) => (
                    format!("{} -> {}", operation(r.op, &r.path), m.code),
                    base_of(r.op, &r.path),
                ),
                None => (format!("response {} to no request in view", m.code), None),
            };
            let loc = m.location_path().map(|l| format!(" loc={l}")).unwrap_or_default();
            let content = payload(m, base.as_ref());
            format!("{head}{loc}{content}  {}", layer(answers.as_ref().map(|r| r.frame)))
        }
        Kind::Notify { answers } => {
            let obs = m.observe().map(|o| format!(" obs={o}")).unwrap_or_default();
            let content = payload(m, base_of(answers.op, &answers.path).as_ref());
            format!(
                "Notify {} -> {}{obs}{content}  {}",
                answers.path,
                m.code,
                layer(Some(answers.frame))
            )
        }
        Kind::EmptyAck { of } | Kind::Reset { of } => {
            let what = if m.mtype == MessageType::Reset {
                "RST"
            } else {
                "empty ACK"
            };
            let of = of.map(|f| format!(" of #{f}")).unwrap_or_default();
            format!("{what}{of}  [mid={}{repeat}]", m.mid)
        }
        Kind::Ping => format!("CoAP ping  [{} mid={}{repeat}]", m.mtype.short(), m.mid),
        Kind::Reserved | Kind::Malformed(_) => format!("{m}{repeat}"),
    }
}

/// Block1 / Block2 options (RFC 7959 §2.2) as ` block2=NUM/M/SIZE`: a payload that is one block
/// of a larger one does not decode on its own, and this says why.
fn blocks(m: &Message) -> String {
    let mut out = String::new();
    for (name, number) in [("block1", 27), ("block2", 23)] {
        if let Some(v) = m.option_values(number).next() {
            let x = decode_uint(v);
            let size = match x & 0x7 {
                7 => "BERT".to_string(),
                szx => (16u32 << szx).to_string(),
            };
            out.push_str(&format!(" {name}={}/{}/{size}", x >> 4, (x >> 3) & 1));
        }
    }
    out
}

/// `Read /3/0`, `Register`, `Update /rd/5a3f`: the operation and, where it is not implied, its path.
fn operation(op: Option<Operation>, path: &str) -> String {
    match op {
        // Register, Bootstrap-Request, Bootstrap-Finish, Send: their Uri-Path is their own.
        Some(o) if matches!(o.mapping().target, Target::Uri(_)) => o.name().to_string(),
        _ => format!("{} {path}", name_of(op)),
    }
}

fn base_of(op: Option<Operation>, path: &str) -> Option<Path> {
    if op.is_some_and(Operation::on_object_path) {
        path.parse().ok()
    } else {
        None
    }
}

fn request(op: Option<Operation>, path: &str, m: &Message) -> String {
    let Some(op) = op else {
        // No LwM2M reading: show the CoAP request as it is.
        let cf = m.content_format().map(|f| format!(" cf={f}")).unwrap_or_default();
        let obs = m.observe().map(|o| format!(" obs={o}")).unwrap_or_default();
        return format!(
            "{} {}{}{obs}{cf}{}",
            m.code,
            m.uri_path(),
            query_suffix(m, "?", "&"),
            payload(m, None)
        );
    };
    let mut s = operation(Some(op), path);
    s.push_str(&query_suffix(m, " ", " "));
    if let Some(a) = m.accept()
        && op != Operation::Discover
    {
        s.push_str(&format!(" accept={}", format_label(ContentFormat(a))));
    }
    match object_links(op, m) {
        Some(links) => s.push_str(&format!(" no content-format, read as link format: {links}")),
        None => s.push_str(&payload(m, base_of(Some(op), path).as_ref())),
    }
    s
}

/// The Objects and Object Instances of a Register or Update sent without a Content-Format: the
/// payload is CoRE link format by definition (TS 1.0.2 §5.3.1), so it is shown as such.
fn object_links(op: Operation, m: &Message) -> Option<String> {
    if op.mapping().payload != Payload::Links || m.content_format().is_some() || m.payload.is_empty() {
        return None;
    }
    let text = std::str::from_utf8(&m.payload).ok()?;
    lwm2m::link_format::parse(text)
        .ok()
        .map(|links| lwm2m::link_format::serialize(&links))
}

/// The Uri-Query as ` ep=dev1 lt=300` (or `?a=1&b` for a request with no LwM2M reading).
fn query_suffix(m: &Message, lead: &str, sep: &str) -> String {
    let q = m.uri_query_joined(sep);
    if q.is_empty() { q } else { format!("{lead}{q}") }
}

fn format_label(f: ContentFormat) -> String {
    match f.name() {
        Some(n) => n.to_ascii_uppercase(),
        None => f.0.to_string(),
    }
}

/// ` TLV {/3/0/0="ACME"}`, or nothing for an empty payload.
fn payload(m: &Message, base: Option<&Path>) -> String {
    describe_payload(m, base).map(|p| format!(" {p}")).unwrap_or_default()
}

/// The decoded payload (TLV, plain text, opaque, link format, SenML JSON/CBOR) in one line;
/// `base` is the path a response's payload is relative to (the request's).
pub fn describe_payload(m: &Message, base: Option<&Path>) -> Option<String> {
    if m.payload.is_empty() {
        return None;
    }
    let format = m.content_format().map(ContentFormat);
    let root = Path::default();
    let base = base.unwrap_or(&root);
    Some(match lwm2m::decode(format, base, &m.payload) {
        Ok(c) => c.describe(format),
        Err(e) => format!("(payload does not decode: {e})"),
    })
}
