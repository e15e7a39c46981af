//! One trial's I/O: the UDP endpoint, the DUT process, the pcap, and the clock, wrapped around the
//! sans-IO engine. Every datagram is written to the pcap before the engine sees it (incoming) or
//! right as it is sent (outgoing), and flushed, so the capture survives whatever happens next.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::bind::{COAP_PORT, bind_client, bind_server, candidates, fnv1a};
use super::dut::{self, Dut};
use crate::case::model::Start;
use crate::case::profile::{Launch, Stop};
use crate::case::{Case, Profile, Role, Vars};
use crate::engine::{Action, Engine, Event, Outcome, TrialSetup};
use crate::evidence::PcapWriter;
use crate::lwm2m::ContentFormat;

/// A hard ceiling on a trial, far above any case's waits, so a harness bug cannot hang a run.
pub(crate) const TRIAL_CEILING: Duration = Duration::from_secs(600);
/// How long a DUT gets to exit after SIGTERM before SIGKILL.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(2);

pub struct TrialOutput {
    pub outcome: Outcome,
    pub transcript: Vec<String>,
    /// The LwM2M Server side of the trial (its port decides how tshark decodes the capture).
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

/// The harness's UDP endpoints of one trial, by name, each on its own loopback address.
struct Endpoints {
    sockets: Vec<(String, SocketAddr, Arc<UdpSocket>)>,
    /// Server DUTs: port 5683 of each harness client's address, where nobody should send. What
    /// arrives there is captured and shown to the engine (which takes it for no step), so a server
    /// that sends to the CoAP default port instead of the Register's source port is seen doing it.
    witnesses: Vec<(SocketAddr, Arc<UdpSocket>)>,
    rx: mpsc::Receiver<Arrival>,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

/// A datagram as it arrived: (from, to, bytes, when). The time is taken at arrival, not when the
/// trial gets to it, so the pcap shows when the DUT sent it.
type Arrival = (SocketAddr, SocketAddr, Vec<u8>, SystemTime);
type Inbox = mpsc::Sender<Arrival>;

/// Forwards every datagram `socket` (bound at `local`) receives to the trial's inbox.
fn spawn_reader(socket: Arc<UdpSocket>, local: SocketAddr, tx: Inbox) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        while let Ok((n, from)) = socket.recv_from(&mut buf).await {
            if tx
                .send((from, local, buf[..n].to_vec(), SystemTime::now()))
                .await
                .is_err()
            {
                break;
            }
        }
    })
}

impl Endpoints {
    async fn bind(case: &Case, profile: &Profile) -> Result<Endpoints, String> {
        let (tx, rx) = mpsc::channel(256);
        let mut sockets = Vec::new();
        let mut witnesses = Vec::new();
        let mut readers = Vec::new();
        for name in case.endpoints() {
            // Only the LwM2M Server of an attached DUT has a fixed address.
            let fixed = profile
                .attach
                .as_ref()
                .filter(|_| name == "server")
                .and_then(|a| a.server_bind);
            let key = format!("{}#{name}", case.id);
            // The harness's LwM2M Clients (the DUT is a server) send from ephemeral ports, as
            // real clients do; its LwM2M Servers sit on 5683, as the DUT's peers expect.
            // A DUT that binds a fixed port of its own (profile `binds`, maybe the wildcard
            // address) keeps it: the harness's sockets stay off that port.
            let avoid = profile.fixed_port();
            let bound = if case.dut == Role::Client {
                bind_server(&key, fixed, avoid).await
            } else {
                bind_client(&key, avoid).await
            };
            let socket = bound.map_err(|e| format!("cannot bind the harness's {name} endpoint: {e}"))?;
            let local = socket.local_addr().map_err(|e| format!("socket has no address: {e}"))?;
            let socket = Arc::new(socket);
            readers.push(spawn_reader(socket.clone(), local, tx.clone()));
            sockets.push((name, local, socket));
            let witness = SocketAddr::new(local.ip(), COAP_PORT);
            if case.dut != Role::Client && local.port() != COAP_PORT && profile.fixed_port() != Some(COAP_PORT) {
                // Best effort: without it a misdirected request is simply not seen.
                match UdpSocket::bind(witness).await {
                    Ok(w) => {
                        let w = Arc::new(w);
                        readers.push(spawn_reader(w.clone(), witness, tx.clone()));
                        witnesses.push((witness, w));
                    }
                    Err(e) => tracing::debug!("no witness socket at {witness}: {e}"),
                }
            }
        }
        Ok(Endpoints {
            sockets,
            witnesses,
            rx,
            readers,
        })
    }

