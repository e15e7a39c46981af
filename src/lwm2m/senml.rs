//! SenML JSON (110) and SenML CBOR (112), RFC 8428 as profiled by LwM2M 1.1
//! Core sections 7.4.4 / 7.4.5: the record name is base name + name and is
//! an LwM2M path; `v` numeric, `vs` string, `vb` boolean, `vd` opaque
//! (base64url in JSON, byte string in CBOR), and the LwM2M extension `vlo`
//! ("obj:inst" object link). Times (`bt`/`t`) do not affect the path and are
//! ignored. CBOR uses the RFC 8428 section 6 integer labels; `vlo` has no
//! integer label and is a text key.

use crate::lwm2m::DecodeError;
use crate::lwm2m::base64;
use crate::lwm2m::objects::{ResourceType, resource_def};
use crate::lwm2m::path::Path;
use crate::lwm2m::value::{Record, Value};

/// A field value lifted out of JSON or CBOR, before LwM2M typing.
enum Raw {
    Int(i64),
    Num(f64),
}

/// The fields of one SenML record that matter for LwM2M.
#[derive(Default)]
struct Fields {
    bn: Option<String>,
    bv: Option<f64>,
    n: Option<String>,
    v: Option<Raw>,
    vs: Option<String>,
    vb: Option<bool>,
    vd: Option<Vec<u8>>,
    vlo: Option<String>,
}

fn senml_err(index: usize, reason: impl Into<String>) -> DecodeError {
    DecodeError::Senml {
        index,
        reason: reason.into(),
    }
}

fn registry_type(path: &Path) -> Option<ResourceType> {
    resource_def(path.object?, path.resource?).map(|d| d.ty)
}

