//! A CoAP endpoint's message layer (RFC 7252 §4) for the reference DUTs: Message IDs, tokens,
//! Confirmable retransmission and duplicate detection, with an outgoing datagram queue. It
//! talks to any number of peers, each call naming the peer; the reference client and each
//! Bootstrap-Server session wrap it for their one peer, the reference server uses it for all
//! its clients. Sans-IO: every
//! method that depends on time takes `now`, the time since the owner's epoch.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use super::reliability::{DuplicateFilter, Params, Retransmitter, Seen, Tick};
use super::{Code, Message, MessageType};

/// RFC 7252 §4.8.2 EXCHANGE_LIFETIME with the default parameters: how long a peer may
/// retransmit one Confirmable message, so how long its Message ID must be remembered.
pub const EXCHANGE_LIFETIME: Duration = Duration::from_secs(247);

/// RFC 7252 §4.8.2 MAX_TRANSMIT_WAIT: the longest a Confirmable exchange can take. Used as
/// the bound on waiting for a separate response after an empty ACK.
pub const MAX_TRANSMIT_WAIT: Duration = Duration::from_secs(93);

/// Duplicate detection that forgets Message IDs after at least EXCHANGE_LIFETIME: two
/// generations of `DuplicateFilter`, the older dropped on each rotation, so memory stays
/// bounded and a Message ID reused long after is treated as new (RFC 7252 §4.5). Every endpoint
/// of the crate uses it: the reference DUTs through [`Layer`], the harness's engine directly.
#[derive(Debug, Default)]
pub struct Dedup {
    current: DuplicateFilter,
    previous: DuplicateFilter,
    rotated_at: Duration,
}

impl Dedup {
    /// Whether the peer's message `mid` is new, a duplicate not yet answered, or answered.
    pub fn check(&mut self, now: Duration, peer: SocketAddr, mid: u16) -> Seen {
        if now.saturating_sub(self.rotated_at) >= EXCHANGE_LIFETIME {
            self.previous = std::mem::take(&mut self.current);
            self.rotated_at = now;
        }
        match self.current.check(peer, mid) {
            Seen::New => match self.previous.check(peer, mid) {
                Seen::Answered(bytes) => {
                    self.current.answered(peer, mid, bytes.clone());
                    Seen::Answered(bytes)
                }
                other => other,
            },
            other => other,
        }
    }

    /// Remembers the reply to the peer's message `mid`, to replay it for duplicates.
    pub fn answered(&mut self, peer: SocketAddr, mid: u16, bytes: Vec<u8>) {
        self.current.answered(peer, mid, bytes);
    }

    /// Forgets everything: a peer that restarted numbers its messages afresh, so an old
    /// Message ID of its previous life is not a duplicate (RFC 7252 §4.5 assumes one life).
    pub fn reset(&mut self, now: Duration) {
        *self = Dedup {
            rotated_at: now,
            ..Dedup::default()
        };
    }
}

/// Message IDs and tokens of one endpoint (RFC 7252 §4.4, §5.3.1): each a counter from a
/// seeded start, tokens mixed with a salt so no two exchanges share one.
#[derive(Debug, Clone)]
pub struct Ids {
    next_mid: u16,
    next_token: u32,
    token_salt: u32,
}

impl Ids {
    /// The first Message ID and token this endpoint hands out, and the token salt.
    pub fn new(first_mid: u16, first_token: u32, token_salt: u32) -> Self {
        Ids {
            next_mid: first_mid,
            next_token: first_token,
            token_salt,
        }
    }

    /// The next Message ID, counting up and wrapping at 65535.
    pub fn mid(&mut self) -> u16 {
        let mid = self.next_mid;
        self.next_mid = self.next_mid.wrapping_add(1);
        mid
    }

    /// The type and Message ID of an answer to a request of type `mtype` and Message ID `mid`:
    /// piggybacked in the ACK of a Confirmable one, a new Non-confirmable message (with the next
    /// Message ID) otherwise (RFC 7252 §5.2).
    pub fn answer_header(&mut self, mtype: MessageType, mid: u16) -> (MessageType, u16) {
        if mtype == MessageType::Confirmable {
            (MessageType::Acknowledgement, mid)
        } else {
            (MessageType::NonConfirmable, self.mid())
        }
    }

    /// A fresh 4-byte token.
    pub fn token(&mut self) -> Vec<u8> {
        let t = self.next_token ^ self.token_salt;
        self.next_token = self.next_token.wrapping_add(1);
        t.to_be_bytes().to_vec()
    }
}

