//! How a trial ends: a verdict the transport gives (interrupted, over the ceiling), evidence
//! that could not be written, a datagram that could not be sent, and the teardown, where the harness stops the DUT and still
//! records (and answers) what it sends meanwhile, so the transcript shows the De-register a
//! conformant client sends on its way out and the 2.02 it got.

use std::net::SocketAddr;
use std::time::Duration;

use super::{Engine, Judgement, Outcome};
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::Role;

impl Engine {
    /// The transport ends a trial the engine has not decided (the run was interrupted, the
    /// harness's ceiling passed). A verdict the engine reached stands.
    pub fn end(&mut self, outcome: Outcome) {
        self.finish(outcome);
    }

    /// A frame that could not be written to the capture: a trial without its evidence claims
    /// no verdict. Before the verdict the trial ends at once as an error; a pass, fail or
    /// inconclusive already reached becomes an error that keeps what it had said. An error or
    /// an interruption stays as it is (neither claims anything of the DUT); the transcript
    /// names the loss either way.
    pub(super) fn evidence_lost(&mut self, now: Duration, file: &str, frame: u32, error: &str) {
        self.transcript.note(
            now,
            format!("frame {frame} could not be written to the capture {file}: {error}; the capture is incomplete"),
        );
        let lost = format!(
            "the capture {file} could not be written (frame {frame}: {error}); a verdict without its evidence is \
             not given"
        );
        let message = match self.outcome.take() {
            None => lost,
            Some(o) if matches!(o.judgement, Judgement::Error | Judgement::Interrupted) => {
                self.outcome = Some(o);
                return;
            }
            Some(o) => format!("{lost}; the trial had ended {}: {}", word(o.judgement), o.message),
        };
        self.finish(Outcome::error(message));
    }

    /// A datagram that did not go out: the DUT cannot be judged on what it did not get, so
    /// the trial ends as an error (a verdict already reached stands: it did not depend on it).
    pub(super) fn send_failed(&mut self, now: Duration, frame: u32, to: SocketAddr, error: &str) {
        self.transcript
            .note(now, format!("frame {frame} could not be sent to {to}: {error}"));
        self.finish(Outcome::error(format!(
            "the harness could not send frame {frame} to {to}: {error}"
        )));
    }

    pub(super) fn start_teardown(&mut self, now: Duration) {
        self.teardown = true;
        self.transcript.note(
            now,
            format!(
                "teardown: the harness stops the DUT ({}); what it sends now is recorded, not judged",
                self.setup.stop
            ),
        );
    }

    /// A datagram during the teardown (already in the transcript with its frame number): a Confirmable
    /// DELETE (a client's De-register) is acknowledged with 2.02 Deleted, as any LwM2M Server
    /// would, so a conformant DUT exits at once instead of retransmitting until it is killed.
    /// Each copy of a retransmitted one gets the same answer.
    pub(super) fn on_teardown_datagram(&mut self, now: Duration, from: SocketAddr, to: SocketAddr, bytes: &[u8]) {
        let Ok(m) = Message::parse(bytes) else { return };
        if m.mtype != MessageType::Confirmable || m.code != Code::DELETE {
            return;
        }
        let Ok(ack) = Message::new(MessageType::Acknowledgement, Code::DELETED, m.mid, m.token.clone()).to_bytes()
        else {
            return;
        };
        let what = match self.case.dut {
            Role::Client => format!("the De-register {} as the LwM2M Server would", m.uri_path()),
            _ => format!("the Delete {}", m.uri_path()),
        };
        self.transcript.note(
            now,
            format!("teardown: answered {what} (2.02 Deleted), so the DUT can exit"),
        );
        self.emit(now, to, from, ack);
    }
}

fn word(j: Judgement) -> &'static str {
    match j {
        Judgement::Pass => "pass",
        Judgement::Fail => "fail",
        Judgement::Inconclusive => "inconclusive",
        Judgement::Error => "error",
        Judgement::Interrupted => "interrupted",
    }
}
