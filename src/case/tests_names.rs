//! `check` catches at load time what would otherwise fail only at run time: unknown
//! placeholders, capture sources, endpoints, trigger operations and features, each at the value.

use super::load::{load_case, load_profile};
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
fn profile_features_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let base = "name: d\nrole: client\nlaunch: { shell: x }\n";
    let typo = write(dir.path(), "a.yaml", &format!("{base}features: [launch, que-mode]\n"));
    let e = load_profile(&typo).unwrap_err();
    assert_eq!((e.line, e.column, e.field.as_str()), (4, 20, "features"), "{e}");
    let umbrella = write(dir.path(), "b.yaml", &format!("{base}features: [lwm2m-1.1]\n"));
    let e = load_profile(&umbrella).unwrap_err();
    assert!(e.message.contains("lwm2m_version: \"1.1\""), "{e}");
    let ok = write(
        dir.path(),
        "c.yaml",
        &format!("{base}features: [lwm2m-1.1]\nlwm2m_version: \"1.1\"\n"),
    );
    load_profile(&ok).unwrap();
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

#[test]
fn profile_templates_and_trigger_names_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let load = |name: &str, text: &str| load_profile(&write(dir.path(), name, text));
    let e = load(
        "a.yaml",
        "name: d\nrole: client\nlaunch: { shell: \"run {server_url}\" }\n",
    )
    .unwrap_err();
    assert_eq!((e.line, e.column, e.field.as_str()), (3, 23, "launch"), "{e}");
    assert!(e.message.contains("unknown placeholder `{server_url}`"), "{e}");
    let server = "name: d\nrole: server\nlaunch: { shell: \"run {dut_port} {endpoint}\" }\ntriggers:\n";
    let e = load(
        "b.yaml",
        &format!("{server}  reed: {{ stdin: \"read {{endpoint}}\" }}\n"),
    )
    .unwrap_err();
    assert_eq!((e.line, e.column, e.field.as_str()), (5, 3, "triggers"), "{e}");
    assert!(e.message.contains("unknown trigger `reed`"), "{e}");
    let e = load(
        "c.yaml",
        &format!("{server}  read: {{ stdin: \"read {{ep}} {{path}}\" }}\n"),
    )
    .unwrap_err();
    assert_eq!((e.line, e.column, e.field.as_str()), (5, 24, "triggers.read"), "{e}");
    let ok = format!("{server}  read: {{ stdin: \"read {{endpoint}} {{path}} {{client_port}}\" }}\n");
    load("d.yaml", &ok).unwrap();
}

#[test]
fn run_additions_go_where_a_launch_says_or_at_the_end_taken_literally() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name: d\nrole: client\nlaunch: { command: [./c, \"{dut_args}\", -n, \"{endpoint}\"] }\n\
                bootstrap_launch: { shell: \"./c -b {bootstrap_uri}\" }\n";
    let p = load_profile(&write(dir.path(), "d.yaml", text)).unwrap();
    let args = vec!["--psk".to_string(), "a b{x}".to_string()];
    let env = vec![("KEY".to_string(), "v{1}".to_string())];
    let p = p.with_run_additions(&args, &env).unwrap();
    let launch = p.launch.as_ref().unwrap();
    assert_eq!(launch.command, ["./c", "--psk", "a b{{x}}", "-n", "{endpoint}"]);
    assert_eq!(launch.env.get("KEY").map(String::as_str), Some("v{{1}}"));
    let shell = p.bootstrap_launch.as_ref().unwrap().shell.as_deref().unwrap();
    assert_eq!(shell, "./c -b {bootstrap_uri} --psk 'a b{{x}}'");
    let mut vars = crate::case::Vars::default();
    vars.set("bootstrap_uri", "coap://127.0.0.1:5683");
    assert_eq!(
        vars.render(shell).unwrap(),
        "./c -b coap://127.0.0.1:5683 --psk 'a b{x}'"
    );
}

#[test]
fn console_captures_stops_and_startup_lines_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let load = |name: &str, text: &str| load_profile(&write(dir.path(), name, text));
    let server = "name: d\nrole: server\nlaunch: { command: [./s, \"{dut_port}\"], stdin: [\"boot {dut_uri}\"] }\n";
    let capture = |pattern: &str, name: &str| {
        format!("{server}captures:\n  - {{ from: stdout, pattern: '{pattern}', as: {name} }}\n")
    };
    // A trigger may use what a capture names, and only that.
    let ok = format!(
        "{}triggers:\n  read: {{ stdin: \"read {{client_id}} {{path}}\" }}\nstop: {{ stdin: q }}\n",
        capture(r#"Client #(\d+):\s+name: "{endpoint}""#, "client_id")
    );
    let p = load("ok.yaml", &ok).unwrap();
    assert_eq!(p.captures[0].name, "client_id");
    assert_eq!(p.stop.describe(), "the line `q` on its stdin");
    let e = load("a.yaml", &capture(r"#\d+", "client_id")).unwrap_err();
    assert!(e.message.contains("exactly one capture group"), "{e}");
    assert!(e.field.starts_with("captures"), "{e}");
    let e = load("b.yaml", &capture(r"#(\d+", "client_id")).unwrap_err();
    assert!(e.field.starts_with("captures"), "{e}");
    let e = load("c.yaml", &capture(r"#(\d+) {ep}", "client_id")).unwrap_err();
    assert!(e.message.contains("unknown placeholder `{ep}`"), "{e}");
    let e = load("d.yaml", &capture(r"#(\d+)", "endpoint")).unwrap_err();
    assert!(e.message.contains("a new name"), "{e}");
    let e = load(
        "e.yaml",
        &format!("{server}stop: {{ signal: SIGINT, close_stdin: true }}\n"),
    )
    .unwrap_err();
    assert!(e.message.contains("one of signal, stdin, close_stdin"), "{e}");
    let e = load("f.yaml", &format!("{server}stop: {{ signal: SIGKILL }}\n")).unwrap_err();
    assert!(e.field.starts_with("stop"), "{e}");
    let bad_line = server.replace("boot {dut_uri}", "boot {dut_url}");
    let e = load("g.yaml", &bad_line).unwrap_err();
    assert!(e.message.contains("unknown placeholder `{dut_url}`"), "{e}");
    let attached = "name: d\nrole: server\nattach: { dut_address: \"127.0.0.1:5683\" }\nstop: { close_stdin: true }\n";
    let e = load("h.yaml", attached).unwrap_err();
    assert!(e.message.contains("not stopped by the harness"), "{e}");
}
