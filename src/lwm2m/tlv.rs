//! OMA-TLV (content format 11542), LwM2M 1.0.2 section 6.4.3 /
//! 1.1.1 Core section 7.4.3.
//!
//! Header byte: bits 7-6 kind (00 Object Instance, 01 Resource Instance,
//! 10 Multiple Resource, 11 Resource with value); bit 5 identifier width
//! (0 = 8 bit, 1 = 16 bit); bits 4-3 length type (00 = length in bits 2-0,
//! 01/10/11 = 8/16/24-bit length field follows the identifier).

use std::collections::BTreeMap;

use crate::lwm2m::content_format::ContentFormat;
use crate::lwm2m::objects::{ResourceType, resource_def};
use crate::lwm2m::path::Path;
use crate::lwm2m::value::{Record, Value, from_tlv_at};
use crate::lwm2m::{DecodeError, EncodeError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    ObjectInstance = 0,
    ResourceInstance = 1,
    MultipleResource = 2,
    Resource = 3,
}

impl Kind {
    fn from_bits(b: u8) -> Kind {
        match b >> 6 {
            0 => Kind::ObjectInstance,
            1 => Kind::ResourceInstance,
            2 => Kind::MultipleResource,
            _ => Kind::Resource,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::ObjectInstance => "Object Instance",
            Kind::ResourceInstance => "Resource Instance",
            Kind::MultipleResource => "Multiple Resource",
            Kind::Resource => "Resource",
        }
    }
}

/// One parsed TLV; `value_offset` is absolute within the whole payload.
struct Tlv<'a> {
    kind: Kind,
    id: u16,
    value: &'a [u8],
    offset: usize,
    value_offset: usize,
}

fn take<'a>(bytes: &'a [u8], pos: usize, n: usize, base: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
    let end = pos.checked_add(n);
    end.and_then(|end| bytes.get(pos..end))
        .ok_or_else(|| DecodeError::Truncated {
            offset: base + pos,
            needed: (pos + n).saturating_sub(bytes.len()),
            what,
        })
}

fn be_uint(bytes: &[u8]) -> usize {
    bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
}

/// Splits `bytes` (located at `base` in the payload) into sibling TLVs.
fn parse_level(bytes: &[u8], base: usize) -> Result<Vec<Tlv<'_>>, DecodeError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        let ty = *take(bytes, pos, 1, base, "type byte")?.first().unwrap_or(&0);
        pos += 1;
        let id_len = if ty & 0x20 != 0 { 2 } else { 1 };
        let id = be_uint(take(bytes, pos, id_len, base, "identifier")?) as u16;
        pos += id_len;
        let len_len = usize::from((ty >> 3) & 0x03);
        let len = if len_len == 0 {
            usize::from(ty & 0x07)
        } else {
            let l = be_uint(take(bytes, pos, len_len, base, "length field")?);
            pos += len_len;
            l
        };
        let value = take(bytes, pos, len, base, "value")?;
        out.push(Tlv {
            kind: Kind::from_bits(ty),
            id,
            value,
            offset: base + start,
            value_offset: base + pos,
        });
        pos += len;
    }
    Ok(out)
}

fn structure(offset: usize, reason: String) -> DecodeError {
    DecodeError::Structure { offset, reason }
}

fn typed(path: &Path, tlv: &Tlv<'_>) -> Result<Value, DecodeError> {
    let ty = match (path.object, path.resource) {
        (Some(o), Some(r)) => resource_def(o, r).map(|d| d.ty),
        _ => None,
    };
    match ty {
        Some(ty) => from_tlv_at(tlv.value, ty, path, tlv.value_offset),
        None => from_tlv_at(tlv.value, ResourceType::None, path, tlv.value_offset),
    }
}

fn check_id(tlv: &Tlv<'_>, expected: Option<u16>) -> Result<(), DecodeError> {
    match expected {
        Some(want) if want != tlv.id => Err(structure(
            tlv.offset,
            format!("{} id {} does not match requested id {want}", tlv.kind.label(), tlv.id),
        )),
        _ => Ok(()),
    }
}

