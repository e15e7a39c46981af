//! One trial's I/O: the UDP endpoint, the DUT process, the pcap, and the clock, wrapped around the
//! sans-IO engine. Every datagram is written to the pcap before the engine sees it (incoming) or
//! right as it is sent (outgoing), and flushed, so the capture survives whatever happens next.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::bind::{COAP_PORT, bind_server, fnv1a};
use super::dut::{self, Dut};
use crate::case::{Case, Profile, Vars};
use crate::engine::{Action, Engine, Event, Outcome, TrialSetup};
use crate::evidence::PcapWriter;
use crate::lwm2m::ContentFormat;

/// A hard ceiling on a trial, far above any case's waits, so a harness bug cannot hang a run.
const TRIAL_CEILING: Duration = Duration::from_secs(600);
/// How long a DUT gets to exit after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(2);

pub struct TrialOutput {
    pub outcome: Outcome,
    pub transcript: Vec<String>,
    pub server: Option<SocketAddr>,
    pub started_at: SystemTime,
    pub duration: Duration,
}

pub struct TrialPaths {
    pub pcap: PathBuf,
    pub dut_log: PathBuf,
    /// Where the profile lives: launch commands run there.
    pub profile_dir: PathBuf,
}

/// What `{exe}` means in launch templates: the harness binary (which carries the reference DUTs).
pub fn harness_exe() -> PathBuf {
    if let Some(p) = std::env::var_os("LWM2M_CONFORMANCE_EXE") {
        return PathBuf::from(p);
    }
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("lwm2m-conformance"))
}

pub async fn run_trial(case: Case, profile: &Profile, paths: &TrialPaths) -> TrialOutput {
    let started_at = SystemTime::now();
    let start = Instant::now();
    let error = |message: String| TrialOutput {
        outcome: Outcome {
            judgement: crate::engine::Judgement::Error,
            message,
            failure: None,
        },
        transcript: Vec::new(),
        server: None,
        started_at,
        duration: start.elapsed(),
    };
    let fixed = profile.attach.as_ref().map(|a| a.server_bind);
    let socket = match bind_server(&case.id, fixed).await {
        Ok(s) => s,
        Err(e) => return error(format!("cannot bind the LwM2M Server endpoint: {e}")),
    };
    let server = match socket.local_addr() {
        Ok(a) => a,
        Err(e) => return error(format!("socket has no address: {e}")),
    };
    let mut pcap = match PcapWriter::create(&paths.pcap) {
        Ok(p) => p,
        Err(e) => return error(format!("cannot create {}: {e}", paths.pcap.display())),
    };
    let endpoint = match profile.attach.as_ref().and_then(|a| a.endpoint.clone()) {
        Some(ep) => ep,
        None => {
            let mut v = Vars::default();
            v.set("case", case.id.clone());
            v.set("pid", std::process::id().to_string());
            match v.render(&profile.endpoint) {
                Ok(ep) => ep,
                Err(e) => return error(format!("profile endpoint: {e}")),
            }
        }
    };
    let mut vars = Vars::default();
    vars.set("exe", harness_exe().display().to_string());
    vars.set("server_host", server.ip().to_string());
    vars.set("server_port", server.port().to_string());
    vars.set("server_uri", format!("coap://{server}"));
    vars.set("endpoint", endpoint.clone());
    vars.set("case", case.id.clone());

    let setup = TrialSetup {
        server,
        endpoint,
        timing: profile.timing.clone(),
        formats: profile
            .content_formats
            .iter()
            .filter_map(|f| ContentFormat::from_name(f))
            .collect(),
        seed: fnv1a(case.id.as_bytes()),
    };
    let launch = profile.launch.clone();
    let start_dut = |vars: &Vars| -> Result<Option<Dut>, String> {
        match &launch {
            Some(l) => dut::spawn(l, vars, &paths.profile_dir, &paths.dut_log).map(Some),
            None => Ok(None),
        }
    };
    let mut engine = Engine::new(case, setup, Duration::ZERO);
    let mut dut = match start_dut(&vars) {
        Ok(d) => d,
        Err(e) => {
            engine.handle(start.elapsed(), Event::DutLaunchFailed { error: e });
            None
        }
    };
    let mut stop_deadline: Option<Instant> = None;
    let mut restart_pending = false;
    let mut buf = vec![0u8; 65_536];

    loop {
        while let Some(action) = engine.poll_action() {
            match action {
                Action::Send { from, to, bytes } => {
                    let _ = pcap.write_udp(SystemTime::now(), from, to, &bytes);
                    if let Err(e) = socket.send_to(&bytes, to).await {
                        tracing::warn!("send to {to} failed: {e}");
                    }
                }
                Action::StopDut | Action::RestartDut => {
                    restart_pending = action == Action::RestartDut;
                    if let Some(d) = &dut {
                        d.terminate();
                        stop_deadline = Some(Instant::now() + STOP_GRACE);
                    }
                }
            }
        }
        if engine.outcome().is_some() || start.elapsed() > TRIAL_CEILING {
            break;
        }
        let wake = engine
            .poll_timeout()
            .map(|t| start + t)
            .unwrap_or(start + TRIAL_CEILING);
        let wake = stop_deadline.map_or(wake, |s| s.min(wake));
        tokio::select! {
            r = socket.recv_from(&mut buf) => {
                if let Ok((n, from)) = r {
                    let bytes = buf[..n].to_vec();
                    let _ = pcap.write_udp(SystemTime::now(), from, server, &bytes);
                    engine.handle(start.elapsed(), Event::Datagram { from, to: server, bytes });
                }
            }
            status = wait_dut(&mut dut) => {
                dut = None;
                stop_deadline = None;
                engine.handle(start.elapsed(), Event::DutExited { status });
                if std::mem::take(&mut restart_pending) {
                    match start_dut(&vars) {
                        Ok(d) => { dut = d; engine.handle(start.elapsed(), Event::DutStarted); }
                        Err(e) => engine.handle(start.elapsed(), Event::DutLaunchFailed { error: e }),
                    }
                }
            }
            _ = tokio::time::sleep_until(wake) => {
                if stop_deadline.is_some_and(|s| Instant::now() >= s) {
                    if let Some(d) = &dut { d.kill(); }
                    stop_deadline = None;
                }
                engine.handle_timeout(start.elapsed());
            }
        }
    }
    let outcome = engine.outcome().cloned().unwrap_or_else(|| Outcome {
        judgement: crate::engine::Judgement::Error,
        message: format!("trial exceeded the harness ceiling of {}s", TRIAL_CEILING.as_secs()),
        failure: None,
    });
    teardown(&mut dut, &socket, server, &mut pcap).await;
    TrialOutput {
        outcome,
        transcript: engine.transcript(),
        server: Some(server),
        started_at,
        duration: start.elapsed(),
    }
}

