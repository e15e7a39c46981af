//! [`ClientCore`]: the reference client as a sans-IO state machine (in the manner of
//! quinn-proto). It owns no socket and no clock: the caller hands in datagrams and the time,
//! and polls out datagrams and the next deadline. Time is a `Duration` since an epoch the
//! caller chooses (the tokio driver uses its start instant; tests use a manual clock).
//!
//! The core only talks to the configured LwM2M Server address; with NoSec that address is the
//! server's identity, so datagrams from anywhere else are dropped.

use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::message::option;
use crate::coap::reliability::Seen;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::link_format;
use crate::lwm2m::operation::Operation;

use super::attributes::AttributeStore;
use super::dm::{self, Effect, Reply};
use super::dm_faults;
use super::messaging::MessageLayer;
use super::objects::{ObjectStore, SERVER_INSTANCE};
use super::observe::Observations;
use super::reg_messages::Snapshot;
use super::registration::Registration;
use super::registration_policy::Policy;
use super::{ClientConfig, Fault, Variant, Version};

/// The reference client's registration with one LwM2M Server: Register, Update and De-register
/// (TS 1.1.1 §6.2) and the Device Management and Information Reporting requests that server sends.
#[derive(Debug)]
pub struct ClientCore {
    cfg: ClientConfig,
    msg: MessageLayer,
    reg: Registration,
    store: ObjectStore,
    attrs: AttributeStore,
    obs: Observations,
    /// This server's Server Object Instance, whose Lifetime and Binding Register and Update
    /// carry.
    server_instance: u16,
    /// Unix time at the epoch of `now`, for Current Time.
    unix_at_epoch: i64,
    /// The latest `now` handed in.
    now: Duration,
    /// This server executed the Bootstrap-Request Trigger; the device, which owns the
    /// Bootstrap-Server Account, takes it with `take_bootstrap_request`.
    bootstrap_requested: bool,
}

impl ClientCore {
    /// A client that sends its Register right away (poll it out with `poll_transmit`).
    /// `unix_at_epoch` is the wall-clock time (Unix seconds) at `now == 0`; `seed` randomises
    /// Message IDs, tokens and retransmission timing.
    pub fn new(cfg: ClientConfig, now: Duration, unix_at_epoch: i64, seed: u64) -> Self {
        let mut store = ObjectStore::new(cfg.server, cfg.lifetime);
        store.set_tlv(!cfg.takes(Variant::NoTlv));
        let mut core = Self::with_store(cfg, SERVER_INSTANCE, store, now, unix_at_epoch, seed);
        core.sync_clock(now);
        core.poll(now);
        core
    }

    fn with_store(
        cfg: ClientConfig,
        server_instance: u16,
        store: ObjectStore,
        now: Duration,
        unix_at_epoch: i64,
        seed: u64,
    ) -> Self {
        ClientCore {
            msg: MessageLayer::new(cfg.server, seed),
            reg: Registration::new(cfg.endpoint.clone(), cfg.faults.clone(), cfg.version),
            store,
            attrs: AttributeStore::default(),
            obs: Observations::new(
                &cfg.faults,
                server_instance,
                cfg.takes(Variant::NonNotifications),
                cfg.takes(Variant::NotifyEachInstance),
            ),
            server_instance,
            cfg,
            unix_at_epoch,
            now,
            bootstrap_requested: false,
        }
    }

