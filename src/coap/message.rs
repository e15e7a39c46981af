//! A plain, owned view of one CoAP message (RFC 7252), on top of coap-lite's wire codec.
//!
//! The harness matches on this view rather than on `coap_lite::Packet` because it must keep
//! everything a device sent, including codes and options coap-lite has no name for, and must be
//! able to build messages a conformant peer never would.

use coap_lite::{CoapOption, MessageClass, Packet};
use std::fmt;

use super::code::Code;

/// CoAP message type (RFC 7252 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum MessageType {
    /// CON: needs an ACK or RST, retransmitted with exponential back-off until one arrives (§4.2).
    #[serde(rename = "CON")]
    Confirmable,
    /// NON: no acknowledgement, no retransmission (§4.3).
    #[serde(rename = "NON")]
    NonConfirmable,
    /// ACK: acknowledges one CON by Message ID, possibly carrying the response (piggybacked).
    #[serde(rename = "ACK")]
    Acknowledgement,
    /// RST: the receiver could not process a message (§4.2); on a notification it cancels the
    /// observation (RFC 7641 §3.6).
    #[serde(rename = "RST")]
    Reset,
}

impl MessageType {
    /// The three-letter name used on the wire traces and in case files: CON, NON, ACK, RST.
    pub fn short(self) -> &'static str {
        match self {
            MessageType::Confirmable => "CON",
            MessageType::NonConfirmable => "NON",
            MessageType::Acknowledgement => "ACK",
            MessageType::Reset => "RST",
        }
    }
}

/// Option numbers the harness reads or writes (RFC 7252 §5.10, RFC 7641 §2).
pub mod option {
    /// Observe (RFC 7641): 0 registers an observation, 1 cancels it; in a notification, a sequence number.
    pub const OBSERVE: u16 = 6;
    /// Location-Path: where the LwM2M Server put a registration (`/rd/<id>`), in the 2.01 to Register.
    pub const LOCATION_PATH: u16 = 8;
    /// Uri-Path: one segment of the target path, e.g. `3`, `0`, `1` for /3/0/1.
    pub const URI_PATH: u16 = 11;
    /// Content-Format of the payload: TLV 11542, SenML JSON 110, link format 40, ... (TS 1.1 §7).
    pub const CONTENT_FORMAT: u16 = 12;
    /// Uri-Query: one `key=value` parameter, e.g. `ep=`, `lt=`, `pmin=`.
    pub const URI_QUERY: u16 = 15;
    /// Accept: the Content-Format the requester wants the response in.
    pub const ACCEPT: u16 = 17;
}

/// One CoAP message as sent or received, with every field kept as on the wire, including codes and
/// options this crate has no name for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// CON, NON, ACK or RST.
    pub mtype: MessageType,
    /// Request method, response code, or 0.00 for an Empty message.
    pub code: Code,
    /// Message ID: pairs an ACK or RST with its CON and detects duplicates (RFC 7252 §4.4).
    pub mid: u16,
    /// Token, 0-8 bytes: pairs a response with its request and a notification with its observation.
    pub token: Vec<u8>,
    /// Options in ascending number order, repeated options in their wire order.
    pub options: Vec<(u16, Vec<u8>)>,
    /// Payload after the 0xFF marker; empty when there is none.
    pub payload: Vec<u8>,
}

/// Bytes that are not a CoAP message, or a message coap-lite cannot put on the wire.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Not version 1, truncated, a payload marker with no payload, or an Empty message with a body.
    #[error("not a CoAP message: {0}")]
    Parse(String),
    /// The message cannot be encoded (e.g. a token longer than 8 bytes).
    #[error("cannot encode CoAP message: {0}")]
    Encode(String),
}

impl Message {
    /// A message with no options and no payload.
    pub fn new(mtype: MessageType, code: Code, mid: u16, token: Vec<u8>) -> Self {
        Message {
            mtype,
            code,
            mid,
            token,
            options: Vec::new(),
            payload: Vec::new(),
        }
    }