    async fn send(&self, from: SocketAddr, to: SocketAddr, bytes: &[u8]) {
        let socket = self
            .sockets
            .iter()
            .find(|(_, a, _)| *a == from)
            .map(|(_, _, s)| s)
            .or_else(|| self.witnesses.iter().find(|(a, _)| *a == from).map(|(_, s)| s));
        if let Some(s) = socket
            && let Err(e) = s.send_to(bytes, to).await
        {
            tracing::warn!("send to {to} failed: {e}");
        }
    }
}

impl Drop for Endpoints {
    fn drop(&mut self) {
        for r in &self.readers {
            r.abort();
        }
    }
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
    let mut endpoints = match Endpoints::bind(&case, profile).await {
        Ok(e) => e,
        Err(e) => return error(e),
    };
    // The primary endpoint (`server` for a client DUT, `client` for a server DUT) is bound first.
    let Some(server) = endpoints.sockets.first().map(|(_, a, _)| *a) else {
        return error("no harness endpoint".into());
    };
    let mut pcap = match PcapWriter::create(&paths.pcap) {
        Ok(p) => p,
        Err(e) => return error(format!("cannot create {}: {e}", paths.pcap.display())),
    };
    let endpoint = match endpoint_name(&case, profile, &std::process::id().to_string()) {
        Ok(ep) => ep,
        Err(e) => return error(e),
    };
    // Where a DUT that must be reachable first (Server Initiated Bootstrap) listens: port 5683 on
    // a loopback address of its own, so its side of the capture decodes as CoAP too.
    // A server DUT listens too, likewise: {dut_host}:{dut_port}.
    let case_role = case.dut;
    let listens = case.start == Start::ServerInitiatedBootstrap || case.dut != Role::Client;
    // An attached server DUT listens where its profile says.
    let attached = profile.attach.as_ref().and_then(|a| a.dut_address);
    // A DUT that binds where it decides (profile `binds`) is reached there; one that binds the
    // wildcard address on the port it is given (port 0) gets a port free on every address.
    let bound = match profile.bound_address() {
        Some(b) if b.port() == 0 && listens => match super::bind::free_everywhere(b.ip()) {
            Some(free) => Some(free),
            None => return error("no UDP port is free on every address for the DUT".into()),
        },
        b => b,
    };
    let attached = attached.or(bound);
    let client_addr =
        listens.then(|| attached.unwrap_or_else(|| client_address(&format!("{}#{}", case.id, profile.name))));
    let named: Vec<(String, SocketAddr)> = endpoints.sockets.iter().map(|(n, a, _)| (n.clone(), *a)).collect();
    let mut vars = launch_vars(&case, &named, client_addr, &endpoint);
    vars.set("exe", harness_exe().display().to_string());
    let setup = trial_setup(&case, profile, named, client_addr, endpoint);
    let launch = profile.launch_for(case.start);
    // What the DUT prints that the profile captures, and stdin lines it could not take.
    let (console_events, mut console_rx) = tokio::sync::mpsc::unbounded_channel();
    let console = dut::Console {
        captures: &profile.captures,
        interval: profile.timing.stdin_interval,
        events: console_events,
    };
    let mut launched = start_dut(launch, &vars, paths, &console).await;
    // A DUT that listens (a server DUT, or a client awaiting a Server Initiated Bootstrap) is
    // spoken to first: the first step waits (within the start-up timeout) until the DUT has
    // bound its address, so neither its first request nor a quiet window is spent before it runs.
    if let (Ok(Some(d)), Some(at)) = (&mut launched, client_addr) {
        tokio::select! {
            ready = super::ready::until_listening(at, profile.timing.startup_timeout, || d.has_exited()) => {
                tracing::debug!("server DUT at {at}: {ready:?} after {:?}", start.elapsed());
            }
            _ = super::interrupt::wait() => {}
        }
    }
    let mut engine = Engine::new(case, setup, start.elapsed());
    let mut dut = match launched {
        Ok(d) => d,
        Err(e) => {
            engine.handle(start.elapsed(), Event::DutLaunchFailed { error: e });
            None
        }
    };
    let mut interrupted: Option<&'static str> = None;
    let mut stop_deadline: Option<Instant> = None;
    let mut restart_pending = false;
    // Triggers run in the background; one that cannot be delivered reports back here.
    let (trigger_failed, mut trigger_failures) = tokio::sync::mpsc::unbounded_channel();

