//! Reading the two CBOR formats besides SenML CBOR, so a response in either is judged by value:
//!
//! * `application/cbor` (60, LwM2M TS 1.1 §7.4.6): one single Resource or Resource Instance value
//!   at the request path.
//! * LwM2M CBOR (`application/vnd.oma.lwm2m+cbor`, 11544, LwM2M TS 1.2 §7.4.7): nested maps from
//!   the root: a key is one path segment (an unsigned integer) or several (an array of them),
//!   a value either a deeper map or the leaf's value, e.g. `{3: {0: {0: "ACME", 9: 80}}}` or
//!   `{[3, 0]: {0: "ACME"}}`.
//!
//! Leaves map onto [`Value`]s by their CBOR type (text, integer, float, boolean, bytes, tag 1
//! time); nothing in the payload is trusted: depth, key shapes and types are checked.

use ciborium::Value as C;

use super::{DecodeError, Path, Record, Value};

/// Deeper than Object / Instance / Resource / Resource Instance is not an LwM2M path.
const MAX_SEGMENTS: usize = 4;

fn err(message: impl Into<String>) -> DecodeError {
    DecodeError::Cbor {
        offset: 0,
        message: message.into(),
    }
}

fn parse(payload: &[u8]) -> Result<C, DecodeError> {
    let mut rest = payload;
    let doc: C = ciborium::de::from_reader(&mut rest).map_err(|e| match e {
        ciborium::de::Error::Io(_) => err("unexpected end of input"),
        ciborium::de::Error::Syntax(at) => DecodeError::Cbor {
            offset: at,
            message: "syntax error".into(),
        },
        ciborium::de::Error::Semantic(at, msg) => DecodeError::Cbor {
            offset: at.unwrap_or(0),
            message: msg,
        },
        ciborium::de::Error::RecursionLimitExceeded => err("nesting too deep"),
    })?;
    if !rest.is_empty() {
        return Err(DecodeError::Cbor {
            offset: payload.len() - rest.len(),
            message: "trailing bytes after the CBOR item".into(),
        });
    }
    Ok(doc)
}

/// A leaf's value by its CBOR type.
fn leaf(v: C) -> Result<Value, DecodeError> {
    Ok(match v {
        C::Text(s) => Value::String(s),
        C::Bool(b) => Value::Boolean(b),
        C::Float(f) => Value::Float(f),
        C::Bytes(b) => Value::Opaque(b),
        C::Integer(i) => Value::Integer(i64::try_from(i128::from(i)).map_err(|_| err("integer out of range"))?),
        C::Tag(1, inner) => match *inner {
            C::Integer(i) => Value::Time(i64::try_from(i128::from(i)).map_err(|_| err("time out of range"))?),
            C::Float(f) => Value::Time(f as i64),
            _ => return Err(err("tag 1 (time) must hold a number")),
        },
        other => return Err(err(format!("not a Resource value: {other:?}"))),
    })
}

/// `application/cbor`: the one value at `base` (a Resource or Resource Instance path).
pub fn decode_single(base: &Path, payload: &[u8]) -> Result<Vec<Record>, DecodeError> {
    if !base.is_resource_or_deeper() {
        return Err(err("application/cbor carries a single Resource value"));
    }
    Ok(vec![Record::new(*base, leaf(parse(payload)?)?)])
}

fn segment(k: &C) -> Result<u16, DecodeError> {
    match k {
        C::Integer(i) => u16::try_from(i128::from(*i)).map_err(|_| err("a path segment must be 0-65535")),
        _ => Err(err(
            "a key must be a path segment (an unsigned integer) or an array of them",
        )),
    }
}

fn walk(prefix: &[u16], node: C, out: &mut Vec<Record>) -> Result<(), DecodeError> {
    match node {
        C::Map(entries) => {
            for (k, v) in entries {
                let mut path = prefix.to_vec();
                match &k {
                    C::Array(segs) => {
                        for s in segs {
                            path.push(segment(s)?);
                        }
                    }
                    other => path.push(segment(other)?),
                }
                if path.len() > MAX_SEGMENTS {
                    return Err(err("a path deeper than a Resource Instance"));
                }
                walk(&path, v, out)?;
            }
            Ok(())
        }
        value => {
            let segs: Vec<String> = prefix.iter().map(u16::to_string).collect();
            let path = Path::from_segments(&segs).map_err(|e| err(format!("{e}")))?;
            if !path.is_resource_or_deeper() {
                return Err(err(format!("a value at {path}, above a Resource")));
            }
            out.push(Record::new(path, leaf(value)?));
            Ok(())
        }
    }
}

/// LwM2M CBOR: every leaf of the nested maps, at its absolute path.
pub fn decode_lwm2m_cbor(payload: &[u8]) -> Result<Vec<Record>, DecodeError> {
    let doc = parse(payload)?;
    if !matches!(doc, C::Map(_)) {
        return Err(err("an LwM2M CBOR payload is a map"));
    }
    let mut out = Vec::new();
    walk(&[], doc, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cbor(v: &C) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::ser::into_writer(v, &mut out).expect("encodes");
        out
    }

    #[test]
    fn nested_and_compressed_keys_give_absolute_paths() {
        let i = |n: u64| C::Integer(n.into());
        let doc = C::Map(vec![(
            C::Array(vec![i(3), i(0)]),
            C::Map(vec![
                (i(0), C::Text("ACME".into())),
                (i(9), i(80)),
                (i(6), C::Map(vec![(i(0), i(1)), (i(1), i(5))])),
            ]),
        )]);
        let records = decode_lwm2m_cbor(&cbor(&doc)).expect("decodes");
        let got: Vec<(String, Value)> = records.into_iter().map(|r| (r.path.to_string(), r.value)).collect();
        assert_eq!(
            got,
            vec![
                ("/3/0/0".to_string(), Value::String("ACME".into())),
                ("/3/0/9".to_string(), Value::Integer(80)),
                ("/3/0/6/0".to_string(), Value::Integer(1)),
                ("/3/0/6/1".to_string(), Value::Integer(5)),
            ]
        );
    }

    #[test]
    fn hostile_payloads_are_errors_not_panics() {
        for bad in [&b""[..], b"\xff", b"\x01", b"\xa1\x61x\x01", b"\xa1\x03\x01"] {
            assert!(decode_lwm2m_cbor(bad).is_err(), "{bad:?}");
        }
        let deep = C::Map(vec![(
            C::Array((0..5).map(|n| C::Integer(n.into())).collect()),
            C::Integer(1.into()),
        )]);
        assert!(decode_lwm2m_cbor(&cbor(&deep)).is_err());
        let one = decode_single(&Path::resource(3, 0, 9), &cbor(&C::Integer(80.into()))).expect("decodes");
        assert_eq!(one[0].value, Value::Integer(80));
        assert!(decode_single(&Path::instance(3, 0), &cbor(&C::Integer(80.into()))).is_err());
    }
}