    /// Decodes one datagram, rejecting what RFC 7252 §3 and §4.1 call a message format error.
    pub fn parse(bytes: &[u8]) -> Result<Message, WireError> {
        // coap-lite does not check the version field; RFC 7252 §3 says other versions are ignored.
        if bytes.first().map(|b| b >> 6) != Some(1) {
            return Err(WireError::Parse("not CoAP version 1".into()));
        }
        let packet = Packet::from_bytes(bytes).map_err(|e| WireError::Parse(format_error(bytes, e)))?;
        // coap-lite takes a payload marker with nothing after it as an empty payload.
        if packet.payload.is_empty() && bytes.len() > 4 && options_end(bytes) == Some(bytes.len() - 1) {
            return Err(WireError::Parse(
                "message format error: a payload marker with no payload (RFC 7252 §3)".into(),
            ));
        }
        if bytes[1] == 0 && bytes.len() > 4 {
            return Err(WireError::Parse(
                "message format error: an Empty message (code 0.00) with bytes after the Message ID (RFC 7252 §4.1)"
                    .into(),
            ));
        }
        let mtype = match packet.header.get_type() {
            coap_lite::MessageType::Confirmable => MessageType::Confirmable,
            coap_lite::MessageType::NonConfirmable => MessageType::NonConfirmable,
            coap_lite::MessageType::Acknowledgement => MessageType::Acknowledgement,
            coap_lite::MessageType::Reset => MessageType::Reset,
        };
        let mut options = Vec::new();
        for (number, values) in packet.options() {
            for v in values {
                options.push((*number, v.clone()));
            }
        }
        Ok(Message {
            mtype,
            code: Code(u8::from(packet.header.code)),
            mid: packet.header.message_id,
            token: packet.get_token().to_vec(),
            options,
            payload: packet.payload.clone(),
        })
    }

    /// Encodes the message for one datagram, options in ascending number order.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut p = Packet::new();
        p.header.set_type(match self.mtype {
            MessageType::Confirmable => coap_lite::MessageType::Confirmable,
            MessageType::NonConfirmable => coap_lite::MessageType::NonConfirmable,
            MessageType::Acknowledgement => coap_lite::MessageType::Acknowledgement,
            MessageType::Reset => coap_lite::MessageType::Reset,
        });
        p.header.code = MessageClass::from(self.code.0);
        p.header.message_id = self.mid;
        p.set_token(self.token.clone());
        for (number, value) in &self.options {
            p.add_option(CoapOption::from(*number), value.clone());
        }
        p.payload = self.payload.clone();
        p.to_bytes().map_err(|e| WireError::Encode(format!("{e:?}")))
    }

    /// Whether the code is a method (GET, POST, ...).
    pub fn is_request(&self) -> bool {
        self.code.is_request()
    }

    /// Whether the code is a response code (2.xx-5.xx).
    pub fn is_response(&self) -> bool {
        self.code.is_response()
    }

    /// An empty message: a bare ACK or RST, or a CoAP ping.
    pub fn is_empty(&self) -> bool {
        self.code.0 == 0
    }

    /// Every value of option `number`, in wire order (repeatable options such as Uri-Path give several).
    pub fn option_values(&self, number: u16) -> impl Iterator<Item = &[u8]> {
        self.options
            .iter()
            .filter(move |(n, _)| *n == number)
            .map(|(_, v)| v.as_slice())
    }

    /// Adds an option after any others with the same or lower number, keeping wire order.
    pub fn add_option(&mut self, number: u16, value: Vec<u8>) {
        // Keep options sorted by number (stable for repeats) as they go on the wire.
        let at = self
            .options
            .iter()
            .position(|(n, _)| *n > number)
            .unwrap_or(self.options.len());
        self.options.insert(at, (number, value));
    }

    /// Adds a uint-valued option (Content-Format, Accept, Observe) in its shortest encoding.
    pub fn add_uint_option(&mut self, number: u16, value: u32) {
        self.add_option(number, encode_uint(value));
    }

    fn uint_option(&self, number: u16) -> Option<u32> {
        self.option_values(number).next().map(decode_uint)
    }

    /// The Uri-Path as "/a/b/c" ("/" when absent).
    pub fn uri_path(&self) -> String {
        join_path(self.option_values(option::URI_PATH))
    }

    /// The Uri-Path and Uri-Query as "/a/b?k=v&flag".
    pub fn uri(&self) -> String {
        let q = self.uri_query_joined("&");
        if q.is_empty() {
            self.uri_path()
        } else {
            format!("{}?{q}", self.uri_path())
        }
    }

    /// The Location-Path as "/a/b" (None when the message has none).
    pub fn location_path(&self) -> Option<String> {
        let mut segs = self.option_values(option::LOCATION_PATH).peekable();
        segs.peek()?;
        Some(join_path(segs))
    }

    /// Uri-Query options split at the first '=' (a parameter with no '=' has no value).
    pub fn uri_query(&self) -> Vec<(String, Option<String>)> {
        self.option_values(option::URI_QUERY)
            .map(|v| {
                let s = String::from_utf8_lossy(v);
                match s.split_once('=') {
                    Some((k, val)) => (k.to_string(), Some(val.to_string())),
                    None => (s.to_string(), None),
                }
            })
            .collect()
    }

    /// The Uri-Query items as written (`k=v` or `k`), joined by `sep`; empty when there are none.
    pub fn uri_query_joined(&self, sep: &str) -> String {
        let parts: Vec<String> = self
            .uri_query()
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k,
            })
            .collect();
        parts.join(sep)
    }

    /// The Content-Format option: how the payload is encoded; None when the message has none.
    pub fn content_format(&self) -> Option<u16> {
        self.uint_option(option::CONTENT_FORMAT).map(|v| v as u16)
    }

    /// The Accept option: the Content-Format the requester asks for; None when it states no preference.
    pub fn accept(&self) -> Option<u16> {
        self.uint_option(option::ACCEPT).map(|v| v as u16)
    }

    /// The Observe option: 0 register / 1 deregister in a request, a sequence number in a
    /// notification; None when absent.
    pub fn observe(&self) -> Option<u32> {
        self.uint_option(option::OBSERVE)
    }

    /// `path` is "/a/b" as `uri_path` renders it: a percent-encoded segment ("rd%2F1") is sent
    /// decoded, as the one option it came from.
    pub fn set_uri(&mut self, path: &str, query: &[(String, Option<String>)]) {
        for seg in split_path(path) {
            self.add_option(option::URI_PATH, seg);
        }
        for (k, v) in query {
            let q = match v {
                Some(v) => format!("{k}={v}"),
                None => k.clone(),
            };
            self.add_option(option::URI_QUERY, q.into_bytes());
        }
    }

    /// Adds `path` ("/rd/1") as Location-Path options, one per segment.
    pub fn set_location_path(&mut self, path: &str) {
        for seg in split_path(path) {
            self.add_option(option::LOCATION_PATH, seg);
        }
    }
}

