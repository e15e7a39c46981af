//! The DUT side of an in-memory pair: the sans-IO core of a built-in reference DUT, made from
//! the command line its profile would launch. The line is rendered from the same template and
//! parsed by the CLI's own argument types, so `--fault`, `--variant`, addresses and bootstrap
//! modes mean here exactly what they mean to the process; a launch that is not one of the
//! harness's reference DUTs is refused (it needs the process path).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

use crate::profile::{Launch, Stop, StopSignal};
use crate::reference::args::{ReferenceBootstrapServerArgs, ReferenceClientArgs, ReferenceServerArgs};
use crate::reference::bootstrap_server::{BootstrapServerConfig, BootstrapServerCore};
use crate::reference::client::{Device, DeviceConfig};
use crate::reference::server::{ServerConfig, ServerCore};
use crate::reference::udp::Core as SansIo;
use crate::template::Vars;

/// What `{exe}` renders to: the launch must name the harness itself.
pub(super) const EXE: &str = "lwm2m-conformance";

/// The reference DUT subcommands of the harness binary (`main.rs` has the same three).
#[derive(Parser)]
#[command(name = EXE)]
enum Command {
    #[command(name = "reference-client")]
    Client(ReferenceClientArgs),
    #[command(name = "reference-server")]
    Server(ReferenceServerArgs),
    #[command(name = "reference-bootstrap-server")]
    BootstrapServer(ReferenceBootstrapServerArgs),
}

/// A reference DUT's configuration, kept to start it again on `restart_dut`.
#[derive(Clone, Debug)]
pub(super) enum Config {
    Client(DeviceConfig),
    Server(ServerConfig),
    BootstrapServer(BootstrapServerConfig),
}

impl Config {
    /// The DUT `launch` starts, its placeholders filled from `vars`; Err says why it cannot be
    /// run in memory (or why the process would refuse to start).
    pub fn from_launch(launch: &Launch, vars: &Vars) -> Result<Config, String> {
        // `env` and `workdir` change nothing a reference DUT does; a shell line or start-up
        // stdin lines would.
        if launch.shell.is_some() || !launch.stdin.is_empty() {
            return Err("the in-memory pairing runs `command:` launches only, with no `stdin:` lines".into());
        }
        let argv = crate::transport::dut::argv(launch, vars)?;
        if argv.first().map(String::as_str) != Some(EXE) {
            return Err(format!(
                "the in-memory pairing runs the harness's reference DUTs (`{{exe}} reference-...`), not `{}`",
                argv.join(" ")
            ));
        }
        let config = match Command::try_parse_from(&argv).map_err(|e| e.to_string())? {
            Command::Client(a) => Config::Client(a.config()?),
            Command::Server(a) => Config::Server(a.config()?),
            Command::BootstrapServer(a) => Config::BootstrapServer(a.config()?),
        };
        config.validate()?;
        Ok(config)
    }

    /// What the reference DUT's driver checks before it binds its socket.
    fn validate(&self) -> Result<(), String> {
        let http = match self {
            Config::Client(c) => return c.validate(),
            Config::Server(c) => {
                c.validate()?;
                c.http
            }
            Config::BootstrapServer(c) => {
                c.validate()?;
                c.http
            }
        };
        match http {
            Some(_) => {
                Err("--http: the in-memory pairing has no TCP listener; HTTP triggers need the process path".into())
            }
            None => Ok(()),
        }
    }
}

pub(super) enum Core {
    Client(Box<Device>),
    Server(Box<ServerCore>),
    BootstrapServer(Box<BootstrapServerCore>),
}

/// A running reference DUT: its core and the address it sends from.
pub(super) struct Dut {
    core: Core,
    pub address: SocketAddr,
    /// The stop asked for, if any: when SIGKILL follows if it has not ended by then.
    pub kill_at: Option<Duration>,
}

/// Unix time at the virtual clock's zero: the reference client's Current Time (/3/0/13) and the
/// pcap's timestamps start here, the same in every run (2026-01-01T00:00:00Z).
pub(super) const UNIX_AT_ZERO: i64 = 1_767_225_600;

