//! `expect` with `query_across_requests`: the listed query parameters may come spread over
//! several requests (a Write-Attributes sent as one PUT per kind of attribute, say). Every
//! request that matches the step's other checks and carries some of the listed parameters, each
//! with an acceptable value, adds them to what the step has gathered; one that leaves some still
//! missing is answered at once with the step's `answer` (as the client the harness plays would),
//! and the one that completes the set is taken, for a `respond` step, like a plain `expect`.

use std::time::Duration;

use super::Engine;
use super::steps::Progress;
use crate::case::model::{AcrossRequests, ExpectRequest};
use crate::coap::Message;

impl Engine {
    pub(super) fn gather_request(&mut self, e: &ExpectRequest, across: &AcrossRequests, now: Duration) -> Progress {
        let at = match self.endpoint(e.at.as_deref()) {
            Ok(a) => a,
            Err(err) => return Progress::Error(err),
        };
        for i in 0..self.incoming.len() {
            if self.incoming[i].consumed || self.incoming[i].at != at {
                continue;
            }
            let carried = self.match_request_but_query(e, &self.incoming[i].msg).and_then(|()| {
                let carried = self.carried_query(e, &self.incoming[i].msg)?;
                if carried.is_empty() {
                    return Err("it carries none of the query parameters the step waits for".into());
                }
                Ok(carried)
            });
            let carried = match carried {
                Ok(c) => c,
                Err(why) => {
                    let line = format!("{} — {why}", self.incoming[i].msg);
                    self.note_unmatched(self.incoming[i].frame, line);
                    continue;
                }
            };
            let frame = self.incoming[i].frame;
            for name in carried {
                if !self.gathered.iter().any(|(n, _)| *n == name) {
                    self.gathered.push((name, frame));
                }
            }
            self.incoming[i].consumed = true;
            if self.missing_query(e).is_empty() {
                return self.take(e, i);
            }
            // Part of the set: answered now, so the DUT can go on to send the rest.
            let (t, mid) = self
                .ids
                .answer_header(self.incoming[i].msg.mtype, self.incoming[i].msg.mid);
            let answer = Message::new(t, across.answer, mid, self.incoming[i].msg.token.clone());
            match answer.to_bytes() {
                Ok(bytes) => self.send_answer(now, i, bytes),
                Err(err) => return Progress::Error(err.to_string()),
            }
        }
        if self.timed_out(now) {
            let (mut observed, mut frames) = self.seen_instead(now);
            let got: Vec<String> = self.gathered.iter().map(|(n, f)| format!("{n} (frame {f})")).collect();
            if !got.is_empty() {
                observed = format!("only {} arrived; {observed}", got.join(", "));
                frames.extend(self.gathered.iter().map(|(_, f)| *f));
                frames.sort_unstable();
                frames.dedup();
            }
            return Progress::Fail {
                expected: format!(
                    "{} carrying {}, in one request or several",
                    e.path.request_text(e.method),
                    self.missing_query(e).join(", ")
                ),
                observed,
                frames,
            };
        }
        Progress::Wait
    }

    /// The listed parameters `m` carries, once each carried one has an acceptable value.
    fn carried_query(&self, e: &ExpectRequest, m: &Message) -> Result<Vec<String>, String> {
        let query = m.uri_query();
        let mut carried = Vec::new();
        for (name, matcher) in &e.query {
            if let Some((_, v)) = query.iter().find(|(k, _)| k == name) {
                matcher.check(
                    &format!("query parameter {name}"),
                    Some(v.as_deref().unwrap_or("")),
                    &self.vars,
                )?;
                carried.push(name.clone());
            }
        }
        Ok(carried)
    }

    /// The listed parameters not gathered yet that the step requires (not `absent`/`optional`).
    fn missing_query(&self, e: &ExpectRequest) -> Vec<String> {
        e.query
            .iter()
            .filter(|(name, _)| !self.gathered.iter().any(|(n, _)| n == *name))
            .filter(|(name, matcher)| matcher.check(name, None, &self.vars).is_err())
            .map(|(name, _)| name.clone())
            .collect()
    }
}