/// The message layer of one endpoint: hands out Message IDs and tokens, retransmits its own
/// Confirmable messages, detects the peers' duplicates and queues datagrams for the owner to send.
#[derive(Debug)]
pub struct Layer {
    ids: Ids,
    retransmitter: Retransmitter,
    dedup: Dedup,
    out: VecDeque<(SocketAddr, Vec<u8>)>,
}

impl Layer {
    /// `seed` randomises the first Message ID, the tokens and the retransmission spread
    /// (RFC 7252 §4.4 and §5.3.1 ask for unpredictable values); tests pass a fixed seed.
    pub fn new(seed: u64) -> Self {
        Layer {
            ids: Ids::new((seed >> 16) as u16, 1, (seed >> 32) as u32),
            retransmitter: Retransmitter::new(Params::default(), seed),
            dedup: Dedup::default(),
            out: VecDeque::new(),
        }
    }

    fn mid(&mut self) -> u16 {
        self.ids.mid()
    }

    /// A fresh 4-byte token: a counter mixed with the seed, so no two exchanges share one.
    pub fn token(&mut self) -> Vec<u8> {
        self.ids.token()
    }

    /// Sends `msg` to `peer` as a Confirmable message with a new Message ID and keeps
    /// retransmitting it until `acknowledged`. Returns the Message ID, or None if it cannot be
    /// encoded.
    pub fn send_con(&mut self, now: Duration, peer: SocketAddr, mut msg: Message) -> Option<u16> {
        msg.mtype = MessageType::Confirmable;
        msg.mid = self.mid();
        let bytes = encode(&msg)?;
        self.retransmitter.sent(now, peer, msg.mid, bytes.clone());
        self.out.push_back((peer, bytes));
        Some(msg.mid)
    }

    /// Sends a Non-confirmable message with a new Message ID; returns its bytes.
    pub fn send_non(&mut self, peer: SocketAddr, mut msg: Message) -> Option<Vec<u8>> {
        msg.mtype = MessageType::NonConfirmable;
        msg.mid = self.mid();
        self.send_as_is(peer, &msg)
    }

    /// Sends `msg` unchanged (ACK, RST); returns its bytes.
    pub fn send_as_is(&mut self, peer: SocketAddr, msg: &Message) -> Option<Vec<u8>> {
        let bytes = encode(msg)?;
        self.out.push_back((peer, bytes.clone()));
        Some(bytes)
    }

    /// An empty ACK or RST for the peer's message `mid` (RFC 7252 §4.2, §4.3).
    /// It is remembered as the answer to `mid`, so a duplicate of the peer's message gets the
    /// same empty message again (RFC 7252 §4.5: a duplicate Confirmable message is acknowledged
    /// or reset as the first one was), e.g. a CoAP ping whose RST was lost.
    pub fn send_empty(&mut self, peer: SocketAddr, mtype: MessageType, mid: u16) -> Option<Vec<u8>> {
        let bytes = self.send_as_is(peer, &Message::new(mtype, Code::EMPTY, mid, Vec::new()))?;
        self.dedup.answered(peer, mid, bytes.clone());
        Some(bytes)
    }

    /// The message in a datagram from `peer`; None for one [`accept`] rejects, which is answered
    /// with RST when it is Confirmable (RFC 7252 §4.2) and otherwise dropped.
    pub fn parse_or_reset(&mut self, peer: SocketAddr, bytes: &[u8]) -> Option<Message> {
        match accept(bytes) {
            Ok(m) => Some(m),
            Err(r) => {
                tracing::debug!("datagram from {peer} rejected: {}", r.why);
                if let Some(mid) = r.reset {
                    let _ = self.send_empty(peer, MessageType::Reset, mid);
                }
                None
            }
        }
    }

    /// Answers the peer's request `req` with `code` (options and payload added by `fill`):
    /// piggybacked in the ACK of a Confirmable request, Non-confirmable for a Non-confirmable one
    /// (RFC 7252 §5.2); remembered for duplicates either way.
    pub fn respond(&mut self, peer: SocketAddr, req: &Message, code: Code, fill: impl FnOnce(&mut Message)) {
        let (mtype, mid) = self.ids.answer_header(req.mtype, req.mid);
        let mut resp = Message::new(mtype, code, mid, req.token.clone());
        fill(&mut resp);
        if let Some(bytes) = self.send_as_is(peer, &resp) {
            self.answered(peer, req.mid, bytes);
        }
    }

