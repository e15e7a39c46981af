//! The Client Registration interface (LwM2M 1.0.2 §5.3, CoAP mapping §8.2.3): Register,
//! Update and De-register, as a state machine driven by the core.
//!
//! Events (`on_ack`, `on_separate_response`, ...) only change state; `poll` sends what the
//! state calls for, so every path that needs a Register or an Update goes through one place.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message};

use super::messaging::{MAX_TRANSMIT_WAIT, MessageLayer};
use super::reg_messages::{self, Snapshot};
use super::registration_policy::{Attempts, Retry};
use super::{Fault, Version};

/// How long De-register waits for its answer before the client exits anyway. The harness
/// sends SIGKILL 2 s after SIGTERM, and the exit must be bounded without a harness too.
pub(crate) const DEREGISTER_WAIT: Duration = Duration::from_secs(2);

/// Back-off before the first retry of a failed Register; it doubles up to the cap.
const FIRST_BACKOFF: Duration = Duration::from_secs(10);
const MAX_BACKOFF: Duration = Duration::from_secs(120);

#[derive(Debug)]
struct Exchange {
    mid: u16,
    token: Vec<u8>,
    /// When an empty ACK came: the response will be separate (RFC 7252 §5.2.2).
    acked_at: Option<Duration>,
}

impl Exchange {
    fn new(mid: u16, token: Vec<u8>) -> Self {
        Exchange {
            mid,
            token,
            acked_at: None,
        }
    }

    fn separate_deadline(&self) -> Option<Duration> {
        self.acked_at.map(|t| t + MAX_TRANSMIT_WAIT)
    }
}

#[derive(Debug)]
enum Phase {
    /// A Register goes out at the next `poll`.
    Idle,
    Registering(Exchange, Snapshot),
    /// Back-off after a failed Register.
    Waiting {
        until: Duration,
    },
    Registered,
    Deregistering {
        exchange: Exchange,
        deadline: Duration,
    },
    /// LwM2M 1.1: every attempt of every sequence failed; no further Register (the device
    /// decides what follows: the next server, a bootstrap, or nothing).
    Failed,
    Done,
}

#[derive(Debug)]
struct Session {
    /// Location-Path segments of the 2.01, re-sent as Uri-Path as they came.
    location: Vec<Vec<u8>>,
    known: Snapshot,
    next_update_at: Option<Duration>,
    update: Option<(Exchange, Snapshot)>,
    update_wanted: bool,
}

/// Which of the client's requests a message answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Register,
    Update,
    Deregister,
}

#[derive(Debug)]
pub(crate) struct Registration {
    endpoint: String,
    faults: BTreeSet<Fault>,
    version: Version,
    phase: Phase,
    session: Option<Session>,
    /// LwM2M 1.0 back-off: failed Registers in a row.
    failures: u32,
    /// LwM2M 1.1 retry resources of this server (17-20), refreshed from the store before
    /// every event; None: the 1.0 back-off.
    retry: Option<Retry>,
    /// LwM2M 1.1 Bootstrap on Registration Failure (resource 16) of this server: an explicit
    /// rejection (an error answer to the Register) ends the registration at once, so the client
    /// re-bootstraps instead of retrying.
    fail_on_rejection: bool,
    attempts: Attempts,
    /// Set by `shutdown`: the client must be done by then, De-registered if it can be.
    stop_by: Option<Duration>,
}

fn half(lifetime: u32, from: Duration) -> Option<Duration> {
    // LwM2M 1.0 gives Lifetime 0 no meaning (1.1 reads it as infinite): no periodic Update.
    (lifetime > 0).then(|| from + Duration::from_millis(u64::from(lifetime) * 500))
}

