//! The pairing state machine: requests by token (RFC 7252 §5.3.2), empty ACKs and Resets by
//! Message ID (§4.2, §4.3), retransmissions by sender and Message ID (§4.5), notifications by the
//! Observe's token (RFC 7641 §3.2), registration locations from the 2.01 to each Register.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use super::{Annotated, Answered, Datagram, Kind, Operation, Roles};
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::operation::{Context, classify};

/// A request seen, to pair its answers with.
#[derive(Clone, Debug)]
struct Request {
    frame: u32,
    op: Option<Operation>,
    path: String,
    /// The frame of the first answer (for an Observe: its response; later answers notify).
    first_answer: Option<u32>,
}

/// A message seen: its frame and time.
#[derive(Clone, Copy, Debug)]
struct Sent {
    frame: u32,
    at: Duration,
}

/// RFC 7252 §4.8.2 EXCHANGE_LIFETIME (247 s): a Message ID repeated within it is a
/// retransmission, later it is a new message.
const EXCHANGE_LIFETIME: Duration = Duration::from_secs(247);

/// Feed datagrams in frame order; each comes back annotated. Lookups are indexed, so a capture
/// of a whole test event (10^5 frames) annotates in linear time.
#[derive(Debug, Default)]
pub struct Dialogue {
    roles: Roles,
    /// (requester, responder, token) -> the latest request with that token.
    requests: HashMap<(SocketAddr, SocketAddr, Vec<u8>), Request>,
    /// (sender, recipient, Message ID, type) -> the latest message with them.
    sent: HashMap<(SocketAddr, SocketAddr, u16, MessageType), Sent>,
    /// (client, server) -> the registration location the server returned.
    locations: BTreeMap<(SocketAddr, SocketAddr), String>,
}

/// IPv4 peers of a dual-stack socket show as ::ffff:a.b.c.d; one spelling keeps flows together.
fn canonical(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip().to_canonical(), a.port())
}

impl Dialogue {
    /// Starts with roles already known (the harness knows its own endpoints; a second pass over a
    /// capture knows what the first learnt).
    pub fn with_roles(roles: Roles) -> Dialogue {
        Dialogue {
            roles,
            ..Dialogue::default()
        }
    }

    /// The roles learnt so far.
    pub fn roles(&self) -> &Roles {
        &self.roles
    }

    /// Pairs the next datagram (in frame order) with what it answers or repeats, and says what it is.
    pub fn annotate(&mut self, mut d: Datagram) -> Annotated {
        d.from = canonical(d.from);
        d.to = canonical(d.to);
        let msg = match Message::parse(&d.bytes) {
            Ok(m) => m,
            Err(e) => {
                let kind = Kind::Malformed(e.to_string());
                return Annotated {
                    datagram: d,
                    msg: None,
                    kind,
                    retransmits: None,
                };
            }
        };
        let retransmits = self.repeated(&d, &msg);
        if retransmits.is_none() {
            let sent = Sent {
                frame: d.frame,
                at: d.at,
            };
            self.sent.insert((d.from, d.to, msg.mid, msg.mtype), sent);
        }
        let kind = if msg.is_empty() {
            self.empty(&d, &msg)
        } else if msg.is_request() {
            self.request(&d, &msg, retransmits.is_some())
        } else if msg.is_response() {
            self.response(&d, &msg, retransmits)
        } else {
            Kind::Reserved
        };
        Annotated {
            datagram: d,
            msg: Some(msg),
            kind,
            retransmits,
        }
    }

    fn repeated(&self, d: &Datagram, m: &Message) -> Option<u32> {
        self.sent
            .get(&(d.from, d.to, m.mid, m.mtype))
            .filter(|s| d.at.saturating_sub(s.at) <= EXCHANGE_LIFETIME)
            .map(|s| s.frame)
    }

    fn empty(&self, d: &Datagram, m: &Message) -> Kind {
        // What an empty ACK or RST answers was sent the other way with the same Message ID.
        let of = |types: &[MessageType]| {
            types
                .iter()
                .filter_map(|t| self.sent.get(&(d.to, d.from, m.mid, *t)))
                .map(|s| s.frame)
                .max()
        };
        match m.mtype {
            MessageType::Acknowledgement => Kind::EmptyAck {
                of: of(&[MessageType::Confirmable]),
            },
            MessageType::Reset => Kind::Reset {
                of: of(&[MessageType::Confirmable, MessageType::NonConfirmable]),
            },
            _ => Kind::Ping,
        }
    }

    fn request(&mut self, d: &Datagram, m: &Message, repeat: bool) -> Kind {
        let path = m.uri_path();
        let key = (d.from, d.to, m.token.clone());
        if repeat && let Some(r) = self.requests.get(&key) {
            return Kind::Request { op: r.op, path };
        }
        let ctx = Context {
            sender: self.roles.role(d.from),
            location: self.locations.get(&(d.from, d.to)).map(String::as_str),
        };
        let op = classify(m, ctx);
        self.roles.learn_from_request(op, d.from, d.to);
        if matches!(op, Some(Operation::Register | Operation::BootstrapRequest))
            && let Some((_, Some(ep))) = m.uri_query().into_iter().find(|(k, _)| k == "ep")
        {
            self.roles.learn_endpoint(d.from, &ep);
        }
        let request = Request {
            frame: d.frame,
            op,
            path: path.clone(),
            first_answer: None,
        };
        self.requests.insert(key, request);
        Kind::Request { op, path }
    }

    fn response(&mut self, d: &Datagram, m: &Message, repeats: Option<u32>) -> Kind {
        let Some(r) = self.requests.get_mut(&(d.to, d.from, m.token.clone())) else {
            return Kind::Response { answers: None };
        };
        let answers = Answered {
            frame: r.frame,
            op: r.op,
            path: r.path.clone(),
        };
        let observing = matches!(r.op, Some(Operation::Observe | Operation::ObserveComposite)) && m.observe().is_some();
        // The first answer to an Observe is its response; later ones are notifications (a
        // retransmission is whatever the message it repeats was).
        let original = repeats.unwrap_or(d.frame);
        let first = *r.first_answer.get_or_insert(original);
        let notify = observing && first != original;
        if r.op == Some(Operation::Register)
            && m.code == Code::CREATED
            && let Some(loc) = m.location_path()
        {
            self.locations.insert((d.to, d.from), loc);
        }
        if notify {
            Kind::Notify { answers }
        } else {
            Kind::Response { answers: Some(answers) }
        }
    }
}