/// Resolves names and values of all records. `bn` and `bv` carry over to
/// later records until replaced (RFC 8428 section 4.1).
fn resolve(records: Vec<Fields>) -> Result<Vec<Record>, DecodeError> {
    let mut out = Vec::with_capacity(records.len());
    let mut base_name = String::new();
    let mut base_value = 0.0f64;
    for (index, f) in records.into_iter().enumerate() {
        if let Some(bn) = f.bn {
            base_name = bn;
        }
        if let Some(bv) = f.bv {
            base_value = bv;
        }
        let name = format!("{base_name}{}", f.n.as_deref().unwrap_or(""));
        let path: Path = name
            .parse()
            .map_err(|e| senml_err(index, format!("name {name:?} is not an LwM2M path: {e}")))?;
        if !path.is_resource_or_deeper() {
            return Err(senml_err(index, format!("{path} is not a resource path")));
        }
        let count = [
            f.v.is_some(),
            f.vs.is_some(),
            f.vb.is_some(),
            f.vd.is_some(),
            f.vlo.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if count != 1 {
            return Err(senml_err(
                index,
                format!("{path} has {count} values, expected exactly one"),
            ));
        }
        let ty = registry_type(&path);
        let value = if let Some(v) = f.v {
            numeric(v, base_value, ty)
        } else if let Some(s) = f.vs {
            Value::String(s)
        } else if let Some(b) = f.vb {
            Value::Boolean(b)
        } else if let Some(d) = f.vd {
            Value::Opaque(d)
        } else {
            let s = f.vlo.unwrap_or_default();
            let (o, i) = s
                .split_once(':')
                .and_then(|(o, i)| Some((o.parse().ok()?, i.parse().ok()?)))
                .ok_or_else(|| senml_err(index, format!("vlo {s:?} is not obj:inst")))?;
            Value::ObjLnk(o, i)
        };
        out.push(Record { path, value });
    }
    Ok(out)
}

/// Types a numeric `v` (plus base value): the registry type wins when the
/// number fits it; otherwise the number's own shape decides, so a JSON
/// `21.0` for an unknown resource stays a Float.
fn numeric(v: Raw, base: f64, ty: Option<ResourceType>) -> Value {
    let exact = |x: f64| (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64);
    let (looks_int, int, float) = match v {
        Raw::Int(i) if base == 0.0 => (true, Some(i), i as f64),
        Raw::Int(i) => {
            let x = i as f64 + base;
            (exact(x).is_some(), exact(x), x)
        }
        Raw::Num(x) => {
            let x = x + base;
            (false, exact(x), x)
        }
    };
    match (ty, int) {
        (Some(ResourceType::Float), _) => Value::Float(float),
        (Some(ResourceType::Time), Some(i)) => Value::Time(i),
        (Some(ResourceType::Integer), Some(i)) => Value::Integer(i),
        (Some(ResourceType::UnsignedInteger), Some(i)) if i >= 0 => Value::Integer(i),
        (_, Some(i)) if looks_int => Value::Integer(i),
        _ => Value::Float(float),
    }
}

/// Common base name for encoding: the longest shared segment prefix,
/// as "/a/b/" (or the full path when there is a single record).
fn base_name(records: &[Record]) -> (String, Vec<String>) {
    let full: Vec<String> = records.iter().map(|r| r.path.to_string()).collect();
    if let [only] = full.as_slice() {
        return (only.clone(), vec![String::new()]);
    }
    let segs: Vec<Vec<u16>> = records.iter().map(|r| r.path.segments()).collect();
    let mut common = segs.first().cloned().unwrap_or_default();
    for s in &segs {
        let keep = common.iter().zip(s).take_while(|(a, b)| a == b).count();
        // Keep at least one segment for every name so `n` is never empty.
        common.truncate(keep.min(s.len().saturating_sub(1)));
    }
    let prefix: String = common.iter().map(|id| format!("/{id}")).collect::<String>() + "/";
    let names = full
        .iter()
        .map(|p| p.get(prefix.len()..).unwrap_or_default().to_string())
        .collect();
    (prefix, names)
}

// ---------------------------------------------------------------- JSON

fn json_offset(payload: &[u8], e: &serde_json::Error) -> usize {
    let mut line = 1;
    let mut offset = 0;
    for (i, b) in payload.iter().enumerate() {
        if line == e.line() {
            break;
        }
        if *b == b'\n' {
            line += 1;
            offset = i + 1;
        }
    }
    offset + e.column().saturating_sub(1)
}

fn json_fields(index: usize, item: serde_json::Value) -> Result<Fields, DecodeError> {
    use serde_json::Value as J;
    let J::Object(map) = item else {
        return Err(senml_err(index, "record is not a JSON object"));
    };
    let mut f = Fields::default();
    let wrong = |key: &str| senml_err(index, format!("field {key:?} has the wrong JSON type"));
    for (key, val) in map {
        match (key.as_str(), val) {
            ("bn", J::String(s)) => f.bn = Some(s),
            ("n", J::String(s)) => f.n = Some(s),
            ("bv", J::Number(n)) => f.bv = n.as_f64(),
            ("v", J::Number(n)) => {
                f.v = Some(match n.as_i64() {
                    Some(i) => Raw::Int(i),
                    None => Raw::Num(n.as_f64().unwrap_or(f64::NAN)),
                })
            }
            ("vs", J::String(s)) => f.vs = Some(s),
            ("vb", J::Bool(b)) => f.vb = Some(b),
            ("vd", J::String(s)) => {
                f.vd = Some(
                    base64::decode(&s)
                        .map_err(|at| senml_err(index, format!("vd is not base64url (character {at})")))?,
                )
            }
            ("vlo", J::String(s)) => f.vlo = Some(s),
            ("bt" | "t" | "bu" | "u" | "bver" | "bs" | "s" | "ut", _) => {}
            (k @ ("bn" | "n" | "bv" | "v" | "vs" | "vb" | "vd" | "vlo"), _) => {
                return Err(wrong(k));
            }
            // RFC 8428 section 4.4: unknown fields ending in "_" are mandatory to understand.
            (k, _) if k.ends_with('_') => {
                return Err(senml_err(index, format!("unsupported mandatory field {k:?}")));
            }
            _ => {}
        }
    }
    Ok(f)
}

/// Decodes a SenML JSON pack (RFC 8428) into records at absolute paths, resolving base names and
/// rejecting records LwM2M cannot place (TS 1.1 §7.4.4).
pub fn decode_json(payload: &[u8]) -> Result<Vec<Record>, DecodeError> {
    let doc: serde_json::Value = serde_json::from_slice(payload).map_err(|e| DecodeError::Json {
        offset: json_offset(payload, &e),
        message: e.to_string(),
    })?;
    let serde_json::Value::Array(items) = doc else {
        return Err(DecodeError::Json {
            offset: 0,
            message: "SenML pack must be a JSON array".into(),
        });
    };
    let fields = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| json_fields(i, item))
        .collect::<Result<Vec<_>, _>>()?;
    resolve(fields)
}

