//! The profile loader's promises: unknown keys, placeholders, features, captures and stops are
//! refused at the value to fix; defaults and per-run additions land where the profile says.

use std::path::Path;

use super::load_profile;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn profiles_reject_unknown_keys_too() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.yaml",
        "name: x\nrole: client\nlaunch: {command: [a]}\nfeaturs: []\n",
    );
    let e = load_profile(&p).unwrap_err();
    assert_eq!((e.line, e.column), (4, 1), "{e}");
    assert!(e.message.contains("featurs"), "{e}");
}

/// The template shows the default timing (a profile that says none gets it), and a profile that
/// gives some timings keeps the defaults of the others.
#[test]
fn the_template_shows_the_default_timing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let template = load_profile(&root.join("duts/template.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(template.timing, crate::timing::Timing::default());
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.yaml",
        "name: x\nrole: client\nlaunch: {command: [a]}\ntiming: {startup_timeout: 20s}\n",
    );
    let timing = load_profile(&p).unwrap().timing;
    assert_eq!(timing.startup_timeout, std::time::Duration::from_secs(20));
    assert_eq!(
        timing,
        crate::timing::Timing {
            startup_timeout: std::time::Duration::from_secs(20),
            ..Default::default()
        }
    );
}

/// The error loading a profile written as `text`.
fn profile_error(text: &str) -> crate::yaml::LoadError {
    let dir = tempfile::tempdir().unwrap();
    load_profile(&write(dir.path(), "p.yaml", text)).unwrap_err()
}

#[test]
fn profile_errors_point_at_the_offending_value() {
    let e = profile_error("name: x\nrole: client\nattach:\n  server_bind: 10.0.0.1:5683\n");
    let at = (e.line, e.column, e.field.as_str());
    assert_eq!(at, (4, 16, "attach.server_bind"), "{e}");
    let e = profile_error("name: x\nrole: client\nlaunch: {command: [a]}\ncontent_formats:\n  - tlv\n  - morse\n");
    assert_eq!((e.line, e.column), (6, 5), "{e}");
}

#[test]
fn check_rejects_a_trigger_url_off_loopback_at_the_url() {
    let e = profile_error(
        "name: x\nrole: server\nlaunch: {command: [a]}\ntriggers:\n  read: { stdin: \"read\" }\n  write:\n    http: { url: \"http://10.1.2.3:8080/w\" }\n",
    );
    let at = (e.line, e.column, e.field.as_str());
    assert_eq!(at, (7, 19, "triggers.write.http.url"), "{e}");
    assert!(e.message.contains("not on a loopback host"), "{e}");
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
    let mut vars = crate::template::Vars::default();
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
