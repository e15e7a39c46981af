//! Building the CoAP request for a triggered operation (the mapping is `lwm2m::operation`:
//! LwM2M TS 1.0 §8.2.4 Device Management and §8.2.5 Information Reporting), and refusing what
//! the server must not send: a path the operation does not apply to, a Resource ID without an
//! Object Instance ID in an Observe (Table 16), Write-Attributes with pmax not greater than pmin
//! (Table 9). A fault builds the conformant request and then changes what it deviates in.

use std::collections::BTreeSet;

use super::Fault;
use super::command::Command;
use crate::coap::message::option;
use crate::coap::{Code, Message};
use crate::lwm2m::operation::confirmable;
use crate::lwm2m::{ContentFormat, Operation, Path};

/// Table 9: the Write-Attributes parameters.
const ATTRIBUTES: [&str; 5] = ["pmin", "pmax", "gt", "lt", "st"];
/// The change-driven ones (Greater Than, Less Than, Step).
const CHANGE_ATTRIBUTES: [&str; 3] = ["gt", "lt", "st"];

/// The request for `cmd` (Message ID unset: the message layer gives one), or why the server
/// refuses to send it. `token` identifies the exchange (for Cancel Observation, the
/// observation's token).
pub fn build(cmd: &Command, faults: &BTreeSet<Fault>, token: Vec<u8>) -> Result<Message, String> {
    let has = |f| faults.contains(&f);
    let path = match cmd.path.parse::<Path>() {
        Ok(p) => p,
        Err(_) if cmd.op == Operation::Observe && has(Fault::IrObserveResourceWithoutInstance) => {
            // The fault: send the segments as given, empty instance segment included.
            let mut m = confirmable(Operation::Observe, token, None, &[]);
            for seg in cmd.path.trim_start_matches('/').split('/') {
                m.add_option(option::URI_PATH, seg.as_bytes().to_vec());
            }
            return Ok(m);
        }
        Err(e) => {
            return Err(format!(
                "{}: `{}` is not an LwM2M path ({e})",
                cmd.op.keyword(),
                cmd.path
            ));
        }
    };
    // TS 1.0 Tables 24/25 (Client and Bootstrap operations apply to no object path:
    // `Command::parse` never yields them).
    let applies = cmd.op.mapping().applies_to(&path);
    // The fault: "/" is a Bootstrap Delete target only (TS 1.0 §5.1), sent anyway.
    let delete_root = cmd.op == Operation::Delete && path.depth() == 0 && has(Fault::DmDeleteRoot);
    if !applies && !delete_root {
        return Err(format!("{} does not apply to {path}", cmd.op.keyword()));
    }
    if path.object.is_some_and(|o| [2, 4, 5, 6, 7].contains(&o)) && has(Fault::ObjCoreObjectsOnly) {
        return Err(format!(
            "{}: this server does not know Objects 2, 4, 5, 6 and 7",
            cmd.op.keyword()
        ));
    }
    if path.object == Some(1) && has(Fault::ObjNoServerObject) {
        return Err(format!(
            "{}: this server does not know the LWM2M Server Object",
            cmd.op.keyword()
        ));
    }
    let mut query = Vec::new();
    if cmd.op == Operation::WriteAttributes {
        query = attributes(&cmd.arg, has(Fault::DmAllowPmaxLePmin))?;
        if has(Fault::DmWriteAttributesDropsChangeAttributes) {
            query.retain(|(k, _)| !CHANGE_ATTRIBUTES.contains(&k.as_str()));
        }
    }
    // Cancel Observation carries the observation's token (RFC 7641 §3.6).
    let mut m = confirmable(cmd.op, token, Some(&path.to_string()), &query);
    if cmd.op == Operation::Observe && has(Fault::IrObserveWithoutOption) {
        // The fault: the Observe goes out without its Observe option (a plain Read).
        m.options.retain(|(n, _)| *n != option::OBSERVE);
    }
    if cmd.op == Operation::WritePartial && has(Fault::DmWritePartialAsPut) {
        // The fault: the partial update goes out as PUT, which replaces (TS 1.0 §5.4.3).
        m.code = Code::PUT;
    }
    match cmd.op {
        Operation::Write | Operation::WritePartial | Operation::Create => {
            let (format, payload) = payload(&path, &cmd.arg, cmd.op == Operation::Create)?;
            m.add_uint_option(option::CONTENT_FORMAT, u32::from(format.0));
            m.payload = payload;
        }
        Operation::Execute if !cmd.arg.is_empty() => m.payload = cmd.arg.clone().into_bytes(),
        _ => {}
    }
    Ok(m)
}

/// `pmin=1&pmax=5` as query parameters, refused unless every name is a Table 9 parameter with a
/// numeric value and pmax > pmin when both are given.
fn attributes(arg: &str, allow_pmax_le_pmin: bool) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    for pair in arg.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if !ATTRIBUTES.contains(&k) {
            return Err(format!("write-attributes: `{k}` is not a Write-Attributes parameter"));
        }
        let integer = k == "pmin" || k == "pmax";
        let numeric = if integer {
            v.parse::<u32>().is_ok()
        } else {
            v.parse::<f64>().is_ok()
        };
        if !numeric {
            return Err(format!("write-attributes: {k}=`{v}` is not a number"));
        }
        out.push((k.to_string(), Some(v.to_string())));
    }
    if out.is_empty() {
        return Err("write-attributes: no parameters".into());
    }
    let get = |name: &str| {
        out.iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref()?.parse::<u32>().ok())
    };
    if let (Some(pmin), Some(pmax)) = (get("pmin"), get("pmax"))
        && pmax <= pmin
        && !allow_pmax_le_pmin
    {
        return Err(format!(
            "write-attributes: pmax ({pmax}) must be greater than pmin ({pmin}) (Table 9)"
        ));
    }
    Ok(out)
}

/// Plain text for one Resource; TLV for an Object Instance (`RES=VALUE,...`), whose resources a
/// Create on an Object carries bare so that the client picks the instance ID.
fn payload(path: &Path, arg: &str, create: bool) -> Result<(ContentFormat, Vec<u8>), String> {
    let records = crate::lwm2m::assignment::records(path, arg, create)?;
    if let ([one], Some(_)) = (records.as_slice(), path.resource) {
        return Ok((ContentFormat::TEXT, crate::lwm2m::text::encode_text(&one.value)));
    }
    let base = if create {
        Path::instance(path.object.unwrap_or_default(), 0)
    } else {
        *path
    };
    let bytes = crate::lwm2m::tlv::encode(&base, &records).map_err(|e| format!("cannot encode the value: {e}"))?;
    Ok((ContentFormat::TLV, bytes))
}