impl Registration {
    pub(crate) fn new(endpoint: String, faults: BTreeSet<Fault>, version: Version) -> Self {
        let mut reg = Registration {
            endpoint,
            faults,
            version,
            phase: Phase::Idle,
            session: None,
            failures: 0,
            retry: None,
            fail_on_rejection: false,
            attempts: Attempts::default(),
            stop_by: None,
        };
        if reg.faults.contains(&Fault::IrReregisterWithUpdateAfterRestart)
            && let Some(location) = super::resume::take(&reg.endpoint)
        {
            // The fault: resume the previous process's registration with an Update carrying
            // everything (nothing is known to be known), instead of a Register.
            let nothing = Snapshot {
                lifetime: 0,
                binding: String::new(),
                links: String::new(),
                pct: None,
            };
            reg.session = Some(Session {
                location,
                known: nothing,
                next_update_at: None,
                update: None,
                update_wanted: true,
            });
            reg.phase = Phase::Registered;
        }
        reg
    }

    pub(crate) fn is_registered(&self) -> bool {
        matches!(self.phase, Phase::Registered)
    }

    pub(crate) fn is_deregistering_or_done(&self) -> bool {
        matches!(self.phase, Phase::Deregistering { .. } | Phase::Done)
    }

    pub(crate) fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    /// True once the registration has failed for good (LwM2M 1.1 retry resources exhausted).
    pub(crate) fn is_failed(&self) -> bool {
        matches!(self.phase, Phase::Failed)
    }

    /// The retry resources (17-20) to apply to the next failure; None: the 1.0 back-off.
    /// The registration resources of this server as they are now (a Bootstrap-Server may have
    /// rewritten them): the retry resources 17-20 and Bootstrap on Registration Failure (16).
    pub(crate) fn set_policy(&mut self, retry: Option<Retry>, bootstrap_on_failure: bool) {
        self.retry = retry;
        self.fail_on_rejection = bootstrap_on_failure;
    }

    /// The registration location as "/rd/abc" once registered.
    pub(crate) fn location(&self) -> Option<String> {
        let s = self.session.as_ref()?;
        Some(
            s.location
                .iter()
                .map(|seg| format!("/{}", String::from_utf8_lossy(seg)))
                .collect(),
        )
    }

    /// Sends what the state calls for. Returns true when a Register went out: the server then
    /// forgets this client's previous registration, observations included.
    pub(crate) fn poll(&mut self, now: Duration, current: &Snapshot, msg: &mut MessageLayer) -> bool {
        if self.stop_by.is_some() {
            self.stop(now, msg);
            return false;
        }
        match &self.phase {
            Phase::Idle => {}
            Phase::Waiting { until } if now >= *until => {}
            Phase::Registered => {
                self.maybe_update(now, current, msg);
                return false;
            }
            _ => return false,
        }
        self.session = None;
        let token = msg.token();
        let m = reg_messages::register(&self.endpoint, &self.faults, self.version, token.clone(), current);
        // What the server learns is recorded as `current`, whatever a fault put on the wire.
        self.phase = match msg.send_con(now, m) {
            Some(mid) => {
                if self.faults.contains(&Fault::RegNoRegisterRetry) {
                    msg.cancel(mid);
                }
                Phase::Registering(Exchange::new(mid, token), current.clone())
            }
            None => Phase::Waiting {
                until: now + FIRST_BACKOFF,
            },
        };
        true
    }

