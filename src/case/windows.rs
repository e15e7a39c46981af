//! Windows that cannot outlast a delay the DUT is allowed to take (issue: spec-derived waits).
//!
//! A client waits its Client Hold Off Time before every Client Initiated Bootstrap (Security
//! resource 11). Against a profile that declares one, a case that waits for a Bootstrap-Request
//! for less than that would fail a conformant client, and a case that watches the
//! Bootstrap-Server endpoint for silence for less than that proves nothing (the request would
//! come after the window). `check` reports both, naming the step.

use super::model::{Case, Step};
use super::path_matcher::PathMatcher;
use crate::coap::Code;
use crate::lwm2m::Role;
use crate::timing::Timing;
use crate::timing::{Base, Wait};

/// The steps of `case` whose window is too short for the DUT of `timing`, as messages.
pub fn too_short(case: &Case, timing: &Timing) -> Vec<String> {
    let hold_off = timing.client_hold_off_time;
    if case.dut != Role::Client || hold_off.is_zero() {
        return Vec::new();
    }
    let quiet_plus_hold_off = timing.resolve(Wait::PlusHoldOff(Base::Quiet));
    let mut out = Vec::new();
    for (i, step) in case.steps.iter().enumerate() {
        match step {
            Step::Expect(e)
                if e.at.as_deref() == Some("bootstrap")
                    && e.method == Code::POST
                    && e.path == PathMatcher::Is("/bs".into())
                    && !matches!(e.within, Wait::PlusHoldOff(_))
                    && timing.resolve(e.within) <= hold_off =>
            {
                out.push(format!(
                    "{}: steps[{i}] waits {} ({:.1}s) for a Bootstrap-Request, which the DUT sends only after its \
                     Client Hold Off Time ({:.1}s): use `{} + hold_off`",
                    case.id,
                    e.within,
                    timing.resolve(e.within).as_secs_f64(),
                    hold_off.as_secs_f64(),
                    e.within,
                ));
            }
            Step::ExpectNone(e)
                if e.at.as_deref() == Some("bootstrap")
                    && !e.pending
                    && timing.resolve(e.within) < quiet_plus_hold_off =>
            {
                out.push(format!(
                    "{}: steps[{i}] watches the Bootstrap-Server for {} ({:.1}s), less than the DUT's Client Hold Off \
                     Time plus the quiet window ({:.1}s): a Bootstrap-Request would come after the window, a hollow pass; \
                     use `quiet + hold_off`",
                    case.id,
                    e.within,
                    timing.resolve(e.within).as_secs_f64(),
                    quiet_plus_hold_off.as_secs_f64(),
                ));
            }
            _ => {}
        }
    }
    out
}
