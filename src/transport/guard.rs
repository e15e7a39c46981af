//! The guard: a small process between the harness and each launched DUT, so that no DUT process
//! outlives its trial or the harness, whatever it does (double-fork, `setsid`, ignore SIGTERM) and
//! however the harness ends (a clean end, Ctrl-C, SIGTERM, SIGKILL).
//!
//! The harness starts `lwm2m-conformance __guard --parent PID --status-fd FD -- PROGRAM ARGS...`
//! in a process group of its own (so a terminal's Ctrl-C reaches only the harness). The guard
//!
//! - asks for a parent-death signal (`PR_SET_PDEATHSIG`, [`KILL_ALL`]): when the harness thread
//!   that started it ends, for any reason, the guard kills everything below it;
//! - becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`): a DUT's descendants that daemonize stay
//!   in the guard's subtree instead of moving to init, so the guard can find and kill them;
//! - starts the DUT in a process group of its own, with stdin, stdout and stderr inherited (the
//!   harness's trigger pipe and the DUT log work unchanged) and SIGKILL as the DUT's own
//!   parent-death signal, then reports `ok PID` (or `error ...`) on the status pipe;
//! - forwards a stop (SIGTERM, SIGINT, SIGHUP, SIGQUIT) as the same signal to the DUT's process
//!   group and to every other descendant, so the DUT can shut down (and De-register) gracefully
//!   the way its profile's `stop` says;
//! - on [`KILL_ALL`] SIGKILLs every descendant, walking `/proc` until none is left;
//! - when the DUT's main process ends, SIGKILLs whatever it left behind and exits the way the DUT
//!   did (same exit code, or the same terminating signal), so the harness sees the DUT's status.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, SigHandler, SigSet, Signal, kill, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

/// The hidden subcommand of the harness binary that runs a guard.
pub const SUBCOMMAND: &str = "__guard";
/// What `__guard --probe` prints: the binary can guard DUTs.
pub const PROBE_ANSWER: &str = "lwm2m-conformance guard 1";
/// The harness's "kill everything now", and the guard's parent-death signal.
pub const KILL_ALL: Signal = Signal::SIGUSR2;
/// How long a sweep keeps killing descendants that keep appearing (or are slow to die).
const SWEEP_BOUND: Duration = Duration::from_secs(3);

/// The signals the guard handles, all taken synchronously with `sigwait`.
fn handled() -> SigSet {
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGQUIT,
        KILL_ALL,
        Signal::SIGCHLD,
    ] {
        set.add(s);
    }
    set
}

struct Args {
    parent: i32,
    status_fd: Option<i32>,
    program: OsString,
    args: Vec<OsString>,
}

fn parse(args: &[OsString]) -> Result<Args, String> {
    let mut parent = None;
    let mut status_fd = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut number = |what: &str| -> Result<i32, String> {
            it.next()
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{what} needs a number"))
        };
        match a.to_str() {
            Some("--parent") => parent = Some(number("--parent")?),
            Some("--status-fd") => status_fd = Some(number("--status-fd")?),
            Some("--") => break,
            _ => return Err(format!("unexpected argument {a:?}")),
        }
    }
    let program = it.next().cloned().ok_or("no program after --")?;
    Ok(Args {
        parent: parent.ok_or("--parent is required")?,
        status_fd,
        program,
        args: it.cloned().collect(),
    })
}

/// The guard's `main` (`args` follow the subcommand).
pub fn main(args: &[OsString]) -> ExitCode {
    if args.first().map(OsString::as_os_str) == Some(OsStr::new("--probe")) {
        println!("{PROBE_ANSWER}");
        return ExitCode::SUCCESS;
    }
    let a = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("guard: {e}");
            return ExitCode::from(2);
        }
    };
    // SAFETY: the harness handed this descriptor to the guard for its own use; nothing else owns it.
    let mut status = a
        .status_fd
        .map(|fd| std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) }));
    if let Some(f) = &status {
        // The DUT must not inherit it: the harness reads until every writer is gone.
        let _ = nix::fcntl::fcntl(f, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC));
    }
    let mut report = |line: String| {
        if let Some(mut f) = status.take() {
            let _ = writeln!(f, "{line}");
        }
    };
    // Before anything can arrive: every handled signal waits for `sigwait`.
    if let Err(e) = handled().thread_block() {
        report(format!("error cannot block signals: {e}"));
        return ExitCode::from(2);
    }
    if let Err(e) = nix::sys::prctl::set_pdeathsig(KILL_ALL) {
        report(format!("error cannot set the parent-death signal: {e}"));
        return ExitCode::from(2);
    }
    if nix::unistd::getppid().as_raw() != a.parent {
        // The harness died before the parent-death signal was armed: start nothing.
        report("error the harness is gone".into());
        return ExitCode::from(2);
    }
    if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
        report(format!("error cannot become a child subreaper: {e}"));
        return ExitCode::from(2);
    }
    let mut cmd = std::process::Command::new(&a.program);
    cmd.args(&a.args).process_group(0);
    // SAFETY: only async-signal-safe calls (sigprocmask, prctl) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            SigSet::empty().thread_set_mask()?;
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
            Ok(())
        });
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            report(format!("error {e}"));
            return ExitCode::from(127);
        }
    };
    let dut = Pid::from_raw(child.id() as i32);
    report(format!("ok {dut}"));
    drop(child);
    let end = watch(dut);
    exit_like(end)
}

