//! Error types shared by every codec. Offsets are byte offsets into the
//! payload handed to the decoder, so a transcript can point at the bad byte.

use crate::lwm2m::content_format::ContentFormat;
use crate::lwm2m::path::Path;

/// Why a payload could not be decoded. Decoders face untrusted device data,
/// so every malformed input ends here instead of in a panic.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// The payload ends inside an element (a TLV header or value, a CBOR item).
    #[error("truncated payload at byte {offset}: {what} needs {needed} more byte(s)")]
    Truncated {
        /// Where the element starts.
        offset: usize,
        /// How many bytes are missing.
        needed: usize,
        /// The element, e.g. "TLV length".
        what: &'static str,
    },
    /// The framing is wrong: a TLV type that cannot nest where it is, a link without `<`, ...
    #[error("invalid structure at byte {offset}: {reason}")]
    Structure {
        /// Where the bad framing starts.
        offset: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A Resource's value does not fit its data type (TS 1.0.2 Appendix C), e.g. a 3-byte integer.
    #[error("invalid value for {path} at byte {offset}: {reason}")]
    Value {
        /// The Resource or Resource Instance the value belongs to.
        path: Path,
        /// Where the value starts.
        offset: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A payload that must be text (plain text, link format) is not UTF-8.
    #[error("invalid UTF-8 at byte {offset}")]
    Utf8 {
        /// The first byte that is not valid UTF-8.
        offset: usize,
    },
    /// A path (a SenML name, a link target) is not `/O/I/R/RI` with 16-bit IDs.
    #[error("invalid path {input:?} at byte {offset}: {reason}")]
    Path {
        /// The path as received.
        input: String,
        /// Where in it the error is.
        offset: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Plain text carries one Resource's value, so the request must target a Resource (TS 1.0.2 §6.4.1).
    #[error("{format} payload needs a resource path, got {path}")]
    NeedsResourcePath {
        /// The single-value format.
        format: ContentFormat,
        /// The request path, an Object or Object Instance.
        path: Path,
    },
    /// A Content-Format this crate cannot read (e.g. the deprecated LwM2M JSON, 11543).
    #[error("unsupported content format {0}")]
    UnsupportedFormat(ContentFormat),
    /// SenML JSON that is not JSON.
    #[error("JSON syntax error at byte {offset}: {message}")]
    Json {
        /// Where the parser stopped.
        offset: usize,
        /// The parser's message.
        message: String,
    },
    /// SenML CBOR or CBOR that is not well-formed CBOR or has the wrong shape.
    #[error("CBOR error at byte {offset}: {message}")]
    Cbor {
        /// Where the decoder stopped.
        offset: usize,
        /// The decoder's message.
        message: String,
    },
    /// A SenML record breaks RFC 8428 or the LwM2M SenML rules (TS 1.1 §7.4.4), e.g. no name.
    #[error("SenML record #{index}: {reason}")]
    Senml {
        /// The record's position in the pack, from 0.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// Why records could not be encoded in the requested format.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum EncodeError {
    /// A record lies outside the request's target, so no payload for that target can carry it.
    #[error("record path {path} is not below the request path {base}")]
    NotUnderBase {
        /// The request path.
        base: Path,
        /// The record outside it.
        path: Path,
    },
    /// A record names an Object or Object Instance where a value needs a Resource.
    #[error("record path {path} must name a resource or resource instance")]
    NotAResource {
        /// The record's path.
        path: Path,
    },
    /// The format cannot be rooted at this path (e.g. TLV at the root "/").
    #[error("path {0} cannot be the base of a {1} payload")]
    BadBase(Path, ContentFormat),
    /// Two records for the same path, or a Resource given both a value and instances.
    #[error("duplicate or conflicting records for {path}")]
    Conflict {
        /// The path given twice.
        path: Path,
    },
    /// A value too long for the TLV 24-bit length field (TS 1.0.2 §6.4.3).
    #[error("value of {path} is {len} bytes, larger than a TLV length field allows")]
    TooLong {
        /// The Resource.
        path: Path,
        /// Its value's length in bytes.
        len: usize,
    },
    /// Plain text and opaque carry one value; a different number of records was given.
    #[error("{format} carries exactly one value, got {count} records")]
    NeedsOneRecord {
        /// The single-value format.
        format: ContentFormat,
        /// How many records were given.
        count: usize,
    },
    /// The value's type has no representation in the format (e.g. an Integer as opaque).
    #[error("value of {path} cannot be sent as {format}")]
    WrongValue {
        /// The Resource.
        path: Path,
        /// The format asked for.
        format: ContentFormat,
    },
    /// A Content-Format this crate does not write (it writes TLV, SenML JSON/CBOR, text, opaque).
    #[error("unsupported content format {0}")]
    UnsupportedFormat(ContentFormat),
}