/// Resource Instance TLVs inside a Multiple Resource at `resource`.
fn decode_instances(resource: &Path, tlv: &Tlv<'_>, out: &mut Vec<Record>) -> Result<(), DecodeError> {
    for inner in parse_level(tlv.value, tlv.value_offset)? {
        if inner.kind != Kind::ResourceInstance {
            return Err(structure(
                inner.offset,
                format!("{} inside a Multiple Resource", inner.kind.label()),
            ));
        }
        push_leaf(resource, &inner, out)?;
    }
    Ok(())
}

fn push_leaf(parent: &Path, tlv: &Tlv<'_>, out: &mut Vec<Record>) -> Result<(), DecodeError> {
    let path = parent
        .child(tlv.id)
        .ok_or_else(|| structure(tlv.offset, "path too deep".into()))?;
    let value = typed(&path, tlv)?;
    out.push(Record { path, value });
    Ok(())
}

/// A Resource or Multiple Resource TLV below the object instance `instance`.
fn decode_resource(instance: &Path, tlv: &Tlv<'_>, out: &mut Vec<Record>) -> Result<(), DecodeError> {
    match tlv.kind {
        Kind::Resource => push_leaf(instance, tlv, out),
        Kind::MultipleResource => {
            let resource = instance
                .child(tlv.id)
                .ok_or_else(|| structure(tlv.offset, "path too deep".into()))?;
            decode_instances(&resource, tlv, out)
        }
        other => Err(structure(
            tlv.offset,
            format!("{} where a Resource was expected", other.label()),
        )),
    }
}

fn decode_instance_body(instance: &Path, tlv: &Tlv<'_>, out: &mut Vec<Record>) -> Result<(), DecodeError> {
    for inner in parse_level(tlv.value, tlv.value_offset)? {
        decode_resource(instance, &inner, out)?;
    }
    Ok(())
}

/// Decodes a TLV payload returned for a request on `base` into records with
/// absolute paths, in payload order. Values are typed from the object
/// registry where the resource is known, else kept as `Value::Bytes`.
pub fn decode(base: &Path, payload: &[u8]) -> Result<Vec<Record>, DecodeError> {
    let mut out = Vec::new();
    for tlv in parse_level(payload, 0)? {
        match (base.depth(), tlv.kind) {
            (1, Kind::ObjectInstance) => {
                let instance = base.child(tlv.id).unwrap_or(*base);
                decode_instance_body(&instance, &tlv, &mut out)?;
            }
            // Some clients wrap an instance read in its Object Instance TLV
            // (spec example 6.4.3.2 A shows that form), accept it if ids agree.
            (2, Kind::ObjectInstance) => {
                check_id(&tlv, base.instance)?;
                decode_instance_body(base, &tlv, &mut out)?;
            }
            (2, _) => decode_resource(base, &tlv, &mut out)?,
            (3, Kind::Resource | Kind::MultipleResource) => {
                check_id(&tlv, base.resource)?;
                let instance = base.parent().unwrap_or(*base);
                decode_resource(&instance, &tlv, &mut out)?;
            }
            // Bare Resource Instance TLVs for a multiple resource read.
            (3, Kind::ResourceInstance) => push_leaf(base, &tlv, &mut out)?,
            (4, Kind::ResourceInstance) => {
                check_id(&tlv, base.resource_instance)?;
                let resource = base.parent().unwrap_or(*base);
                push_leaf(&resource, &tlv, &mut out)?;
            }
            (depth, kind) => {
                return Err(structure(
                    tlv.offset,
                    format!("{} not allowed for a request on {base} (depth {depth})", kind.label()),
                ));
            }
        }
    }
    Ok(out)
}

