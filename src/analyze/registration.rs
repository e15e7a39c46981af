//! Checks on the Registration interface and on what may happen before a registration completes
//! (LwM2M TS 1.0.2 §5.3, §5.4 as amended by the seeds; Register/Update/De-register mapping §8.2.3).

use super::exchange::Exchange;
use super::finding::{Finding, Tally};
use super::state::{Registration, Registrations};
use crate::coap::Code;
use crate::dialogue::{Annotated, Interface, Kind, Operation};
use crate::lwm2m::Role;

pub fn location_under_rd(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    for a in x.items.iter().filter(|a| a.retransmits.is_none()) {
        let Some((Code::CREATED, Some(r))) = a.response() else {
            continue;
        };
        if r.op != Some(Operation::Register) {
            continue;
        }
        let loc = a.msg.as_ref().and_then(|m| m.location_path());
        match loc.as_deref() {
            Some(l) if l.starts_with("/rd/") && l.len() > "/rd/".len() => t.judged(a.frame()),
            Some(l) => t.violation(
                vec![r.frame, a.frame()],
                format!(
                    "frame {}: the 2.01 to the Register of frame {} gives the location {l}, not one under /rd",
                    a.frame(),
                    r.frame
                ),
            ),
            None => t.violation(
                vec![r.frame, a.frame()],
                format!(
                    "frame {}: the 2.01 to the Register of frame {} has no Location-Path",
                    a.frame(),
                    r.frame
                ),
            ),
        }
    }
    t.finding(
        "REG-SERVER-LOCATION-UNDER-RD",
        "the 2.01 to a Register gives a location under /rd",
        "no Register answered 2.01 in the capture",
    )
}

/// Requests of a registered client to its server that are not Register, Bootstrap or Send
/// (an Update or De-register by method, wherever it was sent).
fn to_location(x: &Exchange<'_>, op: Operation, requirement: &'static str, check: &'static str) -> Finding {
    let method = op.mapping().method;
    let mut regs = Registrations::default();
    let mut t = Tally::default();
    for a in x.items {
        let (from, to) = (a.datagram.from, a.datagram.to);
        let candidate = match (a.request_op(), &a.msg) {
            (Some(o), _) if o == op => true,
            (None, Some(m)) if a.is_request() => m.code == method && x.is(from, Role::Client),
            _ => false,
        };
        if candidate
            && matches!(regs.state(from, to), Registration::Registered { .. })
            && let (Some((loc, at)), Kind::Request { path, .. }) = (regs.location(from, to), &a.kind)
        {
            if path == loc {
                t.judged(a.frame());
            } else {
                t.violation(
                    vec![at, a.frame()],
                    format!(
                        "frame {}: {} {path} is not sent to the location {loc} the server returned in frame {at}",
                        a.frame(),
                        method
                    ),
                );
            }
        }
        regs.step(a);
    }
    t.finding(
        requirement,
        check,
        &format!("no {} by a registered client in the capture", op.name()),
    )
}

pub fn update_at_location(x: &Exchange<'_>) -> Finding {
    to_location(
        x,
        Operation::Update,
        "REG-CLIENT-SUPPORT-REGISTER-UPDATE",
        "an Update is a POST to the location the server returned (TS §8.2.3)",
    )
}

pub fn deregister_at_location(x: &Exchange<'_>) -> Finding {
    to_location(
        x,
        Operation::Deregister,
        "REG-CLIENT-SHOULD-SUPPORT-DEREGISTER",
        "a De-register is a DELETE of the location the server returned (TS §8.2.3)",
    )
}

/// A request of `iface` from a server to a client.
fn server_request(x: &Exchange<'_>, a: &Annotated, iface: Interface) -> Option<Operation> {
    let op = a.request_op().filter(|op| op.interface() == iface)?;
    (x.is(a.datagram.to, Role::Client) && !x.is(a.datagram.from, Role::BootstrapServer)).then_some(op)
}

fn server_waits(x: &Exchange<'_>, iface: Interface, requirement: &'static str, check: &'static str) -> Finding {
    let mut regs = Registrations::default();
    let mut t = Tally::default();
    for a in x.items {
        if let (Some(op), Kind::Request { path, .. }) = (server_request(x, a, iface), &a.kind) {
            let f = a.frame();
            match regs.state(a.datagram.to, a.datagram.from) {
                Registration::Unknown | Registration::Pending { renewing: true, .. } => {}
                Registration::Registered { .. } => t.judged(f),
                Registration::Pending { register, .. } => t.violation(
                    vec![register, f],
                    format!(
                        "frame {f}: {} {path} sent while the Register of frame {register} was not yet answered",
                        op.name()
                    ),
                ),
                Registration::Ended { frame, why } => t.violation(
                    vec![frame, f],
                    format!(
                        "frame {f}: {} {path} sent to a client that {why} (frame {frame})",
                        op.name()
                    ),
                ),
            }
        }
        regs.step(a);
    }
    t.finding(
        requirement,
        check,
        "no request on this interface to a client whose registration is in view",
    )
}

pub fn dm_server_waits_for_registration(x: &Exchange<'_>) -> Finding {
    server_waits(
        x,
        Interface::DeviceManagement,
        "DM-SERVER-NO-OPERATION-BEFORE-REGISTRATION",
        "the server sends no Device Management request to a client before the 2.01 to its Register",
    )
}

pub fn ir_server_waits_for_registration(x: &Exchange<'_>) -> Finding {
    server_waits(
        x,
        Interface::InformationReporting,
        "IR-SERVER-NO-OPERATION-BEFORE-REGISTRATION",
        "the server sends no Observe or Cancel Observation to a client before the 2.01 to its Register",
    )
}

/// Requests a client receives while its (first) Register is unanswered.
fn client_ignores(x: &Exchange<'_>, iface: Interface, requirement: &'static str, check: &'static str) -> Finding {
    super::exchange::must_ignore(
        x,
        Registrations::default(),
        |a| server_request(x, a, iface).is_some(),
        |register| format!("before the Register of frame {register} was acknowledged"),
    )
    .finding(
        requirement,
        check,
        "no request on this interface reached a client while its Register was unanswered",
    )
}

pub fn dm_client_ignores_until_ack(x: &Exchange<'_>) -> Finding {
    client_ignores(
        x,
        Interface::DeviceManagement,
        "DM-CLIENT-IGNORE-UNTIL-REGISTRATION-ACK",
        "a client answers no Device Management request before its Register is acknowledged",
    )
}

pub fn ir_client_ignores_until_ack(x: &Exchange<'_>) -> Finding {
    client_ignores(
        x,
        Interface::InformationReporting,
        "IR-CLIENT-IGNORE-UNTIL-REGISTRATION-ACK",
        "a client answers no Observe before its Register is acknowledged",
    )
}
