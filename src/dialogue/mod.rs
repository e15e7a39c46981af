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
    /// The sender's address.
    pub from: SocketAddr,
    /// The receiver's address.
    pub to: SocketAddr,
    /// The UDP payload: one CoAP message, or whatever bytes arrived.
    pub bytes: Vec<u8>,
}

/// What a datagram is, at the LwM2M level.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A request.
    Request {
        /// Its LwM2M operation; None: no operation maps to it, shown as plain CoAP.
        op: Option<Operation>,
        /// Its CoAP Uri-Path ("/3/0", "/rd/5a3f").
        path: String,
    },
    /// A response (piggybacked or separate, RFC 7252 §5.2).
    Response {
        /// The request it answers, when that request was seen.
        answers: Option<Answered>,
    },
    /// A notification (RFC 7641 §4.2).
    Notify {
        /// The Observe request whose observation it reports.
        answers: Answered,
    },
    /// An empty ACK (RFC 7252 §4.2).
    EmptyAck {
        /// The frame of the Confirmable message it acknowledges, when seen.
        of: Option<u32>,
    },
    /// A Reset (RFC 7252 §4.2, §4.3).
    Reset {
        /// The frame of the message it rejects, when seen.
        of: Option<u32>,
    },
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
    /// The request's frame number.
    pub frame: u32,
    /// The request's LwM2M operation (None: plain CoAP).
    pub op: Option<Operation>,
    /// The request's Uri-Path.
    pub path: String,
}

/// A datagram with its meaning.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotated {
    /// The datagram as seen.
    pub datagram: Datagram,
    /// The parsed message (None when malformed).
    pub msg: Option<Message>,
    /// What the message is at the LwM2M level.
    pub kind: Kind,
    /// The frame this one repeats (same sender, Message ID and type: a CoAP retransmission).
    pub retransmits: Option<u32>,
}

impl Annotated {
    /// The datagram's frame number.
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
