//! Passive analysis: an exchange recorded anywhere (a trial's pcap, tcpdump at a test event) judged
//! against every catalogued requirement that observation alone can settle. Sans-IO: annotated
//! datagrams in, findings out; each finding cites a catalogue ID and the frames it rests on.
//!
//! A check judges only what the capture shows: a request whose context is out of view (a client
//! whose Register happened before the capture started) is not judged rather than guessed at.

mod bootstrap;
mod information_reporting;
mod periods;
mod queue;
mod registration;
mod reobserve;
mod state;
pub mod text;

/// The findings for one explained capture.
pub fn findings(e: &crate::capture::Explained) -> Vec<Finding> {
    analyze(&Exchange {
        items: &e.annotated,
        roles: &e.roles,
    })
}

#[cfg(test)]
mod tests;

use std::net::SocketAddr;

use crate::dialogue::{Annotated, Roles};
use crate::lwm2m::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
/// What a passive check concluded from the capture.
pub enum Verdict {
    /// At least one exchange in the capture violates the requirement.
    Fail,
    /// The requirement was exercised and every exchange bearing on it conforms.
    Pass,
    /// Nothing in the capture bears on the requirement.
    NotObserved,
}

impl Verdict {
    /// The word the `analyze` report shows: PASS, FAIL or NOT OBSERVED.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::NotObserved => "NOT OBSERVED",
        }
    }
}

/// One requirement judged on a capture: the verdict and the frames it rests on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The catalogue ID (testcases/requirements.yaml).
    pub requirement: &'static str,
    /// What is judged, as a statement that holds on a conformant exchange.
    pub check: &'static str,
    /// Pass, fail, or not observed in this capture.
    pub verdict: Verdict,
    /// The frames judged (pass) or the frames of the violations (fail).
    pub frames: Vec<u32>,
    /// One line per violation; for not-observed, why not.
    pub details: Vec<String>,
}

/// The exchange under analysis.
pub(crate) struct Exchange<'a> {
    /// The annotated datagrams, in frame order.
    pub items: &'a [Annotated],
    /// The role of each endpoint.
    pub roles: &'a Roles,
}

impl Exchange<'_> {
    fn is(&self, addr: SocketAddr, role: Role) -> bool {
        self.roles.role(addr) == Some(role)
    }
}

/// What one check saw, before it becomes a finding.
#[derive(Default)]
struct Tally {
    judged: Vec<u32>,
    violations: Vec<(Vec<u32>, String)>,
}

impl Tally {
    fn judged(&mut self, frame: u32) {
        self.judged.push(frame);
    }

    fn violation(&mut self, frames: Vec<u32>, what: String) {
        self.violations.push((frames, what));
    }

    fn finding(self, requirement: &'static str, check: &'static str, not_observed: &str) -> Finding {
        let (verdict, mut frames, details) = if !self.violations.is_empty() {
            let frames = self.violations.iter().flat_map(|(f, _)| f.iter().copied()).collect();
            let details = self.violations.into_iter().map(|(_, d)| d).collect();
            (Verdict::Fail, frames, details)
        } else if !self.judged.is_empty() {
            (Verdict::Pass, self.judged, Vec::new())
        } else {
            (Verdict::NotObserved, Vec::new(), vec![not_observed.to_string()])
        };
        frames.sort_unstable();
        frames.dedup();
        Finding {
            requirement,
            check,
            verdict,
            frames,
            details,
        }
    }
}

/// Requests (those `target` picks) that reach a client while it is in `phase` with respect to
/// their sender; answering one with any response code while still in it is a violation (an empty
/// ACK or RST is message layer and tolerated). `when(since)` words the phase for the message.
fn must_ignore(
    x: &Exchange<'_>,
    mut phase: impl state::Phase,
    target: impl Fn(&Annotated) -> bool,
    when: impl Fn(u32) -> String,
) -> Tally {
    // request frame -> the frame its phase began
    let mut reached: std::collections::BTreeMap<u32, u32> = Default::default();
    let mut t = Tally::default();
    for a in x.items {
        let (from, to) = (a.datagram.from, a.datagram.to);
        if a.is_request()
            && target(a)
            && let Some(since) = phase.since(to, from)
        {
            reached.insert(a.frame(), since);
            t.judged(a.frame());
        }
        if let Some((code, Some(r))) = a.response().filter(|_| a.retransmits.is_none())
            && let Some(since) = reached.get(&r.frame)
            && phase.since(from, to).is_some()
        {
            t.violation(
                vec![*since, r.frame, a.frame()],
                format!(
                    "frame {}: the client answered {} {} (frame {}) with {code} {}",
                    a.frame(),
                    crate::dialogue::name_of(r.op),
                    r.path,
                    r.frame,
                    when(*since)
                ),
            );
        }
        phase.step(a);
    }
    t
}

/// Every check, in catalogue order of interface (bootstrap, registration, DM, IR, queue mode).
pub(crate) fn analyze(x: &Exchange<'_>) -> Vec<Finding> {
    let mut findings = vec![
        bootstrap::finish_is_empty_post(x),
        bootstrap::finish_after_all_writes(x),
        bootstrap::client_ignores_requests_during_bootstrap(x),
        registration::location_under_rd(x),
        registration::update_at_location(x),
        registration::deregister_at_location(x),
        registration::dm_client_ignores_until_ack(x),
        registration::ir_client_ignores_until_ack(x),
        registration::dm_server_waits_for_registration(x),
        registration::ir_server_waits_for_registration(x),
        bootstrap::delete_root_only_in_bootstrap(x),
        information_reporting::pmax_greater_than_pmin(x),
        information_reporting::observe_resource_names_instance(x),
        information_reporting::notify_per_instance(x),
        reobserve::server_reobserves_on_register(x),
    ];
    findings.extend(periods::notification_periods(x));
    findings.push(queue::server_waits_for_queue_mode_client(x));
    findings
}
