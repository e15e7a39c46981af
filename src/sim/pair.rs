//! The engine and a reference DUT core on one virtual clock. Each turn settles everything due
//! at the current instant (the engine's actions, the DUT's datagrams), then jumps the clock to
//! the earliest of: a datagram or stdin line arriving, the DUT's deadline, the engine's
//! deadline. One event is handled per turn, in that order of precedence, so the run is the same
//! every time.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use super::dut::{Config, Dut, UNIX_AT_ZERO};
use super::wire::{Datagram, Toward, Wire};
use crate::engine::{Action, Engine, Event, Outcome, TriggerAction};
use crate::profile::Profile;
use crate::transport::trial::{Capture, STOP_GRACE};

/// The virtual-time ceiling of a trial: the process path's.
pub const CEILING: Duration = crate::transport::trial::TRIAL_CEILING;

/// At most this many turns (events handled, settling rounds) per trial. The longest case takes
/// a few hundred; the bound catches two sides that keep waking each other without time passing.
pub const MAX_TURNS: usize = 100_000;

pub(super) struct Pair<'a> {
    pub now: Duration,
    pub engine: Engine,
    /// None while no DUT runs (stopped, or between a restart's exit and start).
    dut: Option<Dut>,
    config: Config,
    profile: &'a Profile,
    wire: Wire,
    /// Every address of the harness (endpoints and witnesses): what the DUT can reach.
    harness: Vec<SocketAddr>,
    capture: Option<Capture>,
    /// `restart_dut` asked for a fresh DUT once this one has ended.
    restart_pending: bool,
    /// How many DUTs were started: each start is a fresh process with its own seed and port.
    starts: u64,
    seed: u64,
    turns: usize,
}

