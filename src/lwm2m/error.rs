//! Error types shared by every codec. Offsets are byte offsets into the
//! payload handed to the decoder, so a transcript can point at the bad byte.

use crate::lwm2m::content_format::ContentFormat;
use crate::lwm2m::path::Path;

/// Why a payload could not be decoded. Decoders face untrusted device data,
/// so every malformed input ends here instead of in a panic.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum DecodeError {
    #[error("truncated payload at byte {offset}: {what} needs {needed} more byte(s)")]
    Truncated {
        offset: usize,
        needed: usize,
        what: &'static str,
    },
    #[error("invalid structure at byte {offset}: {reason}")]
    Structure { offset: usize, reason: String },
    #[error("invalid value for {path} at byte {offset}: {reason}")]
    Value { path: Path, offset: usize, reason: String },
    #[error("invalid UTF-8 at byte {offset}")]
    Utf8 { offset: usize },
    #[error("invalid path {input:?} at byte {offset}: {reason}")]
    Path {
        input: String,
        offset: usize,
        reason: String,
    },
    #[error("{format} payload needs a resource path, got {path}")]
    NeedsResourcePath { format: ContentFormat, path: Path },
    #[error("unsupported content format {0}")]
    UnsupportedFormat(ContentFormat),
    #[error("JSON syntax error at byte {offset}: {message}")]
    Json { offset: usize, message: String },
    #[error("CBOR error at byte {offset}: {message}")]
    Cbor { offset: usize, message: String },
    #[error("SenML record #{index}: {reason}")]
    Senml { index: usize, reason: String },
}

/// Why records could not be encoded in the requested format.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum EncodeError {
    #[error("record path {path} is not below the request path {base}")]
    NotUnderBase { base: Path, path: Path },
    #[error("record path {path} must name a resource or resource instance")]
    NotAResource { path: Path },
    #[error("path {0} cannot be the base of a {1} payload")]
    BadBase(Path, ContentFormat),
    #[error("duplicate or conflicting records for {path}")]
    Conflict { path: Path },
    #[error("value of {path} is {len} bytes, larger than a TLV length field allows")]
    TooLong { path: Path, len: usize },
    #[error("{format} carries exactly one value, got {count} records")]
    NeedsOneRecord { format: ContentFormat, count: usize },
    #[error("value of {path} cannot be sent as {format}")]
    WrongValue { path: Path, format: ContentFormat },
    #[error("unsupported content format {0}")]
    UnsupportedFormat(ContentFormat),
}