    fn maybe_update(&mut self, now: Duration, current: &Snapshot, msg: &mut MessageLayer) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let due = s.update_wanted || s.next_update_at.is_some_and(|t| now >= t) || *current != s.known;
        if s.update.is_some() || !due {
            return;
        }
        let token = msg.token();
        let m = reg_messages::update(&self.faults, token.clone(), &s.location, &s.known, current);
        s.update_wanted = false;
        match msg.send_con(now, m) {
            Some(mid) => s.update = Some((Exchange::new(mid, token), current.clone())),
            None => self.phase = Phase::Idle,
        }
    }

    /// The server executed the Registration Update Trigger.
    pub(crate) fn trigger_update(&mut self) {
        if let Some(s) = self.session.as_mut() {
            s.update_wanted = true;
        }
    }

    fn exchange(&self, kind: Kind) -> Option<&Exchange> {
        match (kind, &self.phase) {
            (Kind::Register, Phase::Registering(e, _)) => Some(e),
            (Kind::Deregister, Phase::Deregistering { exchange, .. }) => Some(exchange),
            (Kind::Update, Phase::Registered) => self.session.as_ref()?.update.as_ref().map(|(e, _)| e),
            _ => None,
        }
    }

    fn exchange_mut(&mut self, kind: Kind) -> Option<&mut Exchange> {
        match (kind, &mut self.phase) {
            (Kind::Register, Phase::Registering(e, _)) => Some(e),
            (Kind::Deregister, Phase::Deregistering { exchange, .. }) => Some(exchange),
            (Kind::Update, Phase::Registered) => self.session.as_mut()?.update.as_mut().map(|(e, _)| e),
            _ => None,
        }
    }

    fn kind_of(&self, f: impl Fn(&Exchange) -> bool) -> Option<Kind> {
        [Kind::Register, Kind::Update, Kind::Deregister]
            .into_iter()
            .find(|k| self.exchange(*k).is_some_and(&f))
    }

    /// An ACK (empty or with a piggybacked response) for Message ID `mid`; false if it is
    /// not one of ours.
    pub(crate) fn on_ack(&mut self, now: Duration, ack: &Message) -> bool {
        let Some(kind) = self.kind_of(|e| e.mid == ack.mid) else {
            return false;
        };
        if ack.is_empty() {
            if let Some(e) = self.exchange_mut(kind) {
                e.acked_at = Some(now);
            }
        } else if self.exchange(kind).is_some_and(|e| e.token == ack.token) {
            self.on_response(now, kind, ack);
        }
        true
    }

    /// A separate response (CON or NON carrying a response code) matched by token.
    pub(crate) fn on_separate_response(&mut self, now: Duration, resp: &Message, msg: &mut MessageLayer) -> bool {
        let Some(kind) = self.kind_of(|e| e.token == resp.token) else {
            return false;
        };
        if let Some(e) = self.exchange(kind) {
            // The response implies our request arrived, even if its ACK was lost.
            msg.cancel(e.mid);
        }
        self.on_response(now, kind, resp);
        true
    }

    /// An RST, or no answer after every retransmission.
    pub(crate) fn on_reset_or_gave_up(&mut self, now: Duration, mid: u16) -> bool {
        let Some(kind) = self.kind_of(|e| e.mid == mid) else {
            return false;
        };
        self.fail(now, kind);
        true
    }

    fn on_response(&mut self, now: Duration, kind: Kind, resp: &Message) {
        match kind {
            Kind::Register => {
                let location: Vec<Vec<u8>> = resp.option_values(option::LOCATION_PATH).map(<[u8]>::to_vec).collect();
                let phase = std::mem::replace(&mut self.phase, Phase::Idle);
                match phase {
                    Phase::Registering(_, known) if resp.code == Code::CREATED && !location.is_empty() => {
                        self.failures = 0;
                        self.attempts.reset();
                        if self.faults.contains(&Fault::IrReregisterWithUpdateAfterRestart) {
                            super::resume::save(&self.endpoint, &location);
                        }
                        let next_update_at = half(known.lifetime, now);
                        self.session = Some(Session {
                            location,
                            known,
                            next_update_at,
                            update: None,
                            update_wanted: false,
                        });
                        self.phase = Phase::Registered;
                    }
                    // Resource 16: "re-bootstrap when either registration is explicitly rejected
                    // by the LwM2M Server or ..." (TS 1.1 §6.2.1.1).
                    _ if self.fail_on_rejection && matches!(resp.code.class(), 4 | 5) => {
                        tracing::info!(
                            "Register rejected with {}: Bootstrap on Registration Failure",
                            resp.code
                        );
                        self.phase = Phase::Failed;
                    }
                    _ => {
                        tracing::info!("Register answered {} without a location: retrying later", resp.code);
                        self.fail(now, Kind::Register);
                    }
                }
            }
            Kind::Update if resp.code == Code::CHANGED => {
                if let Some(s) = self.session.as_mut()
                    && let Some((_, sent)) = s.update.take()
                {
                    s.next_update_at = half(sent.lifetime, now);
                    s.known = sent;
                }
            }
            Kind::Update | Kind::Deregister => self.fail(now, kind),
        }
    }

    fn fail(&mut self, now: Duration, kind: Kind) {
        match kind {
            Kind::Register => {
                self.phase = match self.retry {
                    Some(retry) => match self.attempts.after_failure(&retry, now) {
                        Some(until) => Phase::Waiting { until },
                        None => {
                            tracing::info!("registration failed: the Communication Retry resources are exhausted");
                            Phase::Failed
                        }
                    },
                    None => {
                        self.failures = self.failures.saturating_add(1);
                        let backoff = FIRST_BACKOFF.saturating_mul(1 << self.failures.min(5).saturating_sub(1));
                        Phase::Waiting {
                            until: now + backoff.min(MAX_BACKOFF),
                        }
                    }
                };
            }
            // A failed Update means the server may have lost the registration: register again
            // (LwM2M 1.0.2 §5.3.2).
            Kind::Update => self.phase = Phase::Idle,
            // De-register ends the client whatever the answer.
            Kind::Deregister => self.phase = Phase::Done,
        }
    }

    /// Separate-response and De-register deadlines.
    pub(crate) fn on_timeout(&mut self, now: Duration, msg: &mut MessageLayer) {
        if self.stop_by.is_some() {
            self.stop(now, msg);
        }
        if let Phase::Deregistering { exchange, deadline } = &self.phase {
            if now >= *deadline {
                msg.cancel(exchange.mid);
                self.phase = Phase::Done;
            }
            return;
        }
        for kind in [Kind::Register, Kind::Update] {
            if self
                .exchange(kind)
                .and_then(Exchange::separate_deadline)
                .is_some_and(|t| now >= t)
            {
                self.fail(now, kind);
            }
        }
    }

    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        let separate = |k| self.exchange(k).and_then(Exchange::separate_deadline);
        match &self.phase {
            Phase::Idle | Phase::Failed | Phase::Done => None,
            Phase::Registering(..) => [separate(Kind::Register), self.stop_by].into_iter().flatten().min(),
            Phase::Waiting { until } => Some(*until),
            Phase::Deregistering { deadline, .. } => Some(*deadline),
            Phase::Registered => {
                let s = self.session.as_ref()?;
                match &s.update {
                    Some(_) => separate(Kind::Update),
                    None => s.next_update_at,
                }
            }
        }
    }

    /// The device restarted (Reboot executed): forget the registration and Register again.
    pub(crate) fn restart(&mut self, msg: &mut MessageLayer) {
        self.cancel_in_flight(msg);
        self.session = None;
        self.phase = Phase::Idle;
    }

    fn cancel_in_flight(&self, msg: &mut MessageLayer) {
        for kind in [Kind::Register, Kind::Update, Kind::Deregister] {
            if let Some(e) = self.exchange(kind) {
                msg.cancel(e.mid);
            }
        }
    }

    /// SIGTERM/SIGINT: De-register, within DEREGISTER_WAIT from now. A Register in flight
    /// is waited for (its 2.01 may already be on the way, and then the server holds a
    /// registration that must be removed); otherwise the client is done at once.
    pub(crate) fn shutdown(&mut self, now: Duration, msg: &mut MessageLayer) {
        if self.stop_by.is_some() || self.is_deregistering_or_done() {
            return;
        }
        self.stop_by = Some(now + DEREGISTER_WAIT);
        self.stop(now, msg);
    }

    fn stop(&mut self, now: Duration, msg: &mut MessageLayer) {
        let Some(deadline) = self.stop_by else {
            return;
        };
        match &self.phase {
            Phase::Deregistering { .. } | Phase::Done => {}
            Phase::Registering(..) if now < deadline => {}
            Phase::Registered => {
                self.cancel_in_flight(msg);
                let location = self.session.as_ref().map(|s| s.location.clone()).unwrap_or_default();
                let token = msg.token();
                let m = reg_messages::deregister(&self.faults, token.clone(), &location);
                self.phase = match msg.send_con(now, m) {
                    Some(mid) => Phase::Deregistering {
                        exchange: Exchange::new(mid, token),
                        deadline,
                    },
                    None => Phase::Done,
                };
            }
            _ => {
                self.cancel_in_flight(msg);
                self.phase = Phase::Done;
            }
        }
    }
}
