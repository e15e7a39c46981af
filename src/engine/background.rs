//! Background answers: when the harness plays the LwM2M Client (server and Bootstrap-Server
//! DUTs), it answers every request of the DUT that the case does not script, as a correct
//! client would (`client_model`), so that a DUT doing something the specification allows
//! beyond the case's script (a Bootstrap-Discover before writing, a Read of the Server Object)
//! is not left waiting for an answer that never comes.
//!
//! The rule (testcases/README.md, "Background answers"): a request is scripted while a step
//! from the current one on could take it: an `expect` with its method whose path accepts it
//! (or cannot be judged yet, its template naming a variable not captured yet), or an
//! `expect_retry` of a taken request with the same method and path. Requests an
//! `auto_respond` rule answers, and requests a step took (which `respond` answers, or which
//! the case holds on purpose), are never answered here. Every other request is answered as soon
//! as no step can take it any more: at once when it arrives, or when the last step that could
//! have taken it is over. So scripted steps always take precedence, and no request waits
//! longer than the steps that might want it.
//!
//! For client DUTs the harness plays their servers. A server that does not answer a Register is
//! a case's deliberate probe (a held Register), so only what follows a registration the harness
//! accepted is answered in the background: an Update (POST) of one of the locations it handed
//! out in a 2.01 gets 2.04, a De-register (DELETE) of one 2.02, as an LwM2M Server would; the
//! same precedence rule applies.

use std::time::Duration;

use super::Engine;
use crate::case::model::Step;
use crate::coap::message::option;
use crate::coap::{Code, Message};
use crate::lwm2m::Role;
use crate::lwm2m::operation::{self, Context, Operation};

impl Engine {
    /// Answers, from the client model, every request that no step can take any more.
    pub(super) fn answer_in_background(&mut self, now: Duration) {
        if self.outcome.is_some() {
            return;
        }
        if self.case.dut == Role::Client {
            self.answer_as_server(now);
            return;
        }
        if self.client_model.is_none() {
            return;
        }
        for i in 0..self.incoming.len() {
            let inc = &self.incoming[i];
            let handled =
                inc.consumed || inc.background || inc.answered.is_some() || self.held.iter().any(|h| h.request == i);
            if handled || self.a_step_may_take(i) {
                continue;
            }
            self.incoming[i].background = true;
            self.answer_from_model(now, i);
        }
    }

    /// Client DUTs: Updates and De-registers of a registration the harness accepted, that no
    /// step can take any more, get 2.04 / 2.02.
    fn answer_as_server(&mut self, now: Duration) {
        for i in 0..self.incoming.len() {
            let inc = &self.incoming[i];
            let handled =
                inc.consumed || inc.background || inc.answered.is_some() || self.held.iter().any(|h| h.request == i);
            let path = inc.msg.uri_path();
            if handled || !self.registrations.contains(&path) || self.a_step_may_take(i) {
                continue;
            }
            let at_location = Context {
                sender: Some(Role::Client),
                location: Some(&path),
            };
            let (code, operation) = match operation::classify(&inc.msg, at_location) {
                Some(Operation::Update) => (Code::CHANGED, "Update"),
                Some(Operation::Deregister) => (Code::DELETED, "De-register"),
                _ => continue,
            };
            if code == Code::DELETED {
                self.registrations.retain(|l| *l != path);
            }
            let (mtype, rmid, token) = {
                let req = &self.incoming[i].msg;
                (req.mtype, req.mid, req.token.clone())
            };
            let (t, mid) = self.ids.answer_header(mtype, rmid);
            let m = Message::new(t, code, mid, token);
            self.incoming[i].background = true;
            if let Ok(bytes) = m.to_bytes() {
                self.transcript.note(
                    now,
                    format!(
                        "background: answered {operation} {path} as the LwM2M Server would ({})",
                        describe(code)
                    ),
                );
                self.send_answer(now, i, bytes);
            }
        }
    }

    /// Whether a step from the current one on could still take `incoming[i]`.
    fn a_step_may_take(&self, i: usize) -> bool {
        let m = &self.incoming[i].msg;
        let path = m.uri_path();
        self.case.steps.iter().skip(self.step).any(|step| match step {
            Step::Expect(e) => e.method == m.code && e.path.may_match(&path, &self.vars),
            Step::ExpectRetry(r) => {
                let name = r.of.as_deref().or(self.last_taken.as_deref());
                // Not taken yet (a later `expect` names it): any request may be its retry.
                name.and_then(|n| self.taken.get(n))
                    .and_then(|&t| self.incoming.get(t))
                    .is_none_or(|t| t.msg.code == m.code && t.msg.uri_path() == path)
            }
            _ => false,
        })
    }

    fn answer_from_model(&mut self, now: Duration, i: usize) {
        let Some(model) = self.client_model.as_mut() else {
            return;
        };
        let req = &self.incoming[i].msg;
        let answer = model.answer(req);
        let (mtype, rmid, token) = (req.mtype, req.mid, req.token.clone());
        let (t, mid) = self.ids.answer_header(mtype, rmid);
        let mut m = Message::new(t, answer.code, mid, token);
        if let Some(l) = &answer.location {
            m.set_location_path(l);
        }
        if let Some((format, payload)) = answer.content {
            m.add_uint_option(option::CONTENT_FORMAT, u32::from(format.0));
            m.payload = payload;
        }
        match m.to_bytes() {
            Ok(bytes) => {
                self.transcript.note(
                    now,
                    format!(
                        "background: answered {} as the client model says ({})",
                        answer.operation,
                        describe(answer.code)
                    ),
                );
                self.send_answer(now, i, bytes);
            }
            Err(e) => self
                .transcript
                .note(now, format!("background: cannot answer {}: {e}", answer.operation)),
        }
    }

    /// A Write, Create or Delete the case answered with success (`auto_respond`, `respond`)
    /// changes the client model as it would the client, so later background Discovers and
    /// Reads show it.
    pub(super) fn apply_to_model(&mut self, i: usize, code: Code) {
        let (Some(model), Some(inc)) = (self.client_model.as_mut(), self.incoming.get(i)) else {
            return;
        };
        if code.class() == 2 && matches!(inc.msg.code, Code::PUT | Code::POST | Code::DELETE) {
            let _ = model.answer(&inc.msg);
        }
    }

    /// A Register the case sends tells the client model which Object Instances it has.
    pub(super) fn learn_from_send(&mut self, message: &Message) {
        if let Some(model) = self.client_model.as_mut()
            && operation::classify(message, Context::sent_by(Role::Client)) == Some(Operation::Register)
        {
            model.learn_registered(&String::from_utf8_lossy(&message.payload));
        }
    }
}

fn describe(code: Code) -> String {
    let name = match code {
        Code::CONTENT => " Content",
        Code::CHANGED => " Changed",
        Code::DELETED => " Deleted",
        Code::CREATED => " Created",
        Code::NOT_FOUND => " Not Found",
        Code::METHOD_NOT_ALLOWED => " Method Not Allowed",
        Code::BAD_REQUEST => " Bad Request",
        Code::NOT_ACCEPTABLE => " Not Acceptable",
        _ => "",
    };
    format!("{code}{name}")
}
