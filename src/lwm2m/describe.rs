//! One-line, deterministic rendering of decoded content for transcripts.

use crate::lwm2m::value::hex;
use crate::lwm2m::{Content, ContentFormat, Value, link_format};

/// Longest string value shown in full, in characters.
const MAX_TEXT: usize = 40;
/// Longest byte value shown in full.
const MAX_BYTES: usize = 16;

fn label(format: Option<ContentFormat>) -> String {
    match format {
        None => "no content-format".to_string(),
        Some(f) => match (f.name(), f.canonical().name()) {
            (Some(n), _) => n.to_ascii_uppercase(),
            // Legacy alias: show both so the transcript records the raw number.
            (None, Some(n)) => format!("{}({})", n.to_ascii_uppercase(), f.0),
            (None, None) => format!("content-format {}", f.0),
        },
    }
}

fn quoted(s: &str) -> String {
    let cut: String = s.chars().take(MAX_TEXT).collect();
    let escaped = format!("{cut:?}");
    if cut.len() < s.len() {
        let inner = escaped.get(1..escaped.len().saturating_sub(1)).unwrap_or_default();
        format!("\"{inner}…\"")
    } else {
        escaped
    }
}

fn bytes(b: &[u8]) -> String {
    match b.get(..MAX_BYTES) {
        Some(head) if b.len() > MAX_BYTES => format!("0x{}…({} bytes)", hex(head), b.len()),
        _ => format!("0x{}", hex(b)),
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::String(s) => quoted(s),
        Value::Integer(i) | Value::Time(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Boolean(b) => b.to_string(),
        Value::Opaque(b) => bytes(b),
        Value::ObjLnk(o, i) => format!("{o}:{i}"),
        // Untyped: `b"..."` when it reads as text, so it is not mistaken for a String.
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) if !s.chars().any(char::is_control) => format!("b{}", quoted(s)),
            _ => bytes(b),
        },
    }
}

impl Content {
    /// e.g. `TLV {/3/0/0="Open Mobile Alliance", /3/0/13=1700000000}`;
    /// records are sorted by path so the line is stable across devices.
    pub fn describe(&self, format: Option<ContentFormat>) -> String {
        let label = label(format);
        match self {
            Content::Empty => "empty".to_string(),
            Content::Records(records) => {
                let mut sorted: Vec<_> = records.iter().collect();
                sorted.sort_by_key(|r| r.path);
                let body: Vec<String> = sorted
                    .iter()
                    .map(|r| format!("{}={}", r.path, value(&r.value)))
                    .collect();
                format!("{label} {{{}}}", body.join(", "))
            }
            Content::Links(links) => format!("{label} {}", link_format::serialize(links)),
            Content::Opaque(b) => format!("{label} {} bytes {}", b.len(), bytes(b)),
        }
    }
}
