//! The crate's layers import downward only: each top-level module of `src/` may use modules of
//! a lower layer, never one of its own layer or above (the command modules at the top may use
//! one another, without a cycle). Shared vocabulary sits at the bottom (`Role`, `Operation` in
//! `lwm2m`; `Level`, `Verdict`, `Failure` in `verdict`), so no layer needs a higher one for it.
//! Test code (`tests` modules and files) is exempt: it may reach anywhere.

mod source_files;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use source_files::rust_files;

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

/// The production part of a file: up to an inline test module (`#[cfg(test)] mod NAME {`).
fn production(text: &str) -> &str {
    let inline_module = |rest: &str| {
        let rest = rest.trim_start();
        let rest = rest
            .strip_prefix("pub(crate) ")
            .or(rest.strip_prefix("pub "))
            .unwrap_or(rest);
        rest.strip_prefix("mod ")
            .is_some_and(|m| m.split_whitespace().nth(1) == Some("{"))
    };
    let cut = text
        .match_indices("#[cfg(test)]")
        .find(|(i, _)| inline_module(&text[i + 12..]))
        .map(|(i, _)| i);
    &text[..cut.unwrap_or(text.len())]
}

/// (from, to) -> the files where `from` uses `crate::to`.
fn edges(src: &Path) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src).expect("under src");
        let first = rel.components().next().expect("a component");
        let from = first.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if from == "lib" || from == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("readable");
        let code = production(&text);
        // `crate::x`, and each `x` of `use crate::{x, y::z}`.
        let mut used = BTreeSet::new();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + 7..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    used.insert(name);
                }
            } else {
                used.insert(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
            }
        }
        for to in used {
            if !to.is_empty() && to != from {
                out.entry((from.clone(), to))
                    .or_default()
                    .insert(rel.display().to_string());
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
