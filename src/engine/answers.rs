//! The harness's answers to the DUT's requests: sent at once or, for an `auto_respond` rule
//! with `delay`, held until due; either way remembered for retransmissions of the request and
//! recorded on the request (`answered`), which `expect: {earlier_answered: true}` judges by.

use std::net::SocketAddr;
use std::time::Duration;

use super::{Engine, HeldAnswer};

impl Engine {
    /// Answers `incoming[request]` with `bytes` now, or at `now + delay`.
    pub(super) fn answer(&mut self, now: Duration, request: usize, bytes: Vec<u8>, delay: Option<Duration>) {
        match delay {
            Some(d) if !d.is_zero() => {
                self.transcript
                    .note(now, format!("answer held for {:.3}s", d.as_secs_f64()));
                self.held.push(HeldAnswer {
                    due: now + d,
                    request,
                    bytes,
                });
            }
            _ => self.send_answer(now, request, bytes),
        }
    }

    pub(super) fn send_answer(&mut self, now: Duration, request: usize, bytes: Vec<u8>) {
        let Some(inc) = self.incoming.get(request) else {
            return;
        };
        let (at, from, mid, con) = (
            inc.at,
            inc.from,
            inc.msg.mid,
            inc.msg.mtype == crate::coap::MessageType::Confirmable,
        );
        if con {
            self.dedup.answered(from, mid, bytes.clone());
        }
        self.emit(now, at, from, bytes);
        let frame = self.frames;
        if let Some(inc) = self.incoming.get_mut(request) {
            inc.answered = Some(frame);
        }
    }

    /// Sends the held answers that are due.
    pub(super) fn release_held(&mut self, now: Duration) {
        let (due, later): (Vec<HeldAnswer>, Vec<HeldAnswer>) =
            std::mem::take(&mut self.held).into_iter().partition(|h| h.due <= now);
        self.held = later;
        for h in due {
            self.send_answer(now, h.request, h.bytes);
        }
    }

    pub(super) fn next_held(&self) -> Option<Duration> {
        self.held.iter().map(|h| h.due).min()
    }

    /// Why `incoming[i]` came too early for `earlier_answered`: an earlier request of the same
    /// peer that the harness meant to answer (an `auto_respond` rule held it, or a step took it)
    /// and had not answered when this one arrived. Requests the case leaves unanswered on
    /// purpose (no rule, no step: ignored, as a client in its Bootstrap Phase ignores a Read)
    /// do not count.
    pub(super) fn unanswered_before(&self, i: usize) -> Option<String> {
        let inc = self.incoming.get(i)?;
        let from: SocketAddr = inc.from;
        let pending = |j: usize, e: &super::Incoming| match e.answered {
            Some(f) => f > inc.frame,
            None => e.consumed || self.held.iter().any(|h| h.request == j),
        };
        self.incoming
            .iter()
            .enumerate()
            .take(i)
            .find(|(j, e)| e.from == from && pending(*j, e))
            .map(|(_, e)| {
                format!(
                    "sent while the harness had not yet answered frame {} ({} {})",
                    e.frame,
                    e.msg.code,
                    e.msg.uri_path()
                )
            })
    }
}
