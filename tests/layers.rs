//! The crate's layers import downward only: each top-level module of `src/` may use modules of
//! a lower layer, never one of its own layer or above (the command modules at the top may use
//! one another, without a cycle). Shared vocabulary sits at the bottom (`Role`, `Operation` in
//! `lwm2m`; `Level`, `Verdict`, `Failure` in `verdict`), so no layer needs a higher one for it.
//! A module uses another when one of its files uses one of the other's, as `tests/source_files`
//! scans them (paths through re-exports land in the module that defines the item). Test code
//! (`tests` modules and files) is exempt: it may reach anywhere.

mod source_files;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use source_files::{file_graph, module_of};

/// Bottom first. A module not listed here fails the test until it is given a layer.
const LAYERS: &[&[&str]] = &[
    // Vocabulary with no protocol in it: CoAP messages, verdicts, YAML loading, templates,
    // timings, the features a DUT declares.
    &["coap", "feature", "template", "timing", "verdict", "yaml"],
    // The LwM2M vocabulary, with the operations' CoAP mapping (so over `coap`).
    &["lwm2m"],
    &["case", "dialogue", "reference"],
    // A DUT profile names a case's start modes and trigger operations.
    &["profile"],
    &["capture", "engine"],
    &["evidence"],
    &["transport"],
    &["sim"],
    &["suite"],
    &["analyze"],
    &["command"],
    &[
        "analyze_cmd",
        "bench",
        "cli",
        "explain_cmd",
        "fuzz",
        "report_cmd",
        "schema_cmd",
    ],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// (from, to) -> the files where top-level module `from` uses `to`: the first component of the
/// module of each file of `src/` and of each file it uses (`lib.rs` declares the modules and
/// uses none; `main.rs` is the binary's root, outside the scan).
fn edges(src: &Path) -> BTreeMap<(String, String), BTreeSet<String>> {
    let top = |file: &Path| module_of(file).into_iter().next();
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (file, uses) in file_graph(src) {
        let Some(from) = top(&file) else { continue };
        for to in uses.keys().filter_map(|f| top(f)) {
            if to != from {
                out.entry((from.clone(), to))
                    .or_default()
                    .insert(file.display().to_string());
            }
        }
    }
    out
}

#[test]
fn layers_import_downward_only_and_without_cycles() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = edges(&src);
    assert!(edges.len() > 20, "the scan found too few imports: {edges:?}");
    let top = LAYERS.len() - 1;
    let mut wrong = Vec::new();
    for ((from, to), files) in &edges {
        match (layer_of(from), layer_of(to)) {
            (None, _) => wrong.push(format!("`{from}` has no layer in tests/layers.rs")),
            (_, None) => wrong.push(format!("`{to}` has no layer in tests/layers.rs")),
            (Some(a), Some(b)) if b < a || (a == top && b == top) => {}
            (Some(_), Some(_)) => wrong.push(format!("{from} -> {to} (upward or sideways) in {files:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The top layer's modules may use one another: never in a circle.
    let graph: BTreeMap<&str, Vec<&str>> = edges.keys().fold(BTreeMap::new(), |mut g, (a, b)| {
        g.entry(a.as_str()).or_default().push(b.as_str());
        g
    });
    fn visit<'a>(
        n: &'a str,
        g: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(n) {
            return;
        }
        assert!(!path.contains(&n), "import cycle: {} -> {n}", path.join(" -> "));
        path.push(n);
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, path, done);
        }
        path.pop();
        done.insert(n);
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        visit(n, &graph, &mut Vec::new(), &mut done);
    }
}
