//! The bounded fuzz run of `cargo test`: every target on its seed corpus and a few thousand
//! mutants of it. A panicking input is printed in hex so it can become a regression test.

use super::*;

/// Mutants per target in the smoke run (the engine and the reference cores are slower per
/// input, so they get fewer).
fn budget(name: &str) -> u64 {
    match name {
        "engine" | "reference-client" | "reference-server" | "reference-bootstrap-server" => 2000,
        "capture" => 2000,
        _ => 10_000,
    }
}

#[test]
fn every_target_survives_a_short_run() {
    assert!(
        targets::cases().len() > 50,
        "the engine target runs the cases of testcases/"
    );
    for t in TARGETS {
        let corpus = corpus::for_target(t.name);
        assert!(!corpus.is_empty(), "{}: no seed corpus", t.name);
        let mut last = Vec::new();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(
                t,
                &corpus,
                0x5eed,
                corpus.len() as u64 + budget(t.name),
                |i| last = i.to_vec(),
                0,
                |_| {},
            )
        }));
        if outcome.is_err() {
            panic!("{}: panicked on input {}", t.name, crate::coap::message::hex(&last));
        }
    }
}

#[test]
fn the_mutator_is_deterministic() {
    let corpus = vec![b"abc".to_vec(), vec![0x40, 1, 0, 1]];
    let a: Vec<_> = (0..50)
        .scan(mutate::Rng::new(7), |r, _| Some(mutate::mutant(r, &corpus, 64)))
        .collect();
    let b: Vec<_> = (0..50)
        .scan(mutate::Rng::new(7), |r, _| Some(mutate::mutant(r, &corpus, 64)))
        .collect();
    assert_eq!(a, b);
    assert!(a.iter().all(|m| m.len() <= 64));
}
