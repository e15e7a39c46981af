//! text/plain (content format 0) single values, LwM2M 1.0.2 section 6.4.1
//! / 1.1.1 Core section 7.4.1: integers and floats in decimal, booleans as
//! "0"/"1", time as decimal Unix seconds, object links as "obj:inst",
//! opaque as base64 (1.1).

use crate::lwm2m::DecodeError;
use crate::lwm2m::content_format::ContentFormat;
use crate::lwm2m::objects::resource_def;
use crate::lwm2m::path::Path;
use crate::lwm2m::value::{Record, Value};

/// Decodes a text payload for the resource (instance) at `path`, typed by
/// the registry; a resource we do not know stays `Value::Bytes`.
pub fn decode_text(path: &Path, payload: &[u8]) -> Result<Record, DecodeError> {
    let (Some(object), Some(resource)) = (path.object, path.resource) else {
        return Err(DecodeError::NeedsResourcePath {
            format: ContentFormat::TEXT,
            path: *path,
        });
    };
    let Some(def) = resource_def(object, resource) else {
        return Ok(Record::new(*path, Value::Bytes(payload.to_vec())));
    };
    let text = std::str::from_utf8(payload).map_err(|e| DecodeError::Utf8 {
        offset: e.valid_up_to(),
    })?;
    let value = Value::from_text(text, def.ty).ok_or_else(|| DecodeError::Value {
        path: *path,
        offset: 0,
        reason: format!("{text:?} is not a valid {:?} in plain text", def.ty),
    })?;
    Ok(Record::new(*path, value))
}

/// Plain-text form of `value`; untyped bytes are sent as they are.
pub fn encode_text(value: &Value) -> Vec<u8> {
    match value {
        Value::Bytes(b) => b.clone(),
        other => other.to_text().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_by_registry() {
        let cases = [
            (
                Path::resource(3, 0, 0),
                "Open Mobile Alliance",
                Value::String("Open Mobile Alliance".into()),
            ),
            (Path::resource(3, 0, 9), "100", Value::Integer(100)),
            (Path::resource_instance(3, 0, 6, 1), "5", Value::Integer(5)),
            (Path::resource(3, 0, 13), "1700000000", Value::Time(1_700_000_000)),
            (Path::resource(1, 0, 6), "1", Value::Boolean(true)),
            (Path::resource_instance(3, 0, 22, 0), "3:1", Value::ObjLnk(3, 1)),
            (Path::resource(0, 0, 3), "AQIDBAU=", Value::Opaque(vec![1, 2, 3, 4, 5])),
        ];
        for (path, text, value) in cases {
            assert_eq!(
                decode_text(&path, text.as_bytes()),
                Ok(Record::new(path, value.clone()))
            );
            assert_eq!(encode_text(&value), text.as_bytes(), "{path}");
        }
    }

    #[test]
    fn unknown_resource_is_untyped() {
        let p = Path::resource(3303, 0, 5700);
        assert_eq!(
            decode_text(&p, b"21.5"),
            Ok(Record::new(p, Value::Bytes(b"21.5".to_vec())))
        );
        assert_eq!(encode_text(&Value::Bytes(vec![0xff])), vec![0xff]);
        assert_eq!(encode_text(&Value::Float(21.5)), b"21.5");
    }

    #[test]
    fn errors() {
        assert!(decode_text(&Path::instance(3, 0), b"1").is_err());
        assert!(decode_text(&Path::resource(3, 0, 9), b"abc").is_err());
        assert!(decode_text(&Path::resource(3, 0, 9), b" 1").is_err());
        assert!(decode_text(&Path::resource(1, 0, 6), b"true").is_err());
        assert_eq!(
            decode_text(&Path::resource(3, 0, 0), b"ab\xff"),
            Err(DecodeError::Utf8 { offset: 2 })
        );
        assert!(decode_text(&Path::resource(0, 0, 3), b"!!").is_err());
    }
}
