//! Passive analysis: an exchange recorded anywhere (a trial's pcap, tcpdump at a test event) judged
//! against every catalogued requirement that observation alone can settle. Sans-IO: annotated
//! datagrams in, findings out; each finding cites a catalogue ID and the frames it rests on.
//!
//! A check judges only what the capture shows: a request whose context is out of view (a client
//! whose Register happened before the capture started) is not judged rather than guessed at.

mod bootstrap;
mod exchange;
mod finding;
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

use exchange::Exchange;
pub use finding::{Finding, Verdict};

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
