//! Where a problem found after parsing is written in a YAML file's text (serde's positions are
//! gone by then): the value of a dotted field, or the first occurrence of a quoted value.

/// Position of the first occurrence of `needle` at or after the line holding `after` (for checks made
/// after parsing, where serde's position is gone).
pub fn locate(text: &str, needle: &str, after: Option<&str>) -> (usize, usize) {
    let start = after.and_then(|a| text.find(a)).unwrap_or(0);
    match text[start..].find(needle) {
        Some(i) => {
            let at = start + i;
            let line = text[..at].matches('\n').count() + 1;
            let column = at - text[..at].rfind('\n').map(|n| n + 1).unwrap_or(0) + 1;
            (line, column)
        }
        None => (1, 1),
    }
}

/// Where the value of a dotted field (`attach.server_bind`, `id`) is written: each key is looked
/// for after the previous one, as a whole key (`id:` does not match `ep_id:`); the position is the
/// value's when it is on the key's line, else the key's. Indexes (`steps[2]`) are skipped.
pub fn locate_field(text: &str, dotted: &str) -> Option<(usize, usize)> {
    field_offset(text, dotted).map(|i| offset_position(text, i))
}

fn field_offset(text: &str, dotted: &str) -> Option<usize> {
    let mut from = 0;
    let mut at = None;
    for key in dotted.split('.').map(|k| k.split('[').next().unwrap_or(k)) {
        let needle = format!("{key}:");
        let found = text[from..].match_indices(&needle).map(|(i, _)| from + i).find(|&i| {
            let before = text[..i].chars().next_back();
            let after = text[i + needle.len()..].chars().next();
            before.is_none_or(|c| " \t\n{,-".contains(c)) && after.is_none_or(|c| c == ' ' || c == '\n')
        })?;
        from = found + needle.len();
        let rest = &text[from..];
        let value = rest.len() - rest.trim_start_matches(' ').len();
        at = Some(match rest[value..].chars().next() {
            Some('\n' | '#') | None => found,
            _ => from + value,
        });
    }
    at
}

/// Where a check made after parsing points: the value of `field` (its first word, for messages
/// such as `launch and attach: ...`), or the value quoted in the message (`x`) when it is written
/// in that field's value (before the next top-level key).
pub fn locate_problem(text: &str, field: &str, message: &str) -> (usize, usize) {
    let key = field.split(' ').next().unwrap_or("");
    let Some(at) = field_offset(text, key) else {
        return (1, 1);
    };
    let quoted = message.split('`').nth(1).filter(|q| !q.is_empty());
    let value = &text[at..];
    let value = (1..value.len())
        .find(|&i| value.as_bytes()[i - 1] == b'\n' && !b" #\n".contains(&value.as_bytes()[i]))
        .map_or(value, |end| &value[..end]);
    let at = quoted.and_then(|q| value.find(q)).map_or(at, |i| at + i);
    offset_position(text, at)
}

/// 1-based (line, column) of byte offset `at`, the column counted in characters.
pub fn offset_position(text: &str, at: usize) -> (usize, usize) {
    let line = text[..at].matches('\n').count() + 1;
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    (line, text[start..at].chars().count() + 1)
}

/// The byte offset where 1-based `line` starts.
pub fn line_offset(text: &str, line: usize) -> Option<usize> {
    if line <= 1 {
        return Some(0);
    }
    text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)
}
