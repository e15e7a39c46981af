//! Steps about requests from the DUT: `expect` (match and capture) and `respond`.

use std::time::Duration;

use super::Engine;
use super::steps::{Progress, decode, split_default};
use crate::case::model::{ExpectRequest, Respond};
use crate::coap::Message;
use crate::coap::message::option;
use crate::lwm2m::{ContentFormat, Path};

impl Engine {
    pub(super) fn expect_request(&mut self, e: &ExpectRequest, now: Duration) -> Progress {
        if let Some(across) = &e.query_across_requests {
            return self.gather_request(e, across, now);
        }
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
                    e.at.as_deref()
                        .or(self.setup.endpoints.first().map(|(n, _)| n.as_str()))
                        .unwrap_or("server")
                );
                self.note_unmatched(self.incoming[i].frame, line);
                continue;
            }
            let matched = self
                .match_request(e, &self.incoming[i].msg)
                .and_then(|()| {
                    if e.earlier_answered {
                        self.unanswered_before(i).map_or(Ok(()), Err)
                    } else {
                        Ok(())
                    }
                })
                .and_then(|()| self.arrived_after(e.after.as_deref(), i));
            match matched {
                Ok(()) => {
                    self.incoming[i].consumed = true;
                    return self.take(e, i);
                }
                Err(why) => {
                    let line = format!("{} — {why}", self.incoming[i].msg);
                    self.note_unmatched(self.incoming[i].frame, line);
                }
            }
        }
        if self.timed_out(now) {
            // The closest misses first: requests with the expected method (a Finish that came
            // too early, or with a payload) before the rest of the traffic.
            let incoming = &self.incoming;
            self.unmatched
                .sort_by_key(|(f, _)| !incoming.iter().any(|r| r.frame == *f && r.msg.code == e.method));
            let expected = e.path.request_text(e.method);
            let (observed, frames) = self.seen_instead(now);
            return Progress::Fail {
                expected,
                observed,
                frames,
            };
        }
        Progress::Wait
    }

    pub(super) fn match_request(&self, e: &ExpectRequest, m: &Message) -> Result<(), String> {
        self.match_request_but_query(e, m)?;
        let query = m.uri_query();
        for (name, matcher) in &e.query {
            let actual = query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_deref().unwrap_or(""));
            matcher.check(&format!("query parameter {name}"), actual, &self.vars)?;
        }
        Ok(())
    }

    /// Every check of `e` but its `query`.
    pub(super) fn match_request_but_query(&self, e: &ExpectRequest, m: &Message) -> Result<(), String> {
        if m.code != e.method {
            return Err(format!("method is {}, expected {}", m.code, e.method));
        }
        let got = m.uri_path();
        e.path.check(&got, &self.vars)?;
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
        if let Some(t) = &e.token {
            t.check("token", Some(&crate::coap::message::hex(&m.token)), &self.vars)?;
        }
        if let Some(a) = &e.accept {
            a.check(m.accept(), &self.setup.formats)
                .map_err(|why| format!("Accept: {why}"))?;
        }
        if let Some(p) = &e.payload {
            let base: Path = got.parse().unwrap_or_default();
            let fallback = e.content_format.as_ref().and_then(|f| f.first_concrete());
            p.check(&m.payload, &decode(m, &base, fallback), &self.vars)?;
        }
        Ok(())
    }

    /// `after: name`: request `i` must have arrived after the answer to the request taken as
    /// `name` (or after that request, while it is unanswered).
    fn arrived_after(&self, after: Option<&str>, i: usize) -> Result<(), String> {
        let Some(name) = after else { return Ok(()) };
        let Some(&earlier) = self.taken.get(name) else {
            return Err(format!("`after: {name}` names no request an earlier step took"));
        };
        let mark = self.incoming[earlier].answered.unwrap_or(self.incoming[earlier].frame);
        let frame = self.incoming[i].frame;
        if frame > mark {
            Ok(())
        } else {
            Err(format!(
                "arrived at frame {frame}, before the answer to `{name}` (frame {mark}): not after it"
            ))
        }
    }

    /// Request `i` satisfies `e`: its captures are made and it is taken under the step's `as`
    /// name (or `#N`), for `respond` and `after:`.
    pub(super) fn take(&mut self, e: &ExpectRequest, i: usize) -> Progress {
        if let Err(err) = self.capture_from_request(e, i) {
            return Progress::Error(err);
        }
        let name = e.alias.clone().unwrap_or_else(|| format!("#{}", self.step + 1));
        self.taken.insert(name.clone(), i);
        self.last_taken = Some(name);
        Progress::Done
    }

    pub(super) fn capture_from_request(&mut self, e: &ExpectRequest, i: usize) -> Result<(), String> {
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
                other => match super::link_capture::capture(other, &inc.msg.payload) {
                    Some(v) => v,
                    None => {
                        return Err(format!(
                            "capture `{var}`: unknown source `{other}` (use {})",
                            crate::case::names::REQUEST_SOURCES
                        ));
                    }
                },
            };
            self.set_captured(var, src, value, default)?;
        }
        Ok(())
    }

    /// Stores a captured value, or its `?? default` when the source is absent.
    pub(super) fn set_captured(
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

    pub(super) fn respond(&mut self, r: &Respond, now: Duration) -> Progress {
        let name = match r.to.clone().or_else(|| self.last_taken.clone()) {
            Some(n) => n,
            None => return Progress::Error("respond: no request taken yet".into()),
        };
        let Some(&i) = self.taken.get(&name) else {
            return Progress::Error(format!("respond: no request named `{name}`"));
        };
        let (req_type, mid, token) = {
            let inc = &self.incoming[i];
            (inc.msg.mtype, inc.msg.mid, inc.msg.token.clone())
        };
        let (t, rmid) = self.ids.answer_header(req_type, mid);
        let mut m = Message::new(t, r.code, rmid, token);
        if let Some(loc) = &r.location {
            let loc = match self.vars.render(loc) {
                Ok(l) => l,
                Err(e) => return Progress::Error(e),
            };
            m.set_location_path(&loc);
            if r.code == crate::coap::Code::CREATED && !self.registrations.contains(&loc) {
                self.registrations.push(loc.clone());
            }
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
                self.apply_to_model(i, r.code);
                self.send_answer(now, i, bytes);
                Progress::Done
            }
            Err(e) => Progress::Error(e.to_string()),
        }
    }
}
