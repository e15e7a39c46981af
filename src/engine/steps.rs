//! The step interpreter: runs instantaneous steps at once and parks on waiting steps until a
//! datagram satisfies them, their deadline passes, or the DUT dies.

use std::time::Duration;

use super::operation;
use super::{Action, Engine, Judgement, Outcome, Outgoing};
use crate::case::duration::Wait;
use crate::case::model::{ExpectNone, ExpectRequest, ExpectResponse, Operation, Respond, SendRequest, Step};
use crate::coap::message::option;
use crate::coap::{Message, MessageType};
use crate::evidence::Failure;
use crate::lwm2m::{self, ContentFormat, Path};

enum Progress {
    Done,
    Wait,
    Fail {
        expected: String,
        observed: String,
        frames: Vec<u32>,
    },
    Error(String),
}

impl Engine {
    pub(super) fn advance(&mut self, now: Duration) {
        while self.outcome.is_none() {
            let Some(step) = self.case.steps.get(self.step).cloned() else {
                let n = self.case.steps.len();
                self.finish(Outcome {
                    judgement: Judgement::Pass,
                    message: format!("all {n} steps passed"),
                    failure: None,
                });
                break;
            };
            if self.deadline.is_none() {
                self.step_started = now;
                self.step_frame = self.frames;
                self.unmatched.clear();
                if let Some(w) = waits(&step) {
                    self.deadline = Some(now + self.resolve(w));
                }
            }
            let progress = match &step {
                Step::Expect(e) => self.expect_request(e, now),
                Step::Respond(r) => self.respond(r, now),
                Step::Send(s) => self.send(s, now),
                Step::ExpectResponse(e) => self.expect_response(e, false, now),
                Step::ExpectNotification(e) => self.expect_response(e, true, now),
                Step::ExpectNone(e) => self.expect_none(e, now),
                Step::StopDut(_) => self.control(Action::StopDut, now),
                Step::RestartDut(_) => self.control(Action::RestartDut, now),
                Step::Trigger(t) => self.trigger(t, now),
                Step::ExpectRetry(r) => self.expect_retry(r, now),
            };
            match progress {
                Progress::Done => {
                    self.step += 1;
                    self.deadline = None;
                }
                Progress::Wait => break,
                Progress::Fail {
                    expected,
                    observed,
                    frames,
                } => self.fail_step(expected, observed, frames),
                Progress::Error(e) => {
                    let message = format!("step {} ({}): case error: {e}", self.step + 1, self.step_name(&step));
                    self.finish(Outcome {
                        judgement: Judgement::Error,
                        message,
                        failure: None,
                    });
                }
            }
        }
    }

    fn resolve(&self, w: Wait) -> Duration {
        match w {
            Wait::Fixed(d) => d,
            Wait::Response => self.setup.timing.response_timeout,
            Wait::Quiet => self.setup.timing.quiet_window,
            Wait::Startup => self.setup.timing.startup_timeout,
        }
    }

