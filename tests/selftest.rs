//! The self-test matrix in memory: every case against the built-in reference DUT of its role
//! that is conformant (`conformant::<trial>`: must pass), that has the case's fault
//! (`fault::<trial>`: must fail, citing the case's requirement), and that takes each conformant
//! variant of its role (`variant::<id>::<trial>`: must pass or be skipped). What each must give
//! is `suite::selftest::Against::judge`, shared with the process-path smoke trials of
//! `tests/conformance.rs`.
//!
//! Each trial pairs the engine with the reference DUT's sans-IO core on virtual time
//! (`lwm2m_conformance::sim`): no process, no socket, no waiting, the same result every run.
//! Evidence goes to target/sim/<kind>/ (captures and result files, as the process path writes).
//!
//! `cargo test --test selftest -- fault::client::registration` runs a part.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use lwm2m_conformance::suite::selftest::Against;
use lwm2m_conformance::suite::{self, Entry, Outputs, Suite};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let suite = match suite::load(&project().join("testcases")) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            let msg = e.to_string();
            let t = Trial::test("catalogue", move || Err(Failed::from(msg)));
            return libtest_mimic::run(&args, vec![t]).exit_code();
        }
    };
    let mut trials = Vec::new();
    for entry in &suite.entries {
        match &entry.case {
            Ok(case) => {
                for against in Against::matrix(case) {
                    trials.push(trial(&suite, entry, against));
                }
            }
            // A case that does not load proves nothing: one failing trial says why.
            Err(e) => {
                let msg = e.to_string();
                let name = format!("conformant::{}", entry.trial_name);
                trials.push(Trial::test(name, move || Err(Failed::from(msg))));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}

fn trial(suite: &Arc<Suite>, entry: &Entry, against: Against) -> Trial {
    let (suite, entry) = (suite.clone(), entry.clone());
    let name = format!("{}::{}", against.name(), entry.trial_name);
    Trial::test(name, move || {
        let case = entry.case.as_ref().map_err(|e| Failed::from(e.to_string()))?;
        let profile = against.profile(case).map_err(|e| Failed::from(e.to_string()))?;
        let out = Outputs::under(&project().join("target").join("sim").join(against.folder()));
        let r = suite::run_entry_in_memory(&suite, &entry, &profile, &out, against.strict());
        against.judge(case, &r).map_err(Failed::from)
    })
}
