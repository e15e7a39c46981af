//! LwM2M payload codecs: paths, content formats, the core object registry
//! and the TLV, plain text, opaque, CoRE link format and SenML formats.
//! Everything here must treat device payloads as hostile: no panics.

pub mod assignment;
pub mod cbor;
pub mod content_format;
pub mod link_format;
pub mod objects;
pub mod operation;
pub mod path;
pub mod role;
pub mod senml;
pub mod text;
pub mod tlv;
pub mod value;
pub mod version;

mod base64;
mod describe;
mod error;

pub use content_format::ContentFormat;
pub use error::{DecodeError, EncodeError};
pub use link_format::Link;
pub use operation::Operation;
pub use path::Path;
pub use role::Role;
pub use value::{Record, Value};
pub use version::LwM2mVersion;

/// A decoded payload.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// No payload (and no Content-Format): the answer to Write, Execute, Delete, ...
    Empty,
    /// Resource values from TLV, SenML JSON/CBOR, CBOR, plain text or opaque at a Resource path.
    Records(Vec<Record>),
    /// A CoRE link-format document (Register, Update, Discover, Bootstrap-Discover).
    Links(Vec<Link>),
    /// Bytes with no Content-Format, or opaque content above Resource level, kept undecoded.
    Opaque(Vec<u8>),
}

/// Decodes `payload` received for a request on `base` in `format`.
/// Legacy LwM2M 1.0 numbers (1541-1544) decode like their registered twins.
pub fn decode(format: Option<ContentFormat>, base: &Path, payload: &[u8]) -> Result<Content, DecodeError> {
    let Some(format) = format else {
        return Ok(if payload.is_empty() {
            Content::Empty
        } else {
            Content::Opaque(payload.to_vec())
        });
    };
    match format.canonical() {
        ContentFormat::TEXT => {
            if !base.is_resource_or_deeper() {
                return Err(DecodeError::NeedsResourcePath { format, path: *base });
            }
            Ok(Content::Records(vec![text::decode_text(base, payload)?]))
        }
        ContentFormat::OPAQUE if base.is_resource_or_deeper() => Ok(Content::Records(vec![Record::new(
            *base,
            Value::Opaque(payload.to_vec()),
        )])),
        ContentFormat::OPAQUE => Ok(Content::Opaque(payload.to_vec())),
        ContentFormat::LINK_FORMAT => {
            let s = std::str::from_utf8(payload).map_err(|e| DecodeError::Utf8 {
                offset: e.valid_up_to(),
            })?;
            Ok(Content::Links(link_format::parse(s)?))
        }
        ContentFormat::TLV => Ok(Content::Records(tlv::decode(base, payload)?)),
        ContentFormat::SENML_JSON => Ok(Content::Records(senml::decode_json(payload)?)),
        ContentFormat::SENML_CBOR => Ok(Content::Records(senml::decode_cbor(payload)?)),
        ContentFormat::CBOR => Ok(Content::Records(cbor::decode_single(base, payload)?)),
        ContentFormat::LWM2M_CBOR => Ok(Content::Records(cbor::decode_lwm2m_cbor(payload)?)),
        _ => Err(DecodeError::UnsupportedFormat(format)),
    }
}

fn single(format: ContentFormat, records: &[Record]) -> Result<&Record, EncodeError> {
    match records {
        [only] => Ok(only),
        _ => Err(EncodeError::NeedsOneRecord {
            format,
            count: records.len(),
        }),
    }
}