    fn timed_out(&self, now: Duration) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }

    fn waited(&self, now: Duration) -> String {
        format!("{:.3}s", now.saturating_sub(self.step_started).as_secs_f64())
    }

    fn note_unmatched(&mut self, frame: u32, why: String) {
        if !self.unmatched.iter().any(|(f, _)| *f == frame) {
            self.unmatched.push((frame, why));
        }
    }

    fn seen_instead(&self, now: Duration) -> (String, Vec<u32>) {
        let mut observed = format!("nothing matching within {}", self.waited(now));
        if !self.unmatched.is_empty() {
            observed.push_str("; seen instead:");
            for (f, why) in &self.unmatched {
                observed.push_str(&format!("\n  frame {f}: {why}"));
            }
        }
        (observed, self.unmatched.iter().map(|(f, _)| *f).collect())
    }

    fn expect_request(&mut self, e: &ExpectRequest, now: Duration) -> Progress {
        let at = match self.endpoint(e.at.as_deref()) {
            Ok(a) => a,
            Err(err) => return Progress::Error(err),
        };
        for i in 0..self.incoming.len() {
            if self.incoming[i].consumed {
                continue;
            }
            if self.incoming[i].at != at {
                let line = format!(
                    "{} — sent to {}, not to the {} endpoint {at}",
                    self.incoming[i].msg,
                    self.incoming[i].at,
                    e.at.as_deref().unwrap_or("server")
                );
                self.note_unmatched(self.incoming[i].frame, line);
                continue;
            }
            match self.match_request(e, &self.incoming[i].msg) {
                Ok(()) => {
                    self.incoming[i].consumed = true;
                    if let Err(err) = self.capture_from_request(e, i) {
                        return Progress::Error(err);
                    }
                    let name = e.alias.clone().unwrap_or_else(|| format!("#{}", self.step + 1));
                    self.taken.insert(name.clone(), i);
                    self.last_taken = Some(name);
                    return Progress::Done;
                }
                Err(why) => {
                    let line = format!("{} — {why}", self.incoming[i].msg);
                    self.note_unmatched(self.incoming[i].frame, line);
                }
            }
        }
        if self.timed_out(now) {
            let expected = format!("a {} {} request", e.method, e.path);
            let (observed, frames) = self.seen_instead(now);
            return Progress::Fail {
                expected,
                observed,
                frames,
            };
        }
        Progress::Wait
    }

    fn match_request(&self, e: &ExpectRequest, m: &Message) -> Result<(), String> {
        if m.code != e.method {
            return Err(format!("method is {}, expected {}", m.code, e.method));
        }
        let want = self.vars.render(&e.path)?;
        let got = m.uri_path();
        if got != want {
            return Err(format!("path is {got}, expected {want}"));
        }
        let query = m.uri_query();
        for (name, matcher) in &e.query {
            let actual = query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_deref().unwrap_or(""));
            matcher.check(&format!("query parameter {name}"), actual, &self.vars)?;
        }
        if let Some(o) = &e.observe {
            o.check(
                "Observe option",
                m.observe().map(|v| v.to_string()).as_deref(),
                &self.vars,
            )?;
        }
        if let Some(f) = &e.content_format {
            f.check(m.content_format(), &self.setup.formats)?;
        }
        if let Some(p) = &e.payload {
            let base: Path = got.parse().unwrap_or_default();
            let fallback = e.content_format.as_ref().and_then(|f| f.first_concrete());
            p.check(&m.payload, &decode(m, &base, fallback), &self.vars)?;
        }
        Ok(())
    }

    fn capture_from_request(&mut self, e: &ExpectRequest, i: usize) -> Result<(), String> {
        for (var, source) in &e.capture {
            let (src, default) = split_default(source);
            let inc = &self.incoming[i];
            let value = match src {
                "path" => Some(inc.msg.uri_path()),
                "token" => Some(crate::coap::message::hex(&inc.msg.token)),
                "source" => Some(inc.from.to_string()),
                "payload" => Some(String::from_utf8_lossy(&inc.msg.payload).into_owned()),
                q if q.starts_with("query.") => {
                    let name = &q["query.".len()..];
                    inc.msg
                        .uri_query()
                        .into_iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.unwrap_or_default())
                }
                other => {
                    return Err(format!(
                        "capture `{var}`: unknown source `{other}` (use query.NAME, path, token, source, payload)"
                    ));
                }
            };
            self.set_captured(var, src, value, default)?;
        }
        Ok(())
    }

    /// Stores a captured value, or its `?? default` when the source is absent.
    fn set_captured(
        &mut self,
        var: &str,
        src: &str,
        value: Option<String>,
        default: Option<&str>,
    ) -> Result<(), String> {
        match value.or(default.map(str::to_string)) {
            Some(v) => {
                self.vars.set(var, v);
                Ok(())
            }
            None => Err(format!(
                "capture `{var}`: `{src}` is absent and no `?? default` is given"
            )),
        }
    }

    fn respond(&mut self, r: &Respond, now: Duration) -> Progress {
        let name = match r.to.clone().or_else(|| self.last_taken.clone()) {
            Some(n) => n,
            None => return Progress::Error("respond: no request taken yet".into()),
        };
        let Some(&i) = self.taken.get(&name) else {
            return Progress::Error(format!("respond: no request named `{name}`"));
        };
        let (from, at, req_type, mid, token) = {
            let inc = &self.incoming[i];
            (inc.from, inc.at, inc.msg.mtype, inc.msg.mid, inc.msg.token.clone())
        };
        let (t, rmid) = if req_type == MessageType::Confirmable {
            (MessageType::Acknowledgement, mid)
        } else {
            (MessageType::NonConfirmable, self.take_mid())
        };
        let mut m = Message::new(t, r.code, rmid, token);
        if let Some(loc) = &r.location {
            let loc = match self.vars.render(loc) {
                Ok(l) => l,
                Err(e) => return Progress::Error(e),
            };
            m.set_location_path(&loc);
            self.vars.set("location", loc);
        }
        if let Some(o) = r.observe {
            m.add_uint_option(option::OBSERVE, o);
        }
        if let Some(cf) = &r.content_format {
            match ContentFormat::from_name(cf) {
                Some(f) => m.add_uint_option(option::CONTENT_FORMAT, u32::from(f.0)),
                None => return Progress::Error(format!("respond.content_format: unknown format `{cf}`")),
            }
        }
        if let Some(p) = &r.payload {
            match self.vars.render(p) {
                Ok(p) => m.payload = p.into_bytes(),
                Err(e) => return Progress::Error(e),
            }
        }
        match m.to_bytes() {
            Ok(bytes) => {
                if req_type == MessageType::Confirmable {
                    self.dedup.answered(from, mid, bytes.clone());
                }
                self.emit(now, at, from, bytes);
                Progress::Done
            }
            Err(e) => Progress::Error(e.to_string()),
        }
    }

    fn take_mid(&mut self) -> u16 {
        self.next_mid = self.next_mid.wrapping_add(1);
        self.next_mid
    }

    fn send(&mut self, s: &SendRequest, now: Duration) -> Progress {
        let Some(dut) = self.dut else {
            return Progress::Fail {
                expected: "the DUT to have contacted the harness (its address is needed to send a request)".into(),
                observed: "no request from the DUT so far".into(),
                frames: vec![],
            };
        };
        let via = match self.endpoint(s.via.as_deref()) {
            Ok(a) => a,
            Err(err) => return Progress::Error(err),
        };
        let mid = self.take_mid();
        self.next_token = self.next_token.wrapping_add(1);
        let mut token = self.next_token.to_be_bytes().to_vec();
        if s.operation == Operation::CancelObservation {
            // RFC 7641 §3.6: the cancelling GET carries the observation's token.
            let obs = s.observation.as_deref().unwrap_or_default();
            match self.outgoing.iter().rev().find(|o| o.name == obs) {
                Some(o) => token = o.token.clone(),
                None => return Progress::Error(format!("no observation named `{obs}`")),
            }
        }
        let built = match operation::build(s, &self.vars, &self.setup.formats, mid, token.clone()) {
            Ok(b) => b,
            Err(e) => return Progress::Error(e),
        };
        let bytes = match built.message.to_bytes() {
            Ok(b) => b,
            Err(e) => return Progress::Error(e.to_string()),
        };
        let name = s.alias.clone().unwrap_or_else(|| format!("#{}", self.step + 1));
        if s.operation == Operation::CancelObservation {
            // Later responses with this token belong to the cancel, not to the observation.
            for o in self.outgoing.iter_mut().filter(|o| o.token == token) {
                o.token = Vec::new();
            }
        }
        self.outgoing.push(Outgoing {
            name,
            path: built.path,
            accept: built.accept,
            token,
            mid,
            frame: self.frames + 1,
            observe: s.operation == Operation::Observe,
            reject: super::Reject::No,
            responses: Vec::new(),
            consumed: 0,
        });
        if built.message.mtype == MessageType::Confirmable {
            self.retransmit.sent(now, dut, mid, bytes.clone());
        }
        self.sent_from.insert(mid, via);
        self.emit(now, via, dut, bytes);
        Progress::Done
    }

    fn outgoing_named(&self, to: Option<&str>) -> Option<usize> {
        match to {
            Some(n) => self.outgoing.iter().rposition(|o| o.name == n),
            None => self.outgoing.len().checked_sub(1),
        }
    }

    fn expect_response(&mut self, e: &ExpectResponse, notification: bool, now: Duration) -> Progress {
        let Some(i) = self.outgoing_named(e.to.as_deref()) else {
            return Progress::Error("no such request".into());
        };
        if notification && e.reject && self.outgoing[i].reject == super::Reject::No {
            // Only notifications arriving from now on can be answered with RST; earlier ones were
            // already acknowledged, so they are passed over.
            let o = &mut self.outgoing[i];
            o.reject = super::Reject::Next;
            o.consumed = o.responses.len();
        }
        // Only an Observe is answered with an Observe option (RFC 7641 §4.1). For any other
        // request with the same token (a cancelling GET), such a message is a notification that
        // crossed the request, not its response.
        while let Some(reply) = self.outgoing[i].responses.get(self.outgoing[i].consumed)
            && !self.outgoing[i].observe
            && !notification
            && reply.msg.observe().is_some()
        {
            let (frame, why) = (
                reply.frame,
                format!("{} — a notification (Observe option), not the response", reply.msg),
            );
            self.note_unmatched(frame, why);
            self.outgoing[i].consumed += 1;
        }
        let o = &self.outgoing[i];
        if let Some(reply) = o.responses.get(o.consumed) {
            let frame = reply.frame;
            let msg = reply.msg.clone();
            let path = o.path;
            let sent_accept = o.accept;
            let sent_frame = o.frame;
            let accept: Vec<ContentFormat> = o.accept.map(|a| vec![a]).unwrap_or_else(|| self.setup.formats.clone());
            self.outgoing[i].consumed += 1;
            let checked = (|| {
                if notification && msg.observe().is_none() {
                    return Err("response carries no Observe option, so it is not a notification".to_string());
                }
                e.code.check(msg.code)?;
                if let Some(l) = &e.location {
                    l.check("Location-Path", msg.location_path().as_deref(), &self.vars)?;
                }
                if e.no_request_before
                    && let Some(r) = self.incoming.iter().find(|r| r.frame > sent_frame && r.frame < frame)
                {
                    return Err(format!(
                        "the DUT sent a request (frame {}: {}) before this response",
                        r.frame, r.msg
                    ));
                }
                if let Some(f) = &e.content_format {
                    f.check(msg.content_format(), &accept)?;
                }
                if let Some(p) = &e.payload {
                    // A 2.05 to a request with Accept honoured it (RFC 7252 §5.10.4), so an
                    // unlabelled payload is read in the accepted format.
                    let fallback = e
                        .content_format
                        .as_ref()
                        .and_then(|f| f.first_concrete())
                        .or(sent_accept);
                    p.check(&msg.payload, &decode(&msg, &path, fallback), &self.vars)?;
                }
                Ok(())
            })();
            return match checked {
                Ok(()) => match self.capture_from_response(e, &msg, &path) {
                    Ok(()) => Progress::Done,
                    Err(err) => Progress::Error(err),
                },
                Err(why) => Progress::Fail {
                    expected: self.expected_response(e),
                    observed: format!("frame {frame}: {msg} — {why}"),
                    frames: vec![frame],
                },
            };
        }
        if self.timed_out(now) {
            let (observed, mut frames) = self.seen_instead(now);
            frames.insert(0, self.outgoing[i].frame);
            let what = if notification { "notification" } else { "response" };
            return Progress::Fail {
                expected: self.expected_response(e),
                observed: format!(
                    "no {what} to the request of frame {}; {observed}",
                    self.outgoing[i].frame
                ),
                frames,
            };
        }
        Progress::Wait
    }

    fn expected_response(&self, e: &ExpectResponse) -> String {
        let mut s = format!("a response with code {}", e.code.describe());
        if e.content_format.is_some() {
            s.push_str(" in an acceptable content format");
        }
        if e.payload.is_some() {
            s.push_str(" whose payload matches");
        }
        s
    }

    fn capture_from_response(&mut self, e: &ExpectResponse, m: &Message, path: &Path) -> Result<(), String> {
        for (var, source) in &e.capture {
            let (src, default) = split_default(source);
            let value = match src {
                "location" => m.location_path(),
                "payload" => Some(String::from_utf8_lossy(&m.payload).into_owned()),
                r if r.starts_with("resource.") => {
                    let p: Path = r["resource.".len()..]
                        .parse()
                        .map_err(|e| format!("capture `{var}`: {e}"))?;
                    match decode(m, path, None) {
                        Ok(lwm2m::Content::Records(recs)) => {
                            recs.into_iter().find(|x| x.path == p).map(|x| x.value.to_text())
                        }
                        _ => None,
                    }
                }
                other => {
                    return Err(format!(
                        "capture `{var}`: unknown source `{other}` (use location, payload, resource.PATH)"
                    ));
                }
            };
            self.set_captured(var, src, value, default)?;
        }
        Ok(())
    }

    fn expect_none(&mut self, e: &ExpectNone, now: Duration) -> Progress {
        let after = self.step_frame;
        let mut violations: Vec<(u32, String)> = Vec::new();
        if let Some(to) = &e.response_to {
            if let Some(i) = self.outgoing_named(Some(to)) {
                // Responses an earlier step took (e.g. the notifications before a cancel) are not
                // violations; everything after them is.
                let o = &self.outgoing[i];
                for r in o.responses.iter().skip(o.consumed) {
                    violations.push((r.frame, format!("{} (a response to `{to}`)", r.msg)));
                }
            }
        } else {
            for inc in self.incoming.iter().filter(|x| x.frame > after) {
                violations.push((inc.frame, inc.msg.to_string()));
            }
            if !e.request {
                for o in &self.outgoing {
                    for r in o.responses.iter().filter(|r| r.frame > after) {
                        violations.push((r.frame, r.msg.to_string()));
                    }
                }
                for (f, why) in self.unmatched.iter().filter(|(f, _)| *f > after) {
                    violations.push((*f, why.clone()));
                }
            }
        }
        if !violations.is_empty() {
            violations.sort();
            let observed = violations
                .iter()
                .map(|(f, w)| format!("frame {f}: {w}"))
                .collect::<Vec<_>>()
                .join("\n  ");
            let what = match (&e.response_to, e.request) {
                (Some(to), _) => format!("no response to `{to}`"),
                (None, true) => "no request from the DUT".to_string(),
                (None, false) => "no message from the DUT".to_string(),
            };
            let window = self
                .deadline
                .map(|d| d.saturating_sub(self.step_started))
                .unwrap_or_default();
            return Progress::Fail {
                expected: format!("{what} within {:.3}s", window.as_secs_f64()),
                observed,
                frames: violations.iter().map(|(f, _)| *f).collect(),
            };
        }
        if !self.timed_out(now) {
            return Progress::Wait;
        }
        if let Some(i) = e.response_to.as_deref().and_then(|to| self.outgoing_named(Some(to))) {
            // The DUT ignored it, as required: stop retransmitting so that later steps are judged
            // on fresh requests only.
            let mid = self.outgoing[i].mid;
            self.retransmit.cancel(mid);
        }
        Progress::Done
    }

    fn trigger(&mut self, t: &crate::case::model::Trigger, now: Duration) -> Progress {
        let Some(spec) = self.setup.triggers.get(&t.operation).cloned() else {
            return Progress::Error(format!("the profile has no trigger `{}`", t.operation));
        };
        let mut vars = self.vars.clone();
        vars.set("path", t.path.clone());
        vars.set("value", t.value.clone());
        vars.set("attributes", t.attributes.clone());
        let rendered = (|| -> Result<super::TriggerAction, String> {
            Ok(match (&spec.stdin, &spec.shell, &spec.http) {
                (Some(line), None, None) => super::TriggerAction::Stdin(vars.render(line)?),
                (None, Some(cmd), None) => super::TriggerAction::Shell(vars.render(cmd)?),
                (None, None, Some(h)) => super::TriggerAction::Http {
                    method: h.method.clone(),
                    url: vars.render(&h.url)?,
                    body: h.body.as_deref().map(|b| vars.render(b)).transpose()?,
                    content_type: h.content_type.clone(),
                },
                _ => {
                    return Err(format!(
                        "trigger `{}` must have exactly one of stdin, shell, http",
                        t.operation
                    ));
                }
            })
        })();
        match rendered {
            Ok(action) => {
                self.transcript
                    .note(now, format!("trigger {} {}: {action:?}", t.operation, t.path));
                self.actions.push_back(Action::Trigger(action));
                Progress::Done
            }
            Err(e) => Progress::Error(e),
        }
    }

    fn expect_retry(&mut self, r: &crate::case::model::ExpectRetry, now: Duration) -> Progress {
        let Some(name) = r.of.clone().or_else(|| self.last_taken.clone()) else {
            return Progress::Error("expect_retry: no request taken yet".into());
        };
        let Some(&i) = self.taken.get(&name) else {
            return Progress::Error(format!("expect_retry: no request named `{name}`"));
        };
        let after = self.step_frame;
        let (code, path, first) = (
            self.incoming[i].msg.code,
            self.incoming[i].msg.uri_path(),
            self.incoming[i].frame,
        );
        if self.incoming[i].retransmissions.iter().any(|f| *f > after) {
            return Progress::Done;
        }
        // A new attempt: a fresh request (new Message ID) with the same method and path.
        if let Some(j) = (0..self.incoming.len()).find(|&j| {
            j != i
                && !self.incoming[j].consumed
                && self.incoming[j].frame > first
                && self.incoming[j].msg.code == code
                && self.incoming[j].msg.uri_path() == path
        }) {
            self.incoming[j].consumed = true;
            return Progress::Done;
        }
        if self.timed_out(now) {
            let (observed, mut frames) = self.seen_instead(now);
            frames.insert(0, first);
            return Progress::Fail {
                expected: format!("the unanswered {code} {path} of frame {first} to be tried again"),
                observed,
                frames,
            };
        }
        Progress::Wait
    }

    fn control(&mut self, action: Action, now: Duration) -> Progress {
        let what = if action == Action::StopDut { "stop" } else { "restart" };
        self.transcript.note(now, format!("harness asks to {what} the DUT"));
        self.stopping = true;
        self.actions.push_back(action);
        Progress::Done
    }

    /// The DUT process ended on its own: a step waiting for it can never be satisfied.
    pub(super) fn dut_died(&mut self, now: Duration, status: &str) {
        let Some(step) = self.case.steps.get(self.step) else {
            return;
        };
        if matches!(
            step,
            Step::Expect(_) | Step::ExpectResponse(_) | Step::ExpectNotification(_)
        ) {
            let (observed, frames) = self.seen_instead(now);
            self.fail_step(
                "the DUT to keep running".into(),
                format!(
                    "the DUT process exited ({status}) after {}; {observed}",
                    self.waited(now)
                ),
                frames,
            );
        }
    }

    fn step_name(&self, step: &Step) -> String {
        if let Some(n) = step.meta().name {
            return n.to_string();
        }
        match step {
            Step::Expect(e) => format!("expect {} {}", e.method, e.path),
            Step::Respond(r) => format!("respond {}", r.code),
            Step::Send(s) => format!("send {:?} {}", s.operation, s.path),
            Step::ExpectResponse(e) => format!("expect_response {}", e.code.describe()),
            Step::ExpectNotification(_) => "expect_notification".into(),
            Step::ExpectNone(e) => match &e.response_to {
                Some(t) => format!("expect_none response to {t}"),
                None => "expect_none".into(),
            },
            other => other.kind().into(),
        }
    }

    fn fail_step(&mut self, expected: String, observed: String, frames: Vec<u32>) {
        let Some(step) = self.case.steps.get(self.step) else {
            return;
        };
        let meta = step.meta();
        let requirement = meta
            .requirement
            .map(str::to_string)
            .unwrap_or_else(|| self.case.requirements.join(", "));
        let judgement = if meta.setup {
            Judgement::Inconclusive
        } else {
            Judgement::Fail
        };
        let step_name = self.step_name(step);
        let n = self.step + 1;
        let lead = if meta.setup {
            "the DUT never reached the point under test: "
        } else {
            ""
        };
        let message = format!(
            "{lead}step {n} ({step_name}) [{requirement}]: expected {expected}; observed {}",
            summary(&observed)
        );
        let failure = Failure {
            step: n,
            step_name,
            requirement: Some(requirement),
            expected,
            observed,
            frames,
        };
        self.finish(Outcome {
            judgement,
            message,
            failure: Some(failure),
        });
    }
}