/// Encodes records as a SenML JSON pack; the first record carries `bn`,
/// the common prefix of all paths.
pub fn encode_json(records: &[Record]) -> Vec<u8> {
    use serde_json::{Map, Value as J};
    let (bn, names) = base_name(records);
    let mut pack = Vec::with_capacity(records.len());
    for (i, (r, n)) in records.iter().zip(names).enumerate() {
        let mut m = Map::new();
        if i == 0 {
            m.insert("bn".into(), J::String(bn.clone()));
        }
        if !n.is_empty() {
            m.insert("n".into(), J::String(n));
        }
        let (key, val) = match &r.value {
            Value::Integer(x) | Value::Time(x) => ("v", J::from(*x)),
            // JSON has no NaN/Infinity; fall back to their text form.
            Value::Float(x) => match serde_json::Number::from_f64(*x) {
                Some(num) => ("v", J::Number(num)),
                None => ("vs", J::String(x.to_string())),
            },
            Value::String(s) => ("vs", J::String(s.clone())),
            Value::Boolean(b) => ("vb", J::Bool(*b)),
            Value::Opaque(b) | Value::Bytes(b) => ("vd", J::String(base64::encode_url(b))),
            Value::ObjLnk(o, i) => ("vlo", J::String(format!("{o}:{i}"))),
        };
        m.insert(key.into(), val);
        pack.push(J::Object(m));
    }
    serde_json::to_vec(&J::Array(pack)).unwrap_or_default()
}

// ---------------------------------------------------------------- CBOR

fn cbor_err(offset: usize, message: impl Into<String>) -> DecodeError {
    DecodeError::Cbor {
        offset,
        message: message.into(),
    }
}

/// Maps integer labels (RFC 8428 section 6) and text labels to field names.
fn cbor_label(key: &ciborium::Value) -> Option<String> {
    use ciborium::Value as C;
    match key {
        C::Integer(i) => {
            let name = match i128::from(*i) {
                -1 => "bver",
                -2 => "bn",
                -3 => "bt",
                -4 => "bu",
                -5 => "bv",
                -6 => "bs",
                0 => "n",
                1 => "u",
                2 => "v",
                3 => "vs",
                4 => "vb",
                5 => "s",
                6 => "t",
                7 => "ut",
                8 => "vd",
                other => return Some(other.to_string()),
            };
            Some(name.to_string())
        }
        C::Text(t) => Some(t.clone()),
        _ => None,
    }
}

fn cbor_fields(index: usize, item: ciborium::Value) -> Result<Fields, DecodeError> {
    use ciborium::Value as C;
    let C::Map(entries) = item else {
        return Err(senml_err(index, "record is not a CBOR map"));
    };
    let mut f = Fields::default();
    for (k, v) in entries {
        let key = cbor_label(&k).ok_or_else(|| senml_err(index, "map key is neither integer nor text"))?;
        let wrong = || senml_err(index, format!("field {key:?} has the wrong CBOR type"));
        match (key.as_str(), v) {
            ("bn", C::Text(s)) => f.bn = Some(s),
            ("n", C::Text(s)) => f.n = Some(s),
            ("bv", C::Integer(i)) => f.bv = Some(i128::from(i) as f64),
            ("bv", C::Float(x)) => f.bv = Some(x),
            ("v", C::Integer(i)) => {
                f.v = Some(i64::try_from(i).map(Raw::Int).unwrap_or(Raw::Num(i128::from(i) as f64)))
            }
            ("v", C::Float(x)) => f.v = Some(Raw::Num(x)),
            ("vs", C::Text(s)) => f.vs = Some(s),
            ("vb", C::Bool(b)) => f.vb = Some(b),
            ("vd", C::Bytes(b)) => f.vd = Some(b),
            ("vlo", C::Text(s)) => f.vlo = Some(s),
            ("bn" | "n" | "bv" | "v" | "vs" | "vb" | "vd" | "vlo", _) => return Err(wrong()),
            (k, _) if k.ends_with('_') => {
                return Err(senml_err(index, format!("unsupported mandatory field {k:?}")));
            }
            _ => {}
        }
    }
    Ok(f)
}