/// Critical options (odd numbers, RFC 7252 §5.4.1) every endpoint of this crate understands in
/// a request: Uri-Host, Uri-Port, Uri-Path, Uri-Query and Accept. Observe, Location-Path and
/// Content-Format are elective.
pub const KNOWN_CRITICAL: [u16; 5] = [3, 7, option::URI_PATH, option::URI_QUERY, option::ACCEPT];

impl Message {
    /// The first critical option (odd number) not in [`KNOWN_CRITICAL`]: a request carrying
    /// one is answered 4.02 Bad Option when Confirmable, and any other message carrying one is
    /// rejected (RFC 7252 §5.4.1).
    pub fn unknown_critical_option(&self) -> Option<u16> {
        self.options
            .iter()
            .map(|(n, _)| *n)
            .find(|n| n % 2 == 1 && !KNOWN_CRITICAL.contains(n))
    }
}

/// Why coap-lite refused `bytes`, in RFC 7252's words where it can be said.
fn format_error(bytes: &[u8], e: coap_lite::error::MessageError) -> String {
    use coap_lite::error::MessageError as E;
    let why = match e {
        E::InvalidTokenLength if bytes.first().is_some_and(|b| b & 0x0f > 8) => {
            "a token length over 8 (RFC 7252 §3)".to_string()
        }
        E::InvalidTokenLength => "the datagram ends inside the token".to_string(),
        E::InvalidOptionDelta => "an option delta of 15 or past 65535 (RFC 7252 §3.1)".to_string(),
        E::InvalidOptionLength => {
            "an option length of 15 or an option that runs past the datagram (RFC 7252 §3.1)".to_string()
        }
        E::InvalidPacketLength | E::InvalidHeader => "shorter than the 4-byte header".to_string(),
    };
    format!("message format error: {why}")
}

/// Where the options of a well-formed message end: the index of the payload marker, or the
/// datagram's length when there is none. None when the options do not parse.
fn options_end(bytes: &[u8]) -> Option<usize> {
    let mut i = 4 + usize::from(bytes.first()? & 0x0f);
    while i < bytes.len() {
        let b = bytes[i];
        if b == 0xff {
            return Some(i);
        }
        i += 1;
        // Delta, then length: each nibble 13 or 14 takes one or two more bytes (RFC 7252 §3.1).
        let mut length = 0;
        for (nibble, is_length) in [(b >> 4, false), (b & 0x0f, true)] {
            let value = match nibble {
                13 => {
                    i += 1;
                    usize::from(*bytes.get(i - 1)?) + 13
                }
                14 => {
                    i += 2;
                    usize::from(u16::from_be_bytes([*bytes.get(i - 2)?, *bytes.get(i - 1)?])) + 269
                }
                15 => return None,
                n => usize::from(n),
            };
            if is_length {
                length = value;
            }
        }
        i += length;
    }
    (i == bytes.len()).then_some(i)
}

/// CoAP uint option encoding: big-endian, shortest form, zero is the empty string (RFC 7252 §3.2).
pub fn encode_uint(v: u32) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    bytes[skip..].to_vec()
}

