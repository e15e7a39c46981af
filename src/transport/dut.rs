//! Starting and stopping a launched DUT. Each instance runs under a guard process (see
//! [`super::guard`]) that keeps every descendant of the DUT in its subtree and kills them all when
//! the trial ends or the harness dies; output goes to a log file beside the case's pcap, so it
//! survives a crash.
//!
//! When the harness executable cannot guard (a library user's own test binary: it does not answer
//! `__guard --probe`), the DUT is started directly in a process group of its own with SIGKILL as
//! its parent-death signal: the DUT's main process dies with the harness, but descendants that
//! leave its process group (`setsid`, a double fork) are not followed.

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::process::{Child, Command};

use super::console::{self, ConsoleEvent, Input, Matcher, Writer};
use super::guard;
use crate::profile::{ConsoleCapture, Launch, Stop, StopSignal, Stream};
use crate::template::Vars;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::reference::RUN_MARKER;

/// This run's ID: `$LWM2M_CONFORMANCE_RUN` when set (a run started by a test that looks for its
/// leftovers), else the harness's PID and start time.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        std::env::var(RUN_MARKER).unwrap_or_else(|_| {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!("{}-{t}", std::process::id())
        })
    })
}

/// What `{exe}` means in launch templates: the harness binary (which carries the reference DUTs).
pub fn harness_exe() -> PathBuf {
    if let Some(p) = std::env::var_os("LWM2M_CONFORMANCE_EXE") {
        return PathBuf::from(p);
    }
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("lwm2m-conformance"))
}

/// Whether DUTs run under a guard: the harness executable answers the guard probe (checked once).
fn guarded() -> bool {
    static CAN: OnceLock<bool> = OnceLock::new();
    *CAN.get_or_init(|| {
        let can = guard::can_guard(&harness_exe());
        if !can {
            tracing::warn!(
                "{} cannot guard DUTs: DUT descendants that leave its process group are not cleaned up",
                harness_exe().display()
            );
        }
        can
    })
}

pub struct Dut {
    /// The guard (or, unguarded, the DUT itself).
    child: Child,
    /// Unguarded: the DUT's process group.
    pgid: Option<Pid>,
    /// Lines for the DUT's stdin (startup lines, triggers, a stdin stop), written in order by
    /// one task with the profile's pacing.
    input: UnboundedSender<Input>,
    /// The tasks that copy a searched stdout/stderr to the log.
    readers: Vec<tokio::task::JoinHandle<()>>,
}

/// What a trial wants of the DUT's console: the profile's captures, its stdin pacing, and where
/// captured values and unwritten lines go.
pub struct Console<'a> {
    pub captures: &'a [ConsoleCapture],
    pub interval: Duration,
    pub events: UnboundedSender<ConsoleEvent>,
}

/// The program and arguments a launch template renders to.
pub(crate) fn argv(launch: &Launch, vars: &Vars) -> Result<Vec<String>, String> {
    match (&launch.shell, launch.command.as_slice()) {
        (Some(line), _) => Ok(vec!["sh".into(), "-c".into(), vars.render(line)?]),
        (None, []) => Err("launch.command is empty".into()),
        (None, parts) => parts.iter().map(|a| vars.render(a)).collect(),
    }
}

/// Render the launch template and start the process (under its guard). A stream the profile's
/// captures search goes through the harness (copied to the log as it arrives); the others go
/// straight to the log.
pub async fn spawn(
    launch: &Launch,
    vars: &Vars,
    profile_dir: &Path,
    log: &Path,
    console: &Console<'_>,
) -> Result<Dut, String> {
    let argv = argv(launch, vars)?;
    let startup: Vec<String> = launch.stdin.iter().map(|l| vars.render(l)).collect::<Result<_, _>>()?;
    let stdout_matcher = Matcher::new(console.captures, Stream::Stdout, vars)?;
    let stderr_matcher = Matcher::new(console.captures, Stream::Stderr, vars)?;
    let env: BTreeMap<String, String> = launch
        .env
        .iter()
        .map(|(k, v)| Ok((k.clone(), vars.render(v)?)))
        .collect::<Result<_, String>>()?;
    let dir: PathBuf = match &launch.workdir {
        Some(w) => profile_dir.join(w),
        None => profile_dir.to_path_buf(),
    };
    if let Some(parent) = log.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let out = std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let cannot = |e: &dyn std::fmt::Display| format!("cannot start `{}`: {e}", describe(launch));
    let guarded = guarded();
    let status = if guarded {
        Some(std::io::pipe().map_err(|e| cannot(&e))?)
    } else {
        None
    };
    let mut cmd = if let Some((_, writer)) = &status {
        let mut c = Command::new(harness_exe());
        let fd = writer.as_raw_fd();
        c.arg(guard::SUBCOMMAND)
            .arg("--parent")
            .arg(std::process::id().to_string())
            .arg("--status-fd")
            .arg(fd.to_string())
            .arg("--")
            .args(&argv);
        // SAFETY: `fcntl` only, between fork and exec; `writer` outlives the spawn.
        unsafe { c.pre_exec(move || guard::inherit(fd)) };
        c
    } else {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        // SAFETY: `prctl` only, between fork and exec.
        unsafe {
            c.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
                Ok(())
            })
        };
        c
    };
    let searched = |m: &Matcher, file: &std::fs::File| -> Result<Stdio, String> {
        match m.is_empty() {
            true => Ok(file.try_clone().map_err(|e| e.to_string())?.into()),
            false => Ok(Stdio::piped()),
        }
    };
    cmd.envs(env)
        .env(RUN_MARKER, run_id())
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(searched(&stdout_matcher, &out)?)
        .stderr(searched(&stderr_matcher, &err)?)
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| cannot(&e))?;
    let mut readers = Vec::new();
    if let Some(pipe) = child.stdout.take() {
        let task = console::read(pipe, out, stdout_matcher, console.events.clone());
        readers.push(tokio::spawn(task));
    }
    if let Some(pipe) = child.stderr.take() {
        let task = console::read(pipe, err, stderr_matcher, console.events.clone());
        readers.push(tokio::spawn(task));
    }
    let (input, queue) = unbounded_channel();
    if let Some(stdin) = child.stdin.take() {
        tokio::spawn(console::write(stdin, queue, console.interval, console.events.clone()));
    }
    for line in startup {
        let _ = input.send(Input::Line {
            line,
            what: Writer::Startup,
        });
    }
    let pgid = if guarded {
        None
    } else {
        child.id().map(|id| Pid::from_raw(id as i32))
    };
    let dut = Dut {
        child,
        pgid,
        input,
        readers,
    };
    if let Some((reader, writer)) = status {
        drop(writer);
        let line = read_status(reader.into()).await;
        match line.strip_prefix("ok ") {
            Some(_) => {}
            None => {
                let why = line.strip_prefix("error ").unwrap_or("the guard did not start the DUT");
                return Err(cannot(&why));
            }
        }
    }
    Ok(dut)
}

