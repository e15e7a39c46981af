//! [`ServerCore`]: the reference LwM2M Server as a sans-IO state machine (in the manner of
//! quinn-proto). It owns no socket and no clock: the caller hands in datagrams, trigger lines
//! and the time, and polls out datagrams and the next deadline.
//!
//! Requests a trigger asks for are sent only to a client whose registration is complete (the
//! 2.01 answering its Register has been sent; TS 1.0 §5.4, §5.5), and to a client in Queue Mode
//! only when it is online, i.e. right after its Register or Update (§8.3). Until then they
//! wait in `held`, in trigger order. The Registration Interface itself is in `registration.rs`.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use super::command::{self, Command};
use super::observe::Observations;
use super::registry::Registry;
use super::request;
use super::{Fault, Variant};
use crate::coap::layer::Layer;
use crate::coap::reliability::Seen;
use crate::coap::{Message, MessageType};
use crate::lwm2m::operation::{Context, classify};
use crate::lwm2m::{Operation, Role};

/// A request of ours waiting for its response, by token.
#[derive(Debug)]
pub(super) struct Outstanding {
    endpoint: String,
    op: Operation,
    path: String,
    mid: u16,
    /// The second half of a Write-Attributes split in two (variant `split-write-attributes`),
    /// sent once this one is answered (one exchange at a time: RFC 7252 §4.7 NSTART = 1).
    then: Option<Command>,
}

/// The reference LwM2M Server's state: the clients' registrations and the Device Management and
/// Information Reporting requests its triggers queue for them.
#[derive(Debug)]
pub struct ServerCore {
    pub(super) faults: BTreeSet<Fault>,
    pub(super) variants: BTreeSet<Variant>,
    pub(super) msg: Layer,
    pub(super) regs: Registry,
    pub(super) obs: Observations,
    pub(super) held: Vec<Command>,
    pub(super) outstanding: HashMap<Vec<u8>, Outstanding>,
}

impl ServerCore {
    /// `seed` randomises Message IDs, tokens, registration ids and retransmission timing.
    pub fn new(faults: BTreeSet<Fault>, seed: u64) -> Self {
        ServerCore {
            faults,
            variants: BTreeSet::new(),
            msg: Layer::new(seed),
            regs: Registry::new(seed),
            obs: Observations::default(),
            held: Vec::new(),
            outstanding: HashMap::new(),
        }
    }

    /// The same server taking the conformant `variants` (`--variant`).
    pub fn with_variants(mut self, variants: BTreeSet<Variant>) -> Self {
        self.variants = variants;
        self
    }

    pub(super) fn has(&self, f: Fault) -> bool {
        self.faults.contains(&f)
    }

    pub(super) fn takes(&self, v: Variant) -> bool {
        self.variants.contains(&v)
    }