/// One line for the headline: the first line, plus the first frame "seen instead" if any (the
/// full list stays in the failure's `observed`).
fn summary(observed: &str) -> String {
    let mut lines = observed.lines();
    let first = lines.next().unwrap_or("");
    let rest: Vec<&str> = lines.map(str::trim).collect();
    match rest.split_first() {
        None => first.to_string(),
        Some((next, [])) => format!("{first} {next}"),
        Some((next, more)) => format!("{first} {next} (and {} more frames)", more.len()),
    }
}

fn waits(step: &Step) -> Option<Wait> {
    match step {
        Step::Expect(e) => Some(e.within),
        Step::ExpectResponse(e) | Step::ExpectNotification(e) => Some(e.within),
        Step::ExpectNone(e) => Some(e.within),
        Step::ExpectRetry(e) => Some(e.within),
        _ => None,
    }
}

fn split_default(source: &str) -> (&str, Option<&str>) {
    match source.split_once("??") {
        Some((s, d)) => (s.trim(), Some(d.trim())),
        None => (source.trim(), None),
    }
}

/// Decodes a payload; one without a Content-Format option is read as `fallback` when the exchange
/// fixes the format (the Accept sent, or the one format the step expects).
fn decode(m: &Message, base: &Path, fallback: Option<ContentFormat>) -> Result<lwm2m::Content, String> {
    let format = m
        .content_format()
        .map(ContentFormat)
        .or(if m.payload.is_empty() { None } else { fallback });
    lwm2m::decode(format, base, &m.payload).map_err(|e| e.to_string())
}
