//! Starting and stopping a launched DUT. Each instance runs in its own process group so that a
//! wrapper script and everything it started are signalled together; output goes to a log file
//! beside the case's pcap, so it survives a crash.

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use tokio::process::{Child, Command};

use crate::case::Vars;
use crate::case::profile::Launch;

pub struct Dut {
    child: Child,
    pgid: Option<Pid>,
    /// Server DUTs can be driven by lines on stdin (profile `triggers`).
    stdin: Option<tokio::process::ChildStdin>,
}

/// Render the launch template and start the process.
pub fn spawn(launch: &Launch, vars: &Vars, profile_dir: &Path, log: &Path) -> Result<Dut, String> {
    let mut cmd = match (&launch.shell, launch.command.as_slice()) {
        (Some(line), _) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(vars.render(line)?);
            c
        }
        (None, [program, args @ ..]) => {
            let mut c = Command::new(vars.render(program)?);
            for a in args {
                c.arg(vars.render(a)?);
            }
            c
        }
        (None, []) => return Err("launch.command is empty".into()),
    };
    let env: BTreeMap<String, String> = launch
        .env
        .iter()
        .map(|(k, v)| Ok((k.clone(), vars.render(v)?)))
        .collect::<Result<_, String>>()?;
    cmd.envs(env);
    let dir: PathBuf = match &launch.workdir {
        Some(w) => profile_dir.join(w),
        None => profile_dir.to_path_buf(),
    };
    cmd.current_dir(dir);
    if let Some(parent) = log.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let out = std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    cmd.stdin(Stdio::piped())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(launch)))?;
    let pgid = child.id().map(|id| Pid::from_raw(id as i32));
    let stdin = child.stdin.take();
    Ok(Dut { child, pgid, stdin })
}

fn describe(l: &Launch) -> String {
    l.shell.clone().unwrap_or_else(|| l.command.join(" "))
}

impl Dut {
    /// Ask the whole process group to terminate (the DUT may De-register meanwhile).
    pub fn terminate(&self) {
        if let Some(g) = self.pgid {
            let _ = killpg(g, Signal::SIGTERM);
        }
    }

    pub fn kill(&self) {
        if let Some(g) = self.pgid {
            let _ = killpg(g, Signal::SIGKILL);
        }
    }

    /// Writes one line to the DUT's standard input, bounded so a DUT that stops reading cannot
    /// block the trial.
    pub async fn write_line(&mut self, line: &str) -> std::io::Result<()> {
        use tokio::io::AsyncWriteExt;
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(std::io::Error::other("the DUT's stdin is closed"));
        };
        let write = async {
            stdin.write_all(line.as_bytes()).await?;
            stdin.write_all(b"\n").await?;
            stdin.flush().await
        };
        tokio::time::timeout(std::time::Duration::from_secs(2), write)
            .await
            .map_err(|_| std::io::Error::other("writing to the DUT's stdin timed out"))?
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
    }
}

pub fn status_text(s: &std::io::Result<ExitStatus>) -> String {
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