    /// Brings the store's clock to `now`, and the registration up to date with this server's
    /// retry resources (a Bootstrap-Server may have rewritten them since).
    fn sync_clock(&mut self, now: Duration) {
        self.now = self.now.max(now);
        let secs = i64::try_from(self.now.as_secs()).unwrap_or(i64::MAX);
        self.store.set_clock(self.unix_at_epoch.saturating_add(secs));
        let policy = Policy::of(&self.store, self.server_instance, self.cfg.version, &self.cfg.faults);
        self.reg.set_policy(policy.retry, policy.bootstrap_on_failure);
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            lifetime: self.store.lifetime_of(self.server_instance),
            binding: self.store.binding_of(self.server_instance),
            links: link_format::serialize(&self.store.object_links(self.cfg.version)),
            pct: match self.cfg.version {
                Version::V1_1 => self.store.preferred_content_format().map(|f| f.0),
                Version::V1_0 => None,
            },
        }
    }

    /// Lets registration and observations send what is due after any event.
    fn poll(&mut self, now: Duration) {
        let snapshot = self.snapshot();
        if self.reg.poll(now, &snapshot, &mut self.msg) {
            self.obs.clear(&mut self.msg);
        }
        if !self.reg.is_deregistering_or_done() {
            self.obs.notify(now, &self.store, &self.attrs, &mut self.msg);
        }
    }

    /// Takes in one datagram from `from` at `now`; datagrams not from this core's server are ignored.
    pub fn handle_datagram(&mut self, now: Duration, from: SocketAddr, bytes: &[u8]) {
        self.sync_clock(now);
        if from != self.msg.server() {
            tracing::debug!("dropping {} bytes from {from}: not the LwM2M Server", bytes.len());
            return;
        }
        if let Some(m) = self.msg.parse_or_reset(bytes) {
            self.on_message(now, &m);
        }
        self.poll(now);
    }

    fn on_message(&mut self, now: Duration, m: &Message) {
        let con = m.mtype == MessageType::Confirmable;
        match m.mtype {
            MessageType::Acknowledgement | MessageType::Reset => self.on_ack_or_reset(now, m),
            _ if m.is_request() => self.on_request(now, m),
            _ if m.is_response() && con => match self.msg.check_duplicate(now, m.mid) {
                Seen::New => {
                    let known = self.reg.on_separate_response(now, m, &mut self.msg);
                    self.msg.acknowledge_response(m.mid, known);
                }
                Seen::Answered(bytes) => self.msg.resend_bytes(bytes),
                Seen::Duplicate => {}
            },
            _ if m.is_response() => {
                self.reg.on_separate_response(now, m, &mut self.msg);
            }
            // A CoAP ping (empty CON) or a reserved code class: RST (RFC 7252 §4.2, §4.3).
            _ if con => {
                let _ = self.msg.send_empty(MessageType::Reset, m.mid);
            }
            _ => {}
        }
    }

    fn on_ack_or_reset(&mut self, now: Duration, m: &Message) {
        // Only an ACK or RST that stops a pending retransmission counts: a late or duplicated
        // one is stale.
        if !self.msg.acknowledged(m.mid) {
            if m.mtype == MessageType::Reset {
                self.obs.on_reset_of_non(m.mid);
            }
            return;
        }
        if m.mtype == MessageType::Acknowledgement {
            if !self.reg.on_ack(now, m) {
                self.obs.on_ack(m.mid);
            }
        } else if !self.reg.on_reset_or_gave_up(now, m.mid) {
            self.obs.on_reset(m.mid);
        }
    }

    fn on_request(&mut self, now: Duration, req: &Message) {
        match self.msg.check_duplicate(now, req.mid) {
            Seen::New => {}
            // Retransmissions get the first answer again, never a second execution (§4.5),
            // and a request that was ignored stays ignored.
            Seen::Answered(bytes) => {
                self.msg.resend_bytes(bytes);
                return;
            }
            Seen::Duplicate => return,
        }
        let op = dm::server_operation(req);
        let observe = op.is_some_and(Operation::is_information_reporting);
        // LwM2M 1.0.2 §5.4 / §5.5: until the Registration is acknowledged, DM and Information
        // Reporting requests are ignored. "Ignore" here means no datagram at all, not even an
        // empty ACK: an ACK would promise a separate response that never comes, while silence
        // lets the server's own retransmission run out.
        let answer = self.reg.is_registered()
            || (observe && self.cfg.has(Fault::IrAnswerBeforeRegistrationAck))
            || (!observe && self.cfg.has(Fault::DmAnswerBeforeRegistrationAck));
        if !answer {
            tracing::debug!("ignoring {req}: the registration is not acknowledged");
            return;
        }
        let (reply, effect) = if req.unknown_critical_option().is_some() {
            (Reply::code(Code::BAD_OPTION), None)
        } else if op == Some(Operation::Observe) {
            (self.obs.observe(now, &self.store, req), None)
        } else {
            if op == Some(Operation::CancelObservation) {
                self.obs.cancel(&mut self.msg, &req.token);
            }
            dm_faults::handle(
                &self.cfg.faults,
                &mut self.store,
                &mut self.attrs,
                self.server_instance,
                req,
                op,
            )
        };
        self.respond(req, reply);
        match effect {
            // Each core is one server's: another server's trigger is stored, not acted on here.
            Some(Effect::RegistrationUpdate(i)) if i == self.server_instance => self.reg.trigger_update(),
            Some(Effect::RegistrationUpdate(_)) => {}
            // Answered first (the 2.04 is queued above); the device starts the bootstrap.
            Some(Effect::BootstrapRequest) => self.bootstrap_requested = true,
            Some(Effect::Reboot) => {
                // Answered first (2.04 is queued above), then behave as a fresh start.
                self.reg.restart(&mut self.msg);
                self.obs.clear(&mut self.msg);
            }
            None => {}
        }
    }

    /// Piggybacked in the ACK for a Confirmable request, a Non-confirmable response for a
    /// Non-confirmable one (RFC 7252 §5.2); remembered for duplicates either way.
    fn respond(&mut self, req: &Message, reply: Reply) {
        self.msg.respond(req, reply.code, |resp| {
            if let Some(seq) = reply.observe {
                resp.add_uint_option(option::OBSERVE, seq);
            }
            if let Some(location) = reply.location {
                resp.set_location_path(&location.to_string());
            }
            if let Some(cf) = reply.content_format {
                resp.add_uint_option(option::CONTENT_FORMAT, u32::from(cf.0));
            }
            resp.payload = reply.payload;
        });
    }

    /// Retransmissions, registration deadlines and notifications due at `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.sync_clock(now);
        for mid in self.msg.on_timeout(now) {
            if !self.reg.on_reset_or_gave_up(now, mid) {
                self.obs.on_reset_or_gave_up(mid);
            }
        }
        self.reg.on_timeout(now, &mut self.msg);
        self.poll(now);
    }

    /// The next datagram to send, as (destination, bytes).
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.msg.poll_transmit()
    }

    /// When `handle_timeout` must next run, if ever.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let notify = if self.reg.is_deregistering_or_done() || self.obs.is_empty() {
            None
        } else {
            self.obs.next_deadline(self.now, &self.store, &self.attrs)
        };
        [self.msg.next_timeout(), self.reg.next_deadline(), notify]
            .into_iter()
            .flatten()
            .min()
    }

    /// Begins De-register (SIGTERM/SIGINT); `is_done` turns true once it is answered, fails or
    /// times out, or at once when the client is not registered.
    pub fn shutdown(&mut self, now: Duration) {
        self.sync_clock(now);
        self.reg.shutdown(now, &mut self.msg);
        self.obs.clear(&mut self.msg);
    }

    /// True once De-register has ended (answered, failed or timed out) after `shutdown`.
    pub fn is_done(&self) -> bool {
        self.reg.is_done()
    }

    /// True between the Register's 2.01 and the next Register or De-register.
    pub fn is_registered(&self) -> bool {
        self.reg.is_registered()
    }

    /// How the registration ended, once it did: Some(true) registered, Some(false) failed for
    /// good (LwM2M 1.1 retry resources exhausted); None while it is under way.
    pub fn registration_outcome(&self) -> Option<bool> {
        if self.reg.is_registered() {
            Some(true)
        } else if self.reg.is_failed() {
            Some(false)
        } else {
            None
        }
    }

    /// The registration location (e.g. "/rd/abc") while registered.
    pub fn location(&self) -> Option<String> {
        self.reg.location()
    }
}