impl<'a> Pair<'a> {
    /// The DUT is started first, as on the process path, and its first datagrams (a Register,
    /// a Server Initiated Bootstrap's first Write) are on the wire when the engine begins.
    pub fn new(
        engine: impl FnOnce() -> Engine,
        config: Config,
        profile: &'a Profile,
        harness: Vec<SocketAddr>,
        capture: Option<Capture>,
        seed: u64,
    ) -> Pair<'a> {
        let dut = nth_dut(&config, Duration::ZERO, seed, 0);
        Pair {
            now: Duration::ZERO,
            engine: engine(),
            dut: Some(dut),
            config,
            profile,
            wire: Wire::default(),
            harness,
            capture,
            restart_pending: false,
            starts: 1,
            seed,
            turns: 0,
        }
    }

    fn start_dut(&mut self) {
        self.dut = Some(nth_dut(&self.config, self.now, self.seed, self.starts));
        self.starts += 1;
    }

    /// Runs until the engine has an outcome; a bound hit first ends the engine with an error
    /// that says which, as the process path ends it at its ceiling.
    pub fn run(&mut self) {
        loop {
            self.settle();
            if self.engine.outcome().is_some() {
                return;
            }
            if self.turns >= MAX_TURNS {
                return self.engine.end(Outcome::error(format!(
                    "the in-memory trial took {MAX_TURNS} turns by {:.3}s of virtual time without an outcome \
                     (something keeps waking without time passing), at step {}",
                    self.now.as_secs_f64(),
                    self.engine.current_step()
                )));
            }
            match self.next_event() {
                Some(t) if t <= CEILING => {
                    self.now = self.now.max(t);
                    self.fire();
                }
                // Nothing left to happen, or not before the ceiling: the process path would
                // wait out its ceiling and say so.
                _ => {
                    self.now = CEILING;
                    return self.engine.end(Outcome::error(format!(
                        "trial exceeded the harness ceiling of {}s (virtual time), at step {}",
                        CEILING.as_secs(),
                        self.engine.current_step()
                    )));
                }
            }
        }
    }

    fn next_event(&self) -> Option<Duration> {
        let dut = self.dut.as_ref().and_then(Dut::poll_timeout);
        [self.wire.next_due(), dut, self.engine.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Handles one thing due at `now`: the DUT's side first (see [`Pair::fire_dut`]), else the
    /// engine's deadline.
    fn fire(&mut self) {
        self.turns += 1;
        if self.fire_dut("killed by signal 9") {
            return;
        }
        let now = self.now;
        if self.engine.poll_timeout().is_some_and(|t| t <= now) {
            self.engine.handle_timeout(now);
        }
    }

    /// The DUT's side of one turn at `now`: an arriving datagram, a stdin line, the SIGKILL of
    /// an unfinished stop (its exit worded `killed`), else the DUT's own deadline. False when
    /// none was due. The run and the teardown share it, so neither leaves a due line unread.
    fn fire_dut(&mut self, killed: &str) -> bool {
        let now = self.now;
        if let Some(d) = self.wire.datagram_due(now) {
            self.deliver(d);
            return true;
        }
        if let Some(line) = self.wire.line_due(now) {
            if let Some(dut) = self.dut.as_mut() {
                dut.stdin_line(now, &line);
            }
            return true;
        }
        let Some(dut) = self.dut.as_mut() else { return false };
        if dut.kill_at.is_some_and(|k| k <= now) {
            self.exited(killed.into());
            return true;
        }
        if dut.poll_timeout().is_some_and(|t| t <= now) {
            dut.handle_timeout(now);
            return true;
        }
        false
    }

    fn deliver(&mut self, d: Datagram) {
        match d.toward {
            // Nobody listens at an address the DUT no longer (or never) had: lost, as UDP is.
            Toward::Dut => {
                if let Some(dut) = self.dut.as_mut().filter(|dut| dut.address == d.to) {
                    dut.handle_datagram(self.now, d.from, &d.bytes);
                }
            }
            Toward::Harness => {
                // As on the process path: the frame, then (if the capture lacks it) the loss.
                let lost = self
                    .capture
                    .as_mut()
                    .and_then(|c| c.write(wall(self.now), d.from, d.to, &d.bytes));
                let (from, to, bytes) = (d.from, d.to, d.bytes);
                self.engine.handle(self.now, Event::Datagram { from, to, bytes });
                self.evidence_lost(lost);
            }
        }
    }

    /// Until nothing more happens at `now`: the engine's actions and the DUT's datagrams, a
    /// stopping DUT that has finished. Each engine call is followed by polling its actions, so
    /// the pcap gets the frames in the order the engine numbers them.
    fn settle(&mut self) {
        loop {
            let mut moved = false;
            while let Some(action) = self.engine.poll_action() {
                moved = true;
                self.act(action);
            }
            while let Some((to, bytes)) = self.dut.as_mut().and_then(Dut::poll_transmit) {
                moved = true;
                self.dut_sent(to, bytes);
            }
            if self.dut.as_ref().is_some_and(Dut::done) {
                moved = true;
                self.exited("exit status 0".into());
            }
            self.turns += 1;
            if !moved || self.turns >= MAX_TURNS {
                return;
            }
        }
    }

    fn dut_sent(&mut self, to: SocketAddr, bytes: Vec<u8>) {
        let Some(from) = self.dut.as_ref().map(|d| d.address) else {
            return;
        };
        // Only the harness's sockets capture; what goes elsewhere is not seen, as on loopback.
        if self.harness.contains(&to) {
            let d = Datagram {
                toward: Toward::Harness,
                from,
                to,
                bytes,
            };
            self.wire.send(self.now, d);
        }
    }

    fn act(&mut self, action: Action) {
        let now = self.now;
        match action {
            Action::Send { from, to, bytes, .. } => {
                self.record(from, to, &bytes);
                let d = Datagram {
                    toward: Toward::Dut,
                    from,
                    to,
                    bytes,
                };
                self.wire.send(now, d);
            }
            Action::Trigger { operation, action } => match action {
                TriggerAction::Stdin(text) => match self.dut {
                    Some(_) => {
                        let interval = self.profile.timing.stdin_interval;
                        for line in text.lines() {
                            self.wire.write_line(now, interval, line.to_string());
                        }
                    }
                    None => self.trigger_failed(operation, "the DUT is not running, so its stdin cannot take the line"),
                },
                TriggerAction::Shell(_) | TriggerAction::Http { .. } => self.trigger_failed(
                    operation,
                    "the in-memory pairing delivers stdin triggers only; shell and HTTP triggers need the process path",
                ),
            },
            Action::StopDut | Action::RestartDut => {
                self.restart_pending = action == Action::RestartDut;
                let how = self.profile.stop.clone();
                if let Some(status) = self.dut.as_mut().and_then(|d| d.stop(now, &how, STOP_GRACE)) {
                    self.exited(status);
                }
            }
        }
    }

    fn trigger_failed(&mut self, operation: String, error: &str) {
        let error = error.to_string();
        self.engine.handle(self.now, Event::TriggerFailed { operation, error });
    }

    /// The DUT process ended: the engine hears it, and a pending restart starts a fresh one.
    fn exited(&mut self, status: String) {
        self.dut = None;
        self.wire.drop_stdin();
        self.engine.handle(self.now, Event::DutExited { status });
        if std::mem::take(&mut self.restart_pending) {
            self.start_dut();
            self.engine.handle(self.now, Event::DutStarted);
        }
    }

    /// After the outcome, as the process path's teardown: the engine is told (it judges
    /// nothing more but still records and answers, e.g. a De-register with 2.02 so a conformant
    /// client ends at once), the DUT is stopped the way its profile says, and for up to the stop
    /// grace what it sends goes through the engine; its exit (or the SIGKILL) is noted.
    pub fn teardown(&mut self) {
        self.restart_pending = false;
        let how = self.profile.stop.clone();
        let now = self.now;
        if self.dut.is_none() {
            return;
        }
        self.engine.handle(now, Event::Teardown);
        if let Some(status) = self.dut.as_mut().and_then(|d| d.stop(now, &how, STOP_GRACE)) {
            return self.exited(status);
        }
        // The stop set the DUT's `kill_at` (now + the grace), which bounds every wait below.
        let killed = format!(
            "killed by signal 9: killed, {}s after it was asked to stop",
            STOP_GRACE.as_secs()
        );
        while self.turns < MAX_TURNS {
            self.settle();
            let Some(dut) = self.dut.as_ref() else { return };
            let next = [self.wire.next_due(), dut.poll_timeout()].into_iter().flatten().min();
            self.now = self.now.max(next.unwrap_or(self.now));
            self.turns += 1;
            self.fire_dut(&killed);
        }
    }

    /// One frame of the capture, stamped with the virtual clock. A frame that cannot be
    /// written is lost evidence, which the engine hears about (once), as on the process path.
    fn record(&mut self, from: SocketAddr, to: SocketAddr, bytes: &[u8]) {
        let lost = self
            .capture
            .as_mut()
            .and_then(|c| c.write(wall(self.now), from, to, bytes));
        self.evidence_lost(lost);
    }

    fn evidence_lost(&mut self, lost: Option<Event>) {
        if let Some(event) = lost {
            self.engine.handle(self.now, event);
        }
    }
}

/// The `n`-th start of the DUT (from 0): each is a fresh process with randomness of its own and,
/// without `--listen`, a port of its own.
fn nth_dut(config: &Config, now: Duration, seed: u64, n: u64) -> Dut {
    let own = seed.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let port = super::addresses::ephemeral(&format!("{seed:016x}#dut#{n}"), None);
    Dut::start(config, now, own, port)
}

/// The instant `now` of the virtual clock stands for.
pub(super) fn wall(now: Duration) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(UNIX_AT_ZERO.unsigned_abs()) + now
}
