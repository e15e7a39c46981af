//! [`BootstrapServerCore`]: the reference Bootstrap-Server as a sans-IO state machine (in the
//! manner of quinn-proto). It owns no socket and no clock: the caller hands in datagrams and the
//! time, and polls out datagrams and the next deadline. Time is a `Duration` since an epoch the
//! caller chooses.
//!
//! One [`Session`] per client address (with NoSec the address is the client's identity), each
//! with its own message layer, so Message IDs and duplicates of two clients never mix.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::layer::accept;
use crate::coap::reliability::Seen;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::Role;
use crate::lwm2m::operation::{Context, Operation, classify};

use super::plan::{Initiator, sequence};
use super::session::{Session, State};
use super::{BootstrapServerConfig, Fault};

/// The reference Bootstrap-Server's state: one provisioning session per client, each running
/// the Bootstrap sequence (Writes, Deletes, Bootstrap-Finish) after a Bootstrap-Request or, for
/// Server Initiated Bootstrap, at once.
#[derive(Debug)]
pub struct BootstrapServerCore {
    cfg: BootstrapServerConfig,
    sessions: BTreeMap<SocketAddr, Session>,
    seed: u64,
}

impl BootstrapServerCore {
    /// A Bootstrap-Server waiting for Bootstrap-Requests; with `server_initiated` it also starts
    /// provisioning that client at once (poll the first Write out with `poll_transmit`). `seed`
    /// randomises Message IDs, tokens and retransmission timing; tests pass a fixed one.
    pub fn new(cfg: BootstrapServerConfig, now: Duration, seed: u64) -> Self {
        let mut core = BootstrapServerCore {
            cfg,
            sessions: BTreeMap::new(),
            seed,
        };
        if let Some(client) = core.cfg.server_initiated {
            if core.cfg.faults.contains(&Fault::BsServerInitiatedSilent) {
                tracing::info!("server initiated bootstrap of {client} withheld (fault)");
            } else {
                core.start_server_initiated(now, client);
            }
        }
        core
    }

    /// Server Initiated Bootstrap: provisions the client at `client` without a Bootstrap-Request
    /// (also the `bootstrap HOST:PORT` trigger).
    pub fn start_server_initiated(&mut self, now: Duration, client: SocketAddr) {
        tracing::info!("server initiated bootstrap of {client}");
        let requests = sequence(
            &self.cfg.server_uri,
            Initiator::Server,
            &self.cfg.faults,
            &self.cfg.variants,
        );
        self.session(client).begin(now, requests);
    }

    fn session(&mut self, peer: SocketAddr) -> &mut Session {
        // A distinct seed per session, so two clients never see the same tokens.
        let seed = self.seed ^ (self.sessions.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let faults = self.cfg.faults.clone();
        self.sessions
            .entry(peer)
            .or_insert_with(|| Session::new(peer, seed, faults))
    }

    /// Takes in one datagram from `from` at `now`: a Bootstrap-Request starts a session, a response
    /// advances the client's session.
    pub fn handle_datagram(&mut self, now: Duration, from: SocketAddr, bytes: &[u8]) {
        let m = match accept(bytes) {
            Ok(m) => m,
            Err(r) => {
                tracing::debug!("datagram from {from} rejected: {}", r.why);
                // A rejected Confirmable message is answered with RST (RFC 7252 §4.2).
                if let Some(mid) = r.reset {
                    let _ = self.session(from).msg.send_empty(MessageType::Reset, mid);
                }
                return;
            }
        };
        let con = m.mtype == MessageType::Confirmable;
        match m.mtype {
            MessageType::Acknowledgement | MessageType::Reset => {
                if let Some(s) = self.sessions.get_mut(&from) {
                    s.on_ack_or_reset(now, &m);
                }
            }
            _ if m.is_request() => self.on_request(now, from, &m),
            _ if m.is_response() => self.session(from).on_separate_response(now, &m),
            // A CoAP ping (empty CON) or a reserved code class: RST (RFC 7252 §4.2, §4.3).
            _ if con => {
                let _ = self.session(from).msg.send_empty(MessageType::Reset, m.mid);
            }
            _ => {}
        }
    }

    fn on_request(&mut self, now: Duration, from: SocketAddr, req: &Message) {
        let reject = self.cfg.faults.contains(&Fault::BsRejectBootstrapRequest);
        let server_uri = self.cfg.server_uri.clone();
        let faults = self.cfg.faults.clone();
        let variants = self.cfg.variants.clone();
        let session = self.session(from);
        match session.msg.check_duplicate(now, req.mid) {
            Seen::New => {}
            // A retransmission gets the first answer again, never a second sequence (§4.5).
            Seen::Answered(bytes) => return session.msg.resend_bytes(bytes),
            Seen::Duplicate => return,
        }
        let endpoint = req
            .uri_query()
            .into_iter()
            .find(|(k, _)| k == "ep")
            .and_then(|(_, v)| v)
            .filter(|v| !v.is_empty());
        let unknown_critical = req.unknown_critical_option().is_some();
        // Bootstrap-Request: POST /bs?ep={Endpoint Client Name} (LwM2M 1.0.2 §8.2.2).
        let request = classify(req, Context::sent_by(Role::Client)) == Some(Operation::BootstrapRequest);
        let code = match req.uri_path().as_str() {
            _ if unknown_critical => Code::BAD_OPTION,
            _ if request && reject => Code::NOT_FOUND,
            _ if request && endpoint.is_none() => Code::BAD_REQUEST,
            _ if request => Code::CHANGED,
            "/bs" => Code::METHOD_NOT_ALLOWED,
            _ => Code::NOT_FOUND,
        };
        session.msg.respond(req, code, |_| {});
        if code == Code::CHANGED {
            tracing::info!(
                "Bootstrap-Request from {from} (ep={})",
                endpoint.as_deref().unwrap_or_default()
            );
            // The 2.04 is queued first, so the first Write follows it on the wire.
            session.begin(now, sequence(&server_uri, Initiator::Client, &faults, &variants));
        }
    }

    /// Retransmissions and deadlines due at `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        for s in self.sessions.values_mut() {
            s.on_timeout(now);
        }
    }

    /// The next datagram to send, as (destination, bytes).
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.sessions.values_mut().find_map(|s| s.msg.poll_transmit())
    }

    /// When `handle_timeout` must next run, if ever.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.sessions.values().filter_map(Session::next_deadline).min()
    }

    /// Whether the sequence with `client` ended with an answered Bootstrap-Finish.
    pub fn finished(&self, client: SocketAddr) -> bool {
        self.sessions.get(&client).is_some_and(|s| s.state() == State::Finished)
    }
}