    /// Answers the peer's Confirmable separate response `mid`: ACK when it was expected, RST when
    /// not (RFC 7252 §5.2.2, §4.2), remembered so a duplicate gets the same answer.
    pub fn acknowledge_response(&mut self, peer: SocketAddr, mid: u16, expected: bool) {
        let reply = if expected {
            MessageType::Acknowledgement
        } else {
            MessageType::Reset
        };
        // send_empty remembers the answer for duplicates itself.
        let _ = self.send_empty(peer, reply, mid);
    }

    /// Queues `bytes` for `peer` again unchanged: the replay of an answer to a duplicate (RFC 7252 §4.5).
    pub fn resend_bytes(&mut self, peer: SocketAddr, bytes: Vec<u8>) {
        self.out.push_back((peer, bytes));
    }

    /// An ACK or RST from `peer` for one of our Confirmable messages: stop retransmitting it.
    /// False when nothing was pending under that Message ID (a late or duplicated ACK).
    pub fn acknowledged(&mut self, peer: SocketAddr, mid: u16) -> bool {
        self.retransmitter.acknowledged(peer, mid)
    }

    /// Stops retransmitting our Confirmable message `mid` without an ACK, e.g. when its exchange is abandoned.
    pub fn cancel(&mut self, mid: u16) {
        self.retransmitter.cancel(mid);
    }

    /// Duplicate detection for a Confirmable or Non-confirmable message from `peer`.
    pub fn check_duplicate(&mut self, now: Duration, peer: SocketAddr, mid: u16) -> Seen {
        self.dedup.check(now, peer, mid)
    }

    /// Remembers the reply to the peer's message `mid`, to replay it for duplicates.
    pub fn answered(&mut self, peer: SocketAddr, mid: u16, bytes: Vec<u8>) {
        self.dedup.answered(peer, mid, bytes);
    }

    /// When the next retransmission or give-up is due; None while no Confirmable message awaits its ACK.
    pub fn next_timeout(&self) -> Option<Duration> {
        self.retransmitter.next_timeout()
    }

    /// Retransmits what is due; returns (peer, Message ID) of our Confirmable messages that ran
    /// out of retransmissions with no ACK or RST.
    pub fn on_timeout(&mut self, now: Duration) -> Vec<(SocketAddr, u16)> {
        let mut gave_up = Vec::new();
        for tick in self.retransmitter.on_timeout(now) {
            match tick {
                Tick::Resend { peer, bytes, .. } => self.out.push_back((peer, bytes)),
                Tick::GaveUp { peer, mid } => gave_up.push((peer, mid)),
            }
        }
        gave_up
    }

    /// The next datagram to send and its destination, in the order queued; None when the queue is empty.
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.out.pop_front()
    }
}

fn encode(msg: &Message) -> Option<Vec<u8>> {
    match msg.to_bytes() {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            tracing::warn!("cannot encode {msg}: {e}");
            None
        }
    }
}

/// A datagram an endpoint rejects (RFC 7252 §4.2, §4.3): why, and the Message ID to answer
/// with RST when it was Confirmable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The Message ID to answer with RST: Some for a Confirmable message, None for one dropped silently.
    pub reset: Option<u16>,
    /// Why the datagram was rejected, for the log and the transcript.
    pub why: String,
}

/// The message in a datagram, unless RFC 7252 says to reject it: a message format error (§3,
/// §4.1), or an unrecognized critical option anywhere but in a Confirmable request, which is
/// answered 4.02 Bad Option instead (§5.4.1). A rejected Confirmable message is answered with
/// RST; anything else rejected is silently ignored.
pub fn accept(bytes: &[u8]) -> Result<Message, Rejected> {
    let m = Message::parse(bytes).map_err(|e| Rejected {
        reset: confirmable_mid(bytes),
        why: match e {
            super::WireError::Parse(why) | super::WireError::Encode(why) => why,
        },
    })?;
    let con = m.mtype == MessageType::Confirmable;
    match m.unknown_critical_option() {
        Some(n) if !(con && m.is_request()) => Err(Rejected {
            reset: con.then_some(m.mid),
            why: format!(
                "unrecognized critical option {n} in a {} {} (RFC 7252 §5.4.1)",
                m.mtype.short(),
                if m.is_request() { "request" } else { "message" }
            ),
        }),
        _ => Ok(m),
    }
}