    /// The next datagram to send, with its destination.
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.msg.poll_transmit()
    }

    /// The next instant `handle_timeout` must be called at: a retransmission or an expiry.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let expiry = (!self.has(Fault::RegNoExpiry))
            .then(|| self.regs.next_expiry())
            .flatten();
        [self.msg.next_timeout(), expiry].into_iter().flatten().min()
    }

    /// Called at or after `poll_timeout`: retransmits unacknowledged requests and expires
    /// registrations whose Lifetime ran out.
    pub fn handle_timeout(&mut self, now: Duration) {
        for (peer, mid) in self.msg.on_timeout(now) {
            tracing::warn!("no ACK from {peer} for mid={mid}; giving up");
            self.outstanding.retain(|_, o| o.mid != mid);
        }
        if !self.has(Fault::RegNoExpiry) {
            for r in self.regs.expire(now) {
                // Table 3: removed when no Update came within the lifetime.
                tracing::warn!(
                    "registration {} of {} expired (lifetime {} s)",
                    r.location,
                    r.endpoint,
                    r.lifetime
                );
            }
        }
    }

    /// One trigger line (see `command.rs`). Refused operations are logged and dropped.
    pub fn handle_command(&mut self, now: Duration, line: &str) {
        let mut cmd = match Command::parse(line) {
            Ok(c) => c,
            Err(e) => return tracing::warn!("trigger refused: {e}"),
        };
        if self.takes(Variant::NormalisedPaths) {
            cmd.path = command::normalised(&cmd.path);
        }
        // Refuse at once what must never be sent, whether or not the client is registered.
        if let Err(e) = request::build(&cmd, &self.faults, Vec::new()) {
            return tracing::warn!("trigger refused: {e}");
        }
        if cmd.op == Operation::CancelObservation && self.obs.find(&cmd.endpoint, &cmd.path).is_none() {
            return tracing::warn!("trigger refused: {} has no observation of {}", cmd.endpoint, cmd.path);
        }
        if self.reachable(&cmd.endpoint) {
            self.send(now, cmd);
        } else {
            tracing::info!(
                "holding {} {} until {} is registered and online",
                cmd.op.keyword(),
                cmd.path,
                cmd.endpoint
            );
            self.held.push(cmd);
        }
    }

    /// Registered, and not in Queue Mode (whose clients are only known online right after
    /// they send a Register or Update).
    fn reachable(&self, endpoint: &str) -> bool {
        self.regs
            .by_endpoint(endpoint)
            .is_some_and(|r| !r.udp_queue_mode() || self.has(Fault::QmSendWhileOffline))
    }

    fn send(&mut self, now: Duration, mut cmd: Command) {
        let then = if cmd.op == Operation::WriteAttributes && self.takes(Variant::SplitWriteAttributes) {
            command::split_attributes(&mut cmd)
        } else {
            None
        };
        let Some(address) = self.regs.by_endpoint(&cmd.endpoint).map(|r| r.address) else {
            return self.held.push(cmd);
        };
        let token = match cmd.op {
            Operation::CancelObservation => match self.obs.find(&cmd.endpoint, &cmd.path) {
                Some(o) => o.token.clone(),
                None => return tracing::warn!("{} has no observation of {} any more", cmd.endpoint, cmd.path),
            },
            _ => self.msg.token(),
        };
        let m = match request::build(&cmd, &self.faults, token.clone()) {
            Ok(m) => m,
            Err(e) => return tracing::warn!("trigger refused: {e}"),
        };
        tracing::info!("{} {} {} -> {address}", cmd.op.keyword(), cmd.endpoint, cmd.path);
        match cmd.op {
            Operation::Observe => self.obs.add(&cmd.endpoint, &cmd.path, token.clone()),
            // Later notifications under this token are answered with RST.
            Operation::CancelObservation => drop(self.obs.remove_token(&token)),
            _ => {}
        }
        if let Some(mid) = self.msg.send_con(now, address, m) {
            let o = Outstanding {
                endpoint: cmd.endpoint,
                op: cmd.op,
                path: cmd.path,
                mid,
                then,
            };
            self.outstanding.insert(token, o);
        }
    }

    /// Sends the held requests of `endpoint` that `which` selects, in trigger order.
    pub(super) fn release(&mut self, now: Duration, endpoint: &str, which: impl Fn(Operation) -> bool) {
        let (due, kept): (Vec<Command>, Vec<Command>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|c| c.endpoint == endpoint && which(c.op));
        self.held = kept;
        for cmd in due {
            self.send(now, cmd);
        }
    }

    /// Takes in one datagram from `from` at `now`: Register, Update and De-register requests, and
    /// responses to the requests it sent.
    pub fn handle_datagram(&mut self, now: Duration, from: SocketAddr, bytes: &[u8]) {
        let Some(m) = self.msg.parse_or_reset(from, bytes) else {
            return;
        };
        match m.mtype {
            MessageType::Acknowledgement | MessageType::Reset => {
                self.msg.acknowledged(from, m.mid);
                if m.mtype == MessageType::Reset {
                    // The client rejected our request (or a notification's ACK): forget it.
                    self.outstanding.retain(|_, o| o.mid != m.mid);
                } else if m.is_response() {
                    self.on_response(now, &m);
                }
            }
            MessageType::Confirmable | MessageType::NonConfirmable => {
                let reprocess = self.has(Fault::RegRetransmissionAsNewRegister) && is_register(&m);
                match self.msg.check_duplicate(now, from, m.mid) {
                    Seen::Answered(_) if reprocess => {}
                    Seen::Answered(bytes) => return self.msg.resend_bytes(from, bytes),
                    Seen::Duplicate => return,
                    Seen::New => {}
                }
                if m.is_request() {
                    self.on_request(now, from, &m);
                } else if m.is_response() {
                    // A separate response or a notification: ACK what we know, RST the rest
                    // (RFC 7252 §5.2.2, RFC 7641 §3.6).
                    let mut known = self.outstanding.contains_key(&m.token) || self.obs.by_token(&m.token).is_some();
                    if known && !self.outstanding.contains_key(&m.token) && self.has(Fault::IrRejectNotifications) {
                        // The fault: a notification is treated as one of no known observation.
                        self.obs.remove_token(&m.token);
                        known = false;
                    }
                    if m.mtype == MessageType::Confirmable || !known {
                        self.msg.acknowledge_response(from, m.mid, known);
                    }
                    if known {
                        self.on_response(now, &m);
                    }
                } else if m.mtype == MessageType::Confirmable {
                    // CoAP ping (RFC 7252 §4.3).
                    let _ = self.msg.send_empty(from, MessageType::Reset, m.mid);
                }
            }
        }
    }

    fn on_response(&mut self, now: Duration, m: &Message) {
        if let Some(o) = self.outstanding.remove(&m.token) {
            tracing::info!("{} {} {}: {}", o.op.keyword(), o.endpoint, o.path, m);
            if let Some(next) = o.then {
                self.send(now, next);
            }
            // An Observe that was refused or answered without an Observe option set up nothing.
            if o.op == Operation::Observe && (m.observe().is_none() || m.code.class() != 2) {
                self.obs.remove_token(&m.token);
            }
        } else if let Some(o) = self.obs.by_token(&m.token) {
            tracing::info!("notification {} {}: {}", o.endpoint, o.path, m);
        }
    }
}

/// Register is POST /rd (TS 1.0 Table 20): a retransmitted one is processed again under the fault
/// `reg-retransmission-as-new-register`.
fn is_register(m: &Message) -> bool {
    classify(m, Context::sent_by(Role::Client)) == Some(Operation::Register)
}
