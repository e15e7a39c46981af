//! Message-layer bookkeeping for datagrams from the DUT: ACK/RST of the harness's Confirmable
//! messages, duplicate detection, separate responses and notifications (acknowledged at once, as
//! RFC 7252 §5.2.2 asks), and storing requests for the step interpreter to match.

use std::net::SocketAddr;
use std::time::Duration;

use super::transcript::Direction;
use super::{Engine, Incoming, Reply};
use crate::coap::layer::Rejected;
use crate::coap::reliability::Seen;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::Role;
use crate::lwm2m::operation::{Context, Operation, classify};

impl Engine {
    pub(super) fn on_datagram(&mut self, now: Duration, from: SocketAddr, to: SocketAddr, bytes: &[u8]) {
        self.frames += 1;
        let frame = self.frames;
        self.transcript
            .datagram(now, frame, Direction::FromDut, from, to, bytes);
        if self.teardown {
            return self.on_teardown_datagram(now, from, to, bytes);
        }
        let msg = match crate::coap::layer::accept(bytes) {
            Ok(m) => m,
            Err(rejected) => return self.reject(now, frame, from, to, rejected),
        };

        match msg.mtype {
            MessageType::Acknowledgement | MessageType::Reset => {
                self.retransmit.acknowledged(from, msg.mid);
                if msg.is_empty() {
                    self.acks.push((frame, msg.mid, msg.mtype));
                }
                if msg.mtype == MessageType::Acknowledgement && msg.is_response() {
                    self.store_reply(frame, to, msg);
                }
            }
            MessageType::Confirmable | MessageType::NonConfirmable => {
                let con = msg.mtype == MessageType::Confirmable;
                match self.dedup.check(now, from, msg.mid) {
                    Seen::Duplicate => {
                        if let Some(inc) = self
                            .incoming
                            .iter_mut()
                            .rev()
                            .find(|i| i.from == from && i.msg.mid == msg.mid)
                        {
                            inc.retransmissions.push(frame);
                        }
                        self.transcript.note(
                            now,
                            format!("frame {frame} is a retransmission (mid={}), not yet answered", msg.mid),
                        );
                        return;
                    }
                    Seen::Answered(reply) => {
                        self.transcript.note(
                            now,
                            format!("frame {frame} is a retransmission (mid={}); answer sent again", msg.mid),
                        );
                        self.emit(now, to, from, reply);
                        return;
                    }
                    Seen::New => {}
                }
                if let Some(n) = msg.unknown_critical_option().filter(|_| msg.is_request()) {
                    // Only a Confirmable request gets here with one (`accept` rejects the rest).
                    self.bad_option(now, frame, from, to, &msg, n);
                } else if msg.is_empty() {
                    // CoAP ping (RFC 7252 §4.3): answer with RST.
                    if con {
                        self.reply_empty(now, to, from, msg.mid, MessageType::Reset);
                    }
                } else if msg.is_request() {
                    self.dut = Some(from);
                    self.learn_preferred_format(now, &msg);
                    self.incoming.push(Incoming {
                        frame,
                        at: to,
                        from,
                        msg,
                        consumed: false,
                        retransmissions: Vec::new(),
                        answered: None,
                        background: false,
                    });
                    let i = self.incoming.len() - 1;
                    self.check_rules(now, i);
                    self.auto_respond(now, i);
                } else if msg.is_response() {
                    let known = self.outgoing_for(&msg).is_some();
                    let reject = self.outgoing_for(&msg).is_some_and(|i| self.take_reject(i));
                    if con || reject {
                        // ACK a separate response or a notification we know; reject one we don't,
                        // or one of an observation a step cancels by RST (RFC 7641 §3.6).
                        let t = if known && !reject {
                            MessageType::Acknowledgement
                        } else {
                            MessageType::Reset
                        };
                        self.reply_empty(now, to, from, msg.mid, t);
                    }
                    self.store_reply(frame, to, msg);
                } else {
                    self.unmatched
                        .push((frame, format!("message with reserved code {}", msg.code)));
                }
            }
        }
    }

    /// A 1.1 client names its preferred Content-Format in Register and Bootstrap-Request
    /// (`pct`, LwM2M TS 1.1 §5.3.1, §5.2.7.1): from then on the harness encodes what it sends in
    /// that format first, as a server that honours the parameter does, whatever the profile
    /// lists first.
    fn learn_preferred_format(&mut self, now: Duration, msg: &Message) {
        if !matches!(
            classify(msg, Context::sent_by(Role::Client)),
            Some(Operation::Register | Operation::BootstrapRequest)
        ) {
            return;
        }
        let pct = msg
            .uri_query()
            .into_iter()
            .find(|(k, _)| k == "pct")
            .and_then(|(_, v)| v?.parse::<u16>().ok())
            .map(crate::lwm2m::ContentFormat);
        let Some(pct) = pct else { return };
        if self.setup.formats.first() == Some(&pct) {
            return;
        }
        self.setup.formats.retain(|f| *f != pct);
        self.setup.formats.insert(0, pct);
        self.transcript.note(
            now,
            format!("the DUT prefers Content-Format {pct} (pct): the harness encodes in it first"),
        );
    }

