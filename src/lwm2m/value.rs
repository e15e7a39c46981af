//! Typed resource values and their TLV / plain-text representations
//! (LwM2M 1.0.2 Appendix C "Data Types", 1.1.1 Core Appendix C).

use crate::lwm2m::DecodeError;
use crate::lwm2m::base64;
use crate::lwm2m::objects::ResourceType;
use crate::lwm2m::path::Path;

/// A Resource value of one of the LwM2M data types (TS 1.1.1 Appendix C), or untyped bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Untyped bytes: a TLV value of a resource we have no definition for.
    /// Kept raw so nothing is lost; `matches_text` tries the plausible readings.
    Bytes(Vec<u8>),
    /// String: UTF-8 text.
    String(String),
    /// Integer (and Unsigned Integer): signed, 64 bits.
    Integer(i64),
    /// Float, 32 or 64 bits on the wire.
    Float(f64),
    /// Boolean.
    Boolean(bool),
    /// Opaque: bytes of a Resource known to be Opaque.
    Opaque(Vec<u8>),
    /// Seconds since the Unix epoch.
    Time(i64),
    /// Objlnk: Object ID and Object Instance ID; `65535:65535` is the null link.
    ObjLnk(u16, u16),
}

/// One leaf value at an absolute resource or resource-instance path.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The Resource or Resource Instance the value belongs to.
    pub path: Path,
    /// The value.
    pub value: Value,
}

impl Record {
    /// A record for `path`.
    pub fn new(path: Path, value: Value) -> Self {
        Self { path, value }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Big-endian two's-complement integer of 1, 2, 4 or 8 bytes, the only
/// widths TLV allows (Appendix C: "represented as a binary signed integer").
pub(crate) fn be_int(bytes: &[u8]) -> Option<i64> {
    match bytes.len() {
        1 | 2 | 4 | 8 => {
            let mut buf = [0u8; 8];
            let start = 8 - bytes.len();
            let fill: u8 = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
                0xff
            } else {
                0
            };
            for (i, slot) in buf.iter_mut().enumerate() {
                *slot = if i < start {
                    fill
                } else {
                    bytes.get(i - start).copied().unwrap_or(0)
                };
            }
            Some(i64::from_be_bytes(buf))
        }
        _ => None,
    }
}

fn be_float(bytes: &[u8]) -> Option<f64> {
    match bytes {
        [a, b, c, d] => Some(f64::from(f32::from_be_bytes([*a, *b, *c, *d]))),
        [a, b, c, d, e, f, g, h] => Some(f64::from_be_bytes([*a, *b, *c, *d, *e, *f, *g, *h])),
        _ => None,
    }
}

fn shortest_int(v: i64) -> Vec<u8> {
    let full = v.to_be_bytes();
    let len = if i8::try_from(v).is_ok() {
        1
    } else if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    };
    full.get(8 - len..).map(<[u8]>::to_vec).unwrap_or_default()
}

fn parse_objlnk(s: &str) -> Option<(u16, u16)> {
    let (o, i) = s.split_once(':')?;
    Some((o.parse().ok()?, i.parse().ok()?))
}

fn text_is_printable(s: &str) -> bool {
    s.chars()
        .all(|c| !c.is_control() || c == '\n' || c == '\r' || c == '\t')
}

