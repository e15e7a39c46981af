//! `selftest::shards`: the CI-at-scale path, end to end, on a few trials. This binary is run the
//! way `cargo nextest run --partition count:K/2` runs it: listed with `--list --format terse`,
//! the trials dealt round-robin to two shards, each trial in its own process (`--exact NAME
//! --nocapture`) writing into its shard's folder. `lwm2m-conformance report` merges the two
//! shards; its JUnit must hold the verdicts of one ordinary run of the same trials. The DUT is
//! the reference client with one MUST-level case's fault, so the comparison covers a failure,
//! passes, and the results every process writes (the skipped cases).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use lwm2m_conformance::suite::Suite;

/// The trials of the check: one interface's cases, a handful, each at most a few seconds.
const FILTER: &str = "client::registration::";
const SHARDS: usize = 2;
/// What the check's profile (a plain 1.0 reference client) declares.
const FEATURES: &[&str] = &["launch", "deregister-on-stop"];
/// Every process of the check must end within this; the harness bounds each trial far below it.
const BOUND: Duration = Duration::from_secs(180);

pub fn trial(suite: &Arc<Suite>) -> Trial {
    let fault = suite
        .entries
        .iter()
        .filter(|e| e.trial_name.starts_with(FILTER))
        .filter_map(|e| e.case.as_ref().ok())
        // A MUST-level case this check's profile (a plain 1.0 reference client) can run.
        .filter(|c| c.needs.iter().all(|n| FEATURES.contains(&n.as_str())))
        .find(|c| suite.catalogue.level_of(&c.requirements) == lwm2m_conformance::evidence::Level::Must)
        .map(|c| c.catches.clone());
    Trial::test("selftest::shards", move || {
        let fault = fault.ok_or_else(|| Failed::from(format!("no loadable case under {FILTER}")))?;
        super::runtime().block_on(check(&fault)).map_err(Failed::from)
    })
}

fn profile(dir: &Path, fault: &str) -> std::io::Result<PathBuf> {
    let path = dir.join("reference-client-with-fault.yaml");
    let yaml = format!(
        "name: reference-client-with-fault\nrole: client\nlaunch:\n  command: [\"{{exe}}\", \"reference-client\", \"--server\", \"{{server_host}}:{{server_port}}\", \"--endpoint\", \"{{endpoint}}\", \"--fault\", \"{fault}\"]\nfeatures: [{}]\n",
        FEATURES.join(", ")
    );
    std::fs::write(&path, yaml)?;
    Ok(path)
}

/// This test binary, with the run's DUT and output folder; never in nextest mode itself (the
/// ordinary run must write its aggregate reports).
fn this_binary(dut: &Path, out: &Path, args: &[&str]) -> Result<tokio::process::Command, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the test binary: {e}"))?;
    let mut c = tokio::process::Command::new(exe);
    c.args(args)
        .env("LWM2M_DUT", dut)
        .env("LWM2M_OUT", out)
        .env_remove("NEXTEST_EXECUTION_MODE")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    Ok(c)
}

async fn output(mut c: tokio::process::Command, what: String) -> Result<std::process::Output, String> {
    match tokio::time::timeout(BOUND, c.output()).await {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(e)) => Err(format!("{what}: cannot run: {e}")),
        Err(_) => Err(format!("{what}: still running after {BOUND:?}")),
    }
}

/// `name: test` lines of libtest's terse list, as nextest reads them.
fn listed(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect()
}

