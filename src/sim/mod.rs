//! In-memory trials on virtual time: the sans-IO engine paired with the sans-IO core of a
//! built-in reference DUT (client, server or Bootstrap-Server), as quinn-proto's tests pair two
//! endpoints. No process, no socket, no real waiting: datagrams go from one side to the other
//! through a queue, the clock jumps to the next deadline of either side, and every seed is
//! fixed from the case ID, so the same trial gives the same transcript every time.
//!
//! It mirrors the process path (`transport::trial`) piece by piece, so a verdict here is the
//! verdict there:
//! * the engine's set-up and the DUT's command line come from the same functions and the same
//!   profile; the command line is parsed by the CLI's own argument types (`dut`);
//! * addresses follow the same layout, without binding (`addresses`): the harness's LwM2M
//!   Servers on 127.x.y.z:5683, its LwM2M Clients on ephemeral ports, witnesses at 5683 of a
//!   server DUT's clients, a client DUT on 127.0.0.1 with a new port after each restart;
//! * `stop_dut`/`restart_dut` are the profile's stop as the process takes it: SIGTERM makes the
//!   reference client De-register before it ends (SIGKILL after the same 2 s grace), a server
//!   ends at once; a restart is a fresh core, its Register sent from a new port;
//! * `trigger` stdin lines reach the servers' `handle_command`, paced like the console writer;
//! * the pcap gets every frame in the order the engine numbers them, stamped with virtual time.
//!
//! What needs a process stays on the process path, e.g. shell and HTTP triggers, launches of
//! other programs, attached DUTs: they end here as harness errors that say so.
//!
//! Every run is bounded: at most [`MAX_TURNS`] turns and [`CEILING`] of virtual time.

mod addresses;
mod dut;
mod pair;
mod wire;

pub use pair::{CEILING, MAX_TURNS};

#[cfg(test)]
mod tests;

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::case::Case;
use crate::engine::{Engine, Event, Outcome};
use crate::profile::Profile;
use crate::transport::TrialOutput;
use crate::transport::bind::fnv1a;
use crate::transport::trial::{Capture, plan};

/// Runs `case` against the reference DUT `profile` launches, in memory. `pcap`: where to write
/// the capture (none: no file at all).
pub fn run_trial(case: Case, profile: &Profile, pcap: Option<&Path>) -> TrialOutput {
    crate::reference::client::resume::in_memory(|| trial(case, profile, pcap))
}

fn trial(case: Case, profile: &Profile, pcap: Option<&Path>) -> TrialOutput {
    let started_at = SystemTime::now();
    let error = |message: String| TrialOutput::error(message, started_at, Duration::ZERO);
    if profile.attach.is_some() {
        return error("an attached DUT is a running device: it needs the process path".into());
    }
    let layout = addresses::layout(&case, profile);
    // `{pid}`: the harness's process ID on the process path; a fixed stand-in here. `{exe}`:
    // a name the pairing knows for its own reference DUTs (`dut::Config` takes their command
    // lines for what they are).
    let cx = plan::Context {
        exe: std::path::PathBuf::from(dut::EXE),
        pid: 0,
    };
    let plan = match plan::prepare(&case, profile, &layout.endpoints, layout.dut, &cx) {
        Ok(p) => p,
        Err(e) => return error(e),
    };
    let capture = match pcap.map(Capture::create).transpose() {
        Ok(c) => c,
        Err(e) => return error(e),
    };
    let launched = match plan.launch {
        Some(launch) => dut::Config::from_launch(launch, &plan.vars),
        None => Err(format!(
            "the profile has no launch for the {} start",
            case.start.as_str()
        )),
    };
    let setup = plan.setup;
    let seed = fnv1a(format!("{}#dut", case.id).as_bytes());
    let server_side = plan.server_side;
    let harness: Vec<_> = layout.harness().collect();
    let output = |engine: &Engine, outcome: Outcome, now: Duration| TrialOutput {
        outcome,
        transcript: engine.transcript(),
        server: Some(server_side),
        started_at,
        // The trial's own time (what it would have taken against a process), not the
        // microseconds it took to compute.
        duration: now,
    };
    let config = match launched {
        Ok(c) => c,
        Err(e) => {
            // As a DUT the process path cannot start: the engine ends the trial as an error.
            let mut engine = Engine::new(case, setup, Duration::ZERO);
            engine.handle(Duration::ZERO, Event::DutLaunchFailed { error: e });
            let outcome = engine.outcome().cloned().unwrap_or_else(|| {
                // `Pair::run` returns only with an outcome of the engine or one of its own; should
                // that ever not hold, the trial is a harness error rather than a panic.
                Outcome::error("the in-memory trial ended without an outcome")
            });
            return output(&engine, outcome, Duration::ZERO);
        }
    };
    let make_engine = || Engine::new(case, setup, Duration::ZERO);
    let mut pair = pair::Pair::new(make_engine, config, profile, harness, capture, seed);
    pair.run();
    // As on the process path the outcome is read after the teardown: evidence lost while the
    // DUT stops still turns a verdict into an error.
    let now = pair.now;
    pair.teardown();
    let outcome = pair.engine.outcome().cloned().unwrap_or_else(|| {
        // `Pair::run` returns only once the engine has an outcome; should that ever not hold,
        // the trial is a harness error rather than a panic.
        Outcome::error("the in-memory trial ended without an outcome")
    });
    output(&pair.engine, outcome, now)
}
