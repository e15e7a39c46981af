//! No file imports a file that imports it back, directly or through others: each file of `src/`
//! can be read knowing only the files it uses. `tests/layers.rs` keeps the modules in layers; this
//! keeps the files inside a module in order too (a child using its parent's items while the parent
//! uses the child's is a cycle; shared items go to a leaf file both use).
//!
//! Which file uses which is `tests/source_files`'s scan ([`file_graph`]): a use is a path that
//! resolves into the file, through re-exports to the file that defines the item. Test code
//! (`tests` files, `#[cfg(test)]` items) is exempt, as in `tests/layers.rs`.

mod source_files;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use source_files::file_graph;

/// The strongly connected components of more than one file (Tarjan).
fn cycles(graph: &BTreeMap<PathBuf, BTreeMap<PathBuf, String>>) -> Vec<Vec<PathBuf>> {
    struct Tarjan<'g> {
        graph: &'g BTreeMap<PathBuf, BTreeMap<PathBuf, String>>,
        index: BTreeMap<&'g PathBuf, (usize, usize)>,
        stack: Vec<&'g PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g PathBuf) {
            let i = self.index.len();
            self.index.insert(v, (i, i));
            self.stack.push(v);
            for w in self.graph.get(v).into_iter().flat_map(|e| e.keys()) {
                let low = match self.index.get(w) {
                    None => {
                        self.visit(w);
                        self.index[w].1
                    }
                    Some(&(wi, _)) if self.stack.contains(&w) => wi,
                    Some(_) => continue,
                };
                let entry = self.index.get_mut(v).expect("visited");
                entry.1 = entry.1.min(low);
            }
            if self.index[v].0 == self.index[v].1 {
                let at = self.stack.iter().rposition(|x| *x == v).expect("on the stack");
                let component: Vec<PathBuf> = self.stack.drain(at..).cloned().collect();
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.found
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = file_graph(&src);
    let uses: usize = graph.values().map(BTreeMap::len).sum();
    assert!(
        graph.len() > 100 && uses > 300,
        "the scan found too little: {} files, {uses} uses",
        graph.len()
    );
    let mut report = Vec::new();
    for component in cycles(&graph) {
        report.push(format!("import cycle among {} files:", component.len()));
        for from in &component {
            for (to, path) in &graph[from] {
                if component.contains(to) {
                    report.push(format!("  {} -> {} (`{path}`)", from.display(), to.display()));
                }
            }
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

/// The scan sees what it must: a use through a re-export lands in the defining file, and a
/// parent that uses its child while the child uses the parent is a cycle.
#[test]
fn the_scan_resolves_reexports_and_finds_a_parent_child_cycle() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let src = dir.path();
    std::fs::create_dir_all(src.join("a")).expect("a folder");
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").expect("written");
    std::fs::write(
        src.join("a/mod.rs"),
        "pub mod x;\npub use x::Thing;\npub const LIMIT: u8 = 1;\n",
    )
    .expect("written");
    std::fs::write(
        src.join("a/x.rs"),
        "pub struct Thing(u8);\nfn f() -> u8 { super::LIMIT }\n",
    )
    .expect("written");
    std::fs::write(
        src.join("b.rs"),
        "use crate::a::Thing;\nfn g() { let _ = format!(\"{}\", crate::a::LIMIT); }\n",
    )
    .expect("written");
    let graph = file_graph(src);
    let uses = |f: &str| {
        graph[Path::new(f)]
            .keys()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(uses("b.rs"), ["a/mod.rs", "a/x.rs"]);
    assert_eq!(uses("a/x.rs"), ["a/mod.rs"]);
    assert!(cycles(&graph).is_empty(), "a/mod.rs only re-exports x: no cycle");
    std::fs::write(
        src.join("a/mod.rs"),
        "pub mod x;\npub const LIMIT: u8 = 1;\nfn h(_: x::Thing) {}\n",
    )
    .expect("written");
    let graph = file_graph(src);
    assert_eq!(cycles(&graph).len(), 1, "{graph:?}");
}
