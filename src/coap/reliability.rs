//! CoAP message-layer reliability (RFC 7252 §4), sans-IO: time is always passed in.
//!
//! * [`Retransmitter`] keeps the harness's own Confirmable messages and says when to send them
//!   again (exponential back-off from a randomised ACK_TIMEOUT) until an ACK or RST arrives.
//! * [`DuplicateFilter`] recognises a peer's retransmissions by (peer, Message ID), so a case
//!   never counts one request twice, and replays the response already given (§4.5).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

/// Transmission parameters, RFC 7252 §4.8.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// ACK_TIMEOUT: the initial wait for an ACK before the first retransmission (default 2 s).
    pub ack_timeout: Duration,
    /// ACK_RANDOM_FACTOR: the initial timeout is drawn from [ACK_TIMEOUT, ACK_TIMEOUT × this] (default 1.5).
    pub ack_random_factor: f64,
    /// MAX_RETRANSMIT: retransmissions before giving up on the message (default 4).
    pub max_retransmit: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            ack_timeout: Duration::from_secs(2),
            ack_random_factor: 1.5,
            max_retransmit: 4,
        }
    }
}

#[derive(Debug)]
struct Pending {
    peer: SocketAddr,
    bytes: Vec<u8>,
    next_at: Duration,
    timeout: Duration,
    retransmits: u32,
}

/// What a timer tick asks of the caller.
#[derive(Debug, PartialEq)]
pub enum Tick {
    /// Send the Confirmable message `mid` to `peer` again; its timeout has doubled.
    Resend {
        /// Where the message goes.
        peer: SocketAddr,
        /// Its Message ID, unchanged on every retransmission.
        mid: u16,
        /// The datagram as first sent.
        bytes: Vec<u8>,
    },
    /// MAX_RETRANSMIT retransmissions of `mid` went unacknowledged: the exchange failed.
    GaveUp {
        /// The peer that never answered.
        peer: SocketAddr,
        /// The Message ID given up on.
        mid: u16,
    },
}

/// The endpoint's own Confirmable messages awaiting an ACK or RST, with their back-off timers
/// (RFC 7252 §4.2).
#[derive(Debug)]
pub struct Retransmitter {
    params: Params,
    pending: HashMap<u16, Pending>,
    rng: u64,
}

impl Retransmitter {
    /// `seed` makes the random back-off reproducible per trial.
    pub fn new(params: Params, seed: u64) -> Self {
        Retransmitter {
            params,
            pending: HashMap::new(),
            rng: seed | 1,
        }
    }

    fn random_unit(&mut self) -> f64 {
        // xorshift64: enough to spread retransmissions; no need for a crypto RNG here.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % 10_000) as f64 / 10_000.0
    }

    /// Record a Confirmable message just sent at `now`.
    pub fn sent(&mut self, now: Duration, peer: SocketAddr, mid: u16, bytes: Vec<u8>) {
        let spread = 1.0 + self.random_unit() * (self.params.ack_random_factor - 1.0);
        let timeout = self.params.ack_timeout.mul_f64(spread);
        self.pending.insert(
            mid,
            Pending {
                peer,
                bytes,
                next_at: now + timeout,
                timeout,
                retransmits: 0,
            },
        );
    }

    /// An ACK or RST with this Message ID arrived from `peer`: stop retransmitting.
    /// Returns whether it matched a pending message.
    pub fn acknowledged(&mut self, peer: SocketAddr, mid: u16) -> bool {
        match self.pending.get(&mid) {
            Some(p) if p.peer == peer => {
                self.pending.remove(&mid);
                true
            }
            _ => false,
        }
    }

    /// Forgets message `mid` without an acknowledgement.
    pub fn cancel(&mut self, mid: u16) {
        self.pending.remove(&mid);
    }

    /// When the earliest retransmission or give-up is due; None when nothing is pending.
    pub fn next_timeout(&self) -> Option<Duration> {
        self.pending.values().map(|p| p.next_at).min()
    }

