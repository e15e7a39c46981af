//! `lwm2m-conformance explain FILE...` prints the LwM2M transcript of captures taken anywhere
//! (`analyze_cmd` judges them).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::capture::{Capture, Explained};
use crate::command::exit;
use crate::command::output::errln;

#[derive(clap::Args)]
pub(crate) struct ExplainArgs {
    /// pcap or pcapng files (Ethernet, raw IP, Linux cooked, loopback; IPv4 or IPv6).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub(crate) fn header(path: &Path, e: &Explained) -> String {
    format!(
        "== {}: {} frames, {} of them datagrams of CoAP flows",
        path.display(),
        e.capture.frames.len(),
        e.annotated.len()
    )
}

/// A capture that stops early is said so in plain words, right under its header: what follows
/// (the transcript, the findings) covers only the frames before the damage.
pub(crate) fn damage(e: &Explained) -> Option<String> {
    e.capture.stopped.as_ref().map(|why| {
        format!(
            "!! damaged capture: reading stopped {why}; only the {} frames before it are shown and judged",
            e.capture.frames.len()
        )
    })
}

/// Writes lines to stdout; false once stdout is gone (`explain x.pcap | head`), which is no error.
pub(crate) fn print(lines: &[String]) -> bool {
    lines.iter().all(|l| crate::command::output::outln!("{l}"))
}

pub(crate) fn explain(a: ExplainArgs) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    for path in &a.files {
        match Capture::read(path) {
            Ok(c) => {
                let e = c.explain();
                let mut lines = vec![header(path, &e)];
                if let Some(d) = damage(&e) {
                    errln!("{}: {d}", path.display());
                    lines.push(d);
                    code = ExitCode::from(exit::UNUSABLE);
                }
                lines.extend(e.transcript());
                if !print(&lines) {
                    break;
                }
            }
            Err(err) => {
                errln!("{err}");
                code = ExitCode::from(exit::UNUSABLE);
            }
        }
    }
    code
}