/// The guard's one status line (`ok PID` or `error ...`), bounded.
async fn read_status(reader: OwnedFd) -> String {
    use tokio::io::AsyncReadExt;
    let Ok(mut rx) = tokio::net::unix::pipe::Receiver::from_owned_fd(reader) else {
        return String::new();
    };
    let mut line = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), rx.read_to_string(&mut line)).await;
    line.trim().to_string()
}

fn describe(l: &Launch) -> String {
    l.shell.clone().unwrap_or_else(|| l.command.join(" "))
}

impl Dut {
    /// Ask the DUT to stop the way its profile says (it may De-register meanwhile). A signal
    /// goes to the guard, which forwards the same signal to everything under it.
    pub fn stop(&self, how: &Stop) {
        use crate::profile::StopWay;
        match how.way() {
            StopWay::Line(line) => self.write_line(line.to_string(), Writer::Stop),
            StopWay::CloseStdin => {
                let _ = self.input.send(Input::Close);
            }
            StopWay::Signal(signal) => {
                let s = match signal {
                    StopSignal::Term => Signal::SIGTERM,
                    StopSignal::Int => Signal::SIGINT,
                    StopSignal::Hup => Signal::SIGHUP,
                    StopSignal::Quit => Signal::SIGQUIT,
                };
                self.signal(s, s);
            }
        }
    }

    /// End the DUT and every process it started, at once.
    pub fn kill(&self) {
        self.signal(guard::KILL_ALL, Signal::SIGKILL);
    }

    fn signal(&self, to_guard: Signal, to_group: Signal) {
        match self.pgid {
            Some(g) => {
                let _ = killpg(g, to_group);
            }
            // Once reaped the guard has no ID, so a reused PID is never signalled.
            None => {
                if let Some(id) = self.child.id() {
                    let _ = kill(Pid::from_raw(id as i32), to_guard);
                }
            }
        }
    }

    /// Queues a line for the DUT's stdin (text of several lines: each, paced like the rest);
    /// `what` names who wants it if it cannot be written (a [`ConsoleEvent::NotWritten`]).
    pub fn write_line(&self, text: String, what: Writer) {
        for line in text.lines() {
            let _ = self.input.send(Input::Line {
                line: line.to_string(),
                what: what.clone(),
            });
        }
    }

    /// Lets the output copiers finish what the ended DUT wrote (bounded), so the log is whole.
    pub async fn flush_output(&mut self) {
        for r in std::mem::take(&mut self.readers) {
            let abort = r.abort_handle();
            if tokio::time::timeout(Duration::from_millis(500), r).await.is_err() {
                abort.abort();
            }
        }
    }

    /// Whether the process has ended (without waiting; the status stays for `wait`).
    pub fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    pub async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.child.wait().await
    }
}

impl Drop for Dut {
    fn drop(&mut self) {
        // Never leave a DUT (or its children) behind, whatever path the trial took.
        self.kill();
        for r in &self.readers {
            r.abort();
        }
    }
}

pub(crate) fn status_text(s: &std::io::Result<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match s {
        Ok(st) => match (st.code(), st.signal()) {
            (Some(c), _) => format!("exit status {c}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            _ => st.to_string(),
        },
        Err(e) => format!("wait failed: {e}"),
    }
}