/// How a [`Device`](super::device::Device) runs one core per LwM2M Server: the device owns the
/// object store its servers share and lends it to a core for each call.
impl ClientCore {
    /// A core for the server of `cfg.server`, whose Server Object Instance is
    /// `server_instance`; it sends its Register at once, like [`ClientCore::new`].
    pub(crate) fn for_server(
        cfg: ClientConfig,
        server_instance: u16,
        store: &mut ObjectStore,
        now: Duration,
        unix_at_epoch: i64,
        seed: u64,
    ) -> Self {
        // A stand-in store, swapped for the device's whenever the core runs.
        let stand_in = ObjectStore::without_servers();
        let mut core = Self::with_store(cfg, server_instance, stand_in, now, unix_at_epoch, seed);
        core.lend(store, |c| {
            c.sync_clock(now);
            c.poll(now);
        });
        core
    }

    /// Runs `f` with `store` as this core's object store, then hands it back. A swap rather
    /// than a borrowed field so that every method of the core works unchanged.
    pub(crate) fn lend<R>(&mut self, store: &mut ObjectStore, f: impl FnOnce(&mut ClientCore) -> R) -> R {
        std::mem::swap(&mut self.store, store);
        let r = f(self);
        std::mem::swap(&mut self.store, store);
        r
    }

    /// Like `handle_datagram`, but sends nothing of the core's own accord (no Register, Update
    /// or notification): for a fault that answers a request while the device holds this
    /// server off, so that the answer is the fault's only trace.
    pub(crate) fn handle_datagram_quietly(&mut self, now: Duration, bytes: &[u8]) {
        self.sync_clock(now);
        if let Ok(m) = Message::parse(bytes) {
            self.on_message(now, &m);
        }
    }

    /// Asks for an Update at the next poll (as the Registration Update Trigger does).
    pub(crate) fn trigger_update(&mut self) {
        self.reg.trigger_update();
    }

    /// Whether this server executed the Bootstrap-Request Trigger since the last call.
    pub(crate) fn take_bootstrap_request(&mut self) -> bool {
        std::mem::take(&mut self.bootstrap_requested)
    }

    /// The LwM2M Server this core talks to.
    pub(crate) fn server(&self) -> SocketAddr {
        self.msg.server()
    }

    /// Its Server Object Instance.
    pub(crate) fn server_instance(&self) -> u16 {
        self.server_instance
    }
}
