//! Loading cases, profiles and the catalogue, with errors as `file:line:column: field: message`.
//! A file that fails to load becomes one failing trial; the rest of the suite still runs.

use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};

use super::catalogue::Catalogue;
use super::limits;
use super::model::{Case, Operation, Step};
use super::profile::Profile;

/// Why a case, profile or catalogue file does not load, at the place to fix it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line of the fault (1 for a fault of the whole file, e.g. an unreadable one).
    pub line: usize,
    /// 1-based column of the fault.
    pub column: usize,
    /// The field at fault, as a path such as `steps[2].expect.method` (empty when unknown).
    pub field: String,
    /// What is wrong and, where there is one, the fix.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = if self.field.is_empty() {
            "(document)"
        } else {
            &self.field
        };
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.column,
            field,
            self.message
        )
    }
}

impl std::error::Error for LoadError {}

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

fn line_offset(text: &str, line: usize) -> Option<usize> {
    if line <= 1 {
        return Some(0);
    }
    text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)
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
fn read(file: &Path) -> Result<String, LoadError> {
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

/// Position of the first occurrence of `needle` at or after the line holding `after` (for checks made
/// after parsing, where serde's position is gone).
fn locate(text: &str, needle: &str, after: Option<&str>) -> (usize, usize) {
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

/// `needle` in the step a field such as `steps[3].send.via` names (the first step when the field
/// names none).
fn locate_in_step(text: &str, field: &str, needle: &str) -> (usize, usize) {
    let index = field
        .strip_prefix("steps[")
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let (line, _) = limits::step_position(text, index);
    let from = line_offset(text, line).unwrap_or(0);
    match text[from..].find(needle) {
        Some(i) => offset_position(text, from + i),
        None => locate(text, needle, Some("steps:")),
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
fn locate_problem(text: &str, field: &str, message: &str) -> (usize, usize) {
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

fn offset_position(text: &str, at: usize) -> (usize, usize) {
    let line = text[..at].matches('\n').count() + 1;
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    (line, text[start..at].chars().count() + 1)
}

/// Two case files with one `id` would write over each other's pcap and result file; each is
/// refused, naming the other.
pub fn duplicate_id(file: &Path, id: &str, other: &Path) -> LoadError {
    let (line, column) = read(file).ok().and_then(|t| locate_field(&t, "id")).unwrap_or((1, 1));
    LoadError {
        file: file.to_path_buf(),
        line,
        column,
        field: "id".into(),
        message: format!(
            "case ID `{id}` is also the ID of {}; an ID names the case's evidence, so it must be unique",
            other.display()
        ),
    }
}

/// A case whose `catches` names no fault of the reference DUT of its role.
pub fn unknown_fault(file: &Path, catches: &str, role: super::Role, faults: &[&str]) -> LoadError {
    let (line, column) = read(file)
        .ok()
        .and_then(|t| locate_field(&t, "catches"))
        .unwrap_or((1, 1));
    LoadError {
        file: file.to_path_buf(),
        line,
        column,
        field: "catches".into(),
        message: format!(
            "`{catches}` is no fault of the reference {} DUT (known: {})",
            role.as_str(),
            faults.join(", ")
        ),
    }
}

/// Reads and validates `testcases/requirements.yaml`: unique IDs, a reason for every untestable entry.
pub fn load_catalogue(file: &Path) -> Result<Catalogue, LoadError> {
    let text = read(file)?;
    let cat: Catalogue = parse_yaml(file, &text)?;
    if let Some(problem) = cat.validate().into_iter().next() {
        let id = problem
            .split(':')
            .next()
            .unwrap_or("")
            .trim_start_matches("requirement ")
            .to_string();
        let (line, column) = locate(&text, &format!("id: {id}"), None);
        return Err(LoadError {
            file: file.to_path_buf(),
            line,
            column,
            field: "requirements".into(),
            message: problem,
        });
    }
    Ok(cat)
}

/// Reads a DUT profile and validates it (known features, timings, launch and trigger settings).
pub fn load_profile(file: &Path) -> Result<Profile, LoadError> {
    parse_profile(file, &read(file)?)
}

/// A profile from its text, parsed and validated as [`load_profile`] does; `file` names it in
/// errors (the built-in reference profiles are compiled-in `duts/*.yaml` files).
pub fn parse_profile(file: &Path, text: &str) -> Result<Profile, LoadError> {
    let p: Profile = parse_yaml(file, text)?;
    p.validate().map_err(|m| {
        let field = m.split(':').next().unwrap_or("").to_string();
        let (line, column) = locate_problem(text, &field, &m);
        LoadError {
            file: file.to_path_buf(),
            line,
            column,
            // The field is shown once, before the message.
            message: m.strip_prefix(&format!("{field}: ")).unwrap_or(&m).to_string(),
            field,
        }
    })?;
    Ok(p)
}

/// Reads a case file and checks it against `catalogue`: step count limit, step shape, names
/// the steps refer to, requirement IDs and the `catches` fault.
pub fn load_case(file: &Path, catalogue: &Catalogue) -> Result<Case, LoadError> {
    let text = read(file)?;
    let case: Case = parse_yaml(file, &text)?;
    if case.steps.len() > limits::MAX_STEPS {
        let (line, column) = limits::step_position(&text, limits::MAX_STEPS);
        return Err(LoadError {
            file: file.to_path_buf(),
            line,
            column,
            field: format!("steps[{}]", limits::MAX_STEPS),
            message: format!(
                "{} steps; a case may have at most {}",
                case.steps.len(),
                limits::MAX_STEPS
            ),
        });
    }
    let error_at = |(line, column): (usize, usize), field: String, message: String| LoadError {
        file: file.to_path_buf(),
        line,
        column,
        field,
        message,
    };
    check_case(&case).map_err(|(field, needle, message)| error_at(locate(&text, &needle, None), field, message))?;
    // Names the steps refer to (placeholders, capture sources, endpoints, triggers), shown at
    // the value in the step that names it.
    let steps_yaml = serde_yaml::from_str::<serde_yaml::Value>(&text)
        .ok()
        .and_then(|v| v.get("steps").and_then(|s| s.as_sequence()).cloned())
        .unwrap_or_default();
    super::names::check(&case, &steps_yaml)
        .map_err(|(field, needle, message)| error_at(locate_in_step(&text, &field, &needle), field, message))?;
    // An error at the `i`th requirement ID of the case.
    let at_requirement = |i: usize, id: &str, message: String| {
        let (line, column) = locate(&text, id, Some("requirements:"));
        LoadError {
            file: file.to_path_buf(),
            line,
            column,
            field: format!("requirements[{i}]"),
            message,
        }
    };
    for (i, id) in case.requirements.iter().enumerate() {
        if catalogue.get(id).is_none() {
            return Err(at_requirement(
                i,
                id,
                format!("unknown requirement ID `{id}` (not in testcases/requirements.yaml)"),
            ));
        }
        // A statement of some versions only is judged on DUTs of those versions: the case must
        // say so, so that a DUT of another version is skipped rather than judged by it.
        let stated = catalogue.get(id).map(|r| r.versions.as_slice()).unwrap_or_default();
        let beyond: Vec<_> = crate::case::LwM2mVersion::ALL
            .iter()
            .filter(|v| v.within(&case.versions) && !v.within(stated))
            .copied()
            .collect();
        if !beyond.is_empty() {
            return Err(at_requirement(
                i,
                id,
                format!(
                    "`{id}` states a rule of LwM2M {} only; the case applies to {} too (add `versions: [{}]`)",
                    crate::case::version::list(stated),
                    crate::case::version::list(&beyond),
                    crate::case::version::list(stated)
                ),
            ));
        }
    }
    for (i, need) in case.needs.iter().enumerate() {
        if super::feature::get(need).is_none() {
            let at = locate(&text, need, Some("needs:"));
            return Err(error_at(at, format!("needs[{i}]"), super::feature::unknown(need)));
        }
    }
    for (i, step) in case.steps.iter().enumerate() {
        if let Some(id) = step.meta().requirement
            && !case.requirements.iter().any(|r| r == id)
        {
            let (line, column) = locate(&text, id, Some("steps:"));
            return Err(LoadError {
                file: file.to_path_buf(),
                line,
                column,
                field: format!("steps[{i}].{}.requirement", step.kind()),
                message: format!("`{id}` is not among the case's requirements"),
            });
        }
    }
    Ok(case)
}

/// Name references between steps must resolve to an earlier step. Returns (field, text to
/// locate, message).
type CaseProblem = (String, String, String);

/// A step's reference to an earlier step that does not exist. (field, text to locate, message)
fn unknown(i: usize, kind: &str, field: &str, name: &str, known: &[String]) -> CaseProblem {
    let known = if known.is_empty() {
        "none".into()
    } else {
        known.join(", ")
    };
    (
        format!("steps[{i}].{kind}.{field}"),
        name.to_string(),
        format!("`{name}` names no earlier step (known: {known})"),
    )
}

/// A step that works on a request taken by an earlier `expect` (named by `field`, or the latest).
fn taken_request(
    i: usize,
    kind: &str,
    field: &str,
    name: Option<&str>,
    requests: &[String],
    purpose: &str,
) -> Result<(), CaseProblem> {
    earlier_step(i, kind, field, name, requests, &format!("`expect` {purpose}"))
}

/// Step `i` refers (by `field`, or implicitly to the latest) to one of the earlier steps `names`;
/// `what` says which kind of step and what for.
fn earlier_step(
    i: usize,
    kind: &str,
    field: &str,
    name: Option<&str>,
    requests: &[String],
    what: &str,
) -> Result<(), CaseProblem> {
    if requests.is_empty() {
        return Err((format!("steps[{i}].{kind}"), kind.into(), format!("no earlier {what}")));
    }
    match name {
        Some(n) if !requests.iter().any(|r| r == n) => Err(unknown(i, kind, field, n, requests)),
        _ => Ok(()),
    }
}

fn check_case(case: &Case) -> Result<(), CaseProblem> {
    if case.requirements.is_empty() {
        return Err((
            "requirements".into(),
            "requirements".into(),
            "a case must cite at least one requirement".into(),
        ));
    }
    if case.steps.is_empty() {
        return Err(("steps".into(), "steps".into(), "a case needs at least one step".into()));
    }
    for (i, rule) in case.each_request.iter().enumerate() {
        if let Some(id) = &rule.requirement
            && !case.requirements.contains(id)
        {
            return Err((
                format!("each_request[{i}].requirement"),
                id.clone(),
                format!("`{id}` is not among the case's requirements"),
            ));
        }
    }
    let mut requests: Vec<String> = Vec::new();
    let mut sent: Vec<(String, Operation)> = Vec::new();
    for (i, step) in case.steps.iter().enumerate() {
        match step {
            Step::Expect(e) => {
                requests.push(e.alias.clone().unwrap_or_else(|| format!("#{}", i + 1)));
            }
            Step::Respond(r) => taken_request(i, "respond", "to", r.to.as_deref(), &requests, "to respond to")?,
            Step::Send(s) => {
                if s.operation == Operation::CancelObservation {
                    let obs: Vec<String> = sent
                        .iter()
                        .filter(|(_, o)| *o == Operation::Observe)
                        .map(|(n, _)| n.clone())
                        .collect();
                    match &s.observation {
                        None => {
                            return Err((
                                format!("steps[{i}].send.observation"),
                                "cancel-observation".into(),
                                "cancel-observation needs `observation: <name of an observe step>`".into(),
                            ));
                        }
                        Some(n) if !obs.contains(n) => return Err(unknown(i, "send", "observation", n, &obs)),
                        _ => {}
                    }
                }
                sent.push((s.alias.clone().unwrap_or_else(|| format!("#{}", i + 1)), s.operation));
            }
            Step::ExpectResponse(e) | Step::ExpectNotification(e) => {
                let names: Vec<String> = sent.iter().map(|(n, _)| n.clone()).collect();
                earlier_step(
                    i,
                    step.kind(),
                    "to",
                    e.to.as_deref(),
                    &names,
                    "`send` whose response to expect",
                )?;
            }
            Step::ExpectNone(e) => {
                if e.tolerate_codes.is_some() && e.response_to.is_none() {
                    return Err((
                        format!("steps[{i}].expect_none.tolerate_codes"),
                        "tolerate_codes".into(),
                        "`tolerate_codes` applies to the responses to `response_to`; give that too".into(),
                    ));
                }
                if let Some(to) = &e.response_to {
                    let names: Vec<String> = sent.iter().map(|(n, _)| n.clone()).collect();
                    if !names.contains(to) {
                        return Err(unknown(i, "expect_none", "response_to", to, &names));
                    }
                }
            }
            Step::Retransmit(r) => {
                let names: Vec<String> = sent.iter().map(|(n, _)| n.clone()).collect();
                earlier_step(i, "retransmit", "of", r.of.as_deref(), &names, "`send` to retransmit")?;
            }
            Step::Notify(n) => taken_request(
                i,
                "notify",
                "to",
                n.to.as_deref(),
                &requests,
                "whose observation to notify",
            )?,
            Step::StopDut(_) | Step::RestartDut(_) | Step::Trigger(_) => {}
            Step::ExpectRetry(r) => taken_request(
                i,
                "expect_retry",
                "of",
                r.of.as_deref(),
                &requests,
                "whose retry to wait for",
            )?,
        }
    }
    Ok(())
}

/// Every `*.yaml` under `dir` except the catalogue, sorted so trial order is stable; paths the
/// walk refuses (symlink loops, limits) are left out; [`super::walk::walk`] reports them.
pub fn case_files(dir: &Path) -> Vec<PathBuf> {
    super::walk::walk(dir).files
}

/// The DUT profiles in `dir`: the `*.yaml` files directly in it, not what its subfolders hold (a
/// peer's launcher files, its node_modules).
pub fn profile_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}
