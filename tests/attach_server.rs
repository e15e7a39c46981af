//! An already-running server DUT (`attach: { dut_address }`): the harness does not start it, sends
//! its clients' requests to the given address, drives it through `http` triggers, and runs the
//! trials one at a time. Here the running server is the built-in reference server, started by the
//! test on a loopback address of its own with `--http`, so every applicable case must pass as it
//! does against a launched one; and a profile that attaches with stdin triggers is refused.

mod common;
mod reference_dut;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lwm2m_conformance::evidence::Verdict;
use lwm2m_conformance::profile::load_profile;
use lwm2m_conformance::profile::reference::server_trigger_lines;
use lwm2m_conformance::suite::{self, Outputs};
use reference_dut::Running;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A loopback address whose UDP port and TCP port are both free now: a per-process 127.200.x.y
/// (so a parallel run of this test elsewhere does not collide) with an ephemeral port.
fn free_address() -> SocketAddr {
    reference_dut::free_address(200, true)
}

/// The reference server on `at`, with its HTTP trigger listener there too.
fn start_reference_server(at: SocketAddr) -> Running {
    let at_text = at.to_string();
    let running = reference_dut::start(
        ["reference-server", "--listen", &at_text, "--http", &at_text],
        Stdio::null(),
    );
    // Bounded wait until its HTTP trigger listener accepts (it binds before the UDP socket is
    // served, so then CoAP is up too).
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect_timeout(&at, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the reference server did not listen on {at} within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    running
}

fn attach_profile(dir: &std::path::Path, at: SocketAddr, trigger_kind: &str) -> PathBuf {
    let mut yaml = format!(
        "name: attached-reference-server\nrole: server\nattach:\n  dut_address: \"{at}\"\n\
         endpoint: \"urn:dev:attached:{{case}}\"\nfeatures: [queue-mode]\ntriggers:\n"
    );
    for (op, line) in server_trigger_lines().expect("the reference server's profile") {
        let trigger = match trigger_kind {
            "http" => format!(
                "{{ http: {{ method: POST, url: \"http://{at}/trigger\", body: \"{line}\", content_type: text/plain }} }}"
            ),
            _ => format!("{{ stdin: \"{line}\" }}"),
        };
        yaml.push_str(&format!("  {op}: {trigger}\n"));
    }
    let path = dir.join(format!("attached-{trigger_kind}.yaml"));
    std::fs::write(&path, yaml).expect("profile written");
    path
}

#[test]
fn an_attached_server_is_judged_like_a_launched_one() {
    let at = free_address();
    let _server = start_reference_server(at);
    let dir = tempfile::tempdir().expect("temp dir");
    let profile_file = attach_profile(dir.path(), at, "http");
    let profile = load_profile(&profile_file).expect("an attach profile with http triggers loads");
    assert!(!profile.parallel(), "an attached DUT takes one trial at a time");
    let suite = Arc::new(suite::load(&project().join("testcases")).expect("suite loads"));
    let out = Outputs::under(&project().join("target").join("attach-server"));
    // Registration and Device Management: enough to cover Register, Update, De-register and
    // triggered requests, in a few seconds.
    let keep = |t: &str| t.starts_with("server::registration::") || t.starts_with("server::device_management::");
    let results = common::run_cases(&suite, keep, profile, &profile_file, out, 1);
    assert!(results.len() >= 5, "the server suite has registration and DM cases");
    let passed = results.iter().filter(|r| r.verdict == Verdict::Pass).count();
    let problems: Vec<String> = results
        .iter()
        .filter(|r| !matches!(r.verdict, Verdict::Pass | Verdict::Skipped))
        .map(|r| format!("{}: {:?}\n{}", r.trial_name, r.verdict, r.failure_text()))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(passed >= 5, "only {passed} of {} cases passed", results.len());
    // The evidence names the DUT's port, which is not 5683 here, so tshark needs the hint.
    let hinted = results
        .iter()
        .all(|r| r.verdict != Verdict::Pass || r.coap_port == Some(at.port()));
    assert!(
        hinted,
        "every passing result carries the decode-as hint for port {}",
        at.port()
    );
}

#[test]
fn an_attached_server_cannot_take_stdin_triggers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let at: SocketAddr = "127.0.0.1:5683".parse().expect("address");
    let err = load_profile(&attach_profile(dir.path(), at, "stdin")).expect_err("refused");
    assert!(
        err.to_string()
            .contains("stdin trigger needs a DUT the harness launches"),
        "{err}"
    );
}

/// A launched server that binds an address of its own choosing (profile `binds`), as stacks with
/// a fixed listening port do: the harness reaches it there, keeps its own sockets off the port,
/// and runs its trials one at a time; every case passes as against a server told where to listen.
#[test]
fn a_launched_server_on_a_fixed_port_of_its_own_is_judged_like_any() {
    let at = free_address();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut yaml = format!(
        "name: fixed-port-reference-server\nrole: server\nbinds: \"{at}\"\n\
         launch:\n  command: [\"{exe}\", reference-server, --listen, \"{at}\"]\n\
         features: [launch, queue-mode]\ntriggers:\n",
        exe = env!("CARGO_BIN_EXE_lwm2m-conformance")
    );
    for (op, line) in server_trigger_lines().expect("the reference server's profile") {
        yaml.push_str(&format!("  {op}: {{ stdin: \"{line}\" }}\n"));
    }
    let profile_file = dir.path().join("fixed.yaml");
    std::fs::write(&profile_file, yaml).expect("profile written");
    let profile = load_profile(&profile_file).expect("a profile with binds loads");
    assert!(
        !profile.parallel(),
        "every instance takes the same port: one trial at a time"
    );
    let suite = Arc::new(suite::load(&project().join("testcases")).expect("suite loads"));
    let out = Outputs::under(&project().join("target").join("fixed-port-server"));
    let keep = |t: &str| t.starts_with("server::registration::");
    let results = common::run_cases(&suite, keep, profile, &profile_file, out, 1);
    let problems: Vec<String> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| format!("{}: {:?}\n{}", r.trial_name, r.verdict, r.failure_text()))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(results.len() >= 3, "registration cases ran: {}", results.len());
    assert!(
        results.iter().all(|r| r.coap_port == Some(at.port())),
        "decode-as hint names the DUT's port"
    );
}
