//! What a case's names refer to, checked when the case loads so that `check` (and every run)
//! reports them at the value instead of a trial failing halfway: `{placeholders}` in step
//! templates, `capture` sources, the endpoints named by `at`/`via`, and `trigger` operations.

use std::collections::BTreeSet;

use super::model::{Case, Step};
use crate::lwm2m::{Operation, Role};
use crate::template::placeholders;

/// (field, text to locate, message), as the loader's other case checks.
pub type Problem = (String, String, String);

/// The capture sources of a request an `expect` takes (besides the link-format ones).
pub const REQUEST_SOURCES: &str = "query.NAME, path, token, source, payload, instance./O, free_instance./O";
/// The capture sources of a response an `expect_response` takes.
pub const RESPONSE_SOURCES: &str = "location, payload, resource.PATH, instance./O, free_instance./O";

/// Whether `src` (without its `?? default`) names something a request has.
pub fn request_source(src: &str) -> bool {
    matches!(src, "path" | "token" | "source" | "payload") || src.starts_with("query.") || link_source(src)
}

/// Whether `src` (without its `?? default`) names something a response has.
pub fn response_source(src: &str) -> bool {
    matches!(src, "location" | "payload") || src.starts_with("resource.") || link_source(src)
}

/// `instance./O` and `free_instance./O`: Object Instance IDs read from a link-format payload.
fn link_source(src: &str) -> bool {
    ["instance./", "free_instance./"]
        .iter()
        .any(|p| src.strip_prefix(p).is_some_and(|o| o.parse::<u16>().is_ok()))
}

/// `source ?? default` → (source, default).
pub fn split_default(source: &str) -> (&str, Option<&str>) {
    match source.split_once("??") {
        Some((s, d)) => (s.trim(), Some(d.trim())),
        None => (source.trim(), None),
    }
}

