//! The client side of the Bootstrap Interface (LwM2M 1.0.2 §5.2, CoAP mapping §8.2.2; seed
//! 003): Bootstrap-Request, and Bootstrap Write, Delete and Finish from the Bootstrap-Server;
//! with `--lwm2m 1.1` also Bootstrap-Read and Bootstrap-Discover (`read`).
//!
//! [`Bootstrap`] owns the exchanges with the Bootstrap-Server, on a message layer of its own
//! so that Message IDs, duplicates and retransmissions stay apart from the LwM2M Servers'. It
//! tells the [`Device`](super::device::Device) when a bootstrap sequence is under way and when
//! it ends; what that means for the LwM2M Servers (ignore them meanwhile, start fresh after) is
//! the device's business.
//!
//! A sequence runs from sending Bootstrap-Request (Client Initiated) or from the first
//! Bootstrap Write, Delete or Finish the Bootstrap-Server sends unasked (Server Initiated) until
//! Bootstrap-Finish is answered.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::coap::message::option;
use crate::coap::reliability::Seen;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::operation::{self, Operation};

use super::dm::Reply;

use super::messaging::{EXCHANGE_LIFETIME, MAX_TRANSMIT_WAIT, MessageLayer};
use super::objects::ObjectStore;
use super::{Fault, Version};

mod read;
mod request;

use request::{Op, classify};

/// After a Bootstrap-Finish that leaves no usable LwM2M Server, a Client Initiated client asks
/// again this much later (the Bootstrap-Server Account is all it has left).
pub(crate) const REBOOTSTRAP_DELAY: Duration = Duration::from_secs(2);

/// Back-off before the first retry of a failed Bootstrap-Request; it doubles up to the cap,
/// as Register's does.
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(10);
const MAX_BACKOFF: Duration = Duration::from_secs(120);

/// How long a sequence may go without a message from the Bootstrap-Server before the client
/// gives up on it: EXCHANGE_LIFETIME, the longest one Confirmable exchange takes to settle.
pub(crate) const SEQUENCE_IDLE_LIMIT: Duration = EXCHANGE_LIFETIME;

/// The faults that only a bootstrap session can show (the single-server session of
/// `tests/faults.rs` does not exercise them). The last two only act in a 1.1 client, so the
/// 1.0 sessions of `tests/bootstrap/faults.rs` show them changing nothing; `tests/lwm2m_1_1.rs`
/// shows what they do.
#[cfg(test)]
pub(crate) const FAULTS: [Fault; 11] = [
    Fault::BsAnswerDuringBootstrap,
    Fault::BsWriteNeedsExistingInstance,
    Fault::BsDeleteRootRemovesBsAccount,
    Fault::BsDeleteRootKeepsServers,
    Fault::BsRegisterFirstServerOnly,
    Fault::BsNoFreshStart,
    Fault::BsKeepsDeletedServerRegistration,
    Fault::SibAnswerDm,
    Fault::SibAnswerObserve,
    Fault::BsNoBootstrapRead,
    Fault::BsNoBootstrapDiscover,
];

/// Who began the sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Initiator {
    Client,
    Server,
}

#[derive(Debug)]
enum Phase {
    /// No sequence; a Bootstrap-Request is due at `request_at`, if set.
    Idle { request_at: Option<Duration> },
    /// Bootstrap-Request sent, its 2.04 awaited; `acked_at` is when an empty ACK promised a
    /// separate response (RFC 7252 §5.2.2).
    Requesting {
        mid: u16,
        token: Vec<u8>,
        acked_at: Option<Duration>,
    },
    /// Taking Writes and Deletes until Bootstrap-Finish.
    Provisioning { initiator: Initiator, last_heard: Duration },
}

/// What a datagram or a timeout meant to the device.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome {
    Quiet,
    /// A request from the Bootstrap-Server not related to bootstrap; nothing was sent.
    Foreign(Message),
    /// The sequence is over: Bootstrap-Finish was answered, or a Server Initiated sequence
    /// fell silent for SEQUENCE_IDLE_LIMIT.
    Ended,
}

#[derive(Debug)]
pub(crate) struct Bootstrap {
    endpoint: String,
    faults: BTreeSet<Fault>,
    /// False with `--server-initiated`: the client never sends Bootstrap-Request.
    client_initiated: bool,
    /// 1.1 adds Bootstrap-Read and Bootstrap-Discover (`read`).
    version: Version,
    msg: MessageLayer,
    phase: Phase,
    failures: u32,
}

impl Bootstrap {
    pub(crate) fn new(
        endpoint: String,
        server: std::net::SocketAddr,
        client_initiated: bool,
        faults: BTreeSet<Fault>,
        version: Version,
        seed: u64,
    ) -> Self {
        Bootstrap {
            endpoint,
            faults,
            client_initiated,
            version,
            msg: MessageLayer::new(server, seed),
            phase: Phase::Idle { request_at: None },
            failures: 0,
        }
    }