/// Encodes `records` as the payload of a request or response on `base`.
pub fn encode(format: ContentFormat, base: &Path, records: &[Record]) -> Result<Vec<u8>, EncodeError> {
    if let Some(r) = records.iter().find(|r| !base.contains(&r.path)) {
        return Err(EncodeError::NotUnderBase {
            base: *base,
            path: r.path,
        });
    }
    match format.canonical() {
        ContentFormat::TEXT => Ok(text::encode_text(&single(format, records)?.value)),
        ContentFormat::OPAQUE => match &single(format, records)?.value {
            Value::Opaque(b) | Value::Bytes(b) => Ok(b.clone()),
            _ => Err(EncodeError::WrongValue { path: *base, format }),
        },
        ContentFormat::TLV => tlv::encode(base, records),
        ContentFormat::SENML_JSON => Ok(senml::encode_json(records)),
        ContentFormat::SENML_CBOR => Ok(senml::encode_cbor(records)),
        _ => Err(EncodeError::UnsupportedFormat(format)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> Vec<Record> {
        vec![
            Record::new(Path::resource(1, 0, 0), Value::Integer(1)),
            Record::new(Path::resource(1, 0, 1), Value::Integer(86400)),
            Record::new(Path::resource(1, 0, 6), Value::Boolean(true)),
            Record::new(Path::resource(1, 0, 7), Value::String("U".into())),
        ]
    }

    #[test]
    fn round_trip_every_record_format() {
        let base = Path::object(1);
        for f in [
            ContentFormat::TLV,
            ContentFormat::SENML_JSON,
            ContentFormat::SENML_CBOR,
            ContentFormat::LEGACY_TLV,
        ] {
            let bytes = encode(f, &base, &server());
            let back = bytes.and_then(|b| decode(Some(f), &base, &b).map_err(|_| EncodeError::UnsupportedFormat(f)));
            assert_eq!(back, Ok(Content::Records(server())), "{f}");
        }
        let lifetime = Path::resource(1, 0, 1);
        let rec = vec![Record::new(lifetime, Value::Integer(300))];
        assert_eq!(encode(ContentFormat::TEXT, &lifetime, &rec), Ok(b"300".to_vec()));
        assert_eq!(
            decode(Some(ContentFormat::LEGACY_TEXT), &lifetime, b"300"),
            Ok(Content::Records(rec))
        );
        let key = Path::resource(0, 0, 5);
        let opaque = vec![Record::new(key, Value::Opaque(vec![1, 2]))];
        assert_eq!(encode(ContentFormat::OPAQUE, &key, &opaque), Ok(vec![1, 2]));
        assert_eq!(
            decode(Some(ContentFormat::OPAQUE), &key, &[1, 2]),
            Ok(Content::Records(opaque))
        );
    }

    #[test]
    fn dispatch_rules() {
        let root = Path::root();
        assert_eq!(decode(None, &root, b""), Ok(Content::Empty));
        assert_eq!(decode(None, &root, b"x"), Ok(Content::Opaque(b"x".to_vec())));
        assert_eq!(
            decode(Some(ContentFormat::OPAQUE), &Path::object(5), b"x"),
            Ok(Content::Opaque(b"x".to_vec()))
        );
        assert!(matches!(
            decode(Some(ContentFormat::TEXT), &Path::instance(3, 0), b"1"),
            Err(DecodeError::NeedsResourcePath { .. })
        ));
        assert_eq!(
            decode(Some(ContentFormat::LINK_FORMAT), &root, b"</1/0>,</3/0>"),
            Ok(Content::Links(vec![Link::new("/1/0"), Link::new("/3/0")]))
        );
        assert!(decode(Some(ContentFormat::LINK_FORMAT), &root, b"<\xff>").is_err());
        // CBOR (60) and LwM2M CBOR (11544) are read (see `cbor`), not written.
        assert!(decode(Some(ContentFormat::CBOR), &Path::resource(3, 0, 9), b"\x18\x50").is_ok());
        assert!(encode(ContentFormat::CBOR, &root, &[]).is_err());
        for f in [ContentFormat::LWM2M_JSON, ContentFormat(9999)] {
            assert_eq!(decode(Some(f), &root, b"x"), Err(DecodeError::UnsupportedFormat(f)));
            assert!(encode(f, &root, &[]).is_err());
        }
        assert!(encode(ContentFormat::TEXT, &Path::object(1), &server()).is_err());
        assert!(encode(ContentFormat::TLV, &Path::object(3), &server()).is_err());
        assert!(encode(ContentFormat::OPAQUE, &Path::resource(1, 0, 1), &server()[1..2]).is_err());
    }

    #[test]
    fn describe_snapshots() {
        let long = Record::new(Path::resource(3, 0, 1), Value::String("x".repeat(60)));
        let untyped = vec![
            Record::new(Path::resource(65, 0, 1), Value::Bytes(b"8613800755500".to_vec())),
            Record::new(Path::resource(65, 0, 2), Value::Bytes(vec![0x12, 0x34, 0x56, 0x78])),
            Record::new(Path::resource(3303, 0, 5700), Value::Float(21.0)),
            Record::new(Path::resource_instance(3, 0, 22, 0), Value::ObjLnk(3, 1)),
            Record::new(Path::resource(0, 0, 3), Value::Opaque((0..40).collect())),
            long,
        ];
        let links = decode(
            Some(ContentFormat::LINK_FORMAT),
            &Path::root(),
            b"</>;rt=\"oma.lwm2m\";ct=11543, </1/0>,</3/0>",
        );
        let lines = vec![
            Content::Empty.describe(None),
            Content::Opaque(vec![1, 2, 3]).describe(None),
            Content::Records(server()).describe(Some(ContentFormat::SENML_CBOR)),
            Content::Records(untyped).describe(Some(ContentFormat::LEGACY_TLV)),
            links
                .map(|l| l.describe(Some(ContentFormat::LINK_FORMAT)))
                .unwrap_or_default(),
            Content::Records(vec![]).describe(Some(ContentFormat(777))),
        ];
        insta::assert_yaml_snapshot!("describe_lines", lines);
    }
}