/// The Message ID of something that looks like a Confirmable CoAP message, for the RST that
/// rejects it when it cannot be parsed (RFC 7252 §4.2).
fn confirmable_mid(bytes: &[u8]) -> Option<u16> {
    match bytes {
        [first, _, hi, lo, ..] if first >> 6 == 1 && (first >> 4) & 0x3 == 0 => Some(u16::from_be_bytes([*hi, *lo])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7252 §4.5: a Message ID is remembered for EXCHANGE_LIFETIME, then forgotten; a reset
    /// (the peer restarted) forgets at once.
    #[test]
    fn duplicates_are_remembered_for_the_exchange_lifetime_and_reset_forgets() {
        let peer: SocketAddr = "127.0.0.1:5683".parse().expect("addr");
        let mut d = Dedup::default();
        assert_eq!(d.check(Duration::ZERO, peer, 7), Seen::New);
        d.answered(peer, 7, vec![1]);
        assert_eq!(d.check(Duration::from_secs(200), peer, 7), Seen::Answered(vec![1]));
        // Two rotations later the ID is new again.
        assert_eq!(d.check(EXCHANGE_LIFETIME * 3, peer, 8), Seen::New);
        assert_eq!(d.check(EXCHANGE_LIFETIME * 5, peer, 7), Seen::New);
        d.answered(peer, 7, vec![2]);
        d.reset(EXCHANGE_LIFETIME * 5);
        assert_eq!(d.check(EXCHANGE_LIFETIME * 5, peer, 7), Seen::New);
    }

    #[test]
    fn a_malformed_confirmable_is_reset_and_other_garbage_dropped() {
        let peer: SocketAddr = "127.0.0.1:5683".parse().expect("addr");
        let mut layer = Layer::new(1);
        // Version 1, CON, token length 9 (reserved, RFC 7252 §3): does not parse.
        assert!(layer.parse_or_reset(peer, &[0x49, 0x01, 0x12, 0x34]).is_none());
        let (to, rst) = layer.poll_transmit().expect("an RST");
        let rst = Message::parse(&rst).expect("parses");
        assert_eq!(
            (to, rst.mtype, rst.code, rst.mid),
            (peer, MessageType::Reset, Code::EMPTY, 0x1234)
        );
        // The same as Non-confirmable, and bytes that are no CoAP at all: nothing is sent.
        assert!(layer.parse_or_reset(peer, &[0x59, 0x01, 0x12, 0x34]).is_none());
        assert!(layer.parse_or_reset(peer, b"x").is_none());
        assert!(layer.poll_transmit().is_none());
        let ping = Message::new(MessageType::Confirmable, Code::EMPTY, 7, Vec::new());
        let bytes = ping.to_bytes().expect("encodes");
        assert_eq!(layer.parse_or_reset(peer, &bytes).map(|m| m.mid), Some(7));
    }

    #[test]
    fn accept_follows_rfc_7252_on_critical_options_and_format_errors() {
        let with = |mtype, code, option: u16| {
            let mut m = Message::new(mtype, code, 0x42, vec![1]);
            m.add_option(option, vec![1]);
            m.to_bytes().expect("encodes")
        };
        // A Confirmable request passes: its answer is 4.02 Bad Option, the application's to give.
        let m = accept(&with(MessageType::Confirmable, Code::GET, 9)).expect("a CON request");
        assert_eq!(m.unknown_critical_option(), Some(9));
        // Anything else with one is rejected: RST for a Confirmable response, silence otherwise.
        let reset = |b: &[u8]| accept(b).map(|_| ()).map_err(|r| r.reset);
        assert_eq!(reset(&with(MessageType::NonConfirmable, Code::GET, 9)), Err(None));
        assert_eq!(
            reset(&with(MessageType::Confirmable, Code::CONTENT, 9)),
            Err(Some(0x42))
        );
        assert_eq!(
            reset(&with(MessageType::Acknowledgement, Code::CONTENT, 2049)),
            Err(None)
        );
        // Elective options (even numbers) and the known critical ones are fine anywhere.
        assert!(accept(&with(MessageType::NonConfirmable, Code::GET, 2048)).is_ok());
        assert!(accept(&with(MessageType::Acknowledgement, Code::CONTENT, option_uri_query())).is_ok());
        // Format errors say which rule they break.
        let why = |b: &[u8]| accept(b).err().map(|r| r.why).unwrap_or_default();
        assert!(
            why(&[0x49, 1, 0, 1]).contains("token length over 8"),
            "{}",
            why(&[0x49, 1, 0, 1])
        );
        assert!(why(&[0x40, 1, 0, 1, 0xff]).contains("payload marker with no payload"));
        assert!(why(&[0x40, 1, 0, 1, 0xf0]).contains("option delta of 15"));
        assert!(why(&[0x40, 1, 0, 1, 0x0f]).contains("option length of 15"));
        assert!(why(&[0x60, 0, 0, 1, 0xff, 1]).contains("Empty message"));
    }

    fn option_uri_query() -> u16 {
        crate::coap::message::option::URI_QUERY
    }
}