impl Dut {
    /// Starts the DUT at `now`. `seed` stands for the process's own randomness (Message IDs,
    /// tokens, retransmission spread), fixed so that the trial is reproducible; `port` is the
    /// ephemeral port a client without `--listen` would get.
    pub fn start(config: &Config, now: Duration, seed: u64, port: u16) -> Dut {
        let (core, address) = match config.clone() {
            Config::Client(cfg) => {
                // As `run_device` binds, the ephemeral port being `port`.
                let address = cfg.local_address(port);
                let device = Device::new(cfg, now, UNIX_AT_ZERO, seed);
                (Core::Client(Box::new(device)), address)
            }
            Config::Server(cfg) => {
                let core = ServerCore::new(cfg.faults, seed).with_variants(cfg.variants);
                (Core::Server(Box::new(core)), cfg.listen)
            }
            Config::BootstrapServer(cfg) => {
                let listen = cfg.listen;
                (
                    Core::BootstrapServer(Box::new(BootstrapServerCore::new(cfg, now, seed))),
                    listen,
                )
            }
        };
        Dut {
            core,
            address,
            kill_at: None,
        }
    }

    fn core(&mut self) -> &mut dyn SansIo {
        match &mut self.core {
            Core::Client(c) => c.as_mut(),
            Core::Server(c) => c.as_mut(),
            Core::BootstrapServer(c) => c.as_mut(),
        }
    }

    fn core_ref(&self) -> &dyn SansIo {
        match &self.core {
            Core::Client(c) => c.as_ref(),
            Core::Server(c) => c.as_ref(),
            Core::BootstrapServer(c) => c.as_ref(),
        }
    }

    pub fn handle_datagram(&mut self, now: Duration, from: SocketAddr, bytes: &[u8]) {
        self.core().handle_datagram(now, from, bytes);
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        self.core().handle_timeout(now);
    }

    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.core().poll_transmit()
    }

    /// The core's next deadline, or the SIGKILL of a stop it has not finished.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let core = self.core_ref().poll_timeout();
        [core, self.kill_at].into_iter().flatten().min()
    }

    /// A line on its stdin: the servers' trigger language; the client reads no stdin.
    pub fn stdin_line(&mut self, now: Duration, line: &str) {
        match &mut self.core {
            Core::Client(_) => {}
            Core::Server(c) => c.handle_command(now, line),
            Core::BootstrapServer(c) => c.handle_command(now, line),
        }
    }

    /// The profile's stop, as the process takes it. `Some(status)` when it ends at once; else
    /// it ends once [`Dut::done`] (a client De-registering), or is killed at `kill_at`.
    pub fn stop(&mut self, now: Duration, how: &Stop, grace: Duration) -> Option<String> {
        use crate::profile::StopWay;
        let again = self.kill_at.is_some();
        // As the process path: each stop asked for gives the DUT the grace from then on.
        self.kill_at = Some(now + grace);
        match how.way() {
            // Not a stop to any reference DUT: the servers take it as a trigger line.
            StopWay::Line(line) => {
                for l in line.lines() {
                    self.stdin_line(now, l);
                }
                None
            }
            // The reference DUTs keep running without stdin.
            StopWay::CloseStdin => None,
            // The reference DUTs handle SIGTERM and SIGINT: the servers return at once, the client
            // De-registers first and exits at once on a second signal.
            StopWay::Signal(StopSignal::Term | StopSignal::Int) => match &mut self.core {
                Core::Client(d) if !again => {
                    d.shutdown(now);
                    None
                }
                _ => Some("exit status 0".into()),
            },
            // Signals they do not handle: the default action ends the process.
            StopWay::Signal(StopSignal::Hup) => Some("killed by signal 1".into()),
            StopWay::Signal(StopSignal::Quit) => Some("killed by signal 3".into()),
        }
    }

    /// A stopping client that has De-registered everywhere: its driver returns.
    pub fn done(&self) -> bool {
        matches!(&self.core, Core::Client(d) if d.is_done())
    }
}