impl Value {
    /// LwM2M plain-text form (text/plain content format).
    pub fn to_text(&self) -> String {
        match self {
            Value::String(s) => s.clone(),
            Value::Integer(i) | Value::Time(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Boolean(b) => if *b { "1" } else { "0" }.to_string(),
            Value::Opaque(b) => base64::encode(b),
            Value::ObjLnk(o, i) => format!("{o}:{i}"),
            Value::Bytes(b) => match std::str::from_utf8(b) {
                Ok(s) if text_is_printable(s) => s.to_string(),
                _ => format!("0x{}", hex(b)),
            },
        }
    }

    /// Does this value read as `expected` (a human-written expectation)?
    /// Numbers compare numerically so "1.50" matches 1.5; untyped bytes
    /// match if any plausible reading (UTF-8, BE integer, BE float) does.
    pub fn matches_text(&self, expected: &str) -> bool {
        let want_int = expected.trim().parse::<i64>().ok();
        let want_float = expected.trim().parse::<f64>().ok();
        match self {
            Value::Integer(i) | Value::Time(i) => want_int == Some(*i),
            Value::Float(f) => want_float == Some(*f),
            Value::Boolean(b) => match expected.trim() {
                "1" | "true" => *b,
                "0" | "false" => !*b,
                _ => false,
            },
            Value::ObjLnk(o, i) => parse_objlnk(expected.trim()) == Some((*o, *i)),
            Value::Opaque(bytes) => {
                self.to_text() == expected
                    || expected
                        .strip_prefix("0x")
                        .is_some_and(|h| h.eq_ignore_ascii_case(&hex(bytes)))
            }
            Value::String(s) => s == expected,
            Value::Bytes(b) => {
                std::str::from_utf8(b).is_ok_and(|s| s == expected)
                    || (want_int.is_some() && be_int(b) == want_int)
                    || (want_float.is_some() && be_float(b) == want_float)
                    || expected
                        .strip_prefix("0x")
                        .is_some_and(|h| h.eq_ignore_ascii_case(&hex(b)))
            }
        }
    }

    /// Interprets a TLV value field as `ty`. Error offsets are relative to
    /// `bytes`; the TLV decoder shifts them to payload offsets.
    pub fn from_tlv_bytes(bytes: &[u8], ty: ResourceType) -> Result<Value, DecodeError> {
        from_tlv_at(bytes, ty, &Path::root(), 0)
    }

    /// TLV value field: integers in the shortest of 1/2/4/8 bytes, floats in
    /// 4 bytes when that is exact else 8, booleans 1 byte, time as integer,
    /// object link as two 16-bit ids.
    pub fn to_tlv_bytes(&self) -> Vec<u8> {
        match self {
            Value::Bytes(b) | Value::Opaque(b) => b.clone(),
            Value::String(s) => s.as_bytes().to_vec(),
            Value::Integer(i) | Value::Time(i) => shortest_int(*i),
            Value::Float(f) => {
                let narrow = *f as f32;
                if f64::from(narrow) == *f || f.is_nan() {
                    narrow.to_be_bytes().to_vec()
                } else {
                    f.to_be_bytes().to_vec()
                }
            }
            Value::Boolean(b) => vec![u8::from(*b)],
            Value::ObjLnk(o, i) => {
                let mut v = o.to_be_bytes().to_vec();
                v.extend_from_slice(&i.to_be_bytes());
                v
            }
        }
    }

    /// Parses the plain-text form of a value of type `ty`.
    pub fn from_text(text: &str, ty: ResourceType) -> Option<Value> {
        match ty {
            ResourceType::String => Some(Value::String(text.to_string())),
            ResourceType::Integer => text.parse().ok().map(Value::Integer),
            ResourceType::UnsignedInteger => text
                .parse::<u64>()
                .ok()
                .and_then(|u| i64::try_from(u).ok())
                .map(Value::Integer),
            ResourceType::Time => text.parse().ok().map(Value::Time),
            ResourceType::Float => text.parse().ok().map(Value::Float),
            ResourceType::Boolean => match text {
                "1" => Some(Value::Boolean(true)),
                "0" => Some(Value::Boolean(false)),
                _ => None,
            },
            ResourceType::ObjLnk => parse_objlnk(text).map(|(o, i)| Value::ObjLnk(o, i)),
            ResourceType::Opaque => base64::decode(text).ok().map(Value::Opaque),
            ResourceType::None => Some(Value::Bytes(text.as_bytes().to_vec())),
        }
    }
}

/// `from_tlv_bytes` with the path and payload offset used in error messages.
pub(crate) fn from_tlv_at(bytes: &[u8], ty: ResourceType, path: &Path, offset: usize) -> Result<Value, DecodeError> {
    let bad = |reason: String| DecodeError::Value {
        path: *path,
        offset,
        reason,
    };
    match ty {
        ResourceType::String => std::str::from_utf8(bytes)
            .map(|s| Value::String(s.to_string()))
            .map_err(|e| DecodeError::Utf8 {
                offset: offset + e.valid_up_to(),
            }),
        ResourceType::Integer | ResourceType::Time => {
            let i =
                be_int(bytes).ok_or_else(|| bad(format!("integer must be 1, 2, 4 or 8 bytes, got {}", bytes.len())))?;
            Ok(if ty == ResourceType::Time {
                Value::Time(i)
            } else {
                Value::Integer(i)
            })
        }
        // LwM2M 1.1 TLV: an unsigned integer is 1, 2, 4 or 8 bytes, big-endian, no sign bit.
        ResourceType::UnsignedInteger => match bytes.len() {
            1 | 2 | 4 | 8 => {
                let u = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                i64::try_from(u)
                    .map(Value::Integer)
                    .map_err(|_| bad(format!("unsigned integer {u} is beyond what this harness represents")))
            }
            n => Err(bad(format!("unsigned integer must be 1, 2, 4 or 8 bytes, got {n}"))),
        },
        ResourceType::Float => be_float(bytes)
            .map(Value::Float)
            .ok_or_else(|| bad(format!("float must be 4 or 8 bytes, got {}", bytes.len()))),
        ResourceType::Boolean => match bytes {
            [0] => Ok(Value::Boolean(false)),
            [1] => Ok(Value::Boolean(true)),
            _ => Err(bad(format!("boolean must be one byte 0 or 1, got 0x{}", hex(bytes)))),
        },
        ResourceType::Opaque => Ok(Value::Opaque(bytes.to_vec())),
        ResourceType::ObjLnk => match bytes {
            [a, b, c, d] => Ok(Value::ObjLnk(
                u16::from_be_bytes([*a, *b]),
                u16::from_be_bytes([*c, *d]),
            )),
            _ => Err(bad(format!("object link must be 4 bytes, got {}", bytes.len()))),
        },
        ResourceType::None => Ok(Value::Bytes(bytes.to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResourceType as T;

    #[test]
    fn integer_widths() {
        for (v, len) in [
            (0i64, 1),
            (127, 1),
            (-128, 1),
            (128, 2),
            (3800, 2),
            (-32769, 4),
            (86400, 4),
            (1 << 40, 8),
            (i64::MIN, 8),
        ] {
            let bytes = Value::Integer(v).to_tlv_bytes();
            assert_eq!(bytes.len(), len, "{v}");
            assert_eq!(Value::from_tlv_bytes(&bytes, T::Integer), Ok(Value::Integer(v)));
        }
        assert!(Value::from_tlv_bytes(&[0, 1, 2], T::Integer).is_err());
        assert!(Value::from_tlv_bytes(&[], T::Integer).is_err());
    }

    #[test]
    fn other_types_round_trip() {
        let cases = [
            (Value::Float(1.5), T::Float, 4),
            (Value::Float(0.1), T::Float, 8),
            (Value::Boolean(true), T::Boolean, 1),
            (Value::Time(1_367_491_215), T::Time, 4),
            (Value::ObjLnk(66, 1), T::ObjLnk, 4),
            (Value::String("héllo".into()), T::String, 6),
            (Value::Opaque(vec![0, 255]), T::Opaque, 2),
        ];
        for (v, ty, len) in cases {
            let bytes = v.to_tlv_bytes();
            assert_eq!(bytes.len(), len, "{v:?}");
            assert_eq!(Value::from_tlv_bytes(&bytes, ty), Ok(v));
        }
        assert!(Value::from_tlv_bytes(&[2], T::Boolean).is_err());
        assert!(Value::from_tlv_bytes(&[0xff], T::String).is_err());
        assert!(Value::from_tlv_bytes(&[1, 2, 3], T::ObjLnk).is_err());
    }

    #[test]
    fn text_forms() {
        assert_eq!(Value::ObjLnk(3, 0).to_text(), "3:0");
        assert_eq!(Value::Boolean(true).to_text(), "1");
        assert_eq!(Value::Opaque(vec![1, 2, 3, 4, 5]).to_text(), "AQIDBAU=");
        assert_eq!(Value::Bytes(b"U".to_vec()).to_text(), "U");
        assert_eq!(Value::Bytes(vec![0, 1]).to_text(), "0x0001");
        assert_eq!(
            Value::from_text("AQIDBAU=", T::Opaque),
            Some(Value::Opaque(vec![1, 2, 3, 4, 5]))
        );
        assert_eq!(Value::from_text("66:1", T::ObjLnk), Some(Value::ObjLnk(66, 1)));
        assert_eq!(Value::from_text("2", T::Boolean), None);
    }

    #[test]
    fn matches_text_readings() {
        assert!(Value::Bytes(b"U".to_vec()).matches_text("U"));
        assert!(Value::Bytes(vec![0x0e, 0xd8]).matches_text("3800"));
        assert!(Value::Bytes(vec![0x00, 0x01, 0x51, 0x80]).matches_text("86400"));
        assert!(Value::Bytes(1.5f32.to_be_bytes().to_vec()).matches_text("1.5"));
        assert!(!Value::Bytes(vec![1, 2, 3]).matches_text("66051"));
        assert!(Value::Float(1.5).matches_text("1.50"));
        assert!(Value::Boolean(true).matches_text("true"));
        assert!(Value::ObjLnk(3, 0).matches_text("3:0"));
        assert!(Value::Time(5).matches_text("5"));
        assert!(Value::Opaque(vec![0xab]).matches_text("0xAB"));
        assert!(!Value::String("a".into()).matches_text("b"));
    }
}