    /// Answers `incoming[i]` if a case-level `auto_respond` rule covers it, as the simulated
    /// peer would: at once, or after the rule's `delay`.
    fn auto_respond(&mut self, now: Duration, i: usize) {
        if self.case.auto_respond.is_empty() {
            return;
        }
        let msg = &self.incoming[i].msg;
        let path = msg.uri_path();
        let Some(rule) = self.case.auto_respond.iter().find(|r| {
            r.method == msg.code
                && r.path
                    .as_deref()
                    .is_none_or(|p| path == p || path.starts_with(&format!("{}/", p.trim_end_matches('/'))))
        }) else {
            return;
        };
        let (t, mid) = self.ids.answer_header(msg.mtype, msg.mid);
        let mut m = Message::new(t, rule.code, mid, msg.token.clone());
        if let Some(f) = rule
            .content_format
            .as_deref()
            .and_then(crate::lwm2m::ContentFormat::from_name)
        {
            m.add_uint_option(crate::coap::message::option::CONTENT_FORMAT, u32::from(f.0));
        }
        if let Some(p) = &rule.payload {
            m.payload = p.clone().into_bytes();
        }
        let (code, delay) = (rule.code, rule.delay.map(|w| self.resolve(w)));
        if let Ok(bytes) = m.to_bytes() {
            self.transcript.note(now, format!("answered automatically ({code})"));
            self.apply_to_model(i, code);
            self.answer(now, i, bytes, delay);
        }
    }

    /// A datagram RFC 7252 says to reject (§4.2, §4.3, §5.4.1): never taken as a message, said
    /// so in the transcript, answered with RST when it was Confirmable. The RST is not kept for
    /// duplicate detection: a later well-formed message under the same Message ID is new.
    fn reject(&mut self, now: Duration, frame: u32, from: SocketAddr, to: SocketAddr, r: Rejected) {
        let answer = if r.reset.is_some() {
            "rejected with RST"
        } else {
            "ignored"
        };
        self.transcript.note(now, format!("frame {frame} {answer}: {}", r.why));
        self.unmatched.push((frame, format!("a datagram {answer} ({})", r.why)));
        if let Some(mid) = r.reset
            && let Ok(bytes) = Message::new(MessageType::Reset, Code::EMPTY, mid, Vec::new()).to_bytes()
        {
            self.emit(now, to, from, bytes);
        }
    }

    /// A Confirmable request with an unrecognized critical option: 4.02 Bad Option, and not
    /// taken as a request (RFC 7252 §5.4.1).
    fn bad_option(&mut self, now: Duration, frame: u32, from: SocketAddr, to: SocketAddr, msg: &Message, option: u16) {
        let why = format!("unrecognized critical option {option} in a CON request (RFC 7252 §5.4.1)");
        self.transcript
            .note(now, format!("frame {frame} answered 4.02 Bad Option: {why}"));
        self.unmatched
            .push((frame, format!("a request answered 4.02 Bad Option ({why})")));
        let answer = Message::new(
            MessageType::Acknowledgement,
            Code::BAD_OPTION,
            msg.mid,
            msg.token.clone(),
        );
        if let Ok(bytes) = answer.to_bytes() {
            self.dedup.answered(from, msg.mid, bytes.clone());
            self.emit(now, to, from, bytes);
        }
    }

    fn reply_empty(&mut self, now: Duration, local: SocketAddr, to: SocketAddr, mid: u16, t: MessageType) {
        let m = Message::new(t, Code::EMPTY, mid, Vec::new());
        if let Ok(bytes) = m.to_bytes() {
            self.dedup.answered(to, mid, bytes.clone());
            self.emit(now, local, to, bytes);
        }
    }

    /// Whether this notification is to be answered with RST (and remember that it was).
    fn take_reject(&mut self, i: usize) -> bool {
        let o = &mut self.outgoing[i];
        match o.reject {
            super::Reject::No => false,
            super::Reject::Next | super::Reject::All => {
                o.reject = super::Reject::All;
                true
            }
        }
    }

    /// The harness request a response belongs to: by token (RFC 7252 §5.3.2).
    pub(super) fn outgoing_for(&self, msg: &Message) -> Option<usize> {
        self.outgoing.iter().rposition(|o| o.token == msg.token)
    }

    /// A response counts only where its request came from (RFC 7252 §5.3.2 matches a response by
    /// token and endpoint): one that reached another harness socket, e.g. port 5683 of a client
    /// that registered from an ephemeral port, is shown, not taken.
    fn store_reply(&mut self, frame: u32, to: SocketAddr, msg: Message) {
        match self.outgoing_for(&msg) {
            Some(i) if self.outgoing[i].via != to => {
                let why = format!(
                    "{msg} — a response sent to {to}, not to {}, where its request came from",
                    self.outgoing[i].via
                );
                self.unmatched.push((frame, why));
            }
            Some(i) => self.outgoing[i].responses.push(Reply { frame, msg }),
            None => self.unmatched.push((
                frame,
                format!("response {} with a token the harness never used", msg.code),
            )),
        }
    }
}
