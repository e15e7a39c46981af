//! The Registration Interface of the reference server (TS 1.0 §5.2, Table 20): Register (POST
//! /rd), Update (POST on the location) and De-register (DELETE on the location). A Register is
//! answered first; only then is the registration complete, and the observations of the client are
//! re-initiated and what was held for it is sent (§5.4, §5.5, §5.5.1).

use std::net::SocketAddr;
use std::time::Duration;

use super::Fault;
use super::command::Command;
use super::core::ServerCore;
use super::registry::Params;
use crate::coap::{Code, Message};
use crate::lwm2m::operation::{Context, classify};
use crate::lwm2m::{Operation, Role};

impl ServerCore {
    pub(super) fn on_request(&mut self, now: Duration, from: SocketAddr, m: &Message) {
        let path = m.uri_path();
        let ctx = Context {
            sender: Some(Role::Client),
            location: self.regs.is_location(&path).then_some(path.as_str()),
        };
        match classify(m, ctx) {
            // RFC 7252 §5.4.1 (a Non-confirmable one never gets here: the layer rejects it).
            _ if m.unknown_critical_option().is_some() => self.msg.respond(from, m, Code::BAD_OPTION, |_| {}),
            Some(Operation::Register) => self.register(now, from, m),
            Some(Operation::Update) => self.update(now, from, m, &path),
            Some(Operation::Deregister) => match self.regs.deregister(&path) {
                Some(r) => {
                    tracing::info!("{} de-registered from {}", r.endpoint, r.location);
                    // Past states are nullified, observations included (§5.5.1 Note).
                    self.obs.take_endpoint(&r.endpoint);
                    self.held.retain(|c| c.endpoint != r.endpoint);
                    self.msg.respond(from, m, Code::DELETED, |_| {});
                }
                None => self.msg.respond(from, m, Code::NOT_FOUND, |_| {}),
            },
            _ => self.msg.respond(from, m, Code::NOT_FOUND, |_| {}),
        }
    }

    fn register(&mut self, now: Duration, from: SocketAddr, m: &Message) {
        let params = match Params::parse(m) {
            Ok(p) => p,
            Err(e) => return self.bad_request(from, m, &e),
        };
        let Some(endpoint) = params.endpoint.clone().filter(|ep| !ep.is_empty()) else {
            return self.bad_request(from, m, "Register without `ep`");
        };
        if self.has(Fault::RegRejectOptionalParameters)
            && (params.lifetime.is_none()
                || params.sms.is_some()
                || params.binding.as_deref().is_some_and(|b| b != "U"))
        {
            return self.bad_request(from, m, "only lt, b=U and the object list are understood");
        }
        let prefix = if self.has(Fault::RegLocationOutsideRd) {
            "/reg"
        } else {
            "/rd"
        };
        let replace = !self.has(Fault::RegSameEndpointKept);
        let done = self.regs.register(now, from, endpoint.clone(), params, prefix, replace);
        let r = done.registration;
        if let Some(old) = &done.replaced
            && self.has(Fault::RegKeepFirstAddress)
        {
            self.regs.set_address(&r.id, old.address);
        }
        if self.has(Fault::DownlinkToCoapPort) {
            // The fault: the port of the Register is not recorded, the CoAP default is assumed.
            self.regs.set_address(&r.id, SocketAddr::new(from.ip(), COAP_PORT));
        }
        tracing::info!(
            "{} registered at {} from {from} (lt={}, b={})",
            r.endpoint,
            r.location,
            r.lifetime,
            r.binding
        );
        // The faults: what is held goes out before the registration is complete.
        if self.has(Fault::DmReadBeforeRegisterAck) {
            self.release(now, &endpoint, |op| !op.is_information_reporting());
        }
        if self.has(Fault::IrObserveBeforeRegisterAck) {
            self.release(now, &endpoint, Operation::is_information_reporting);
        }
        let location = r.location.clone();
        self.msg
            .respond(from, m, Code::CREATED, |resp| resp.set_location_path(&location));
        // The registration is complete: re-initiate the observations (§5.5.1), then send
        // what was held.
        let observed = self.obs.take_endpoint(&endpoint);
        if !self.has(Fault::IrNoReobserve) {
            for o in observed {
                self.held.push(Command {
                    op: Operation::Observe,
                    endpoint: endpoint.clone(),
                    path: o.path,
                    arg: String::new(),
                });
            }
        }
        self.release(now, &endpoint, |_| true);
    }

    fn update(&mut self, now: Duration, from: SocketAddr, m: &Message, location: &str) {
        let params = match Params::parse(m) {
            Ok(p) => p,
            Err(e) => return self.bad_request(from, m, &e),
        };
        if self.has(Fault::RegNoUpdate) {
            return self.msg.respond(from, m, Code::NOT_FOUND, |_| {});
        }
        let Some(endpoint) = self.regs.update(now, location, params).map(|r| r.endpoint.clone()) else {
            return self.msg.respond(from, m, Code::NOT_FOUND, |_| {});
        };
        tracing::info!("{endpoint} updated {location}");
        self.msg.respond(from, m, Code::CHANGED, |_| {});
        // A client in Queue Mode is online now (§8.3).
        self.release(now, &endpoint, |_| true);
    }

    fn bad_request(&mut self, from: SocketAddr, m: &Message, why: &str) {
        tracing::warn!("4.00 to {from}: {why}");
        self.msg.respond(from, m, Code::BAD_REQUEST, |_| {});
    }
}

/// The default port of the coap scheme (RFC 7252 §6.1), where the fault `downlink-to-coap-port`
/// sends a client's requests.
const COAP_PORT: u16 = 5683;