/// Per testcase of a JUnit file: its verdict property and the kind of element CI sees.
fn verdicts(junit: &Path) -> Result<BTreeMap<String, String>, String> {
    let xml = std::fs::read_to_string(junit).map_err(|e| format!("{}: {e}", junit.display()))?;
    let mut out = BTreeMap::new();
    for tc in xml.split("<testcase ").skip(1) {
        let attr = |key: &str| tc.split(&format!("{key}=\"")).nth(1).and_then(|s| s.split('"').next());
        let name = attr("name").unwrap_or_default().to_owned();
        let verdict = tc
            .split("<property name=\"verdict\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("?");
        let element = ["<failure", "<error", "<skipped"]
            .into_iter()
            .find(|e| tc.split("</testcase>").next().unwrap_or("").contains(e))
            .unwrap_or("success");
        out.insert(name, format!("{verdict} ({element})"));
    }
    Ok(out)
}

async fn check(fault: &str) -> Result<(), String> {
    let work = super::project().join("target").join("shards");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let dut = profile(&work, fault).map_err(|e| e.to_string())?;

    let list = |ignored: bool| {
        let mut args = vec!["--list", "--format", "terse"];
        if ignored {
            args.push("--ignored");
        }
        this_binary(&dut, &work.join("list"), &args)
    };
    let all = listed(&output(list(false)?, "--list".into()).await?.stdout);
    let ignored = listed(&output(list(true)?, "--list --ignored".into()).await?.stdout);
    let selected: Vec<&String> = all
        .iter()
        .filter(|n| n.starts_with(FILTER) && !ignored.contains(n))
        .collect();
    if selected.len() < SHARDS {
        return Err(format!("--list gave {} trials under {FILTER}: {all:?}", selected.len()));
    }

    // The ordinary run, and every shard's processes, all at once.
    let single_out = work.join("single");
    let mut procs = tokio::task::JoinSet::new();
    let single = this_binary(&dut, &single_out, &[FILTER, "--skip", "selftest::"])?;
    procs.spawn(output(single, "the single run".into()));
    for (i, name) in selected.iter().enumerate() {
        let shard = work.join(format!("shard-{}", i % SHARDS + 1));
        let c = this_binary(&dut, &shard, &["--exact", name.as_str(), "--nocapture"])?;
        procs.spawn(output(c, name.to_string()));
    }
    while let Some(done) = procs.join_next().await {
        done.map_err(|e| e.to_string())??;
    }

    let shard_dirs: Vec<PathBuf> = (1..=SHARDS).map(|k| work.join(format!("shard-{k}/reports"))).collect();
    for d in &shard_dirs {
        if d.join("junit.xml").exists() {
            return Err(format!(
                "a one-trial process wrote {}: it would clobber the run's",
                d.join("junit.xml").display()
            ));
        }
    }
    let merged_dir = work.join("merged");
    let mut report = tokio::process::Command::new(env!("CARGO_BIN_EXE_lwm2m-conformance"));
    report
        .arg("report")
        .args(&shard_dirs)
        .arg("--out")
        .arg(&merged_dir)
        .arg("--allow-missing")
        .arg("--testcases")
        .arg(super::project().join("testcases"));
    let r = output(report, "lwm2m-conformance report".into()).await?;
    // Exit 1: the fault's MUST-level failure gates, as it does for `run`.
    if r.status.code() != Some(1) {
        return Err(format!(
            "report exited {}: {}",
            r.status,
            String::from_utf8_lossy(&r.stderr)
        ));
    }

    // Without --allow-missing, the cases the shards did not run fail the merge: a shard that
    // died must not look like a green run.
    let mut strict = tokio::process::Command::new(env!("CARGO_BIN_EXE_lwm2m-conformance"));
    strict
        .arg("report")
        .arg(&shard_dirs[0])
        .arg("--out")
        .arg(work.join("one-shard"));
    let r = output(strict, "report of one shard".into()).await?;
    let stderr = String::from_utf8_lossy(&r.stderr);
    if r.status.code() != Some(1) || !stderr.contains("have no result") {
        return Err(format!("one shard alone must fail the merge: {}: {stderr}", r.status));
    }

    let want = verdicts(&single_out.join("reports/junit.xml"))?;
    let got = verdicts(&merged_dir.join("junit.xml"))?;
    if want != got {
        return Err(format!("merged shards: {got:#?}\nsingle run: {want:#?}"));
    }
    // A MUST-level case's fault: at least that case fails, as a JUnit <failure>.
    let failed = want.values().filter(|v| v.starts_with("fail (<failure")).count();
    if failed == 0 || want.len() < selected.len() {
        return Err(format!("the check proves little: {want:#?}"));
    }
    for f in ["checklist.md", "checklist.html", "traceability.md"] {
        if !merged_dir.join(f).exists() {
            return Err(format!("report wrote no {f}"));
        }
    }
    Ok(())
}
