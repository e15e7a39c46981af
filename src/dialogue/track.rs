//! The pairing state machine: requests by token (RFC 7252 §5.3.2), empty ACKs and Resets by
//! Message ID (§4.2, §4.3), retransmissions by sender and Message ID (§4.5), notifications by the
//! Observe's token (RFC 7641 §3.2), registration locations from the 2.01 to each Register.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::operation::{Context, classify};
use super::{Annotated, Answered, Datagram, Kind, Op, Roles};
use crate::coap::{Code, Message, MessageType};

/// A request seen, to pair its answers with.
#[derive(Clone, Debug)]
struct Request {
    frame: u32,
    from: SocketAddr,
    to: SocketAddr,
    token: Vec<u8>,
    op: Op,
    path: String,
    /// The frame of the first answer (for an Observe: its response; later answers notify).
    first_answer: Option<u32>,
}

/// A message seen, by sender, recipient, Message ID and type.
#[derive(Clone, Debug)]
struct Sent {
    from: SocketAddr,
    to: SocketAddr,
    mid: u16,
    mtype: MessageType,
    frame: u32,
}

/// Feed datagrams in frame order; each comes back annotated.
#[derive(Debug, Default)]
pub struct Dialogue {
    roles: Roles,
    requests: Vec<Request>,
    sent: Vec<Sent>,
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

    pub fn roles(&self) -> &Roles {
        &self.roles
    }

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
            self.sent.push(Sent {
                from: d.from,
                to: d.to,
                mid: msg.mid,
                mtype: msg.mtype,
                frame: d.frame,
            });
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
            .iter()
            .rev()
            .find(|s| s.from == d.from && s.to == d.to && s.mid == m.mid && s.mtype == m.mtype)
            .map(|s| s.frame)
    }

    fn empty(&self, d: &Datagram, m: &Message) -> Kind {
        // What an empty ACK or RST answers was sent the other way with the same Message ID.
        let of = |types: &[MessageType]| {
            self.sent
                .iter()
                .rev()
                .find(|s| s.from == d.to && s.to == d.from && s.mid == m.mid && types.contains(&s.mtype))
                .map(|s| s.frame)
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
        if repeat
            && let Some(r) = self
                .requests
                .iter()
                .rev()
                .find(|r| r.from == d.from && r.to == d.to && r.token == m.token)
        {
            return Kind::Request { op: r.op, path };
        }
        let ctx = Context {
            sender: self.roles.role(d.from),
            location: self.locations.get(&(d.from, d.to)).map(String::as_str),
        };
        let op = classify(m, ctx);
        self.roles.learn_from_request(op, d.from, d.to);
        if matches!(op, Op::Register | Op::BootstrapRequest)
            && let Some((_, Some(ep))) = m.uri_query().into_iter().find(|(k, _)| k == "ep")
        {
            self.roles.learn_endpoint(d.from, &ep);
        }
        self.requests.push(Request {
            frame: d.frame,
            from: d.from,
            to: d.to,
            token: m.token.clone(),
            op,
            path: path.clone(),
            first_answer: None,
        });
        Kind::Request { op, path }
    }

    fn response(&mut self, d: &Datagram, m: &Message, repeats: Option<u32>) -> Kind {
        let Some(r) = self
            .requests
            .iter_mut()
            .rev()
            .find(|r| r.from == d.to && r.to == d.from && r.token == m.token)
        else {
            return Kind::Response { answers: None };
        };
        let answers = Answered {
            frame: r.frame,
            op: r.op,
            path: r.path.clone(),
        };
        let observing = matches!(r.op, Op::Observe | Op::ObserveComposite) && m.observe().is_some();
        // The first answer to an Observe is its response; later ones are notifications (a
        // retransmission is whatever the message it repeats was).
        let original = repeats.unwrap_or(d.frame);
        let first = *r.first_answer.get_or_insert(original);
        let notify = observing && first != original;
        if r.op == Op::Register
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
