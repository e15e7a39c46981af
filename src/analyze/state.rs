//! What each client's registration and bootstrap stand at, frame by frame. Feed every annotated
//! datagram in order with `step`; ask before stepping to judge a datagram by the state it met.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::coap::Code;
use crate::dialogue::{Annotated, Kind, Operation};

/// A (client, server) pair.
type Pair = (SocketAddr, SocketAddr);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// No Register of this client to this server in view yet.
    Unknown,
    /// A Register sent and not answered yet; `renewing` when a registration was already in place.
    Pending { register: u32, renewing: bool },
    /// Registered: the 2.01 is in frame `ack`.
    Registered { ack: u32 },
    /// Not registered any more (or the Register failed), since frame `frame`.
    Ended { frame: u32, why: &'static str },
}

#[derive(Debug, Default)]
pub struct Registrations {
    state: BTreeMap<Pair, Registration>,
    /// The location from the last 2.01, and its frame.
    location: BTreeMap<Pair, (String, u32)>,
}

fn is_error(code: Code) -> bool {
    matches!(code.class(), 4 | 5)
}

impl Registrations {
    pub fn state(&self, client: SocketAddr, server: SocketAddr) -> Registration {
        self.state
            .get(&(client, server))
            .copied()
            .unwrap_or(Registration::Unknown)
    }

    pub fn location(&self, client: SocketAddr, server: SocketAddr) -> Option<(&str, u32)> {
        self.location.get(&(client, server)).map(|(l, f)| (l.as_str(), *f))
    }

    pub fn step(&mut self, a: &Annotated) {
        let (from, to, frame) = (a.datagram.from, a.datagram.to, a.frame());
        if a.request_op() == Some(Operation::Register) {
            let renewing = matches!(self.state(from, to), Registration::Registered { .. });
            self.state.insert(
                (from, to),
                Registration::Pending {
                    register: frame,
                    renewing,
                },
            );
            return;
        }
        let (Some(m), Kind::Response { answers: Some(r) }) = (&a.msg, &a.kind) else {
            return;
        };
        let pair = (to, from);
        match (r.op, m.code) {
            (Some(Operation::Register), Code::CREATED) => {
                self.state.insert(pair, Registration::Registered { ack: frame });
                if let Some(loc) = m.location_path() {
                    self.location.insert(pair, (loc, frame));
                }
            }
            (Some(Operation::Register), c) if is_error(c) => {
                let next = match self.state(to, from) {
                    // A failed renewal leaves the old registration in an unknown state.
                    Registration::Pending { renewing: true, .. } => Registration::Unknown,
                    _ => Registration::Ended {
                        frame,
                        why: "had its Register rejected",
                    },
                };
                self.state.insert(pair, next);
            }
            (Some(Operation::Deregister), Code::DELETED) => {
                self.state.insert(
                    pair,
                    Registration::Ended {
                        frame,
                        why: "was de-registered",
                    },
                );
            }
            _ => {}
        }
    }
}

/// Clients in a Bootstrap sequence: from their Bootstrap-Request (or the first Bootstrap-Server
/// request they get) until they answer Bootstrap-Finish.
#[derive(Debug, Default)]
pub struct Bootstraps {
    /// client -> the frame its bootstrap sequence began.
    open: BTreeMap<SocketAddr, u32>,
}

impl Bootstraps {
    pub fn since(&self, client: SocketAddr) -> Option<u32> {
        self.open.get(&client).copied()
    }

    pub fn step(&mut self, a: &Annotated) {
        let (from, to, frame) = (a.datagram.from, a.datagram.to, a.frame());
        match a.request_op() {
            Some(Operation::BootstrapRequest) => {
                self.open.entry(from).or_insert(frame);
            }
            Some(op) if op.interface() == crate::dialogue::Interface::Bootstrap => {
                self.open.entry(to).or_insert(frame);
            }
            _ => {}
        }
        if let (Some(m), Kind::Response { answers: Some(r) }) = (&a.msg, &a.kind) {
            // The client answers Bootstrap-Finish; the Bootstrap-Server rejects a Bootstrap-Request.
            match r.op {
                Some(Operation::BootstrapFinish) if m.code.class() == 2 => {
                    self.open.remove(&from);
                }
                Some(Operation::BootstrapRequest) if is_error(m.code) => {
                    self.open.remove(&to);
                }
                _ => {}
            }
        }
    }
}

/// A phase a client is in with respect to a peer, during which it must ignore that peer's requests.
pub trait Phase {
    fn step(&mut self, a: &Annotated);
    /// The frame the phase began, while `client` is in it with respect to `peer`.
    fn since(&self, client: SocketAddr, peer: SocketAddr) -> Option<u32>;
}

/// Registration pending (a first Register sent, no answer yet).
impl Phase for Registrations {
    fn step(&mut self, a: &Annotated) {
        Registrations::step(self, a);
    }

    fn since(&self, client: SocketAddr, server: SocketAddr) -> Option<u32> {
        match self.state(client, server) {
            Registration::Pending {
                register,
                renewing: false,
            } => Some(register),
            _ => None,
        }
    }
}

/// In a bootstrap sequence (whoever the peer is).
impl Phase for Bootstraps {
    fn step(&mut self, a: &Annotated) {
        Bootstraps::step(self, a);
    }

    fn since(&self, client: SocketAddr, _peer: SocketAddr) -> Option<u32> {
        Bootstraps::since(self, client)
    }
}
