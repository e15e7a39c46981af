//! A human-readable line per datagram (and per notable event), in pcap frame order. It uses role
//! names rather than addresses and times relative to the trial start, so it is stable enough for
//! snapshots once message IDs and tokens are redacted.

use std::time::Duration;

use crate::coap::Message;
use crate::lwm2m::{self, ContentFormat, Path};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ToDut,
    FromDut,
}

#[derive(Debug, Default)]
pub struct Transcript {
    lines: Vec<String>,
}

impl Transcript {
    pub fn lines(&self) -> Vec<String> {
        self.lines.clone()
    }

    pub fn note(&mut self, now: Duration, text: String) {
        self.lines.push(format!("      {:>8.3}s  {text}", now.as_secs_f64()));
    }

    /// `base`: the LwM2M path a response's payload is relative to (the request's path).
    pub fn datagram(&mut self, now: Duration, frame: u32, dir: Direction, bytes: &[u8], base: Option<&Path>) {
        let arrow = match dir {
            Direction::ToDut => "harness -> dut",
            Direction::FromDut => "dut -> harness",
        };
        let body = match Message::parse(bytes) {
            Ok(m) => {
                let base = base.copied().or_else(|| m.uri_path().parse().ok());
                match describe_payload(&m, base.as_ref()) {
                    Some(p) => format!("{m} {p}"),
                    None => m.to_string(),
                }
            }
            Err(e) => format!("malformed datagram ({} bytes): {e}", bytes.len()),
        };
        self.lines
            .push(format!("#{frame:<4} {:>8.3}s  {arrow}  {body}", now.as_secs_f64()));
    }
}

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
