//! Ceilings on what a YAML file may ask of the loader, checked on the text before serde sees it, so
//! that a hostile or runaway file costs milliseconds and an error at file:line:column, not minutes.
//! The shipped files are far below every ceiling (largest case 5 KB, deepest 8 levels, 26 steps).

use std::io::Read;
use std::path::Path;

/// Bytes a case, profile or catalogue may hold (the catalogue is ~50 KB).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Nesting of YAML collections (block indentation levels plus flow brackets).
pub const MAX_DEPTH: usize = 32;

/// A refusal: (line, column, message).
pub type Refusal = (usize, usize, String);

/// Read at most [`MAX_FILE_BYTES`] of a regular file. Anything else (a FIFO, a device) is refused
/// before it is opened, since reading it could block or never end.
pub fn read_bounded(file: &Path) -> Result<String, Refusal> {
    let meta = std::fs::metadata(file).map_err(|e| (1, 1, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err((1, 1, "not a regular file".into()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| (1, 1, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let (line, column) = position(&bytes[..MAX_FILE_BYTES as usize]);
        return Err((
            line,
            column,
            format!("the file is larger than the limit of {MAX_FILE_BYTES} bytes; the rest is not read"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = position(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        (line, column, "not UTF-8 text".into())
    })
}

/// 1-based line and column just after `prefix`.
fn position(prefix: &[u8]) -> (usize, usize) {
    let line = prefix.iter().filter(|b| **b == b'\n').count() + 1;
    let start = prefix.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    (line, String::from_utf8_lossy(&prefix[start..]).chars().count() + 1)
}

/// The first place where collections nest deeper than [`MAX_DEPTH`]. A conservative reading of
/// the text: block levels are indentation steps (a `- ` opens one more), flow levels are `[`/`{`
/// outside quotes and comments; block scalars (`|`, `>`) are skipped.
pub fn too_deep(text: &str) -> Option<Refusal> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut scalar_above: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(parent) = scalar_above {
            if indent > parent {
                continue;
            }
            scalar_above = None;
        }
        if flow == 0 {
            while indents.last().is_some_and(|&t| t > indent) {
                indents.pop();
            }
            if indents.last() != Some(&indent) {
                indents.push(indent);
            }
            // `- - x` and `- key:` open a level per dash, at the column after it.
            let mut rest = content;
            let mut col = indent;
            while let Some(r) = rest.strip_prefix("- ").or(if rest == "-" { Some("") } else { None }) {
                let r2 = r.trim_start_matches(' ');
                col += rest.len() - r2.len();
                indents.push(col);
                rest = r2;
            }
        }
        let (deepest, at) = flow_scan(content, &mut flow, MAX_DEPTH.saturating_sub(indents.len()));
        if indents.len() + deepest > MAX_DEPTH {
            let column = indent + at.unwrap_or(0) + 1;
            return Some((
                n + 1,
                column,
                format!("nested deeper than the limit of {MAX_DEPTH} levels"),
            ));
        }
        let bare = strip_comment(content).trim_end();
        if flow == 0 && (bare.ends_with('|') || bare.ends_with('>') || block_indicator(bare)) {
            scalar_above = Some(indent);
        }
    }
    None
}

/// `key: |-`, `key: >+2`: a block scalar header with indicators.
fn block_indicator(s: &str) -> bool {
    let tail = s.rsplit(' ').next().unwrap_or("");
    tail.len() > 1
        && (tail.starts_with('|') || tail.starts_with('>'))
        && tail[1..].chars().all(|c| c == '-' || c == '+' || c.is_ascii_digit())
}

fn strip_comment(s: &str) -> &str {
    match s.find(" #") {
        Some(i) => &s[..i],
        None => s,
    }
}

/// Walk one line's flow brackets: returns the deepest flow level reached on it and the byte offset
/// (within the line's content) of the first bracket past `budget`; `flow` carries across lines.
fn flow_scan(content: &str, flow: &mut usize, budget: usize) -> (usize, Option<usize>) {
    let (mut deepest, mut at) = (*flow, None);
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    let mut escaped = false;
    for (i, c) in content.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '#' if prev == ' ' || i == 0 => break,
                '"' | '\'' if prev == ' ' || "[{,:".contains(prev) || i == 0 => quote = Some(c),
                '[' | '{' => {
                    *flow += 1;
                    deepest = deepest.max(*flow);
                    if *flow > budget && at.is_none() {
                        at = Some(i);
                    }
                }
                ']' | '}' => *flow = flow.saturating_sub(1),
                _ => {}
            },
        }
        prev = c;
    }
    (deepest, at)
}