fn put_tlv(out: &mut Vec<u8>, kind: Kind, id: u16, value: &[u8], path: &Path) -> Result<(), EncodeError> {
    let mut ty = (kind as u8) << 6;
    let id_bytes = if id > 0xff {
        ty |= 0x20;
        id.to_be_bytes().to_vec()
    } else {
        vec![id as u8]
    };
    let len = value.len();
    let len_bytes: Vec<u8> = if len <= 7 {
        ty |= len as u8;
        vec![]
    } else if len <= 0xff {
        ty |= 0x08;
        vec![len as u8]
    } else if len <= 0xffff {
        ty |= 0x10;
        (len as u16).to_be_bytes().to_vec()
    } else if len <= 0xff_ffff {
        ty |= 0x18;
        let b = (len as u32).to_be_bytes();
        b.get(1..).map(<[u8]>::to_vec).unwrap_or_default()
    } else {
        return Err(EncodeError::TooLong { path: *path, len });
    };
    out.push(ty);
    out.extend_from_slice(&id_bytes);
    out.extend_from_slice(&len_bytes);
    out.extend_from_slice(value);
    Ok(())
}

/// Resource / Multiple Resource TLVs for records below one object instance,
/// in resource-id order (the order of the specification examples).
fn encode_resources(records: &[&Record]) -> Result<Vec<u8>, EncodeError> {
    let mut by_resource: BTreeMap<u16, Vec<&Record>> = BTreeMap::new();
    for r in records {
        let id = r.path.resource.ok_or(EncodeError::NotAResource { path: r.path })?;
        by_resource.entry(id).or_default().push(r);
    }
    let mut out = Vec::new();
    for (id, group) in by_resource {
        match group.as_slice() {
            [single] if single.path.depth() == 3 => {
                put_tlv(&mut out, Kind::Resource, id, &single.value.to_tlv_bytes(), &single.path)?;
            }
            _ => {
                let mut instances: BTreeMap<u16, &Record> = BTreeMap::new();
                for r in &group {
                    let ri = r.path.resource_instance.ok_or(EncodeError::Conflict { path: r.path })?;
                    if instances.insert(ri, r).is_some() {
                        return Err(EncodeError::Conflict { path: r.path });
                    }
                }
                let mut body = Vec::new();
                for (ri, r) in &instances {
                    put_tlv(&mut body, Kind::ResourceInstance, *ri, &r.value.to_tlv_bytes(), &r.path)?;
                }
                let path = group.first().and_then(|r| r.path.parent()).unwrap_or_default();
                put_tlv(&mut out, Kind::MultipleResource, id, &body, &path)?;
            }
        }
    }
    Ok(out)
}

