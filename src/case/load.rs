//! Loading cases and the requirement catalogue, with errors at `file:line:column: field: message`.
//! A file that fails to load becomes one failing trial; the rest of the suite still runs.

use std::path::{Path, PathBuf};

use super::catalogue::Catalogue;
use super::locate::{locate_in_step, step_position};
use super::model::{Case, Step};
use crate::lwm2m::Operation;
use crate::lwm2m::version::{self, LwM2mVersion};
use crate::yaml::position::{locate, locate_field};
use crate::yaml::{LoadError, parse_yaml, read};

/// Steps in one case: past it a case is refused at the first step too many, before it runs.
pub const MAX_STEPS: usize = 1000;

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
pub fn unknown_fault(file: &Path, catches: &str, role: crate::lwm2m::Role, faults: &[&str]) -> LoadError {
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

/// Reads a case file and checks it against `catalogue`: step count limit, step shape, names
/// the steps refer to, requirement IDs and the `catches` fault.
pub fn load_case(file: &Path, catalogue: &Catalogue) -> Result<Case, LoadError> {
    let text = read(file)?;
    let case: Case = parse_yaml(file, &text)?;
    let error_at = |(line, column): (usize, usize), field: String, message: String| LoadError {
        file: file.to_path_buf(),
        line,
        column,
        field,
        message,
    };
    if case.steps.len() > MAX_STEPS {
        return Err(error_at(
            step_position(&text, MAX_STEPS),
            format!("steps[{}]", MAX_STEPS),
            format!("{} steps; a case may have at most {}", case.steps.len(), MAX_STEPS),
        ));
    }
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
        error_at(
            locate(&text, id, Some("requirements:")),
            format!("requirements[{i}]"),
            message,
        )
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
        let beyond: Vec<_> = LwM2mVersion::ALL
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
                    version::list(stated),
                    version::list(&beyond),
                    version::list(stated)
                ),
            ));
        }
    }
    for (i, need) in case.needs.iter().enumerate() {
        if crate::feature::get(need).is_none() {
            let at = locate(&text, need, Some("needs:"));
            return Err(error_at(at, format!("needs[{i}]"), crate::feature::unknown(need)));
        }
    }
    for (i, step) in case.steps.iter().enumerate() {
        if let Some(id) = step.meta().requirement
            && !case.requirements.iter().any(|r| r == id)
        {
            return Err(error_at(
                locate(&text, id, Some("steps:")),
                format!("steps[{i}].{}.requirement", step.kind()),
                format!("`{id}` is not among the case's requirements"),
            ));
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
