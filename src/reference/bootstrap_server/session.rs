//! One bootstrap sequence with one LwM2M Client: the requests still to send, the ones awaiting
//! an answer, and the CoAP message layer (Message IDs, tokens, retransmission, duplicates) of
//! that peer. Sans-IO: every method that depends on time takes `now`.
//!
//! Pacing: one request at a time, the next only once the previous one is answered, so that
//! Bootstrap-Finish goes out only after every Write and Delete was answered (seed 003 §8.1.1:
//! "The Bootstrap Server must send finish indication after it has sent all object
//! instances/resources").

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::reliability::Seen;
use crate::coap::{Code, Message, MessageType};
use crate::reference::client::messaging::{MAX_TRANSMIT_WAIT, MessageLayer};

use super::Fault;
use super::plan::Request;

/// A request sent and not answered yet.
#[derive(Debug)]
struct InFlight {
    mid: u16,
    token: Vec<u8>,
    request: Request,
    /// When an empty ACK promised a separate response (RFC 7252 §5.2.2).
    acked_at: Option<Duration>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// No sequence under way (a session is opened by the first datagram from a peer).
    Idle,
    Provisioning,
    /// Bootstrap-Finish was answered.
    Finished,
    /// The client stopped answering (a request ran out of retransmissions, was reset, or its
    /// separate response never came): nothing more is sent until it asks again.
    Abandoned,
}

#[derive(Debug)]
pub(super) struct Session {
    pub(super) msg: MessageLayer,
    pending: VecDeque<Request>,
    in_flight: Vec<InFlight>,
    state: State,
    /// The faults of the Bootstrap-Server (pacing and encoding of the requests).
    faults: BTreeSet<Fault>,
}

impl Session {
    pub(super) fn new(peer: SocketAddr, seed: u64, faults: BTreeSet<Fault>) -> Self {
        Session {
            msg: MessageLayer::new(peer, seed),
            pending: VecDeque::new(),
            in_flight: Vec::new(),
            state: State::Idle,
            faults,
        }
    }

    pub(super) fn state(&self) -> State {
        self.state
    }

    /// Starts a sequence (again, if one was under way: a repeated Bootstrap-Request asks for a
    /// fresh one) and sends its first request.
    pub(super) fn begin(&mut self, now: Duration, requests: VecDeque<Request>) {
        for f in self.in_flight.drain(..) {
            self.msg.cancel(f.mid);
        }
        self.pending = requests;
        self.state = State::Provisioning;
        self.pump(now);
    }

    /// Sends what the pacing allows: the next request once nothing is awaiting an answer (the
    /// fault `bs-finish-before-writes-acked` sends Bootstrap-Finish without waiting).
    fn pump(&mut self, now: Duration) {
        let finish_waits = !self.faults.contains(&Fault::BsFinishBeforeWritesAcked);
        while self.state == State::Provisioning {
            let Some(next) = self.pending.front() else { break };
            let may_send = self.in_flight.is_empty() || (next.is_finish() && !finish_waits);
            if !may_send {
                break;
            }
            let Some(request) = self.pending.pop_front() else { break };
            let token = self.msg.token();
            let Some(message) = request.message(token.clone(), &self.faults) else {
                tracing::warn!("cannot encode {request:?}: skipped");
                continue;
            };
            tracing::info!("to {}: {message}", self.msg.server());
            if let Some(mid) = self.msg.send_con(now, message) {
                self.in_flight.push(InFlight {
                    mid,
                    token,
                    request,
                    acked_at: None,
                });
            }
        }
    }

    /// An ACK or RST from the client.
    pub(super) fn on_ack_or_reset(&mut self, now: Duration, m: &Message) {
        // Only one that stops a retransmission of ours counts: a late or duplicated one is stale.
        if !self.msg.acknowledged(m.mid) {
            return;
        }
        let Some(i) = self.in_flight.iter().position(|f| f.mid == m.mid) else {
            return;
        };
        if m.mtype == MessageType::Reset {
            self.abandon("the client reset a request");
        } else if m.is_empty() {
            self.in_flight[i].acked_at = Some(now);
        } else {
            self.answered(now, i, m.code);
        }
    }

    /// A separate response (after an empty ACK), matched by token (RFC 7252 §5.3.2).
    pub(super) fn on_separate_response(&mut self, now: Duration, m: &Message) {
        let i = self.in_flight.iter().position(|f| f.token == m.token);
        if m.mtype == MessageType::Confirmable {
            match self.msg.check_duplicate(now, m.mid) {
                Seen::New => self.msg.acknowledge_response(m.mid, i.is_some()),
                Seen::Answered(bytes) => return self.msg.resend_bytes(bytes),
                Seen::Duplicate => return,
            }
        }
        if let Some(i) = i {
            let mid = self.in_flight[i].mid;
            self.msg.cancel(mid);
            self.answered(now, i, m.code);
        }
    }

    fn answered(&mut self, now: Duration, i: usize, code: Code) {
        let done = self.in_flight.remove(i);
        let peer = self.msg.server();
        if code.class() != 2 {
            // The sequence goes on: the client keeps what it accepted, and Bootstrap-Finish
            // lets it judge whether that is a usable configuration (it may answer 4.06).
            tracing::warn!("{peer} answered {:?} with {code}", done.request);
        } else {
            tracing::info!("{peer} answered {:?} with {code}", done.request);
        }
        if done.request.is_finish() {
            self.state = State::Finished;
            return;
        }
        self.pump(now);
    }

    fn abandon(&mut self, why: &str) {
        tracing::warn!("giving up on {}: {why}", self.msg.server());
        for f in self.in_flight.drain(..) {
            self.msg.cancel(f.mid);
        }
        self.pending.clear();
        self.state = State::Abandoned;
    }

    /// Retransmissions due at `now`; a request that runs out of them, or whose separate
    /// response is overdue, ends the sequence.
    pub(super) fn on_timeout(&mut self, now: Duration) {
        if !self.msg.on_timeout(now).is_empty() {
            self.abandon("no ACK after MAX_RETRANSMIT retransmissions");
        }
        if self
            .in_flight
            .iter()
            .any(|f| f.acked_at.is_some_and(|t| now >= t + MAX_TRANSMIT_WAIT))
        {
            self.abandon("a separate response never came");
        }
    }

    pub(super) fn next_deadline(&self) -> Option<Duration> {
        let separate = self.in_flight.iter().filter_map(|f| f.acked_at).min();
        [self.msg.next_timeout(), separate.map(|t| t + MAX_TRANSMIT_WAIT)]
            .into_iter()
            .flatten()
            .min()
    }
}
