//! Where a problem of a case is written: in the step its field names (`steps[3].send.via`), or
//! at a step given by its index (the first step past the loader's step limit).

use crate::yaml::position::{line_offset, locate, offset_position};

/// Where step `index` (0-based) of the top-level `steps:` block sequence starts, for an error that
/// must point at the first step past [`MAX_STEPS`](super::load::MAX_STEPS). Falls back to the `steps:` key.
pub fn step_position(text: &str, index: usize) -> (usize, usize) {
    let mut lines = text.lines().enumerate().skip_while(|(_, l)| !l.starts_with("steps:"));
    let Some((key_line, _)) = lines.next() else {
        return (1, 1);
    };
    let mut item_indent = None;
    let mut seen = 0;
    for (n, line) in lines {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let dash = content == "-" || content.starts_with("- ");
        match item_indent {
            None if dash => item_indent = Some(indent),
            None => break,
            Some(k) if indent < k || (indent == k && !dash) => break,
            _ => {}
        }
        if dash && Some(indent) == item_indent {
            if seen == index {
                return (n + 1, indent + 1);
            }
            seen += 1;
        }
    }
    (key_line + 1, 1)
}

/// `needle` in the step a field such as `steps[3].send.via` names (the first step when the field
/// names none).
pub fn locate_in_step(text: &str, field: &str, needle: &str) -> (usize, usize) {
    let index = field
        .strip_prefix("steps[")
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let (line, _) = step_position(text, index);
    let from = line_offset(text, line).unwrap_or(0);
    match text[from..].find(needle) {
        Some(i) => offset_position(text, from + i),
        None => locate(text, needle, Some("steps:")),
    }
}
