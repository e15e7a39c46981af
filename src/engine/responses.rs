//! Steps about answers to the harness's requests: `expect_response`, `expect_notification`,
//! `expect_none`.

use std::time::Duration;

use super::Engine;
use super::steps::{Progress, decode, split_default};
use crate::case::model::{ExpectNone, ExpectResponse};
use crate::coap::Message;
use crate::lwm2m::{self, ContentFormat, Path};

impl Engine {
    pub(super) fn outgoing_named(&self, to: Option<&str>) -> Option<usize> {
        match to {
            Some(n) => self.outgoing.iter().rposition(|o| o.name == n),
            None => self.outgoing.len().checked_sub(1),
        }
    }

    pub(super) fn expect_response(&mut self, e: &ExpectResponse, notification: bool, now: Duration) -> Progress {
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
            // A refused request (`code_is_setup`) blocks the step rather than failing it.
            if e.code_is_setup
                && let Err(why) = e.code.check(msg.code)
            {
                return Progress::Blocked {
                    expected: self.expected_response(e),
                    observed: format!(
                        "{} answered {} at frame {frame} ({msg} — {why})",
                        self.request_name(i),
                        msg.code
                    ),
                    frames: vec![frame],
                };
            }
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
                    observed: if e.code.check(msg.code).is_err() {
                        // A refusal reads as what it is: "Register answered 4.00 at frame 2".
                        format!(
                            "{} answered {} at frame {frame} ({msg} — {why})",
                            self.request_name(i),
                            msg.code
                        )
                    } else {
                        format!("frame {frame}: {msg} — {why}")
                    },
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

    /// The LwM2M operation of the harness's request `outgoing[i]` ("Register", "Read"), for
    /// messages a person reads.
    fn request_name(&self, i: usize) -> &'static str {
        use crate::lwm2m::operation::{Context, classify};
        let sender = if self.case.dut == crate::lwm2m::Role::Client {
            crate::lwm2m::Role::Server
        } else {
            crate::lwm2m::Role::Client
        };
        let location = self.vars.get("location");
        let op = Message::parse(&self.outgoing[i].bytes).ok().and_then(|m| {
            classify(
                &m,
                Context {
                    sender: Some(sender),
                    location,
                },
            )
        });
        op.map_or("the request", |op| op.name())
    }

    pub(super) fn expected_response(&self, e: &ExpectResponse) -> String {
        let mut s = format!("a response with code {}", e.code.describe());
        if e.content_format.is_some() {
            s.push_str(" in an acceptable content format");
        }
        if e.payload.is_some() {
            s.push_str(" whose payload matches");
        }
        s
    }

    pub(super) fn capture_from_response(&mut self, e: &ExpectResponse, m: &Message, path: &Path) -> Result<(), String> {
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
                other => match super::link_capture::capture(other, &m.payload) {
                    Some(v) => v,
                    None => {
                        return Err(format!(
                            "capture `{var}`: unknown source `{other}` (use {})",
                            crate::case::names::RESPONSE_SOURCES
                        ));
                    }
                },
            };
            self.set_captured(var, src, value, default)?;
        }
        Ok(())
    }

    pub(super) fn expect_none(&mut self, e: &ExpectNone, now: Duration) -> Progress {
        let after = self.step_frame;
        let mut violations: Vec<(u32, String)> = Vec::new();
        if let Some(to) = &e.response_to {
            if let Some(i) = self.outgoing_named(Some(to)) {
                // Responses an earlier step took (e.g. the notifications before a cancel) are not
                // violations; everything after them is.
                let o = &self.outgoing[i];
                for r in o.responses.iter().skip(o.consumed) {
                    if e.tolerate_codes.as_ref().is_some_and(|c| c.check(r.msg.code).is_ok()) {
                        continue;
                    }
                    violations.push((r.frame, format!("{} (a response to `{to}`)", r.msg)));
                }
            }
        } else if e.only_rules {
            // The case's each_request rules judged every request as it arrived.
        } else {
            let at = match e.at.as_deref() {
                Some(name) => match self.endpoint(Some(name)) {
                    Ok(a) => Some(a),
                    Err(error) => return Progress::Error(error),
                },
                None => None,
            };
            let counts = |x: &&super::Incoming| at.is_none_or(|a| x.at == a);
            for inc in self.incoming.iter().filter(|x| x.frame > after).filter(counts) {
                violations.push((inc.frame, inc.msg.to_string()));
            }
            // `since: NAME`: earlier requests count from the answer to the request taken as
            // NAME on; `pending`: all earlier requests no step took.
            let since = match e.since.as_deref() {
                Some(name) => match self.taken.get(name) {
                    Some(&t) => Some(self.incoming[t].answered.unwrap_or(self.incoming[t].frame)),
                    None => return Progress::Error(format!("`since: {name}` names no request an earlier step took")),
                },
                None => None,
            };
            if e.pending || since.is_some() {
                let from = since.unwrap_or(0);
                for inc in self
                    .incoming
                    .iter()
                    .filter(|x| x.frame > from && x.frame <= after && !x.consumed)
                    .filter(counts)
                {
                    violations.push((inc.frame, format!("{} (arrived earlier, not taken)", inc.msg)));
                }
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
                (None, true) if e.at.is_some() => format!("no request at `{}`", e.at.as_deref().unwrap_or_default()),
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
}
