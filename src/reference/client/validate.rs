//! Typing of written values (Write, Create) against the registry definitions of
//! `crate::lwm2m::objects`, and the value constraints the client itself relies on.

use std::collections::BTreeMap;

use crate::coap::Code;
use crate::lwm2m::objects::{ResourceDef, ResourceType, resource_def};
use crate::lwm2m::{Path, Record, Value};

use super::objects::model::{BINDING_U, Resource, SERVER, rid};

/// Groups and types written `records` below `target` into whole resources, checking each against
/// the registry: defined (else 4.00), writable or, for Create, any non-executable (else
/// 4.05), single/multiple as defined and of the defined type (else 4.00).
pub(crate) fn resources(target: &Path, records: &[Record], create: bool) -> Result<BTreeMap<u16, Resource>, Code> {
    let mut out: BTreeMap<u16, Resource> = BTreeMap::new();
    for rec in records {
        let p = rec.path;
        let (Some(o), Some(r)) = (p.object, p.resource) else {
            return Err(Code::BAD_REQUEST);
        };
        if !target.contains(&p) {
            return Err(Code::BAD_REQUEST);
        }
        let def = resource_def(o, r).ok_or(Code::BAD_REQUEST)?;
        let allowed = if create {
            def.ty != ResourceType::None
        } else {
            def.operations.contains('W')
        };
        if !allowed {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        let value = coerce(o, def, &rec.value).ok_or(Code::BAD_REQUEST)?;
        match (def.multiple, p.resource_instance) {
            (false, None) => {
                if out.insert(r, Resource::Single(value)).is_some() {
                    return Err(Code::BAD_REQUEST);
                }
            }
            (true, Some(ri)) => {
                let entry = out.entry(r).or_insert_with(|| Resource::Multiple(BTreeMap::new()));
                if let Resource::Multiple(m) = entry {
                    m.insert(ri, value);
                }
            }
            _ => return Err(Code::BAD_REQUEST),
        }
    }
    Ok(out)
}

/// Checks `v` against the resource type, accepting the forms the decoders may produce
/// (e.g. an integer for a time, a whole float for an integer).
fn coerce(o: u16, def: &ResourceDef, v: &Value) -> Option<Value> {
    let ok = match (def.ty, v) {
        (ResourceType::String, Value::String(_))
        | (ResourceType::Integer, Value::Integer(_))
        | (ResourceType::Float, Value::Float(_))
        | (ResourceType::Boolean, Value::Boolean(_))
        | (ResourceType::Opaque, Value::Opaque(_))
        | (ResourceType::Time, Value::Time(_))
        | (ResourceType::ObjLnk, Value::ObjLnk(..)) => v.clone(),
        (ResourceType::Integer, Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Integer(*f as i64),
        (ResourceType::Time, Value::Integer(t)) => Value::Time(*t),
        (ResourceType::UnsignedInteger, Value::Integer(u)) if *u >= 0 => v.clone(),
        (ResourceType::UnsignedInteger, Value::Float(f)) if f.fract() == 0.0 && (0.0..9.0e15).contains(f) => {
            Value::Integer(*f as i64)
        }
        (ResourceType::Float, Value::Integer(i)) => Value::Float(*i as f64),
        (ResourceType::Opaque, Value::Bytes(b)) => Value::Opaque(b.clone()),
        _ => return None,
    };
    constrain(o, def.id, ok)
}

/// Value constraints the client relies on: Lifetime and periods fit in u32 seconds, and the
/// Binding is one this client supports ("U": no Queue Mode, no SMS).
fn constrain(o: u16, r: u16, v: Value) -> Option<Value> {
    let seconds = o == SERVER && matches!(r, rid::LIFETIME | rid::DEFAULT_MIN_PERIOD | rid::DEFAULT_MAX_PERIOD);
    match &v {
        Value::Integer(i) if seconds && u32::try_from(*i).is_err() => None,
        Value::String(s) if o == SERVER && r == rid::BINDING && s != BINDING_U => None,
        _ => Some(v),
    }
}