/// Endpoint names the harness can play for a DUT of `role`: LwM2M Servers and Bootstrap-Servers
/// for a client (`server`, `server2`, `bootstrap`, ...), LwM2M Clients for the others.
pub fn endpoint_allowed(role: Role, name: &str) -> bool {
    let numbered = |base: &str| {
        name.strip_prefix(base)
            .is_some_and(|n| n.is_empty() || (n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')))
    };
    match role {
        Role::Client => numbered("server") || numbered("bootstrap"),
        Role::Server | Role::BootstrapServer => numbered("client"),
    }
}

/// The Write-Attributes parameters a trigger template may use one by one (`{pmin}`, ...).
pub const ATTRIBUTE_PLACEHOLDERS: &[&str] = &["pmin", "pmax", "gt", "lt", "st", "epmin", "epmax"];

/// What a trigger template may use besides the trial's endpoints (`{dut_host}`, ...).
pub const TRIGGER_PLACEHOLDERS: &[&str] = &["exe", "endpoint", "case", "path", "value", "senml", "attributes"];

/// The operations a `trigger` step may ask a server DUT to perform.
pub const TRIGGER_OPERATIONS: &[Operation] = &[
    Operation::Read,
    Operation::Discover,
    Operation::Write,
    Operation::WritePartial,
    Operation::Execute,
    Operation::Create,
    Operation::Delete,
    Operation::WriteAttributes,
    Operation::Observe,
    Operation::CancelObservation,
];

/// Whether `op` names an operation a case can trigger (a `trigger` step's `operation`, a key of a
/// profile's `triggers`); if not, the message that lists those that do.
pub fn check_trigger(op: &str) -> Result<(), String> {
    if TRIGGER_OPERATIONS.iter().any(|o| o.keyword() == op) {
        return Ok(());
    }
    let known: Vec<&str> = TRIGGER_OPERATIONS.iter().map(|o| o.keyword()).collect();
    Err(format!("unknown trigger `{op}` (known: {})", known.join(", ")))
}

/// Every check of this module on one case; `steps` is the case's `steps:` as YAML (for the
/// strings of each step, which are templates).
pub fn check(case: &Case, steps: &[serde_yaml::Value]) -> Result<(), Problem> {
    let endpoints = case.endpoints();
    for (i, step) in case.steps.iter().enumerate() {
        let named = match step {
            Step::Expect(e) => e.at.as_deref().map(|n| ("expect", "at", n)),
            Step::Send(s) => s.via.as_deref().map(|n| ("send", "via", n)),
            _ => None,
        };
        if let Some((kind, key, name)) = named
            && !endpoint_allowed(case.dut, name)
        {
            let plays = if case.dut == Role::Client {
                "LwM2M Servers and Bootstrap-Servers (server, server2, ..., bootstrap)"
            } else {
                "LwM2M Clients (client, client2, ...)"
            };
            return Err((
                format!("steps[{i}].{kind}.{key}"),
                name.to_string(),
                format!(
                    "`{name}` is no endpoint of a {} DUT's case: the harness plays {plays}",
                    case.dut.as_str()
                ),
            ));
        }
        if let Step::Trigger(t) = step
            && let Err(message) = check_trigger(&t.operation)
        {
            return Err((format!("steps[{i}].trigger.operation"), t.operation.clone(), message));
        }
        type Sources = (&'static str, fn(&str) -> bool);
        let captures: Option<(&std::collections::BTreeMap<String, String>, Sources)> = match step {
            Step::Expect(e) => Some((&e.capture, (REQUEST_SOURCES, request_source))),
            Step::ExpectResponse(e) | Step::ExpectNotification(e) => {
                Some((&e.capture, (RESPONSE_SOURCES, response_source)))
            }
            _ => None,
        };
        if let Some((map, (list, known))) = captures {
            for (var, source) in map {
                let (src, _) = split_default(source);
                if !known(src) {
                    return Err((
                        format!("steps[{i}].{}.capture.{var}", step.kind()),
                        src.to_string(),
                        format!("capture `{var}`: unknown source `{src}` (use {list})"),
                    ));
                }
            }
        }
    }
    check_placeholders(case, &endpoints, steps)
}

/// Every `{name}` in a step must be known when the step runs: a trial variable, or one an
/// earlier step captured (or `location`, once a `respond` handed one out).
fn check_placeholders(case: &Case, endpoints: &[String], steps: &[serde_yaml::Value]) -> Result<(), Problem> {
    let mut known: BTreeSet<String> = ["endpoint", "reg_id"].iter().map(|s| s.to_string()).collect();
    let mut endpoint_vars = |name: &str| {
        for suffix in ["host", "port", "uri"] {
            known.insert(format!("{name}_{suffix}"));
        }
    };
    for e in endpoints {
        endpoint_vars(e);
    }
    if case.dut != Role::Client {
        endpoint_vars("dut");
    }
    let later = |name: &str, from: usize| -> Option<usize> {
        case.steps
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, s)| defines(s).iter().any(|d| d == name))
            .map(|(j, _)| j)
    };
    for (i, (step, value)) in case.steps.iter().zip(steps).enumerate() {
        let mut strings = Vec::new();
        template_strings(value, &mut strings);
        for s in strings {
            for name in placeholders(s) {
                if known.contains(name) {
                    continue;
                }
                let message = match later(name, i) {
                    Some(j) => format!("`{{{name}}}` is used before step {} defines it", j + 1),
                    None => format!(
                        "unknown placeholder `{{{name}}}` (known here: {})",
                        known.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                };
                return Err((format!("steps[{i}].{}", step.kind()), format!("{{{name}}}"), message));
            }
        }
        known.extend(defines(step));
    }
    Ok(())
}

/// The variables a step sets for the steps after it.
fn defines(step: &Step) -> Vec<String> {
    match step {
        Step::Expect(e) => e.capture.keys().cloned().collect(),
        Step::ExpectResponse(e) | Step::ExpectNotification(e) => e.capture.keys().cloned().collect(),
        Step::Respond(r) if r.location.is_some() => vec!["location".into()],
        _ => Vec::new(),
    }
}

/// The strings of a step that are templates: every string value except prose (`name`,
/// `reason`) and capture sources (`capture` maps' values are sources, not templates).
fn template_strings<'a>(v: &'a serde_yaml::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_yaml::Value::String(s) => out.push(s),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|x| template_strings(x, out)),
        serde_yaml::Value::Mapping(m) => {
            for (k, x) in m {
                if !matches!(k.as_str(), Some("name" | "reason" | "capture" | "requirement")) {
                    if let Some(key) = k.as_str() {
                        out.push(key);
                    }
                    template_strings(x, out);
                }
            }
        }
        serde_yaml::Value::Tagged(t) => template_strings(&t.value, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_skip_escapes_and_regex_counts() {
        assert_eq!(placeholders("{a}/{b_2}"), ["a", "b_2"]);
        assert_eq!(placeholders("{{x}} \\d{1,3} {\"bn\":1}"), Vec::<&str>::new());
        assert_eq!(placeholders("}{x}"), ["x"]);
    }

    #[test]
    fn sources_and_endpoints() {
        assert!(request_source("query.lt") && request_source("free_instance./1"));
        assert!(!request_source("location") && response_source("location"));
        assert!(!response_source("instance./x"));
        assert!(endpoint_allowed(Role::Client, "server2") && endpoint_allowed(Role::Client, "bootstrap"));
        assert!(!endpoint_allowed(Role::Client, "client") && !endpoint_allowed(Role::Server, "server"));
        assert!(endpoint_allowed(Role::BootstrapServer, "client2") && !endpoint_allowed(Role::Server, "client02"));
    }
}
