//! The command line as a user meets it: a closed pipe ends the output without a panic, the
//! testcases folder is found beside the profile or in the working directory (never in the
//! folder the harness was built in), and every command keeps one exit-status convention
//! (0 done, 1 a problem found, 2 could not be done).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn harness(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lwm2m-conformance"));
    c.args(args)
        .current_dir(cwd)
        .env_remove("LWM2M_TESTCASES")
        .env_remove("LWM2M_DUT")
        .env_remove("LWM2M_DUT_ARGS");
    c
}

fn output(args: &[&str], cwd: &Path) -> Output {
    harness(args, cwd)
        .stdin(Stdio::null())
        .output()
        .expect("the harness runs")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every command that prints, with its stdout (and, for some, its stderr) a pipe nobody reads:
/// each write fails with EPIPE from the first, as for `list | head` once head has exited.
#[test]
fn a_closed_pipe_ends_the_output_not_the_program() {
    let capture = project().join("src/capture/testdata/lwm2m-node-lib-ethernet.pcapng");
    let capture = capture.to_str().expect("a UTF-8 path");
    // The status each has with its output read: a closed pipe does not change it (that capture
    // holds a real, gating deviation of lwm2m-node-lib's client).
    let commands: &[(&[&str], i32)] = &[
        (&["list"], 0),
        (&["variants"], 0),
        (&["check"], 0),
        (&["schema"], 0),
        (&["explain", capture], 0),
        (&["analyze", capture], 1),
        (&["--help"], 0),
        (&["list", "--help"], 0),
    ];
    for (args, code) in commands {
        for close_stderr in [false, true] {
            let (reader, writer) = std::io::pipe().expect("a pipe");
            drop(reader);
            let stderr = match close_stderr {
                true => Stdio::from(writer.try_clone().expect("a second writer")),
                false => Stdio::piped(),
            };
            let o = harness(args, &project())
                .stdin(Stdio::null())
                .stdout(writer)
                .stderr(stderr)
                .output()
                .expect("the harness runs");
            let all = text(&o);
            assert!(!all.contains("panicked"), "{args:?}: {all}");
            assert_eq!(
                o.status.code(),
                Some(*code),
                "{args:?} (stderr closed: {close_stderr}): {all}"
            );
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for e in std::fs::read_dir(from).expect("readable").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copied");
        }
    }
}

/// The testcases folder beside a profile is found from anywhere; with neither a profile nor a
/// `testcases/` here, the command says how to name one and exits 2 (it does not fall back on
/// the cases of the tree the harness was built from).
#[test]
fn the_testcases_folder_is_the_profiles_or_the_working_directorys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("a folder");
    let o = output(&["list"], &elsewhere);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--testcases"),
        "{}",
        text(&o)
    );

    let mine = dir.path().join("mine");
    copy_tree(&project().join("testcases"), &mine.join("testcases"));
    std::fs::create_dir_all(mine.join("duts")).expect("duts");
    let profile = mine.join("duts/reference-client.yaml");
    std::fs::copy(project().join("duts/reference-client.yaml"), &profile).expect("copied");
    let profile = profile.to_str().expect("a UTF-8 path");
    let o = output(&["check", profile], &elsewhere);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = dir.path().join("out");
    let o = output(
        &[
            "run",
            "--dut",
            profile,
            "--filter",
            "client::registration::register_uri",
            "--out",
            out.to_str().expect("UTF-8"),
        ],
        &elsewhere,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 passed"), "{}", text(&o));
    // In the working directory, `list` takes ./testcases.
    let o = output(&["list"], &mine);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// One convention: 0 done, 1 a problem found, 2 could not be done (usage, a missing input).
#[test]
fn every_command_keeps_one_exit_status_convention() {
    let here = project();
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.pcap");
    let missing = missing.to_str().expect("UTF-8");
    let bad_profile = dir.path().join("bad.yaml");
    std::fs::write(&bad_profile, "name: x\nrole: client\nfeaturs: []\n").expect("written");
    let bad_profile = bad_profile.to_str().expect("UTF-8");
    let cases: &[(&[&str], i32)] = &[
        (&["variants"], 0),
        (&["list"], 0),
        (&["no-such-command"], 2),
        (&["run", "--no-such-option"], 2),
        (&["run", "--filter", "no-such-case"], 2),
        (&["run", "--dut", missing], 2),
        (&["run", "--dut", bad_profile], 2),
        (&["check", bad_profile], 1),
        (&["explain", missing], 2),
        (&["analyze", missing], 2),
        (&["report", missing], 2),
        (
            &[
                "reference-client",
                "--endpoint",
                "x",
                "--server",
                "127.0.0.1:5683",
                "--fault",
                "no-such-fault",
            ],
            2,
        ),
    ];
    for (args, code) in cases {
        let o = output(args, &here);
        assert_eq!(o.status.code(), Some(*code), "{args:?}: {}", text(&o));
        assert!(!text(&o).contains("panicked"), "{args:?}: {}", text(&o));
    }
}
