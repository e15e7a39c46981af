//! One trial's I/O: the UDP endpoint, the DUT process, the pcap, and the clock, wrapped around the
//! sans-IO engine. Every datagram is written to the pcap before the engine sees it (incoming) or
//! right as it is sent (outgoing), and flushed, so the capture survives whatever happens next.
//!
//! In three parts: the `plan` (pure: what the trial renders and launches, from the case, the
//! profile and the addresses bound), the event loop (`running`) and the `teardown`. Nothing
//! is lost silently: a frame the capture cannot take, a trigger that cannot be delivered and
//! what the DUT sends while it is being stopped all reach the engine, so the transcript and the
//! verdict show them.

mod capture;
mod endpoints;
mod limits;
mod paths;
pub(crate) mod plan;
mod running;
mod teardown;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

use crate::case::Case;
use crate::engine::Outcome;
use crate::profile::Profile;
use crate::transport::bind::{COAP_PORT, candidates, free_everywhere};
pub(crate) use capture::Capture;
use endpoints::Endpoints;
use plan::{DutPlace, Plan};
use running::Running;

pub use crate::transport::dut::harness_exe;
pub(crate) use limits::{STOP_GRACE, TRIAL_CEILING};
pub use paths::TrialPaths;

/// What one trial produced, before it becomes a [`CaseResult`](crate::evidence::CaseResult).
pub struct TrialOutput {
    /// The engine's judgement: pass, fail, inconclusive or error, with the failed step.
    pub outcome: Outcome,
    /// One line per datagram and per judgement, in order.
    pub transcript: Vec<String>,
    /// The LwM2M Server side of the trial (its port decides how tshark decodes the capture).
    pub server: Option<SocketAddr>,
    /// When the trial started.
    pub started_at: SystemTime,
    /// How long it took, set-up and teardown included.
    pub duration: Duration,
}

impl TrialOutput {
    /// A trial the harness could not run (nothing was judged): an error naming why.
    pub fn error(message: String, started_at: SystemTime, duration: Duration) -> TrialOutput {
        TrialOutput {
            outcome: Outcome::error(message),
            transcript: Vec::new(),
            server: None,
            started_at,
            duration,
        }
    }
}

/// Runs `case` against the DUT `profile` describes: binds the harness's endpoints on loopback,
/// launches (or attaches to) the DUT, drives the engine over UDP until the case ends, stops the
/// DUT and returns the outcome; the capture is written to `paths.pcap` as it goes.
pub async fn run_trial(case: Case, profile: &Profile, paths: &TrialPaths) -> TrialOutput {
    let started_at = SystemTime::now();
    let start = Instant::now();
    let (endpoints, capture, plan) = match set_up(&case, profile, paths).await {
        Ok(ready) => ready,
        Err(message) => return TrialOutput::error(message, started_at, start.elapsed()),
    };
    let server = plan.server_side;
    let mut trial = Running::launch(case, plan, profile, paths, endpoints, capture, start).await;
    trial.run().await;
    trial.teardown().await;
    let outcome = trial
        .engine
        .outcome()
        .cloned()
        .unwrap_or_else(|| Outcome::error("the trial ended without a verdict (a harness bug)"));
    TrialOutput {
        outcome,
        transcript: trial.engine.transcript(),
        server: Some(server),
        started_at,
        duration: start.elapsed(),
    }
}

/// Binds the harness's endpoints, creates the capture, finds where a listening DUT goes, and
/// plans the trial.
async fn set_up<'p>(
    case: &Case,
    profile: &'p Profile,
    paths: &TrialPaths,
) -> Result<(Endpoints, Capture, Plan<'p>), String> {
    let endpoints = Endpoints::bind(case, profile).await?;
    let capture = Capture::create(&paths.pcap)?;
    let dut_address = match plan::dut_place(case, profile) {
        DutPlace::Nowhere => None,
        DutPlace::Fixed(a) => Some(a),
        DutPlace::FreeEverywhere(ip) => {
            Some(free_everywhere(ip).ok_or("no UDP port is free on every address for the DUT")?)
        }
        DutPlace::Loopback(key) => Some(loopback_address(&key)),
    };
    let cx = plan::Context {
        exe: harness_exe(),
        pid: std::process::id(),
    };
    let plan = plan::prepare(case, profile, &endpoints.addresses(), dut_address, &cx)?;
    Ok((endpoints, capture, plan))
}

/// A loopback address for a DUT that listens (127.x.y.z:5683, distinct from the harness's). The
/// key names the case and the profile, so a case run against two DUTs at once (the suite and its
/// fault self-test) gets two addresses; a candidate some other socket holds is skipped.
fn loopback_address(key: &str) -> SocketAddr {
    // A probe bind tells whether another socket holds the candidate; the DUT binds it for real.
    candidates(&format!("{key}#client"))
        .find(|c| std::net::UdpSocket::bind(c).is_ok())
        .unwrap_or_else(|| SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), COAP_PORT))
}

/// The pcap option that makes tshark decode CoAP when the capture is not on port 5683.
pub fn decode_as_hint(server: Option<SocketAddr>) -> Option<u16> {
    server.map(|s| s.port()).filter(|p| *p != COAP_PORT)
}

/// The folder launch commands run in: the profile file's folder, else the working directory.
pub fn profile_dir(profile_file: Option<&Path>) -> PathBuf {
    // `--dut name.yaml` has the empty path as its parent: that is the working directory.
    profile_file
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_profile_named_without_a_folder_runs_in_the_working_directory() {
        use std::path::{Path, PathBuf};
        assert_eq!(super::profile_dir(Some(Path::new("dut.yaml"))), PathBuf::from("."));
        assert_eq!(
            super::profile_dir(Some(Path::new("duts/dut.yaml"))),
            PathBuf::from("duts")
        );
        assert_eq!(super::profile_dir(None), PathBuf::from("."));
    }
}