    /// The retransmissions and give-ups due at `now`, in Message ID order.
    pub fn on_timeout(&mut self, now: Duration) -> Vec<Tick> {
        let mut due: Vec<u16> = self
            .pending
            .iter()
            .filter(|(_, p)| p.next_at <= now)
            .map(|(m, _)| *m)
            .collect();
        due.sort_unstable();
        let mut out = Vec::new();
        for mid in due {
            let Some(p) = self.pending.get_mut(&mid) else { continue };
            if p.retransmits >= self.params.max_retransmit {
                let peer = p.peer;
                self.pending.remove(&mid);
                out.push(Tick::GaveUp { peer, mid });
            } else {
                p.retransmits += 1;
                p.timeout *= 2;
                p.next_at = now + p.timeout;
                out.push(Tick::Resend {
                    peer: p.peer,
                    mid,
                    bytes: p.bytes.clone(),
                });
            }
        }
        out
    }
}

/// What the filter knows about an incoming Confirmable/Non-confirmable message.
#[derive(Debug, PartialEq)]
pub enum Seen {
    /// First time: process it.
    New,
    /// A retransmission of one not answered yet.
    Duplicate,
    /// A retransmission of one already answered: send these bytes again.
    Answered(Vec<u8>),
}

/// Every (peer, Message ID) seen, with the response given if any; unbounded, so [`super::layer::Dedup`]
/// rotates two of them.
#[derive(Debug, Default)]
pub struct DuplicateFilter {
    seen: HashMap<(SocketAddr, u16), Option<Vec<u8>>>,
}

impl DuplicateFilter {
    /// Whether the peer's message `mid` is new (and records it), a duplicate, or already answered.
    pub fn check(&mut self, peer: SocketAddr, mid: u16) -> Seen {
        match self.seen.get(&(peer, mid)) {
            None => {
                self.seen.insert((peer, mid), None);
                Seen::New
            }
            Some(None) => Seen::Duplicate,
            Some(Some(bytes)) => Seen::Answered(bytes.clone()),
        }
    }

    /// Records the response sent to the peer's message `mid`, replayed for its duplicates.
    pub fn answered(&mut self, peer: SocketAddr, mid: u16, response: Vec<u8>) {
        self.seen.insert((peer, mid), Some(response));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> SocketAddr {
        "127.0.0.1:40000".parse().expect("literal")
    }

    #[test]
    fn retransmits_with_doubling_timeouts_then_gives_up() {
        let mut r = Retransmitter::new(Params::default(), 7);
        r.sent(Duration::ZERO, peer(), 1, vec![0x40]);
        let first = r.next_timeout().expect("armed");
        assert!(
            first >= Duration::from_secs(2) && first <= Duration::from_secs(3),
            "{first:?}"
        );
        let mut now = first;
        let mut resends = 0;
        loop {
            match r.on_timeout(now).pop() {
                Some(Tick::Resend { .. }) => resends += 1,
                Some(Tick::GaveUp { mid, .. }) => {
                    assert_eq!(mid, 1);
                    break;
                }
                None => panic!("timer fired with nothing due"),
            }
            now = r.next_timeout().expect("still armed");
        }
        assert_eq!(resends, 4, "MAX_RETRANSMIT");
        // Initial timeout T in 2..3 s, resends at T, 3T, 7T, 15T, give-up after 31T: 62..93 s,
        // which is RFC 7252's MAX_TRANSMIT_WAIT (93 s) at the upper end.
        assert!(
            now >= Duration::from_secs(62) && now <= Duration::from_secs(93),
            "{now:?}"
        );
    }

    #[test]
    fn ack_from_the_wrong_peer_does_not_stop_retransmission() {
        let mut r = Retransmitter::new(Params::default(), 1);
        r.sent(Duration::ZERO, peer(), 9, vec![]);
        assert!(!r.acknowledged("127.0.0.2:40000".parse().expect("literal"), 9));
        assert!(r.acknowledged(peer(), 9));
        assert_eq!(r.next_timeout(), None);
    }

    #[test]
    fn duplicates_replay_the_cached_answer() {
        let mut f = DuplicateFilter::default();
        assert_eq!(f.check(peer(), 5), Seen::New);
        assert_eq!(f.check(peer(), 5), Seen::Duplicate);
        f.answered(peer(), 5, vec![0x60]);
        assert_eq!(f.check(peer(), 5), Seen::Answered(vec![0x60]));
    }
}
