//! Parsing a YAML file into a typed value with serde, the error placed at the value to fix.

use serde::de::DeserializeOwned;
use std::path::Path;

use super::error::LoadError;
use super::limits;
use super::position::{line_offset, offset_position};

/// Parse YAML into `T`, mapping serde_yaml's error (which carries the field path and position)
/// into a [`LoadError`].
pub fn parse_yaml<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, LoadError> {
    serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        let full = e.to_string();
        // serde_yaml renders "path.to.field: message at line L column C".
        let without_pos = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        let (field, message) = split_field(&without_pos);
        let (line, column, field) = to_value(text, (line, column), field, &message);
        LoadError {
            file: file.to_path_buf(),
            line,
            column,
            field,
            message,
        }
    })
}

/// serde_yaml places an error raised by a value's own check (a bad `within: soon`) at the start
/// of the mapping holding it, with that mapping as the field. When the message quotes the value,
/// find it written as a value inside that mapping and point there, naming its key.
fn to_value(text: &str, (line, column): (usize, usize), field: String, message: &str) -> (usize, usize, String) {
    let unchanged = (line, column, field.clone());
    let Some(quoted) = message.split('`').nth(1).filter(|q| !q.is_empty()) else {
        return unchanged;
    };
    let Some(start) = line_offset(text, line)
        .map(|l| l + column.saturating_sub(1))
        .filter(|&o| o <= text.len())
    else {
        return unchanged;
    };
    // The mapping ends at the first later line indented less than it starts.
    let end = text[start..]
        .match_indices('\n')
        .map(|(i, _)| start + i + 1)
        .find(|&l| {
            let rest = &text[l..];
            let indent = rest.len() - rest.trim_start_matches(' ').len();
            !rest[indent..].starts_with(['\n', '#']) && indent < column.saturating_sub(1)
        })
        .unwrap_or(text.len());
    let Some((at, key)) = text[start..end].match_indices(quoted).find_map(|(i, _)| {
        let before = text[..start + i].trim_end_matches(['"', '\'']).trim_end_matches(' ');
        let key_end = before.strip_suffix(':')?;
        let key_start = key_end
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |k| k + 1);
        let at = start + i;
        let at = if text[..at].ends_with(['"', '\'']) { at - 1 } else { at };
        Some((at, &key_end[key_start..]))
    }) else {
        return unchanged;
    };
    let (line, column) = offset_position(text, at);
    let field = match field.as_str() {
        "" => key.to_string(),
        f if f.ends_with(key) => field,
        f => format!("{f}.{key}"),
    };
    (line, column, field)
}

fn split_field(s: &str) -> (String, String) {
    // A leading "a.b[2].c: " is the path; messages themselves contain ": " too, so only take a
    // prefix made of path characters.
    if let Some(i) = s.find(": ") {
        let head = &s[..i];
        if !head.is_empty() && head.chars().all(|c| c.is_ascii_alphanumeric() || "._[]$-".contains(c)) {
            return (head.to_string(), s[i + 2..].to_string());
        }
    }
    (String::new(), s.to_string())
}

/// The file's text, refused before parsing when it passes a limit (size, nesting depth).
pub fn read(file: &Path) -> Result<String, LoadError> {
    let refusal = |(line, column, message): limits::Refusal| LoadError {
        file: file.to_path_buf(),
        line,
        column,
        field: String::new(),
        message,
    };
    let text = limits::read_bounded(file).map_err(refusal)?;
    match limits::too_deep(&text) {
        Some(r) => Err(refusal(r)),
        None => Ok(text),
    }
}
