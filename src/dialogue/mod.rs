//! What the datagrams of an LwM2M exchange mean: which operation each request is, which request a
//! response or empty ACK answers, who is client, server or bootstrap server. Sans-IO: datagrams in
//! (from a live trial or a capture), annotations out. The engine's transcript, `explain` and
//! `analyze` all read exchanges through this module, so they render and judge them the same way.

pub mod render;
mod roles;
mod track;

#[cfg(test)]
pub(crate) mod script;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::time::Duration;

pub use crate::lwm2m::operation::{Interface, Operation};
pub use roles::{Peers, Roles};
pub use track::Dialogue;

use crate::coap::Message;

/// One UDP datagram, as a live trial or a capture saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// 1-based frame number (as Wireshark numbers them).
    pub frame: u32,
    /// Time since the first frame (or the trial start).
    pub at: Duration,
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub bytes: Vec<u8>,
}

/// What a datagram is, at the LwM2M level.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A request: its operation (None: no LwM2M operation, shown as plain CoAP) and its CoAP
    /// Uri-Path ("/3/0", "/rd/5a3f").
    Request { op: Option<Operation>, path: String },
    /// A response (piggybacked or separate) to the request in frame `request`, when seen.
    Response { answers: Option<Answered> },
    /// A notification of the observation made by the Observe in frame `answers.frame`.
    Notify { answers: Answered },
    /// An empty ACK, acknowledging the Confirmable message in frame `of` when seen.
    EmptyAck { of: Option<u32> },
    /// A Reset, rejecting the message in frame `of` when seen.
    Reset { of: Option<u32> },
    /// An empty Confirmable message (CoAP ping, RFC 7252 §4.3).
    Ping,
    /// A message with a reserved (class 1, 6 or 7) code.
    Reserved,
    /// Not a CoAP message: why not.
    Malformed(String),
}

/// An operation's name as the specification writes it; "CoAP" for a request no LwM2M
/// operation maps to.
pub fn name_of(op: Option<Operation>) -> &'static str {
    op.map_or("CoAP", Operation::name)
}

/// The request a response belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct Answered {
    pub frame: u32,
    pub op: Option<Operation>,
    pub path: String,
}

/// A datagram with its meaning.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotated {
    pub datagram: Datagram,
    /// The parsed message (None when malformed).
    pub msg: Option<Message>,
    pub kind: Kind,
    /// The frame this one repeats (same sender, Message ID and type: a CoAP retransmission).
    pub retransmits: Option<u32>,
}

impl Annotated {
    pub fn frame(&self) -> u32 {
        self.datagram.frame
    }

    /// Whether this is a request (not a retransmission of one).
    pub fn is_request(&self) -> bool {
        matches!(self.kind, Kind::Request { .. }) && self.retransmits.is_none()
    }

    /// The operation of a request (not of a retransmission of one); None also for a request
    /// no LwM2M operation maps to.
    pub fn request_op(&self) -> Option<Operation> {
        match &self.kind {
            Kind::Request { op, .. } if self.retransmits.is_none() => *op,
            _ => None,
        }
    }

    /// The response code of a (non-empty) response, with the request it answers.
    pub fn response(&self) -> Option<(crate::coap::Code, Option<&Answered>)> {
        let code = self.msg.as_ref()?.code;
        match &self.kind {
            Kind::Response { answers } => Some((code, answers.as_ref())),
            Kind::Notify { answers } => Some((code, Some(answers))),
            _ => None,
        }
    }
}

/// Annotates a whole exchange: a first pass learns the roles from what each peer sends, a second
/// names every message with them (so a Bootstrap-Server's first Write is a Bootstrap-Write even
/// before its Bootstrap-Finish shows who it is).
pub fn annotate_all(datagrams: &[Datagram]) -> (Vec<Annotated>, Roles) {
    let mut first = Dialogue::default();
    for d in datagrams {
        first.annotate(d.clone());
    }
    let mut second = Dialogue::with_roles(first.roles().clone());
    let annotated = datagrams.iter().map(|d| second.annotate(d.clone())).collect();
    (annotated, second.roles().clone())
}