async fn wait_dut(dut: &mut Option<Dut>) -> String {
    match dut {
        Some(d) => dut::status_text(&d.wait().await),
        None => std::future::pending().await,
    }
}

/// Stop the DUT if still running, keeping the capture going while it shuts down (a De-register
/// sent then is evidence too), then make sure nothing is left.
async fn teardown(dut: &mut Option<Dut>, socket: &UdpSocket, server: SocketAddr, pcap: &mut PcapWriter) {
    let Some(d) = dut.as_mut() else { return };
    d.terminate();
    let deadline = Instant::now() + STOP_GRACE;
    let mut buf = vec![0u8; 65_536];
    loop {
        tokio::select! {
            _ = d.wait() => break,
            r = socket.recv_from(&mut buf) => {
                if let Ok((n, from)) = r {
                    let _ = pcap.write_udp(SystemTime::now(), from, server, &buf[..n]);
                    // Acknowledge a De-register as any LwM2M Server would, so a conformant
                    // client exits at once instead of retransmitting until SIGKILL.
                    if let Some(ack) = deregister_ack(&buf[..n]) {
                        let _ = pcap.write_udp(SystemTime::now(), server, from, &ack);
                        let _ = socket.send_to(&ack, from).await;
                    }
                }
            }
            _ = tokio::time::sleep_until(deadline) => { d.kill(); let _ = d.wait().await; break; }
        }
    }
}

/// `ACK 2.02 Deleted` for a confirmable DELETE, else nothing.
fn deregister_ack(bytes: &[u8]) -> Option<Vec<u8>> {
    use crate::coap::{Code, Message, MessageType};
    let m = Message::parse(bytes).ok()?;
    if m.mtype != MessageType::Confirmable || m.code != Code::DELETE {
        return None;
    }
    Message::new(MessageType::Acknowledgement, Code::DELETED, m.mid, m.token)
        .to_bytes()
        .ok()
}

/// The pcap option that makes tshark decode CoAP when the capture is not on port 5683.
pub fn decode_as_hint(server: Option<SocketAddr>) -> Option<u16> {
    server.map(|s| s.port()).filter(|p| *p != COAP_PORT)
}

pub fn profile_dir(profile_file: Option<&Path>) -> PathBuf {
    profile_file
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
