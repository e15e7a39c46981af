//! No DUT process outlives its trial or the harness, and an interrupted run keeps its evidence.
//!
//! Each test runs the CLI (`lwm2m-conformance run`) as a child process with its own
//! `LWM2M_CONFORMANCE_RUN` marker, which every process the harness launches inherits, and then
//! looks through `/proc/*/environ` for processes still carrying it. Waits poll with a deadline.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const EXE: &str = env!("CARGO_BIN_EXE_lwm2m-conformance");
const MARKER: &str = "LWM2M_CONFORMANCE_RUN";

fn testcases() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testcases")
}

/// A marker no other run shares.
fn marker(test: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("lifetime-{test}-{}-{t}", std::process::id())
}

/// Processes whose environment carries `MARKER=id`, with their command lines.
fn marked(id: &str) -> Vec<(u32, String)> {
    let want = format!("{MARKER}={id}");
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(env) = std::fs::read(e.path().join("environ")) else {
            continue;
        };
        if env.split(|b| *b == 0).any(|v| v == want.as_bytes()) {
            let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            found.push((pid, cmd));
        }
    }
    found
}

/// Polls `f` every 20 ms until it gives a value, failing after `within`.
fn wait_for<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < until, "timed out after {within:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn exited(child: &mut Child, within: Duration) -> ExitStatus {
    wait_for("the harness to exit", within, || child.try_wait().expect("try_wait"))
}

/// `lwm2m-conformance run ARGS --out OUT` with marker `id`; its stderr goes to OUT/run.log.
fn start_run(out: &Path, id: &str, args: &[&str]) -> Child {
    std::fs::create_dir_all(out).expect("out dir");
    let log = std::fs::File::create(out.join("run.log")).expect("log");
    Command::new(EXE)
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--testcases")
        .arg(testcases())
        .env(MARKER, id)
        .env_remove("LWM2M_DUT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("starts the harness")
}

fn results_dir(out: &Path) -> PathBuf {
    out.join("reports").join("results")
}

/// The case result files written so far (not `_run.json`).
fn result_files(out: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(results_dir(out))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('_'))
        })
        .collect();
    files.sort();
    files
}

fn log(out: &Path) -> String {
    std::fs::read_to_string(out.join("run.log")).unwrap_or_default()
}

/// Every result file parses; returns (trial name, verdict) of each.
fn verdicts(out: &Path) -> Vec<(String, String)> {
    result_files(out)
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("readable");
            let v: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}\n{text}", f.display()));
            (
                v["trial_name"].as_str().expect("trial_name").to_string(),
                v["verdict"].as_str().expect("verdict").to_string(),
            )
        })
        .collect()
}

/// Every capture opens in `explain` and, where it is installed, in tshark.
fn captures_open(out: &Path) {
    let pcaps: Vec<PathBuf> = std::fs::read_dir(out.join("captures"))
        .expect("captures/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    assert!(!pcaps.is_empty(), "no capture written");
    let explain = Command::new(EXE)
        .arg("explain")
        .args(&pcaps)
        .output()
        .expect("explain runs");
    assert!(
        explain.status.success(),
        "explain: {}\n{}",
        explain.status,
        String::from_utf8_lossy(&explain.stderr)
    );
    let tshark = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if tshark {
        for p in &pcaps {
            let o = Command::new("tshark").arg("-r").arg(p).output().expect("tshark runs");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                o.status.success() && !err.contains("cut short") && !err.contains("damaged"),
                "tshark -r {}: {}\n{}",
                p.display(),
                o.status,
                err
            );
        }
    }
}

/// `report` rebuilds JUnit and the checklist from the result files; the cases without one are
/// listed as not run. Returns the rebuilt checklist.
fn rebuilt(out: &Path, finished: &[(String, String)]) -> String {
    let to = out.join("rebuilt");
    let o = Command::new(EXE)
        .arg("report")
        .arg(out.join("reports"))
        .arg("--out")
        .arg(&to)
        .arg("--testcases")
        .arg(testcases())
        .output()
        .expect("report runs");
    // 1: the run did not finish (missing or interrupted cases), never 2 (unreadable input).
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let junit = std::fs::read_to_string(to.join("junit.xml")).expect("junit.xml");
    assert_eq!(junit.matches("<testcase ").count(), finished.len(), "{junit}");
    let checklist = std::fs::read_to_string(to.join("checklist.md")).expect("checklist.md");
    let not_run = checklist.split("## Not run").nth(1).expect("a Not run section");
    // The last registration case in trial-name order, never reached four at a time.
    assert!(
        not_run.contains("update_and_deregister") || finished.iter().any(|(t, _)| t.ends_with("update_and_deregister")),
        "{not_run}"
    );
    checklist
}