/// Decodes a SenML CBOR pack (integer or string labels), with the same rules as [`decode_json`].
pub fn decode_cbor(payload: &[u8]) -> Result<Vec<Record>, DecodeError> {
    let mut rest = payload;
    let doc: ciborium::Value = ciborium::de::from_reader(&mut rest).map_err(|e| match e {
        ciborium::de::Error::Io(_) => cbor_err(payload.len(), "unexpected end of input"),
        ciborium::de::Error::Syntax(at) => cbor_err(at, "syntax error"),
        ciborium::de::Error::Semantic(at, msg) => cbor_err(at.unwrap_or(0), msg),
        ciborium::de::Error::RecursionLimitExceeded => cbor_err(0, "nesting too deep"),
    })?;
    if !rest.is_empty() {
        return Err(cbor_err(payload.len() - rest.len(), "trailing bytes after SenML pack"));
    }
    let ciborium::Value::Array(items) = doc else {
        return Err(cbor_err(0, "SenML pack must be a CBOR array"));
    };
    let fields = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| cbor_fields(i, item))
        .collect::<Result<Vec<_>, _>>()?;
    resolve(fields)
}

/// Encodes records as a SenML CBOR pack with integer labels.
pub fn encode_cbor(records: &[Record]) -> Vec<u8> {
    use ciborium::Value as C;
    let (bn, names) = base_name(records);
    let mut pack = Vec::with_capacity(records.len());
    for (i, (r, n)) in records.iter().zip(names).enumerate() {
        let mut m: Vec<(C, C)> = Vec::new();
        if i == 0 {
            m.push((C::Integer((-2).into()), C::Text(bn.clone())));
        }
        if !n.is_empty() {
            m.push((C::Integer(0.into()), C::Text(n)));
        }
        let (key, val) = match &r.value {
            Value::Integer(x) | Value::Time(x) => (C::Integer(2.into()), C::Integer((*x).into())),
            Value::Float(x) => (C::Integer(2.into()), C::Float(*x)),
            Value::String(s) => (C::Integer(3.into()), C::Text(s.clone())),
            Value::Boolean(b) => (C::Integer(4.into()), C::Bool(*b)),
            Value::Opaque(b) | Value::Bytes(b) => (C::Integer(8.into()), C::Bytes(b.clone())),
            Value::ObjLnk(o, i) => (C::Text("vlo".into()), C::Text(format!("{o}:{i}"))),
        };
        m.push((key, val));
        pack.push(C::Map(m));
    }
    let mut out = Vec::new();
    // Writing a Value into a Vec cannot fail; an empty payload would be
    // the (never expected) fallback.
    if ciborium::ser::into_writer(&C::Array(pack), &mut out).is_err() {
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lwm2m::value::hex;

    fn mixed() -> Vec<Record> {
        vec![
            Record::new(Path::resource(3, 0, 0), Value::String("Open Mobile Alliance".into())),
            Record::new(Path::resource_instance(3, 0, 6, 1), Value::Integer(5)),
            Record::new(Path::resource(3, 0, 13), Value::Time(1_700_000_000)),
            Record::new(Path::resource(1, 0, 6), Value::Boolean(false)),
            Record::new(Path::resource(0, 0, 3), Value::Opaque(vec![0xfb, 0xff, 0x00])),
            Record::new(Path::resource_instance(3, 0, 22, 0), Value::ObjLnk(3, 1)),
            Record::new(Path::resource(3303, 0, 5700), Value::Float(21.5)),
        ]
    }

    // Shape of the LwM2M 1.1.1 Core section 7.4.4 Device read example:
    // bn "/3/0/" on the first record, relative names after it.
    const DEVICE_JSON: &str = r#"[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"13","v":1367491215},{"n":"16","vs":"U"}]"#;

    fn device() -> Vec<Record> {
        vec![
            Record::new(Path::resource(3, 0, 0), Value::String("Open Mobile Alliance".into())),
            Record::new(Path::resource_instance(3, 0, 6, 0), Value::Integer(1)),
            Record::new(Path::resource_instance(3, 0, 6, 1), Value::Integer(5)),
            Record::new(Path::resource(3, 0, 13), Value::Time(1_367_491_215)),
            Record::new(Path::resource(3, 0, 16), Value::String("U".into())),
        ]
    }

    #[test]
    fn json_device_example() {
        assert_eq!(decode_json(DEVICE_JSON.as_bytes()), Ok(device()));
        assert_eq!(
            String::from_utf8(encode_json(&device())).ok().as_deref(),
            Some(DEVICE_JSON)
        );
    }

    #[test]
    fn round_trips() {
        let records = mixed();
        assert_eq!(decode_json(&encode_json(&records)), Ok(records.clone()));
        assert_eq!(decode_cbor(&encode_cbor(&records)), Ok(records.clone()));
        let one = vec![Record::new(Path::resource(3, 0, 16), Value::String("U".into()))];
        // [{-2: "/3/0/16", 3: "U"}] per RFC 8428 section 6 labels.
        assert_eq!(hex(&encode_cbor(&one)), "81a221672f332f302f3136036155");
        assert_eq!(decode_cbor(&encode_cbor(&one)), Ok(one));
        assert_eq!(decode_json(b"[]"), Ok(vec![]));
        assert_eq!(encode_json(&[]), b"[]");
    }

    #[test]
    fn base_name_and_value_resolution() {
        let json = br#"[{"bn":"/3/0/","bt":1e9,"n":"9","v":50,"t":-5},{"n":"10","v":1.0},
            {"bn":"/1/0/","n":"1","v":300},{"bn":"","n":"/5700/0/1","v":2.5,"bu":"Cel"},
            {"bn":"/2/0/","bv":10,"n":"0","v":5},{"n":"1","v":0.5},{"n":"2","vlo":"3:0"},{"n":"3","vd":"-_8"}]"#;
        let expected = vec![
            Record::new(Path::resource(3, 0, 9), Value::Integer(50)),
            Record::new(Path::resource(3, 0, 10), Value::Integer(1)),
            Record::new(Path::resource(1, 0, 1), Value::Integer(300)),
            Record::new(Path::resource(5700, 0, 1), Value::Float(2.5)),
            Record::new(Path::resource(2, 0, 0), Value::Integer(15)),
            Record::new(Path::resource(2, 0, 1), Value::Float(10.5)),
            Record::new(Path::resource(2, 0, 2), Value::ObjLnk(3, 0)),
            Record::new(Path::resource(2, 0, 3), Value::Opaque(vec![0xfb, 0xff])),
        ];
        assert_eq!(decode_json(json), Ok(expected));
    }

    #[test]
    fn errors() {
        let cases: [&[u8]; 10] = [
            b"{}",
            b"[1]",
            br#"[{"n":"/3/0/0"}]"#,
            br#"[{"n":"/3/0/0","v":1,"vs":"x"}]"#,
            br#"[{"n":"/3/0","v":1}]"#,
            br#"[{"n":"/3/x/0","v":1}]"#,
            br#"[{"n":"/3/0/0","v":"1"}]"#,
            br#"[{"n":"/3/0/0","vlo":"3"}]"#,
            br#"[{"n":"/3/0/0","vd":"!!"}]"#,
            br#"[{"n":"/3/0/0","v":1,"x_":1}]"#,
        ];
        for c in cases {
            assert!(decode_json(c).is_err(), "{}", String::from_utf8_lossy(c));
        }
        assert_eq!(
            decode_json(b"[\n  {\"n\": }]").map_err(|e| matches!(e, DecodeError::Json { offset: 10, .. })),
            Err(true)
        );
        let mut trailing = encode_cbor(&device());
        trailing.push(0);
        assert!(decode_cbor(&trailing).is_err());
        assert!(decode_cbor(&[0xa0]).is_err());
        assert!(decode_cbor(&[]).is_err());
    }

    #[test]
    fn never_panics() {
        let json = encode_json(&mixed());
        let cbor = encode_cbor(&mixed());
        for end in 0..json.len() {
            assert!(decode_json(json.get(..end).unwrap_or_default()).is_err());
        }
        for end in 0..cbor.len() {
            assert!(decode_cbor(cbor.get(..end).unwrap_or_default()).is_err());
        }
        let mut seed: u32 = 7;
        for n in 0..2000 {
            let bytes: Vec<u8> = (0..(n % 24))
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            let _ = decode_cbor(&bytes);
            let _ = decode_json(&bytes);
        }
        // Huge declared lengths must not allocate or panic.
        let _ = decode_cbor(&[0x81, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        let _ = decode_cbor(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn snapshots() {
        let json = String::from_utf8(encode_json(&mixed())).unwrap_or_default();
        insta::assert_snapshot!("senml_json_mixed", json);
        insta::assert_snapshot!("senml_cbor_mixed_hex", hex(&encode_cbor(&mixed())));
    }
}