/// Waits for the DUT's main process to end (or for the harness's kill), cleaning up after it.
fn watch(dut: Pid) -> WaitStatus {
    let set = handled();
    let mut ended: Option<WaitStatus> = None;
    loop {
        let signal = match set.wait() {
            Ok(s) => s,
            Err(_) => continue,
        };
        match signal {
            Signal::SIGCHLD => {
                reap(dut, &mut ended);
                if ended.is_some() {
                    sweep(dut, &mut ended);
                }
            }
            s if s == KILL_ALL => sweep(dut, &mut ended),
            stop => {
                // A stop: every process under the guard gets the same signal (the profile's
                // `stop`), the DUT's group first.
                let _ = killpg(dut, stop);
                for p in descendants(nix::unistd::getpid()) {
                    let _ = kill(p, stop);
                }
            }
        }
        if let Some(status) = ended {
            return status;
        }
    }
}

/// Reaps every child that has ended; records the DUT's status.
fn reap(dut: Pid, ended: &mut Option<WaitStatus>) {
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(s) => {
                if s.pid() == Some(dut) {
                    *ended = Some(s);
                }
            }
        }
    }
}

/// SIGKILLs every descendant, again and again, until none is left (bounded).
fn sweep(dut: Pid, ended: &mut Option<WaitStatus>) {
    let me = nix::unistd::getpid();
    let until = Instant::now() + SWEEP_BOUND;
    loop {
        reap(dut, ended);
        let left = descendants(me);
        if left.is_empty() || Instant::now() > until {
            break;
        }
        for p in left {
            let _ = kill(p, Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if ended.is_none() {
        // The DUT was never seen to end (it cannot be: it is our child), so say it was killed.
        *ended = Some(WaitStatus::Signaled(dut, Signal::SIGKILL, false));
    }
}

/// Every process below `root` (zombies included), from the parent links in `/proc/*/stat`.
pub fn descendants(root: Pid) -> Vec<Pid> {
    let mut parents: Vec<(i32, i32)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
                continue;
            };
            if let Some(ppid) = parent_of(pid) {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root.as_raw()];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.into_iter().skip(1).map(Pid::from_raw).collect()
}

/// The parent PID from `/proc/PID/stat` (the field after the state, after the `)` that ends the
/// command name, which may itself hold spaces and parentheses).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Ends the guard the way the DUT ended: its exit code, or its terminating signal (without a core
/// dump), so the harness reports the DUT's own status.
fn exit_like(status: WaitStatus) -> ExitCode {
    match status {
        WaitStatus::Exited(_, code) => ExitCode::from(code as u8),
        WaitStatus::Signaled(_, sig, _) => {
            let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
            // SAFETY: restoring the default action; no handler of ours is involved.
            let _ = unsafe { signal::signal(sig, SigHandler::SigDfl) };
            let mut only = SigSet::empty();
            only.add(sig);
            let _ = only.thread_unblock();
            let _ = signal::raise(sig);
            ExitCode::from(128 + sig as u8)
        }
        _ => ExitCode::from(1),
    }
}

/// Whether `exe` is a harness binary that can guard DUTs (it answers `__guard --probe`).
pub fn can_guard(exe: &std::path::Path) -> bool {
    let Ok(mut child) = std::process::Command::new(exe)
        .args([SUBCOMMAND, "--probe"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        return false;
    };
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut o, &mut out);
    }
    out.trim() == PROBE_ANSWER
}

/// Clears close-on-exec on `fd` (in the child, between fork and exec), so the guard inherits it.
///
/// # Safety
/// `fd` must be open for the duration of the call.
pub unsafe fn inherit(fd: i32) -> std::io::Result<()> {
    // SAFETY: the caller keeps `fd` open.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()))?;
    Ok(())
}