/// SIGINT or SIGTERM in the middle of a run: every DUT stops, the finished cases keep their
/// results, the cut ones are `interrupted`, those not started have none, and the exit status is
/// 128 + the signal.
fn interrupt_run(signal: nix::sys::signal::Signal, code: i32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    let id = marker(signal.as_str());
    // Four at a time of the registration cases: one finishes in well under a second, another
    // (communication_retry) takes over 6 s, and most have not started when the signal comes.
    let mut run = start_run(out, &id, &["--filter", "registration", "--jobs", "4"]);
    wait_for("a first result", Duration::from_secs(120), || {
        (!result_files(out).is_empty()).then_some(())
    });
    assert!(!marked(&id).is_empty(), "DUTs should be running");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(run.id() as i32), signal).expect("signal");
    let status = exited(&mut run, Duration::from_secs(30));
    assert_eq!(status.code(), Some(code), "{}", log(out));
    let left = wait_for("every DUT process to end", Duration::from_secs(5), || {
        let left = marked(&id);
        left.is_empty().then_some(left)
    });
    assert!(left.is_empty());
    let verdicts = verdicts(out);
    assert!(
        verdicts.iter().any(|(_, v)| v == "interrupted"),
        "a running case is interrupted: {verdicts:?}\n{}",
        log(out)
    );
    assert!(verdicts.iter().any(|(_, v)| v == "pass"), "{verdicts:?}");
    let junit = std::fs::read_to_string(out.join("reports").join("junit.xml")).expect("run writes junit.xml");
    assert!(junit.contains(r#"type="interrupted""#), "{junit}");
    captures_open(out);
    let checklist = rebuilt(out, &verdicts);
    assert!(checklist.contains("INTERRUPTED"), "{checklist}");
}

#[test]
fn sigint_stops_every_dut_keeps_the_evidence_and_exits_130() {
    interrupt_run(nix::sys::signal::Signal::SIGINT, 130);
}

#[test]
fn sigterm_stops_every_dut_keeps_the_evidence_and_exits_143() {
    interrupt_run(nix::sys::signal::Signal::SIGTERM, 143);
}

/// SIGKILL gives the harness no chance to clean up: the DUTs' guards notice their parent's death
/// and kill everything below them; the captures and result files written so far stay readable.
#[test]
fn sigkill_of_the_harness_leaves_no_dut_and_readable_evidence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    let id = marker("sigkill");
    let mut run = start_run(out, &id, &["--filter", "registration", "--jobs", "4"]);
    wait_for("a first result", Duration::from_secs(120), || {
        (!result_files(out).is_empty()).then_some(())
    });
    let running = marked(&id).len();
    run.kill().expect("SIGKILL");
    let status = exited(&mut run, Duration::from_secs(10));
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9));
    let since = Instant::now();
    wait_for("every DUT process to end", Duration::from_secs(5), || {
        marked(&id).is_empty().then_some(())
    });
    eprintln!(
        "{running} marked processes before SIGKILL, none {:?} after",
        since.elapsed()
    );
    let verdicts = verdicts(out);
    captures_open(out);
    rebuilt(out, &verdicts);
}

/// Runs the one case `trial` against the profile `yaml` (written into `out`) with marker `id`,
/// to its end.
fn run_profile(out: &Path, id: &str, yaml: &str, trial: &str) -> ExitStatus {
    let profile = out.join("profile.yaml");
    std::fs::write(&profile, yaml).expect("profile");
    let profile = profile.to_string_lossy().into_owned();
    let mut run = start_run(out, id, &["--dut", &profile, "--filter", trial]);
    exited(&mut run, Duration::from_secs(60))
}

/// A DUT whose launch leaves daemons behind (a `setsid` child and a double-forked one) leaves
/// nothing once the run is over.
#[test]
fn a_daemonizing_dut_leaves_no_process_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    let id = marker("daemon");
    let yaml = r#"name: daemonizing-client