    /// The Bootstrap-Server's address.
    pub(crate) fn peer(&self) -> std::net::SocketAddr {
        self.msg.server()
    }

    /// Who began the sequence under way, if one is.
    pub(crate) fn initiator(&self) -> Option<Initiator> {
        match self.phase {
            Phase::Idle { .. } => None,
            Phase::Requesting { .. } => Some(Initiator::Client),
            Phase::Provisioning { initiator, .. } => Some(initiator),
        }
    }

    pub(crate) fn is_active(&self) -> bool {
        self.initiator().is_some()
    }

    /// Whether the client may send Bootstrap-Request (not with `--server-initiated`).
    pub(crate) fn is_client_initiated(&self) -> bool {
        self.client_initiated
    }

    /// Asks for a Bootstrap-Request at `at` (Client Initiated only; none while a sequence runs).
    /// A request already scheduled earlier stays: asking again (the same failure seen twice)
    /// never postpones it.
    pub(crate) fn request_at(&mut self, at: Duration) {
        if !self.client_initiated {
            return;
        }
        if let Phase::Idle { request_at } = &mut self.phase {
            *request_at = Some(request_at.map_or(at, |t| t.min(at)));
        }
    }

    /// Sends the Bootstrap-Request if it is due and the Bootstrap-Server Account still exists.
    pub(crate) fn poll(&mut self, now: Duration, store: &ObjectStore) {
        let Phase::Idle { request_at: Some(at) } = self.phase else {
            return;
        };
        if now < at {
            return;
        }
        if !store.has_bootstrap_account() {
            tracing::info!("no Bootstrap-Server Account left: no Bootstrap-Request");
            self.phase = Phase::Idle { request_at: None };
            return;
        }
        // Bootstrap-Request: POST /bs?ep={Endpoint Client Name} (§8.2.2).
        let token = self.msg.token();
        let mut query = vec![("ep".to_string(), Some(self.endpoint.clone()))];
        // `pct` (TS 1.1 §5.2.7.1) only from a 1.1 client, and only when it has a preference.
        if let (Version::V1_1, Some(pct)) = (self.version, store.preferred_content_format()) {
            query.push(("pct".to_string(), Some(pct.0.to_string())));
        }
        let m = operation::confirmable(Operation::BootstrapRequest, token.clone(), None, &query);
        self.phase = match self.msg.send_con(now, m) {
            Some(mid) => Phase::Requesting {
                mid,
                token,
                acked_at: None,
            },
            None => Phase::Idle {
                request_at: Some(now + FIRST_BACKOFF),
            },
        };
    }

    /// Ends any sequence and sends nothing more (shutdown).
    pub(crate) fn stop(&mut self) {
        if let Phase::Requesting { mid, .. } = self.phase {
            self.msg.cancel(mid);
        }
        self.phase = Phase::Idle { request_at: None };
    }

    fn fail(&mut self, now: Duration) {
        self.failures = self.failures.saturating_add(1);
        let backoff = FIRST_BACKOFF.saturating_mul(1 << self.failures.min(5).saturating_sub(1));
        tracing::info!("Bootstrap-Request failed: retrying in {backoff:?}");
        self.phase = Phase::Idle {
            request_at: Some(now + backoff.min(MAX_BACKOFF)),
        };
    }

    fn on_response(&mut self, now: Duration, code: Code) {
        if code == Code::CHANGED {
            self.failures = 0;
            self.phase = Phase::Provisioning {
                initiator: Initiator::Client,
                last_heard: now,
            };
        } else {
            self.fail(now);
        }
    }

    pub(crate) fn handle_datagram(&mut self, now: Duration, bytes: &[u8], store: &mut ObjectStore) -> Outcome {
        let Some(m) = self.msg.parse_or_reset(bytes) else {
            return Outcome::Quiet;
        };
        let con = m.mtype == MessageType::Confirmable;
        match m.mtype {
            MessageType::Acknowledgement | MessageType::Reset => self.on_ack_or_reset(now, &m),
            _ if m.is_request() => return self.on_request(now, m, store),
            _ if m.is_response() => self.on_separate_response(now, &m),
            // A CoAP ping (empty CON) or a reserved code class: RST (RFC 7252 §4.2, §4.3).
            _ if con => {
                let _ = self.msg.send_empty(MessageType::Reset, m.mid);
            }
            _ => {}
        }
        Outcome::Quiet
    }

    fn on_ack_or_reset(&mut self, now: Duration, m: &Message) {
        // Only an ACK or RST that stops our retransmission counts: a late one is stale.
        if !self.msg.acknowledged(m.mid) {
            return;
        }
        let Phase::Requesting { mid, token, acked_at } = &mut self.phase else {
            return;
        };
        if m.mid != *mid {
            return;
        }
        if m.mtype == MessageType::Reset {
            self.fail(now);
        } else if m.is_empty() {
            *acked_at = Some(now);
        } else if m.token == *token {
            self.on_response(now, m.code);
        }
    }

