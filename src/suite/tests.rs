//! Every entry that starts gives a result: a trial that panics is an error that gates.

use super::*;
use crate::evidence::{Level, Verdict};
use crate::lwm2m::Role;

fn suite() -> Suite {
    load(&default_root(None)).expect("the shipped suite loads")
}

/// A loaded entry of the shipped suite whose case has this level.
fn entry_of_level(suite: &Suite, level: Level) -> Entry {
    suite
        .entries
        .iter()
        .find(|e| {
            e.case
                .as_ref()
                .is_ok_and(|c| suite.catalogue.level_of(&c.requirements) == level)
        })
        .cloned()
        .expect("the suite has a case of that level")
}

#[test]
fn a_trial_that_panicked_is_an_error_that_gates_whatever_the_level() {
    let suite = suite();
    let entry = entry_of_level(&suite, Level::Should);
    let profile = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    let r = outcome::panicked(&entry, &suite, &profile, "index out of bounds");
    assert_eq!(r.verdict, Verdict::Error);
    assert_eq!(r.level, Level::Should);
    assert!(r.gating, "a crashed trial fails the run even at SHOULD level");
    assert_eq!(r.case_id, entry.case_id());
    let message = r.message.unwrap_or_default();
    assert!(
        message.contains("harness bug") && message.ends_with("it panicked: index out of bounds"),
        "{message}"
    );
}

/// The join handling of [`run_each`] with a trial task that panics outside any guard (the test
/// runner below panics for one entry; nothing in the harness can make a trial do that).
#[tokio::test]
async fn a_trial_task_that_panics_still_gives_its_entry_a_result() {
    let suite = std::sync::Arc::new(suite());
    let entries: Vec<Entry> = suite.entries.iter().take(3).cloned().collect();
    let doomed = entries[1].trial_name.clone();
    let profile = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    let run = |entry: Entry| {
        let (doomed, profile) = (doomed.clone(), profile.clone());
        async move {
            tokio::task::yield_now().await;
            if entry.trial_name == doomed {
                panic!("injected in test: {doomed}");
            }
            let case = entry.case.clone().expect("loads");
            outcome::skipped(&entry, &case, &profile, Level::Must, "not run by this test".into())
        }
    };
    let seen = std::sync::Mutex::new(Vec::new());
    let results = run_each(
        entries.clone(),
        2,
        run,
        |entry, what| outcome::panicked(entry, &suite, &profile, &what),
        |r| seen.lock().unwrap().push(r.trial_name.clone()),
    )
    .await;
    assert_eq!(results.len(), 3, "every entry has a result");
    assert_eq!(seen.into_inner().unwrap().len(), 3, "progress saw each");
    let crashed = results
        .iter()
        .find(|r| r.trial_name == doomed)
        .expect("the panicked entry");
    assert_eq!((crashed.verdict, crashed.gating), (Verdict::Error, true));
    assert!(
        crashed
            .message
            .as_deref()
            .unwrap_or("")
            .ends_with(&format!("injected in test: {doomed}")),
        "{:?}",
        crashed.message
    );
    assert!(
        results
            .iter()
            .filter(|r| r.trial_name != doomed)
            .all(|r| r.verdict == Verdict::Skipped && !r.gating)
    );
    let mut names: Vec<_> = results.iter().map(|r| r.trial_name.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        results.iter().map(|r| r.trial_name.clone()).collect::<Vec<_>>(),
        "sorted"
    );
}

/// What [`run_entry`] does with its trial: a panic in it is an error result, written to the
/// case's result file like any other (so reports built from the files have it too).
#[tokio::test]
async fn a_panic_in_a_trial_is_an_error_result_with_its_result_file() {
    let suite = suite();
    let entry = entry_of_level(&suite, Level::Must);
    let profile = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Outputs::under(dir.path());
    let trial = async {
        tokio::task::yield_now().await;
        panic!("injected in test: the trial broke");
    };
    let r = conclude(&suite, &entry, &profile, &out, trial).await;
    assert_eq!((r.verdict, r.gating), (Verdict::Error, true));
    let file = out.results.join(format!("{}.json", entry.case_id()));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("the result file")).expect("JSON");
    assert_eq!(written["verdict"], "error");
    assert_eq!(written["gating"], true);
    assert!(
        written["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("it panicked: injected in test: the trial broke")),
        "{written}"
    );
}