role: client
launch:
  shell: >-
    setsid sh -c 'sleep 300' </dev/null >/dev/null 2>&1 &
    (sh -c 'sleep 301 </dev/null >/dev/null 2>&1 &' &);
    exec '{exe}' reference-client --server {server_host}:{server_port} --endpoint '{endpoint}'
endpoint: "urn:dev:lwm2m-conformance:{case}"
features: [launch]
content_formats: [tlv, senml-json, text, link-format]
"#;
    let status = run_profile(out, &id, yaml, "client::registration::register_uri");
    assert!(status.success(), "{status}\n{}", log(out));
    assert_eq!(
        verdicts(out),
        vec![("client::registration::register_uri".to_string(), "pass".to_string())]
    );
    let left = marked(&id);
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A DUT that exits on its own ends the trial at once as inconclusive, naming its exit status,
/// instead of running out the case's windows and failing a requirement.
#[test]
fn a_dut_that_exits_at_once_is_inconclusive_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    let yaml = r#"name: exits-early
role: server
launch:
  shell: "sleep 0.1; exit 3"
endpoint: "urn:dev:lwm2m-conformance:{case}"
features: [launch]
triggers:
  read: { stdin: "read {endpoint} {path}" }
timing: { response_timeout: 5s, quiet_window: 5s, startup_timeout: 10s }
"#;
    let trial = "server::device_management::no_operation_before_registration";
    let status = run_profile(out, &marker("exits"), yaml, trial);
    assert_eq!(status.code(), Some(1), "an inconclusive MUST case gates\n{}", log(out));
    let files = result_files(out);
    assert_eq!(files.len(), 1);
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).expect("read")).expect("JSON");
    let message = r["message"].as_str().unwrap_or_default();
    assert_eq!(r["verdict"], "inconclusive", "{r:#}");
    assert!(message.contains("exit status 3"), "{message}");
    assert!(message.contains("blocked by: the DUT process exited"), "{message}");
    let ms = r["duration_ms"].as_u64().expect("duration");
    assert!(ms < 3000, "ended {ms} ms in, not at the exit (0.1 s)");
}

/// The DUT log of the one trial of a run.
fn dut_log(out: &Path) -> String {
    let logs: Vec<PathBuf> = std::fs::read_dir(out.join("captures"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    let log = logs.iter().find(|p| p.to_string_lossy().ends_with(".dut.log"));
    log.and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default()
}

/// A client whose shell reports how it was asked to stop, then lets the reference client
/// De-register: the profile's `stop` decides what the harness does, and `deregister-on-stop` is
/// judged with it.
fn stopped_with(stop: &str, name: &str) -> (Vec<(String, String)>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path();
    let yaml = format!(
        r#"name: stop-{name}
role: client
launch:
  shell: >-
    '{{exe}}' reference-client --server {{server_host}}:{{server_port}} --endpoint '{{endpoint}}' &
    pid=$!;
    trap 'echo got INT >&2; kill -TERM $pid; wait $pid; exit 0' INT;
    trap 'echo got TERM >&2; kill -TERM $pid; wait $pid; exit 0' TERM;
    read line; echo "got line $line" >&2; kill -TERM $pid; wait $pid
endpoint: "urn:dev:lwm2m-conformance:{{case}}"
features: [launch, deregister-on-stop]
content_formats: [tlv, senml-json, text, link-format]
stop: {stop}
"#
    );
    let status = run_profile(out, &marker(name), &yaml, "client::registration::deregister_location");
    assert!(status.success(), "{status}\n{}", log(out));
    (verdicts(out), dut_log(out))
}

#[test]
fn a_stdin_stop_writes_the_line_and_a_signal_stop_sends_that_signal() {
    let pass = vec![(
        "client::registration::deregister_location".to_string(),
        "pass".to_string(),
    )];
    let (verdicts, log) = stopped_with("{ stdin: bye }", "stdin");
    assert_eq!(verdicts, pass);
    assert!(log.contains("got line bye"), "{log}");
    assert!(!log.contains("got TERM"), "{log}");
    let (verdicts, log) = stopped_with("{ signal: SIGINT }", "sigint");
    assert_eq!(verdicts, pass);
    assert!(log.contains("got INT"), "{log}");
    assert!(!log.contains("got TERM"), "{log}");
}