    loop {
        while let Some(action) = engine.poll_action() {
            match action {
                Action::Send { from, to, bytes } => {
                    let _ = pcap.write_udp(SystemTime::now(), from, to, &bytes);
                    endpoints.send(from, to, &bytes).await;
                }
                Action::Trigger { operation, action } => {
                    let bound = profile.timing.response_timeout;
                    let failed = trigger_failed.clone();
                    super::trigger::run(operation, action, &dut, &paths.profile_dir, bound, failed).await
                }
                Action::StopDut | Action::RestartDut => {
                    restart_pending = action == Action::RestartDut;
                    if let Some(d) = &dut {
                        d.stop(&profile.stop);
                        stop_deadline = Some(Instant::now() + STOP_GRACE);
                    }
                }
            }
        }
        if engine.outcome().is_some() || interrupted.is_some() || start.elapsed() > TRIAL_CEILING {
            break;
        }
        let wake = engine
            .poll_timeout()
            .map(|t| start + t)
            .unwrap_or(start + TRIAL_CEILING);
        let wake = stop_deadline.map_or(wake, |s| s.min(wake));
        tokio::select! {
            why = super::interrupt::wait() => interrupted = Some(why),
            Some((from, to, bytes, at)) = endpoints.rx.recv() => {
                let _ = pcap.write_udp(at, from, to, &bytes);
                engine.handle(start.elapsed(), Event::Datagram { from, to, bytes });
            }
            Some(event) = console_rx.recv() => match event {
                super::console::ConsoleEvent::Captured { name, value, .. } => {
                    engine.handle(start.elapsed(), Event::Console { name, value });
                }
                // A line the DUT did not take is a trigger not delivered, unless the DUT ended
                // (its exit is reported instead) or it was the stop's own line.
                super::console::ConsoleEvent::NotWritten { what, error } => {
                    if what != "stop" && !dut.as_mut().is_some_and(Dut::has_exited) {
                        engine.handle(start.elapsed(), Event::TriggerFailed { operation: what, error });
                    }
                }
            },
            Some((operation, error)) = trigger_failures.recv() => {
                // A DUT that has ended explains an undelivered trigger: its exit is reported
                // (by the arm below, next time round) instead of a harness error.
                if !dut.as_mut().is_some_and(Dut::has_exited) {
                    engine.handle(start.elapsed(), Event::TriggerFailed { operation, error });
                }
            }
            status = wait_dut(&mut dut) => {
                dut = None;
                stop_deadline = None;
                engine.handle(start.elapsed(), Event::DutExited { status });
                if std::mem::take(&mut restart_pending) {
                    match start_dut(launch, &vars, paths, &console).await {
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
    let outcome = match (engine.outcome().cloned(), interrupted) {
        (Some(o), _) => o,
        (None, Some(why)) => Outcome {
            judgement: crate::engine::Judgement::Interrupted,
            message: format!(
                "interrupted by {why} {:.1}s into the trial, at step {}; the DUT was stopped",
                start.elapsed().as_secs_f64(),
                engine.current_step()
            ),
            failure: None,
        },
        (None, None) => Outcome {
            judgement: crate::engine::Judgement::Error,
            message: format!("trial exceeded the harness ceiling of {}s", TRIAL_CEILING.as_secs()),
            failure: None,
        },
    };
    teardown(&mut dut, &profile.stop, &mut endpoints, &mut pcap).await;
    // The LwM2M Server side of the capture, whose port decides how tshark decodes it: the harness's
    // server endpoint for a client DUT, the DUT itself for a server or Bootstrap-Server DUT.
    let server_side = match case_role {
        Role::Client => server,
        _ => client_addr.unwrap_or(server),
    };
    TrialOutput {
        outcome,
        transcript: engine.transcript(),
        server: Some(server_side),
        started_at,
        duration: start.elapsed(),
    }
}

/// The DUT's Endpoint Client Name: an attached DUT's own, else the profile's template with the
/// case ID and `pid` (the harness's process ID on the process path) filled in.
pub(crate) fn endpoint_name(case: &Case, profile: &Profile, pid: &str) -> Result<String, String> {
    if let Some(ep) = profile.attach.as_ref().and_then(|a| a.endpoint.clone()) {
        return Ok(ep);
    }
    let mut v = Vars::default();
    v.set("case", case.id.clone());
    v.set("pid", pid);
    v.render(&profile.endpoint)
        .map_err(|e| format!("profile endpoint: {e}"))
}

/// The placeholders of the DUT's launch (all but `{exe}`): the harness's endpoints by name,
/// where a listening DUT listens (`{client_*}` for a client, `{dut_*}` for a server), the
/// Endpoint Client Name and the case ID. The same on the process path and in memory
/// (`crate::sim`), so both start the DUT from the same command line.
pub(crate) fn launch_vars(
    case: &Case,
    endpoints: &[(String, SocketAddr)],
    dut_address: Option<SocketAddr>,
    endpoint: &str,
) -> Vars {
    let mut vars = Vars::default();
    for (name, addr) in endpoints {
        vars.set_endpoint(name, *addr);
    }
    if let Some(c) = dut_address {
        let prefix = if case.dut == Role::Client { "client" } else { "dut" };
        vars.set_endpoint(prefix, c);
    }
    vars.set("endpoint", endpoint.to_string());
    vars.set("case", case.id.clone());
    vars
}

/// What the engine is given before the first step; `endpoints` lists the primary one first.
pub(crate) fn trial_setup(
    case: &Case,
    profile: &Profile,
    endpoints: Vec<(String, SocketAddr)>,
    dut_address: Option<SocketAddr>,
    endpoint: String,
) -> TrialSetup {
    TrialSetup {
        server: endpoints
            .first()
            .map(|(_, a)| *a)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
        endpoints,
        dut_address,
        triggers: profile.triggers.clone(),
        endpoint,
        timing: profile.timing.clone(),
        lwm2m_version: profile.lwm2m_version,
        formats: profile
            .content_formats
            .iter()
            .filter_map(|f| ContentFormat::from_name(f))
            .collect(),
        seed: fnv1a(case.id.as_bytes()),
        stop: profile.stop.describe(),
        console: profile.captures.iter().map(|c| c.name.clone()).collect(),
    }
}

/// Starts the profile's launch (none: an attached DUT) for this trial.
async fn start_dut(
    launch: Option<&Launch>,
    vars: &Vars,
    paths: &TrialPaths,
    console: &dut::Console<'_>,
) -> Result<Option<Dut>, String> {
    match launch {
        Some(l) => dut::spawn(l, vars, &paths.profile_dir, &paths.dut_log, console)
            .await
            .map(Some),
        None => Ok(None),
    }
}

/// A loopback address for a DUT that listens (127.x.y.z:5683, distinct from the harness's). The
/// key names the case and the profile, so a case run against two DUTs at once (the suite and its
/// fault self-test) gets two addresses; a candidate some other socket holds is skipped.
fn client_address(key: &str) -> SocketAddr {
    // A probe bind tells whether another socket holds the candidate; the DUT binds it for real.
    candidates(&format!("{key}#client"))
        .find(|c| std::net::UdpSocket::bind(c).is_ok())
        .unwrap_or_else(|| SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), COAP_PORT))
}

async fn wait_dut(dut: &mut Option<Dut>) -> String {
    match dut {
        Some(d) => dut::status_text(&d.wait().await),
        None => std::future::pending().await,
    }
}

/// Stop the DUT if still running, keeping the capture going while it shuts down (a De-register
/// sent then is evidence too), then make sure nothing is left.
async fn teardown(dut: &mut Option<Dut>, how: &Stop, endpoints: &mut Endpoints, pcap: &mut PcapWriter) {
    let Some(d) = dut.as_mut() else { return };
    d.stop(how);
    let deadline = Instant::now() + STOP_GRACE;
    loop {
        tokio::select! {
            _ = d.wait() => { d.flush_output().await; break }
            Some((from, to, bytes, at)) = endpoints.rx.recv() => {
                let _ = pcap.write_udp(at, from, to, &bytes);
                // Acknowledge a De-register as any LwM2M Server would, so a conformant
                // client exits at once instead of retransmitting until SIGKILL.
                if let Some(ack) = deregister_ack(&bytes) {
                    let _ = pcap.write_udp(SystemTime::now(), to, from, &ack);
                    endpoints.send(to, from, &ack).await;
                }
            }
            _ = tokio::time::sleep_until(deadline) => { d.kill(); let _ = d.wait().await; break; }
        }
    }
}

/// `ACK 2.02 Deleted` for a confirmable DELETE, else nothing.
pub(crate) fn deregister_ack(bytes: &[u8]) -> Option<Vec<u8>> {
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