/// Reads a CoAP uint option value (RFC 7252 §3.2); over-long values keep their low four bytes.
pub fn decode_uint(v: &[u8]) -> u32 {
    // Over-long values are a peer's mistake; keep the low four bytes rather than fail.
    v.iter()
        .rev()
        .take(4)
        .rev()
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
}

/// What a path segment must percent-encode to stay one segment when joined with '/' (RFC 7252
/// §6.5 step 8, RFC 3986 §3.3): a Location-Path "rd/1" is one segment, not "/rd/1". Non-ASCII
/// bytes are always encoded.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'/').add(b'%');

fn join_path<'a>(segs: impl Iterator<Item = &'a [u8]>) -> String {
    let mut out = String::new();
    for s in segs {
        out.push('/');
        out.extend(percent_encoding::percent_encode(s, SEGMENT));
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// "/a/b%2Fc" -> the option values `a`, `b/c` (the inverse of `join_path`).
fn split_path(path: &str) -> impl Iterator<Item = Vec<u8>> + '_ {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).collect())
}

impl fmt::Display for Message {
    /// One line, as in a transcript: `CON POST mid=0x1234 tok=0a0b /rd?ep=x cf=40 [12 bytes]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} mid={} tok={}",
            self.mtype.short(),
            self.code,
            self.mid,
            hex(&self.token)
        )?;
        if self.is_request() {
            write!(f, " {}", self.uri())?;
        }
        if let Some(obs) = self.observe() {
            write!(f, " obs={obs}")?;
        }
        if let Some(loc) = self.location_path() {
            write!(f, " loc={loc}")?;
        }
        if let Some(cf) = self.content_format() {
            write!(f, " cf={cf}")?;
        }
        if let Some(a) = self.accept() {
            write!(f, " accept={a}")?;
        }
        if !self.payload.is_empty() {
            write!(f, " [{} bytes]", self.payload.len())?;
        }
        Ok(())
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_roundtrip_keeps_every_field() {
        let mut m = Message::new(MessageType::Confirmable, Code::POST, 0x1234, vec![1, 2, 3, 4]);
        m.set_uri(
            "/rd",
            &[("ep".into(), Some("dev1".into())), ("b".into(), Some("U".into()))],
        );
        m.add_uint_option(option::CONTENT_FORMAT, 40);
        m.payload = b"</1/0>,</3/0>".to_vec();
        let bytes = m.to_bytes().expect("encodes");
        insta::assert_snapshot!(hex(&bytes));
        let back = Message::parse(&bytes).expect("parses");
        assert_eq!(back, m);
        assert_eq!(back.uri_path(), "/rd");
        assert_eq!(back.content_format(), Some(40));
        assert_eq!(
            back.to_string(),
            "CON POST mid=4660 tok=01020304 /rd?ep=dev1&b=U cf=40 [13 bytes]"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [&[][..], &[0xff], &[0x40], &[0x4f, 1, 2, 3], &[0x44, 0x01, 0, 1, 1]] {
            let _ = Message::parse(bytes);
        }
        assert!(Message::parse(&[0x80, 0, 0, 0]).is_err(), "version 2 is not CoAP");
    }

    #[test]
    fn a_slash_inside_one_path_option_stays_one_segment() {
        // lwm2m-node-lib answers a Register with the single Location-Path option "rd/1": that is
        // not the location /rd/1 (two segments) and must not read as one.
        let mut m = Message::new(MessageType::Acknowledgement, Code::CREATED, 1, vec![]);
        m.add_option(option::LOCATION_PATH, b"rd/1".to_vec());
        assert_eq!(m.location_path().as_deref(), Some("/rd%2F1"));
        let mut two = Message::new(MessageType::Acknowledgement, Code::CREATED, 1, vec![]);
        two.set_location_path("/rd/1");
        assert_eq!(two.location_path().as_deref(), Some("/rd/1"));
        // A client sends an Update to that location as the server gave it: one Uri-Path option.
        let mut update = Message::new(MessageType::Confirmable, Code::POST, 2, vec![]);
        update.set_uri("/rd%2F1", &[]);
        assert_eq!(
            update.option_values(option::URI_PATH).collect::<Vec<_>>(),
            vec![&b"rd/1"[..]]
        );
        assert_eq!(update.uri_path(), "/rd%2F1");
        let mut pct = Message::new(MessageType::Confirmable, Code::GET, 3, vec![]);
        pct.add_option(option::URI_PATH, b"100%".to_vec());
        assert_eq!(pct.uri_path(), "/100%25");
    }

    #[test]
    fn uint_options_use_the_shortest_form() {
        assert_eq!(encode_uint(0), Vec::<u8>::new());
        assert_eq!(encode_uint(40), vec![40]);
        assert_eq!(encode_uint(11542), vec![0x2d, 0x16]);
        assert_eq!(decode_uint(&[0x2d, 0x16]), 11542);
    }
}