/// Encodes `records` as the TLV payload for a request on `base`.
/// An object base yields Object Instance TLVs; an instance base the bare
/// resource TLVs; a resource base a single Resource TLV or a Multiple
/// Resource TLV; a resource-instance base a single Resource Instance TLV.
pub fn encode(base: &Path, records: &[Record]) -> Result<Vec<u8>, EncodeError> {
    for r in records {
        if !base.contains(&r.path) {
            return Err(EncodeError::NotUnderBase {
                base: *base,
                path: r.path,
            });
        }
        if r.path.depth() < 3 {
            return Err(EncodeError::NotAResource { path: r.path });
        }
    }
    let refs: Vec<&Record> = records.iter().collect();
    match base.depth() {
        1 => {
            let mut by_instance: BTreeMap<u16, Vec<&Record>> = BTreeMap::new();
            for r in refs {
                by_instance.entry(r.path.instance.unwrap_or(0)).or_default().push(r);
            }
            let mut out = Vec::new();
            for (id, group) in by_instance {
                let body = encode_resources(&group)?;
                put_tlv(
                    &mut out,
                    Kind::ObjectInstance,
                    id,
                    &body,
                    &base.child(id).unwrap_or(*base),
                )?;
            }
            Ok(out)
        }
        2 | 3 => encode_resources(&refs),
        4 => match records {
            [only] => {
                let mut out = Vec::new();
                let id = base.resource_instance.unwrap_or(0);
                put_tlv(&mut out, Kind::ResourceInstance, id, &only.value.to_tlv_bytes(), base)?;
                Ok(out)
            }
            _ => Err(EncodeError::NeedsOneRecord {
                format: ContentFormat::TLV,
                count: records.len(),
            }),
        },
        _ => Err(EncodeError::BadBase(*base, ContentFormat::TLV)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lwm2m::Content;
    use crate::lwm2m::value::hex;

    pub(crate) fn unhex(s: &str) -> Vec<u8> {
        let clean: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
        clean
            .chunks(2)
            .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap_or("00"), 16).unwrap_or(0))
            .collect()
    }

    // Byte-exact examples of the LwM2M TS, 1.0.2 section 6.4.3.1-6.4.3.3
    // (1.1.1 Core section 7.4.3.1-7.4.3.3), as reproduced in Leshan's
    // LwM2mNodeDecoderTest. Device instance 0 read as bare resource TLVs:
    const DEVICE_RESOURCES: &str = "C800144F70656E204D6F62696C6520416C6C69616E6365\
        C801164C69676874776569676874204D324D20436C69656E74C80209333435303030313233\
        C303312E30860641000141010588070842000ED842011388870841007D42010384C10964\
        C10A0F830B410000C40D5182428FC60E2B30323A3030C11055";
    // The same instance wrapped in its Object Instance TLV (08 00 79).
    const DEVICE_INSTANCE: &str = "080079";
    // Two Access Control (object 2) instances, 6.4.3.2 B; object 2 is not in
    // our registry so values stay untyped.
    const ACL: &str = "08000EC10001C101008302417F07C1037F080212C10003C101008702417F0761013601C1037F";
    // One LWM2M Server instance, 6.4.3.2 C.
    const SERVER: &str = "08000FC10001C40100015180C10601C10755";
    // Objects 65/66 with object links, 6.4.3.3.
    const OBJ65: &str = "88000C440000420000440100420001C8010D38363133383030373535353030C40212345678";
    const OBJ66: &str = "080026C8000B6D79536572766963652031C8010F496E7465726E65742E31352E323334\
        C40200430000080126C8000B6D79536572766963652032C8010F496E7465726E65742E31352E323335C402FFFFFFFF";

    fn device_wrapped() -> Vec<u8> {
        let mut v = unhex(DEVICE_INSTANCE);
        v.extend(unhex(DEVICE_RESOURCES));
        v
    }

    fn device_records() -> Vec<Record> {
        let r = |res: u16, v: Value| Record::new(Path::resource(3, 0, res), v);
        let ri = |res: u16, i: u16, v: Value| Record::new(Path::resource_instance(3, 0, res, i), v);
        let s = |x: &str| Value::String(x.to_string());
        vec![
            r(0, s("Open Mobile Alliance")),
            r(1, s("Lightweight M2M Client")),
            r(2, s("345000123")),
            r(3, s("1.0")),
            ri(6, 0, Value::Integer(1)),
            ri(6, 1, Value::Integer(5)),
            ri(7, 0, Value::Integer(3800)),
            ri(7, 1, Value::Integer(5000)),
            ri(8, 0, Value::Integer(125)),
            ri(8, 1, Value::Integer(900)),
            r(9, Value::Integer(100)),
            r(10, Value::Integer(15)),
            ri(11, 0, Value::Integer(0)),
            r(13, Value::Time(1_367_491_215)),
            r(14, s("+02:00")),
            r(16, s("U")),
        ]
    }

    #[test]
    fn spec_device_instance_decodes() {
        assert_eq!(
            decode(&Path::instance(3, 0), &unhex(DEVICE_RESOURCES)),
            Ok(device_records())
        );
        assert_eq!(decode(&Path::instance(3, 0), &device_wrapped()), Ok(device_records()));
        assert_eq!(decode(&Path::object(3), &device_wrapped()), Ok(device_records()));
    }

    #[test]
    fn spec_device_instance_encodes_byte_exact() {
        assert_eq!(
            hex(&encode(&Path::instance(3, 0), &device_records()).unwrap_or_default()),
            hex(&unhex(DEVICE_RESOURCES))
        );
        assert_eq!(
            hex(&encode(&Path::object(3), &device_records()).unwrap_or_default()),
            hex(&device_wrapped())
        );
    }

    #[test]
    fn spec_server_instance() {
        let records = decode(&Path::object(1), &unhex(SERVER));
        let expected = vec![
            Record::new(Path::resource(1, 0, 0), Value::Integer(1)),
            Record::new(Path::resource(1, 0, 1), Value::Integer(86400)),
            Record::new(Path::resource(1, 0, 6), Value::Boolean(true)),
            Record::new(Path::resource(1, 0, 7), Value::String("U".into())),
        ];
        assert_eq!(records, Ok(expected.clone()));
        assert_eq!(
            encode(&Path::object(1), &expected).map(|b| hex(&b)),
            Ok(hex(&unhex(SERVER)))
        );
    }

    #[test]
    fn spec_untyped_objects_round_trip_byte_exact() {
        for (base, payload) in [
            (Path::object(2), ACL),
            (Path::instance(65, 0), OBJ65),
            (Path::object(66), OBJ66),
        ] {
            let bytes = unhex(payload);
            let records = decode(&base, &bytes).unwrap_or_default();
            assert!(!records.is_empty(), "{base}");
            assert_eq!(encode(&base, &records).map(|b| hex(&b)), Ok(hex(&bytes)), "{base}");
        }
        let acl = decode(&Path::object(2), &unhex(ACL)).unwrap_or_default();
        let rec = acl.iter().find(|r| r.path == Path::resource_instance(2, 2, 2, 310));
        assert!(rec.is_some_and(|r| r.value.matches_text("1")));
        let obj65 = decode(&Path::instance(65, 0), &unhex(OBJ65)).unwrap_or_default();
        assert!(
            obj65
                .iter()
                .any(|r| r.path == Path::resource(65, 0, 2) && r.value.matches_text("305419896"))
        );
    }

    #[test]
    fn multiple_resource_forms() {
        // Bare Resource Instance TLVs, as Leshan accepts for /3/0/6.
        let bare = unhex("410001410105");
        let expected = vec![
            Record::new(Path::resource_instance(3, 0, 6, 0), Value::Integer(1)),
            Record::new(Path::resource_instance(3, 0, 6, 1), Value::Integer(5)),
        ];
        assert_eq!(decode(&Path::resource(3, 0, 6), &bare), Ok(expected.clone()));
        let wrapped = encode(&Path::resource(3, 0, 6), &expected).unwrap_or_default();
        assert_eq!(hex(&wrapped), "8606410001410105");
        assert_eq!(decode(&Path::resource(3, 0, 6), &wrapped), Ok(expected));
        let one = encode(
            &Path::resource_instance(3, 0, 6, 1),
            &[Record::new(Path::resource_instance(3, 0, 6, 1), Value::Integer(5))],
        );
        assert_eq!(one.map(|b| hex(&b)), Ok("410105".to_string()));
        assert_eq!(
            decode(&Path::resource_instance(3, 0, 6, 1), &unhex("410105")).map(|r| r.len()),
            Ok(1)
        );
    }

    #[test]
    fn single_resource_and_long_lengths() {
        let base = Path::resource(3, 0, 0);
        for len in [0usize, 7, 8, 255, 256, 65535, 65536] {
            let rec = Record::new(base, Value::String("x".repeat(len)));
            let bytes = encode(&base, std::slice::from_ref(&rec)).unwrap_or_default();
            let header = bytes.first().copied().unwrap_or(0);
            let expected_len_type = match len {
                0..=7 => 0,
                8..=255 => 1,
                256..=65535 => 2,
                _ => 3,
            };
            assert_eq!((header >> 3) & 3, expected_len_type, "{len}");
            assert_eq!(decode(&base, &bytes), Ok(vec![rec]));
        }
        // 16-bit resource id.
        let rec = Record::new(Path::resource(3, 0, 300), Value::Bytes(vec![1]));
        let bytes = encode(&Path::instance(3, 0), std::slice::from_ref(&rec)).unwrap_or_default();
        assert_eq!(hex(&bytes), "e1012c01");
        assert_eq!(decode(&Path::instance(3, 0), &bytes), Ok(vec![rec]));
    }

    #[test]
    fn structural_errors() {
        let inst = Path::instance(3, 0);
        // Object Instance id mismatch, and instance TLVs at resource level.
        assert!(decode(&Path::instance(3, 1), &device_wrapped()).is_err());
        assert!(decode(&Path::resource(3, 0, 1), &device_wrapped()).is_err());
        // Resource at object level, TLV at root.
        assert!(decode(&Path::object(3), &unhex(DEVICE_RESOURCES)).is_err());
        assert!(decode(&Path::root(), &unhex(SERVER)).is_err());
        // A Resource inside a Multiple Resource.
        assert!(decode(&inst, &unhex("8603C10001")).is_err());
        // Wrongly sized integer / boolean for typed resources.
        assert!(decode(&inst, &unhex("C309010203")).is_err());
        assert!(decode(&Path::instance(1, 0), &unhex("C10602")).is_err());
        // Truncated length field and value report the offset.
        assert_eq!(
            decode(&inst, &unhex("C800")),
            Err(DecodeError::Truncated {
                offset: 2,
                needed: 1,
                what: "length field"
            })
        );
        assert_eq!(
            decode(&inst, &unhex("C10A")),
            Err(DecodeError::Truncated {
                offset: 2,
                needed: 1,
                what: "value"
            })
        );
        // Encoder rejects records outside base, object paths and duplicates.
        let r = Record::new(Path::resource(1, 0, 1), Value::Integer(1));
        assert!(encode(&inst, std::slice::from_ref(&r)).is_err());
        assert!(
            encode(
                &Path::object(3),
                &[Record::new(Path::instance(3, 0), Value::Integer(1))]
            )
            .is_err()
        );
        let dup = Record::new(Path::resource_instance(3, 0, 6, 0), Value::Integer(1));
        assert!(encode(&inst, &[dup.clone(), dup]).is_err());
        assert!(encode(&Path::root(), &[]).is_err());
    }

    #[test]
    fn never_panics_on_prefixes_or_noise() {
        let mut samples = vec![
            (Path::object(3), device_wrapped()),
            (Path::object(2), unhex(ACL)),
            (Path::object(66), unhex(OBJ66)),
            (Path::instance(65, 0), unhex(OBJ65)),
        ];
        let mut seed: u32 = 0x1234_5678;
        for n in 0..300 {
            let bytes = (0..(n % 40))
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 24) as u8
                })
                .collect();
            samples.push((Path::instance(3, 0), bytes));
        }
        for (base, bytes) in &samples {
            for end in 0..=bytes.len() {
                let prefix = bytes.get(..end).unwrap_or_default();
                for b in [
                    *base,
                    Path::object(3),
                    Path::resource(3, 0, 6),
                    Path::resource_instance(3, 0, 6, 0),
                ] {
                    let _ = decode(&b, prefix);
                }
            }
        }
        // A prefix that cuts the spec payload inside its first TLV must fail.
        let full = device_wrapped();
        for end in 1..full.len() {
            assert!(
                decode(&Path::object(3), full.get(..end).unwrap_or_default()).is_err(),
                "{end}"
            );
        }
    }

    #[test]
    fn snapshots() {
        let records = decode(&Path::instance(3, 0), &unhex(DEVICE_RESOURCES)).unwrap_or_default();
        insta::assert_snapshot!(
            "tlv_device_describe",
            Content::Records(records).describe(Some(ContentFormat::TLV))
        );
        let server = decode(&Path::object(1), &unhex(SERVER)).unwrap_or_default();
        let encodings: Vec<(String, String)> = vec![
            (
                "/3 device".into(),
                encode(&Path::object(3), &device_records())
                    .map(|b| hex(&b))
                    .unwrap_or_default(),
            ),
            (
                "/1 server".into(),
                encode(&Path::object(1), &server).map(|b| hex(&b)).unwrap_or_default(),
            ),
            (
                "/3/0/13 time".into(),
                encode(
                    &Path::resource(3, 0, 13),
                    &[Record::new(Path::resource(3, 0, 13), Value::Time(1_700_000_000))],
                )
                .map(|b| hex(&b))
                .unwrap_or_default(),
            ),
        ];
        insta::assert_yaml_snapshot!("tlv_encodings", encodings);
    }
}
