use std::path::{Path, PathBuf};

use super::*;
use crate::evidence::Verdict;
use crate::evidence::tests::fixtures;

fn shard(root: &Path, name: &str, files: &[&str]) -> PathBuf {
    let dir = root.join(name).join("results");
    std::fs::create_dir_all(&dir).unwrap();
    for f in files {
        std::fs::copy(fixtures().join("results").join(f), dir.join(f)).unwrap();
    }
    root.join(name)
}

#[test]
fn shards_merge_to_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let a = shard(
        tmp.path(),
        "a",
        &["_run.json", "client-register-uri.json", "client-dm-read.json"],
    );
    let b = shard(
        tmp.path(),
        "b",
        &[
            "_run.json",
            "client-register-lifetime.json",
            "server-register-location.json",
            // Every nextest process writes a skipped case's result: the same judgement twice.
            "client-dm-read.json",
        ],
    );
    let merged = merge(&[a, b.join("results")]).unwrap();
    let single = merge(&[fixtures()]).unwrap();
    assert_eq!(merged.results, single.results);
    assert_eq!(merged.info, single.info);
    assert_eq!(merged.notes.len(), 1, "{:?}", merged.notes);
    let names: Vec<&str> = merged.results.iter().map(|r| r.trial_name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[test]
fn two_verdicts_for_one_case_are_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let a = shard(tmp.path(), "a", &["client-register-uri.json"]);
    let b = shard(tmp.path(), "b", &["client-register-uri.json"]);
    let file = b.join("results/client-register-uri.json");
    let mut r: CaseResult = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    r.verdict = Verdict::Fail;
    std::fs::write(&file, serde_json::to_vec(&r).unwrap()).unwrap();
    let err = merge(&[a, b]).unwrap_err();
    assert!(
        matches!(&err, MergeError::Conflict { case, .. } if case == "client-register-uri"),
        "{err}"
    );
}

#[test]
fn shards_of_different_duts_are_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let a = shard(tmp.path(), "a", &["_run.json"]);
    let b = shard(tmp.path(), "b", &["_run.json"]);
    let mut info: RunInfo = serde_json::from_slice(&std::fs::read(b.join("results/_run.json")).unwrap()).unwrap();
    info.dut = "my-device".into();
    info.write(&b.join("results")).unwrap();
    assert!(matches!(merge(&[a, b]), Err(MergeError::Runs { .. })));
}

#[test]
fn a_file_that_is_no_result_names_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    let a = shard(tmp.path(), "a", &[]);
    std::fs::write(a.join("results/broken.json"), b"{").unwrap();
    let err = merge(&[a]).unwrap_err().to_string();
    assert!(err.contains("broken.json"), "{err}");
}