    /// The 2.04 (or an error) to Bootstrap-Request after an empty ACK, matched by token.
    fn on_separate_response(&mut self, now: Duration, m: &Message) {
        let ours = matches!(&self.phase, Phase::Requesting { token, .. } if *token == m.token);
        if m.mtype == MessageType::Confirmable {
            match self.msg.check_duplicate(now, m.mid) {
                Seen::New => {}
                Seen::Answered(bytes) => return self.msg.resend_bytes(bytes),
                Seen::Duplicate => return,
            }
            self.msg.acknowledge_response(m.mid, ours);
        }
        if let (true, Phase::Requesting { mid, .. }) = (ours, &self.phase) {
            self.msg.cancel(*mid);
            self.on_response(now, m.code);
        }
    }

    fn on_request(&mut self, now: Duration, req: Message, store: &mut ObjectStore) -> Outcome {
        match self.msg.check_duplicate(now, req.mid) {
            Seen::New => {}
            // A retransmission gets the first answer again, never a second execution.
            Seen::Answered(bytes) => {
                self.msg.resend_bytes(bytes);
                return Outcome::Quiet;
            }
            Seen::Duplicate => return Outcome::Quiet,
        }
        let Some(op) = classify(&req, self.version) else {
            return Outcome::Foreign(req);
        };
        match &mut self.phase {
            // The Bootstrap-Server is provisioning, so our Bootstrap-Request arrived even if
            // its 2.04 is lost or still to come.
            Phase::Requesting { mid, .. } => {
                self.msg.cancel(*mid);
                self.phase = Phase::Provisioning {
                    initiator: Initiator::Client,
                    last_heard: now,
                };
            }
            Phase::Idle { .. } if !store.has_bootstrap_account() => {
                tracing::debug!("ignoring {req}: no Bootstrap-Server Account");
                return Outcome::Quiet;
            }
            Phase::Idle { .. } => {
                tracing::info!("Server Initiated Bootstrap begins with {req}");
                self.phase = Phase::Provisioning {
                    initiator: Initiator::Server,
                    last_heard: now,
                };
            }
            Phase::Provisioning { last_heard, .. } => *last_heard = now,
        }
        let reply = request::carry_out(&op, &req, store, &self.faults);
        self.respond(&req, reply);
        if matches!(op, Op::Finish) {
            self.phase = Phase::Idle { request_at: None };
            return Outcome::Ended;
        }
        Outcome::Quiet
    }

    /// Piggybacked in the ACK of a Confirmable request, Non-confirmable for a Non-confirmable
    /// one (RFC 7252 §5.2); remembered for duplicates either way.
    fn respond(&mut self, req: &Message, reply: Reply) {
        self.msg.respond(req, reply.code, |resp| {
            if let Some(cf) = reply.content_format {
                resp.add_uint_option(option::CONTENT_FORMAT, u32::from(cf.0));
            }
            resp.payload = reply.payload;
        });
    }

    /// Retransmissions and deadlines due at `now`.
    pub(crate) fn on_timeout(&mut self, now: Duration, store: &ObjectStore) -> Outcome {
        for gave_up in self.msg.on_timeout(now) {
            if matches!(self.phase, Phase::Requesting { mid, .. } if mid == gave_up) {
                self.fail(now);
            }
        }
        let mut outcome = Outcome::Quiet;
        match self.phase {
            Phase::Requesting {
                acked_at: Some(t), mid, ..
            } if now >= t + MAX_TRANSMIT_WAIT => {
                self.msg.cancel(mid);
                self.fail(now);
            }
            Phase::Provisioning { initiator, last_heard } if now >= last_heard + SEQUENCE_IDLE_LIMIT => {
                tracing::info!("the Bootstrap-Server fell silent: giving up on the sequence");
                self.phase = Phase::Idle { request_at: None };
                match initiator {
                    // Still unconfigured: ask again.
                    Initiator::Client => self.request_at(now),
                    Initiator::Server => outcome = Outcome::Ended,
                }
            }
            _ => {}
        }
        self.poll(now, store);
        outcome
    }

    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        let phase = match &self.phase {
            Phase::Idle { request_at } => *request_at,
            Phase::Requesting { acked_at, .. } => acked_at.map(|t| t + MAX_TRANSMIT_WAIT),
            Phase::Provisioning { last_heard, .. } => Some(*last_heard + SEQUENCE_IDLE_LIMIT),
        };
        [self.msg.next_timeout(), phase].into_iter().flatten().min()
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<(std::net::SocketAddr, Vec<u8>)> {
        self.msg.poll_transmit()
    }
}
