//! The production source files of `src/` the structure tests read (`mod source_files;`), and
//! which of them uses which: test files (`tests.rs`, `tests_*.rs`, `tests/` folders), test-only
//! items (`#[cfg(test)]`) and snapshots are left out, since test code may reach anywhere.
//!
//! A file uses another when one of its paths (`use` trees, paths in code, paths inside macro
//! calls) resolves into it. `mod x;` declarations are not uses, and neither are `pub use`
//! re-exports: a path through a re-export resolves to the file that defines the item.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Every such `*.rs` file under `dir`, depth first.
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let p = entry.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if p.is_dir() {
            if name != "tests" && name != "snapshots" {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") && !name.starts_with("tests") {
            out.push(p);
        }
    }
}

/// A file of `src/`: its module path (`["case", "load"]`) and syntax tree.
struct SourceFile {
    module: Vec<String>,
    ast: syn::File,
}

/// `case/load.rs` → `[case, load]`; `case/mod.rs` → `[case]`; `lib.rs` → `[]`.
pub fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| m.path().is_ident("test")))
}

/// Every path a `use` tree names, as segments (`*` for a glob).
fn flatten(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push([prefix.clone(), vec![n.ident.to_string()]].concat()),
        syn::UseTree::Rename(r) => out.push([prefix.clone(), vec![r.ident.to_string()]].concat()),
        syn::UseTree::Glob(_) => out.push([prefix.clone(), vec!["*".into()]].concat()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| flatten(t, prefix, out)),
    }
}

/// The paths of one file's production code, made absolute (from the crate root), and the items
/// it re-exports (`pub use`), by name.
#[derive(Default)]
struct Paths {
    /// The module the visitor is in (the file's, plus inline modules).
    module: Vec<String>,
    /// Child modules declared in each module (for 2018-style `use child::X`).
    children: BTreeMap<Vec<String>, BTreeSet<String>>,
    used: Vec<Vec<String>>,
    reexported: BTreeMap<(Vec<String>, String), Vec<String>>,
}

impl Paths {
    fn absolute(&self, segments: &[String]) -> Option<Vec<String>> {
        let mut base = self.module.clone();
        let mut rest = segments;
        match segments.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &segments[1..];
            }
            Some("super" | "self") => {
                while let Some(first) = rest.first() {
                    match first.as_str() {
                        "super" => {
                            base.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            Some(first) if self.children.get(&self.module).is_some_and(|c| c.contains(first)) => {}
            _ => return None,
        }
        Some([base, rest.to_vec()].concat())
    }
}

impl<'a> Visit<'a> for Paths {
    fn visit_item(&mut self, item: &'a syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Macro(m) => &m.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        self.children
            .entry(self.module.clone())
            .or_default()
            .insert(m.ident.to_string());
        if let Some((_, items)) = &m.content {
            self.module.push(m.ident.to_string());
            items.iter().for_each(|i| self.visit_item(i));
            self.module.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'a syn::ItemUse) {
        let mut paths = Vec::new();
        flatten(&u.tree, &mut Vec::new(), &mut paths);
        let reexport = !matches!(u.vis, syn::Visibility::Inherited);
        for p in paths {
            let Some(abs) = self.absolute(&p) else { continue };
            match (reexport, abs.last()) {
                // A facade: `pub use x::Name` lets callers write `module::Name`.
                (true, Some(name)) if name != "*" => {
                    self.reexported.insert((self.module.clone(), name.clone()), abs);
                }
                _ => self.used.push(abs),
            }
        }
    }

    /// `pub(super)` names who may see an item, not an item used.
    fn visit_visibility(&mut self, _: &'a syn::Visibility) {}

    fn visit_path(&mut self, path: &'a syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(abs) = self.absolute(&segments) {
            self.used.push(abs);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'a syn::Macro) {
        // Arguments of `format!`, `matches!`, `assert!`, ... are expressions more often than not.
        use syn::parse::Parser;
        let args = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(exprs) = args.parse2(mac.tokens.clone()) {
            exprs.iter().for_each(|e| self.visit_expr(e));
        }
        syn::visit::visit_macro(self, mac);
    }
}

/// The file an absolute path lands in: the deepest file module on it, then through re-exports.
fn resolve(
    path: &[String],
    files: &BTreeMap<Vec<String>, PathBuf>,
    reexported: &BTreeMap<(Vec<String>, String), Vec<String>>,
    depth: usize,
) -> Option<PathBuf> {
    let n = (0..=path.len()).rev().find(|&n| files.contains_key(&path[..n]))?;
    let module = path[..n].to_vec();
    if let Some(next) = path.get(n)
        && let Some(target) = reexported.get(&(module.clone(), next.clone()))
        && depth < 8
    {
        return resolve(
            &[target.as_slice(), &path[n + 1..]].concat(),
            files,
            reexported,
            depth + 1,
        );
    }
    files.get(&module).cloned()
}

/// file → the files it uses, each with one path that shows the use.
pub fn file_graph(src: &Path) -> BTreeMap<PathBuf, BTreeMap<PathBuf, String>> {
    let mut paths = Vec::new();
    rust_files(src, &mut paths);
    // `main.rs` is the binary's root: its `crate::` is another crate.
    paths.retain(|p| p.file_name().is_none_or(|n| n != "main.rs"));
    let sources: Vec<(PathBuf, SourceFile)> = paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(src).expect("under src").to_path_buf();
            let text = std::fs::read_to_string(&p).expect("readable");
            let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
            (
                rel.clone(),
                SourceFile {
                    module: module_of(&rel),
                    ast,
                },
            )
        })
        .collect();
    let files: BTreeMap<Vec<String>, PathBuf> =
        sources.iter().map(|(rel, s)| (s.module.clone(), rel.clone())).collect();
    let mut visited = Vec::new();
    let mut reexported = BTreeMap::new();
    for (rel, source) in &sources {
        let mut v = Paths {
            module: source.module.clone(),
            ..Paths::default()
        };
        // Child modules first, so `use child::X` before `mod child;` resolves too.
        for item in &source.ast.items {
            if let syn::Item::Mod(m) = item {
                v.children
                    .entry(v.module.clone())
                    .or_default()
                    .insert(m.ident.to_string());
            }
        }
        v.visit_file(&source.ast);
        reexported.append(&mut v.reexported);
        visited.push((rel.clone(), v.used));
    }
    let mut graph: BTreeMap<PathBuf, BTreeMap<PathBuf, String>> = BTreeMap::new();
    for (rel, used) in visited {
        let entry = graph.entry(rel.clone()).or_default();
        for path in used {
            if let Some(to) = resolve(&path, &files, &reexported, 0)
                && to != rel
            {
                entry.entry(to).or_insert_with(|| path.join("::"));
            }
        }
    }
    graph
}
