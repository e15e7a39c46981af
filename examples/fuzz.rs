//! Long fuzz runs on the stable toolchain (see fuzz/README.md):
//!
//!     cargo run --release --example fuzz -- --target coap --execs 10000000 [--seed N]
//!     cargo run --release --example fuzz -- --list
//!     cargo run --release --example fuzz -- --extract-corpus captures/*.pcap
//!
//! Prints executions per second as it goes. An input that panics is written to
//! `fuzz/artifacts/<target>-crash-<hash>.bin` and the run exits 1; one that takes longer than
//! `--hang-ms` (default 5000) is written as `-hang-` by a watchdog thread, which then aborts.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lwm2m_conformance::fuzz::{self, Stats};

struct Args {
    target: Option<String>,
    execs: u64,
    seed: u64,
    hang: Duration,
    list: bool,
    extract: Option<Vec<std::path::PathBuf>>,
    replay: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        target: None,
        execs: 100_000,
        seed: 1,
        hang: Duration::from_millis(5000),
        list: false,
        extract: None,
        replay: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--target" => a.target = Some(value()?),
            "--execs" => a.execs = value()?.replace('_', "").parse().map_err(|e| format!("--execs: {e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--hang-ms" => a.hang = Duration::from_millis(value()?.parse().map_err(|e| format!("--hang-ms: {e}"))?),
            "--replay" => a.replay = Some(value()?.into()),
            "--list" => a.list = true,
            "--extract-corpus" => {
                a.extract = Some(it.by_ref().map(Into::into).collect());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn save(target: &str, kind: &str, input: &[u8]) -> String {
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/artifacts");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{target}-{kind}-{hash:016x}.bin"));
    match std::fs::write(&file, input) {
        Ok(()) => file.display().to_string(),
        Err(e) => format!("(cannot write {}: {e})", file.display()),
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fuzz: {e}");
            return ExitCode::from(2);
        }
    };
    if args.list {
        for t in fuzz::TARGETS {
            println!("{} ({} seeds)", t.name, fuzz::corpus::for_target(t.name).len());
        }
        return ExitCode::SUCCESS;
    }
    if let Some(files) = args.extract {
        return match fuzz::corpus::extract(&files) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("fuzz: {e}");
                ExitCode::from(2)
            }
        };
    }
    let Some(target) = args.target.as_deref().and_then(fuzz::target) else {
        eprintln!("fuzz: --target NAME is needed; --list shows the targets");
        return ExitCode::from(2);
    };
    if let Some(file) = args.replay {
        let input = std::fs::read(&file).unwrap_or_default();
        (target.run)(&input);
        println!("{}: {} ran without a panic", target.name, file.display());
        return ExitCode::SUCCESS;
    }
    let corpus = fuzz::corpus::for_target(target.name);
    println!(
        "{}: {} seeds, {} executions, seed {}",
        target.name,
        corpus.len(),
        args.execs,
        args.seed
    );

    // The input being run and when it started, for the panic hook and the watchdog.
    let current: Arc<Mutex<Vec<u8>>> = Arc::default();
    let started_ms = Arc::new(AtomicU64::new(u64::MAX));
    let epoch = Instant::now();
    {
        let current = Arc::clone(&current);
        let name = target.name;
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            default_hook(info);
            let input = current.lock().map(|c| c.clone()).unwrap_or_default();
            eprintln!("fuzz: panicking input saved as {}", save(name, "crash", &input));
        }));
    }
    {
        let current = Arc::clone(&current);
        let started_ms = Arc::clone(&started_ms);
        let (name, hang) = (target.name, args.hang);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(250));
                let s = started_ms.load(Ordering::Relaxed);
                let now = epoch.elapsed().as_millis() as u64;
                if s != u64::MAX && now.saturating_sub(s) > hang.as_millis() as u64 {
                    let input = current.lock().map(|c| c.clone()).unwrap_or_default();
                    eprintln!(
                        "fuzz: an input ran for more than {hang:?}; saved as {}",
                        save(name, "hang", &input)
                    );
                    std::process::abort();
                }
            }
        });
    }
    let report = |s: &Stats| {
        println!(
            "{}: {} execs in {:.1}s ({:.0}/s), slowest input {:?}",
            target.name,
            s.execs,
            s.elapsed.as_secs_f64(),
            s.execs_per_second(),
            s.slowest
        );
    };
    let every = (args.execs / 20).max(1);
    let stats = fuzz::run(
        target,
        &corpus,
        args.seed,
        args.execs,
        |input| {
            if let Ok(mut c) = current.lock() {
                c.clear();
                c.extend_from_slice(input);
            }
            started_ms.store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
        },
        every,
        report,
    );
    started_ms.store(u64::MAX, Ordering::Relaxed);
    println!("done: no panic, no hang");
    report(&stats);
    println!(
        "slowest input saved as {}",
        save(target.name, "slowest", &stats.slowest_input)
    );
    ExitCode::SUCCESS
}
