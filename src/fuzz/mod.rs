//! Fuzz targets for everything that reads untrusted bytes, and the driver that runs them on the
//! stable toolchain: the CoAP codec, the LwM2M payload decoders (TLV, SenML JSON and CBOR,
//! LwM2M CBOR, CoRE link format, plain text), the pcap/pcapng reader behind `explain` and
//! `analyze`, the engine (the harness's endpoint) and the three reference DUT cores fed
//! arbitrary datagrams.
//!
//! `cargo test` runs every target on a few thousand mutated inputs (`tests.rs`);
//! `cargo run --release --example fuzz -- --target coap --execs 10000000` runs one for long
//! (see `fuzz/README.md`). Not part of the harness's API.

pub mod corpus;
pub mod mutate;
pub mod targets;

#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

/// One fuzz target: a name for the command line, the function, and the longest input worth
/// trying.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
    pub max_len: usize,
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "coap",
        run: targets::coap,
        max_len: 2048,
    },
    Target {
        name: "tlv",
        run: targets::tlv,
        max_len: 2048,
    },
    Target {
        name: "senml-json",
        run: targets::senml_json,
        max_len: 2048,
    },
    Target {
        name: "senml-cbor",
        run: targets::senml_cbor,
        max_len: 2048,
    },
    Target {
        name: "lwm2m-cbor",
        run: targets::lwm2m_cbor,
        max_len: 2048,
    },
    Target {
        name: "link-format",
        run: targets::link_format,
        max_len: 2048,
    },
    Target {
        name: "content",
        run: targets::content,
        max_len: 2048,
    },
    Target {
        name: "capture",
        run: targets::capture,
        max_len: 16384,
    },
    Target {
        name: "engine",
        run: targets::engine,
        max_len: 4096,
    },
    Target {
        name: "reference-client",
        run: targets::reference_client,
        max_len: 4096,
    },
    Target {
        name: "reference-server",
        run: targets::reference_server,
        max_len: 4096,
    },
    Target {
        name: "reference-bootstrap-server",
        run: targets::reference_bootstrap_server,
        max_len: 4096,
    },
];

pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub execs: u64,
    pub elapsed: Duration,
    /// The slowest single input and how long it took.
    pub slowest: Duration,
    pub slowest_input: Vec<u8>,
}

impl Stats {
    pub fn execs_per_second(&self) -> f64 {
        self.execs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `target` on `execs` inputs: the corpus entries first, then mutants of them, each from
/// `seed` so a run can be repeated. `before` sees every input before it runs (to keep it for a
/// crash report); `progress` is called every `every` executions.
pub fn run(
    target: &Target,
    corpus: &[Vec<u8>],
    seed: u64,
    execs: u64,
    mut before: impl FnMut(&[u8]),
    every: u64,
    mut progress: impl FnMut(&Stats),
) -> Stats {
    let mut rng = mutate::Rng::new(seed);
    let mut stats = Stats::default();
    let start = Instant::now();
    for i in 0..execs {
        let input = match corpus.get(i as usize) {
            Some(seedling) => seedling.clone(),
            None => mutate::mutant(&mut rng, corpus, target.max_len),
        };
        before(&input);
        let t = Instant::now();
        (target.run)(&input);
        let took = t.elapsed();
        if took > stats.slowest {
            stats.slowest = took;
            stats.slowest_input = input;
        }
        stats.execs = i + 1;
        if every > 0 && stats.execs % every == 0 {
            stats.elapsed = start.elapsed();
            progress(&stats);
        }
    }
    stats.elapsed = start.elapsed();
    stats
}
