//! The step interpreter: runs instantaneous steps at once and parks on waiting steps until a
//! datagram satisfies them, their deadline passes, or the DUT dies.

use std::time::Duration;

use super::send_request;
use super::{Action, Engine, Judgement, Outcome, Outgoing};
use crate::case::model::{Operation, SendRequest, Step};
use crate::coap::{Message, MessageType};
use crate::lwm2m::{self, ContentFormat, Path};
use crate::timing::Wait;
use crate::verdict::Failure;

pub(super) enum Progress {
    Done,
    Wait,
    Fail {
        expected: String,
        observed: String,
        frames: Vec<u32>,
    },
    /// A check that is set-up for this step failed (`code_is_setup`): inconclusive, whatever
    /// the step's `setup` says.
    Blocked {
        expected: String,
        observed: String,
        frames: Vec<u32>,
    },
    Error(String),
}

impl Engine {
    pub(super) fn advance(&mut self, now: Duration) {
        if self.teardown {
            return;
        }
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
                self.gathered.clear();
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
                Step::Retransmit(r) => self.retransmit(r, now),
                Step::Notify(n) => self.notify(n, now),
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
                Progress::Blocked {
                    expected,
                    observed,
                    frames,
                } => self.end_step(true, expected, observed, frames),
                Progress::Error(e) => {
                    let message = format!("step {} ({}): case error: {e}", self.step + 1, self.step_name(&step));
                    self.finish(Outcome::error(message));
                }
            }
        }
        // After the steps had their turn: what none of them can take is answered now.
        self.answer_in_background(now);
    }

    pub(super) fn resolve(&self, w: Wait) -> Duration {
        self.setup.timing.resolve(w)
    }

    pub(super) fn timed_out(&self, now: Duration) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }

    pub(super) fn waited(&self, now: Duration) -> String {
        format!("{:.3}s", now.saturating_sub(self.step_started).as_secs_f64())
    }

    pub(super) fn note_unmatched(&mut self, frame: u32, why: String) {
        if !self.unmatched.iter().any(|(f, _)| *f == frame) {
            self.unmatched.push((frame, why));
        }
    }

    pub(super) fn seen_instead(&self, now: Duration) -> (String, Vec<u32>) {
        let observed = format!("nothing matching within {}{}", self.waited(now), self.unmatched_list());
        (observed, self.unmatched.iter().map(|(f, _)| *f).collect())
    }

    /// `; seen instead:` and the frames that arrived during the step without satisfying it.
    fn unmatched_list(&self) -> String {
        let mut list = String::new();
        if !self.unmatched.is_empty() {
            list.push_str("; seen instead:");
            for (f, why) in &self.unmatched {
                list.push_str(&format!("\n  frame {f}: {why}"));
            }
        }
        list
    }

    pub(super) fn send(&mut self, s: &SendRequest, now: Duration) -> Progress {
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
        let mid = self.ids.mid();
        let mut token = self.ids.token();
        if s.operation == Operation::CancelObservation {
            // RFC 7641 §3.6: the cancelling GET carries the observation's token.
            let obs = s.observation.as_deref().unwrap_or_default();
            match self.outgoing.iter().rev().find(|o| o.name == obs) {
                Some(o) => token = o.token.clone(),
                None => return Progress::Error(format!("no observation named `{obs}`")),
            }
        }
        let built = match send_request::build(s, &self.vars, &self.setup.formats, mid, token.clone()) {
            Ok(b) => b,
            Err(e) => return Progress::Error(e),
        };
        self.learn_from_send(&built.message);
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
            bytes: bytes.clone(),
            via,
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

    pub(super) fn trigger(&mut self, t: &crate::case::model::Trigger, now: Duration) -> Progress {
        let Some(spec) = self.setup.triggers.get(&t.operation).cloned() else {
            return Progress::Error(format!("the profile has no trigger `{}`", t.operation));
        };
        let mut vars = self.vars.clone();
        // A value that has no SenML form matters only to a profile whose template asks for it.
        if let Err(e) = trigger_vars(&mut vars, t)
            && spec.templates().any(|t| t.contains("{senml}"))
        {
            return Progress::Error(format!("trigger {} {}: {{senml}}: {e}", t.operation, t.path));
        }
        // A value the DUT prints (profile `captures`) may not be there yet: the DUT prints it
        // when it has taken the harness's Register, maybe after answering it.
        let missing: Vec<String> = spec
            .templates()
            .flat_map(crate::template::placeholders)
            .filter(|n| self.setup.console.iter().any(|c| c == n) && vars.get(n).is_none())
            .map(|n| format!("{{{n}}}"))
            .collect();
        if !missing.is_empty() {
            if self.deadline.is_none() {
                self.deadline = Some(now + self.resolve(Wait::Response));
            }
            if !self.timed_out(now) {
                return Progress::Wait;
            }
            return Progress::Blocked {
                expected: format!(
                    "the DUT to print what the profile's capture of {} looks for, so that trigger `{}` can be written",
                    missing.join(", "),
                    t.operation
                ),
                observed: format!("not printed within {}", self.waited(now)),
                frames: Vec::new(),
            };
        }
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
                self.actions.push_back(Action::Trigger {
                    operation: t.operation.clone(),
                    action,
                });
                Progress::Done
            }
            Err(e) => Progress::Error(e),
        }
    }

    pub(super) fn expect_retry(&mut self, r: &crate::case::model::ExpectRetry, now: Duration) -> Progress {
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

    /// The same datagram again, to where the DUT is now; the pending retransmission timer of
    /// the request is left as it is.
    pub(super) fn retransmit(&mut self, r: &crate::case::model::Retransmit, now: Duration) -> Progress {
        let Some(i) = self.outgoing_named(r.of.as_deref()) else {
            return Progress::Error("retransmit: no such request".into());
        };
        let Some(dut) = self.dut else {
            return Progress::Error("retransmit: the DUT's address is not known".into());
        };
        let (via, bytes, mid) = (
            self.outgoing[i].via,
            self.outgoing[i].bytes.clone(),
            self.outgoing[i].mid,
        );
        self.transcript.note(now, format!("harness retransmits mid={mid}"));
        self.emit(now, via, dut, bytes);
        Progress::Done
    }

    pub(super) fn control(&mut self, action: Action, now: Duration) -> Progress {
        let what = if action == Action::StopDut { "stop" } else { "restart" };
        let how = &self.setup.stop;
        self.transcript
            .note(now, format!("harness asks to {what} the DUT ({how})"));
        self.stopping = true;
        self.actions.push_back(action);
        Progress::Done
    }

    /// The DUT process ended on its own (no `stop_dut`/`restart_dut` asked for it): whatever step
    /// the case is at can no longer be judged, so the trial ends at once as inconclusive, naming
    /// the exit status and the step, rather than running out a window and blaming a requirement.
    pub(super) fn dut_died(&mut self, now: Duration, status: &str) {
        let observed = format!(
            "the DUT process exited ({status}) {:.3}s into the trial, {} into this step{}",
            now.as_secs_f64(),
            self.waited(now),
            self.unmatched_list()
        );
        let frames = self.unmatched.iter().map(|(f, _)| *f).collect();
        self.end_step(true, "the DUT to keep running".into(), observed, frames);
    }

    pub(super) fn step_name(&self, step: &Step) -> String {
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

    /// The current step failed: the case fails, or is inconclusive when it is a set-up step.
    pub(super) fn fail_step(&mut self, expected: String, observed: String, frames: Vec<u32>) {
        let setup = self.case.steps.get(self.step).is_some_and(|s| s.meta().setup);
        self.end_step(setup, expected, observed, frames);
    }

    /// Ends the case on the current step: `blocked` (a set-up check failed: the DUT never reached
    /// the point the requirement is about) is inconclusive and says what blocked it; otherwise
    /// the requirement is failed.
    pub(super) fn end_step(&mut self, blocked: bool, expected: String, observed: String, frames: Vec<u32>) {
        let Some(step) = self.case.steps.get(self.step) else {
            return;
        };
        let meta = step.meta();
        let requirements: Vec<String> = match meta.requirement {
            Some(r) => vec![r.to_string()],
            None => self.case.requirements.clone(),
        };
        let requirement = requirements.join(", ");
        let judgement = if blocked {
            Judgement::Inconclusive
        } else {
            Judgement::Fail
        };
        let step_name = self.step_name(step);
        let n = self.step + 1;
        let message = if blocked {
            format!(
                "blocked by: {}; step {n} ({step_name}) expected {expected} to reach the point under test, so [{requirement}] could not be judged",
                summary(&observed)
            )
        } else {
            format!(
                "step {n} ({step_name}) [{requirement}]: expected {expected}; observed {}",
                summary(&observed)
            )
        };
        let failure = Failure {
            step: n,
            step_name,
            requirements,
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
        Step::Notify(n) if n.confirmable => Some(n.within),
        _ => None,
    }
}

pub(super) use crate::case::names::split_default;

/// The placeholders a trigger template sees besides the trial's: `{path}`, `{value}` as the case
/// wrote it, `{senml}` (the value as SenML JSON), `{attributes}` as a query (`pmin=1&pmax=5`) and
/// each attribute on its own (`{pmin}` ... `{st}`, empty when the case does not set it).
/// Err: the value has no SenML form (every other placeholder is set).
pub(super) fn trigger_vars(vars: &mut super::Vars, t: &crate::case::model::Trigger) -> Result<(), String> {
    vars.set("path", t.path.clone());
    vars.set("value", t.value.clone());
    vars.set("attributes", t.attributes.clone());
    let pairs: Vec<(&str, &str)> = t
        .attributes
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    for name in crate::case::names::ATTRIBUTE_PLACEHOLDERS {
        let value = pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v);
        vars.set(name, value);
    }
    let senml = if t.value.is_empty() {
        String::new()
    } else {
        let path: Path = t.path.parse().map_err(|e| format!("{e}"))?;
        crate::lwm2m::assignment::senml_json(&path, &t.value, t.operation == "create")?
    };
    vars.set("senml", senml);
    Ok(())
}

/// Decodes a payload; one without a Content-Format option is read as `fallback` when the exchange
/// fixes the format (the Accept sent, or the one format the step expects).
pub(super) fn decode(m: &Message, base: &Path, fallback: Option<ContentFormat>) -> Result<lwm2m::Content, String> {
    let format = m
        .content_format()
        .map(ContentFormat)
        .or(if m.payload.is_empty() { None } else { fallback });
    lwm2m::decode(format, base, &m.payload).map_err(|e| e.to_string())
}
