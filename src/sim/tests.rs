use crate::lwm2m::Role;
use std::net::SocketAddr;
use std::time::Duration;

use super::*;
use crate::engine::Judgement;
use crate::profile::{Stop, TriggerSpec};

fn case(id: &str) -> Case {
    crate::fuzz::targets::cases()
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .unwrap_or_else(|| panic!("no case {id} under testcases/"))
}

fn run(id: &str, profile: &Profile) -> TrialOutput {
    run_trial(case(id), profile, None)
}

#[test]
fn the_same_trial_gives_the_same_transcript_and_capture_every_time() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (id, role) in [
        ("client-ir-reregister-after-restart", Role::Client),
        ("server-ir-observe-and-cancel", Role::Server),
        ("bsserver-server-initiated", Role::BootstrapServer),
    ] {
        let profile = crate::profile::reference(role, &[]).expect("the built-in profile loads");
        let (a, b) = (
            dir.path().join(format!("{id}-a.pcap")),
            dir.path().join(format!("{id}-b.pcap")),
        );
        let first = run_trial(case(id), &profile, Some(&a));
        let second = run_trial(case(id), &profile, Some(&b));
        assert_eq!(
            first.outcome.judgement,
            Judgement::Pass,
            "{id}: {:#?}",
            first.transcript
        );
        assert_eq!(first.outcome, second.outcome, "{id}");
        assert_eq!(first.transcript, second.transcript, "{id}");
        assert_eq!(first.duration, second.duration, "{id}");
        let (a, b) = (std::fs::read(a).expect("pcap a"), std::fs::read(b).expect("pcap b"));
        assert!(a.len() > 24, "{id}: frames in the capture");
        assert_eq!(a, b, "{id}: byte-identical captures");
    }
}

#[test]
fn a_restart_stops_the_client_which_de_registers_then_a_fresh_one_registers_from_a_new_port() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pcap = dir.path().join("restart.pcap");
    let profile = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    let out = run_trial(case("client-ir-reregister-after-restart"), &profile, Some(&pcap));
    assert_eq!(out.outcome.judgement, Judgement::Pass, "{:#?}", out.transcript);
    let text = out.transcript.join("\n");
    let exited = text
        .find("DUT process exited (exit status 0)")
        .expect("the stopped client exits cleanly");
    let started = text.find("DUT process started").expect("a fresh client starts");
    assert!(exited < started, "{text}");
    assert!(
        text[..exited].contains("De-register"),
        "the stopping client De-registers first: {text}"
    );
    // Two processes: the fresh one sends its Register from a port of its own.
    let capture = crate::capture::Capture::read(&pcap).expect("the capture reads");
    let registers: Vec<SocketAddr> = capture
        .datagrams()
        .iter()
        .filter(|d| crate::coap::Message::parse(&d.bytes).is_ok_and(|m| m.is_request() && m.uri_path() == "/rd"))
        .map(|d| d.from)
        .collect();
    assert_eq!(registers.len(), 2, "{text}");
    assert_ne!(registers[0], registers[1], "{text}");
    assert!(registers.iter().all(|a| a.ip().is_loopback()));
}

#[test]
fn the_fault_that_resumes_a_registration_after_a_restart_is_caught_without_a_file() {
    let case = case("client-ir-reregister-after-restart");
    let out = run_trial(
        case.clone(),
        &crate::profile::reference(Role::Client, std::slice::from_ref(&case.catches))
            .expect("the built-in profile loads"),
        None,
    );
    assert_eq!(out.outcome.judgement, Judgement::Fail, "{:#?}", out.transcript);
    assert!(
        out.outcome.message.contains(&case.requirements[0]),
        "{}",
        out.outcome.message
    );
}

#[test]
fn a_stop_the_client_does_not_take_ends_in_sigkill_after_the_grace() {
    let mut profile = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    profile.stop = Stop {
        signal: None,
        stdin: Some("quit".into()),
        close_stdin: false,
    };
    let out = run("client-deregister-location", &profile);
    let text = out.transcript.join("\n");
    assert!(text.contains("DUT process exited (killed by signal 9)"), "{text}");
    // No De-register came: the case fails on it, the kill being the harness's own doing.
    assert_eq!(out.outcome.judgement, Judgement::Fail, "{text}");
}

#[test]
fn a_launch_of_another_program_is_a_harness_error_that_names_it() {
    let mut profile = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    if let Some(l) = profile.launch.as_mut() {
        l.command = vec![
            "./my-client".into(),
            "--server".into(),
            "{server_host}:{server_port}".into(),
        ];
    }
    let out = run("client-register-uri", &profile);
    assert_eq!(out.outcome.judgement, Judgement::Error);
    assert!(out.outcome.message.contains("./my-client"), "{}", out.outcome.message);
}

#[test]
fn an_unknown_fault_is_refused_as_the_process_would_refuse_it() {
    let out = run(
        "client-register-uri",
        &crate::profile::reference(Role::Client, &["no-such-fault".to_string()]).expect("the built-in profile loads"),
    );
    assert_eq!(out.outcome.judgement, Judgement::Error);
    assert!(out.outcome.message.contains("no-such-fault"), "{}", out.outcome.message);
}

#[test]
fn shell_triggers_and_attached_duts_need_the_process_path() {
    let mut profile = crate::profile::reference(Role::Server, &[]).expect("the built-in profile loads");
    for spec in profile.triggers.values_mut() {
        *spec = TriggerSpec {
            stdin: None,
            shell: Some("true".into()),
            http: None,
        };
    }
    let out = run("server-dm-operations-mapping", &profile);
    assert_eq!(out.outcome.judgement, Judgement::Error, "{:#?}", out.transcript);
    assert!(out.outcome.message.contains("process path"), "{}", out.outcome.message);

    let mut attached = crate::profile::reference(Role::Server, &[]).expect("the built-in profile loads");
    attached.attach = Some(crate::profile::Attach {
        server_bind: None,
        dut_address: None,
        endpoint: None,
    });
    let out = run("server-register-location-under-rd", &attached);
    assert_eq!(out.outcome.judgement, Judgement::Error);
    assert!(out.outcome.message.contains("process path"), "{}", out.outcome.message);
}

#[test]
fn a_trial_that_never_ends_stops_at_the_virtual_ceiling() {
    // A client whose Registers go where nobody listens, and a case that would wait longer than
    // the ceiling for one: the run ends at the ceiling as a harness error, in no real time.
    let mut profile = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    if let Some(l) = profile.launch.as_mut() {
        let at = l
            .command
            .iter()
            .position(|a| a == "{server_host}:{server_port}")
            .expect("a --server");
        l.command[at] = "127.0.0.1:9".into();
    }
    profile.timing.startup_timeout = CEILING * 2;
    let started = std::time::Instant::now();
    let out = run("client-register-uri", &profile);
    assert_eq!(out.outcome.judgement, Judgement::Error, "{:#?}", out.transcript);
    assert!(out.outcome.message.contains("ceiling"), "{}", out.outcome.message);
    assert_eq!(out.duration, CEILING);
    assert!(started.elapsed() < Duration::from_secs(30), "virtual, not real, time");
}
