//! `check` catches at load time what would otherwise fail only at run time: unknown
//! placeholders, capture sources, endpoints, trigger operations and features, each at the value.

use super::load::load_case;
use super::tests::{GOOD, setup, write};

/// Loads GOOD with `from` replaced by `to` and returns the error's (line, column, field, message).
fn error_of(from: &str, to: &str) -> (usize, usize, String, String) {
    let (dir, cat) = setup();
    let text = GOOD.replace(from, to);
    assert_ne!(text, GOOD, "the replacement must change the case");
    let e = load_case(&write(dir.path(), "bad.yaml", &text), &cat).unwrap_err();
    (e.line, e.column, e.field, e.message)
}

#[test]
fn an_unknown_placeholder_is_named_at_its_value() {
    let (line, column, field, message) = error_of("      path: /rd", "      path: /rd/{lcation}");
    assert_eq!((line, column), (9, 17));
    assert_eq!(field, "steps[0].expect");
    assert!(message.contains("unknown placeholder `{lcation}`"), "{message}");
    assert!(message.contains("reg_id"), "lists what is known: {message}");
}

#[test]
fn a_placeholder_used_before_it_is_captured_names_the_step_that_captures_it() {
    let text =
        "      path: /rd/{lt}\n  - expect:\n      method: POST\n      path: /rd\n      capture: { lt: query.lt }";
    let (_, _, field, message) = error_of("      path: /rd", text);
    assert_eq!(field, "steps[0].expect");
    assert!(message.contains("used before step 2 defines it"), "{message}");
}

#[test]
fn captured_and_trial_variables_are_known() {
    let (dir, cat) = setup();
    let text = GOOD.replace(
        "      code: \"2.01\"",
        "      code: \"2.01\"\n      location: /rd/{reg_id}\n  - expect: { method: POST, path: \"{location}\", capture: { lt: \"query.lt ?? 60\" } }\n  - respond: { code: \"2.04\", payload: \"{lt} {server_uri} {{literal}}\" }",
    );
    load_case(&write(dir.path(), "ok.yaml", &text), &cat).unwrap();
}

#[test]
fn an_unknown_capture_source_is_refused() {
    let (line, column, field, message) =
        error_of("      path: /rd", "      path: /rd\n      capture: { lt: query_lt }");
    assert_eq!((line, column), (10, 22));
    assert_eq!(field, "steps[0].expect.capture.lt");
    assert!(message.contains("unknown source `query_lt`"), "{message}");
}

#[test]
fn an_endpoint_the_role_does_not_have_is_refused() {
    let (line, column, field, message) = error_of("      path: /rd", "      path: /rd\n      at: client2");
    assert_eq!((line, column), (10, 11));
    assert_eq!(field, "steps[0].expect.at");
    assert!(message.contains("the harness plays LwM2M Servers"), "{message}");
}

#[test]
fn an_unknown_trigger_or_feature_is_refused() {
    let server = GOOD.replace("dut: client", "dut: server");
    let (dir, cat) = setup();
    let text = server.replace(
        "  - expect:",
        "  - trigger: { operation: reed, path: /3/0 }\n  - expect:",
    );
    let e = load_case(&write(dir.path(), "t.yaml", &text), &cat).unwrap_err();
    assert_eq!(e.field, "steps[0].trigger.operation");
    assert!(e.message.contains("unknown trigger `reed`"), "{e}");
    assert_eq!((e.line, e.column), (7, 27), "{e}");
    let (line, column, field, message) = error_of("catches:", "needs: [registration-ordr]\ncatches:");
    assert_eq!((line, column, field.as_str()), (5, 9, "needs[0]"));
    assert!(message.contains("unknown feature `registration-ordr`"), "{message}");
}

#[test]
fn a_catches_naming_no_fault_of_the_role_is_refused_at_its_value() {
    let (dir, _) = setup();
    write(dir.path(), "client/registration/good.yaml", GOOD);
    let bad = GOOD
        .replace("id: good", "id: bad")
        .replace("register-wrong-path", "register-wrong-pth");
    let file = write(dir.path(), "client/registration/bad.yaml", &bad);
    let suite = crate::suite::load(dir.path()).unwrap();
    let errors: Vec<String> = suite
        .entries
        .iter()
        .filter_map(|e| e.case.as_ref().err().map(|e| e.to_string()))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!(
            "{}:5:10: catches: `register-wrong-pth` is no fault",
            file.display()
        )),
        "{errors:?}"
    );
}
