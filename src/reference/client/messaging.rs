//! The CoAP message layer of one conversation: [`crate::coap::layer::Layer`] bound to the one
//! peer, so callers never name it: a client core's LwM2M Server (or Bootstrap-Server), or the
//! client of one reference Bootstrap-Server session.

use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::layer::Layer;
use crate::coap::reliability::Seen;
use crate::coap::{Code, Message, MessageType};

pub(crate) use crate::coap::layer::{EXCHANGE_LIFETIME, MAX_TRANSMIT_WAIT};

#[derive(Debug)]
pub(crate) struct MessageLayer {
    server: SocketAddr,
    layer: Layer,
}

impl MessageLayer {
    /// `seed` randomises Message IDs, tokens and the retransmission spread; tests fix it.
    pub(crate) fn new(server: SocketAddr, seed: u64) -> Self {
        MessageLayer {
            server,
            layer: Layer::new(seed),
        }
    }

    pub(crate) fn server(&self) -> SocketAddr {
        self.server
    }

    pub(crate) fn token(&mut self) -> Vec<u8> {
        self.layer.token()
    }

    pub(crate) fn send_con(&mut self, now: Duration, msg: Message) -> Option<u16> {
        self.layer.send_con(now, self.server, msg)
    }

    /// Sends a Non-confirmable message with a new Message ID; returns that Message ID.
    pub(crate) fn send_non(&mut self, msg: Message) -> Option<u16> {
        let bytes = self.layer.send_non(self.server, msg)?;
        // The Message ID is bytes 2-3 of the header (RFC 7252 §3).
        bytes.get(2..4).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn send_empty(&mut self, mtype: MessageType, mid: u16) -> Option<Vec<u8>> {
        self.layer.send_empty(self.server, mtype, mid)
    }

    /// See [`Layer::parse_or_reset`].
    pub(crate) fn parse_or_reset(&mut self, bytes: &[u8]) -> Option<Message> {
        self.layer.parse_or_reset(self.server, bytes)
    }

    pub(crate) fn respond(&mut self, req: &Message, code: Code, fill: impl FnOnce(&mut Message)) {
        self.layer.respond(self.server, req, code, fill)
    }

    pub(crate) fn acknowledge_response(&mut self, mid: u16, expected: bool) {
        self.layer.acknowledge_response(self.server, mid, expected)
    }

    pub(crate) fn resend_bytes(&mut self, bytes: Vec<u8>) {
        self.layer.resend_bytes(self.server, bytes)
    }

    pub(crate) fn acknowledged(&mut self, mid: u16) -> bool {
        self.layer.acknowledged(self.server, mid)
    }

    pub(crate) fn cancel(&mut self, mid: u16) {
        self.layer.cancel(mid)
    }

    pub(crate) fn check_duplicate(&mut self, now: Duration, mid: u16) -> Seen {
        self.layer.check_duplicate(now, self.server, mid)
    }

    pub(crate) fn next_timeout(&self) -> Option<Duration> {
        self.layer.next_timeout()
    }

    /// Retransmits what is due; returns the Message IDs that ran out of retransmissions.
    pub(crate) fn on_timeout(&mut self, now: Duration) -> Vec<u16> {
        self.layer.on_timeout(now).into_iter().map(|(_, mid)| mid).collect()
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.layer.poll_transmit()
    }
}
