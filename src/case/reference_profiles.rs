//! The profiles of the built-in reference DUTs: the same binary, started per trial with the
//! placeholders of its role, and `--fault` switches for the self-test.

use std::collections::BTreeMap;
use std::time::Duration;

use super::model::Role;
use super::profile::{Launch, Profile, Timing, TriggerSpec};

fn launch(args: &[&str], switches: &[(&str, String)]) -> Launch {
    let mut command: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    for (flag, id) in switches {
        command.push(flag.to_string());
        command.push(id.clone());
    }
    Launch {
        command,
        shell: None,
        env: BTreeMap::new(),
        workdir: None,
        stdin: Vec::new(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The reference server's trigger lines, by operation (`read EP PATH`, ...): what it reads on
/// stdin and as the body of `POST /trigger`. Public so profiles that drive it other ways (an
/// attached server over HTTP, in the tests) use the same lines.
pub const SERVER_TRIGGER_LINES: &[(&str, &str)] = &[
    ("read", "read {endpoint} {path}"),
    ("discover", "discover {endpoint} {path}"),
    ("write", "write {endpoint} {path} {value}"),
    ("write-partial", "write-partial {endpoint} {path} {value}"),
    ("execute", "execute {endpoint} {path} {value}"),
    ("create", "create {endpoint} {path} {value}"),
    ("delete", "delete {endpoint} {path}"),
    ("write-attributes", "write-attributes {endpoint} {path} {attributes}"),
    ("observe", "observe {endpoint} {path}"),
    ("cancel-observation", "cancel-observe {endpoint} {path}"),
];

/// The reference server reads one trigger per line on stdin.
fn stdin_triggers() -> BTreeMap<String, TriggerSpec> {
    SERVER_TRIGGER_LINES
        .iter()
        .copied()
        .map(|(op, line)| {
            (
                op.to_string(),
                TriggerSpec {
                    stdin: Some(line.to_string()),
                    shell: None,
                    http: None,
                },
            )
        })
        .collect()
}

pub fn reference(role: Role, faults: &[String]) -> Profile {
    let switches: Vec<(&str, String)> = faults.iter().map(|f| ("--fault", f.clone())).collect();
    let mut p = with_switches(role, &switches);
    if !faults.is_empty() {
        p.name = format!("{} --fault {}", p.name, faults.join(","));
    }
    p
}

/// The reference DUT of `role` with `--variant <variant>`, and what that variant's profile
/// declares differently: the self-test judges the variant against exactly this profile.
pub fn reference_variant(role: Role, variant: &str) -> Profile {
    let mut p = with_switches(role, &[("--variant", variant.to_string())]);
    p.name = format!("{} --variant {variant}", p.name);
    p.description = Some(format!("the built-in reference DUT, conformant variant `{variant}`"));
    match (role, variant) {
        (Role::Client, "no-tlv") => {
            // The device has no TLV codec: a case must pick another format, as a real server would.
            p.content_formats = strings(&["senml-json", "text", "link-format"]);
        }
        // The factory account's Client Hold Off Time, declared; the start-up timeout is shorter
        // than it, so a window for a Bootstrap-Request that forgets to add it fails.
        (Role::Client, "bootstrap-hold-off") => {
            p.timing.client_hold_off_time = Duration::from_secs(4);
            p.timing.startup_timeout = Duration::from_secs(3);
        }
        (Role::BootstrapServer, "discover-first" | "delete-objects") => {
            // Bootstrap-Discover and Bootstrap Delete of an Object are LwM2M 1.1 operations: the
            // variant is a 1.1 Bootstrap-Server and is judged by the 1.1 rules.
            p.lwm2m_version = super::LwM2mVersion::V1_1;
        }
        _ => {}
    }
    p
}

fn with_switches(role: Role, faults: &[(&str, String)]) -> Profile {
    let exe = "{exe}";
    let mut p = Profile {
        schema: None,
        name: String::new(),
        description: Some("the built-in conformant reference DUT".into()),
        role,
        launch: None,
        bootstrap_launch: None,
        server_initiated_launch: None,
        server_and_bootstrap_launch: None,
        attach: None,
        binds: None,
        endpoint: "urn:dev:lwm2m-conformance:{case}".into(),
        features: strings(&["launch"]),
        lwm2m_version: Default::default(),
        content_formats: strings(&["tlv", "senml-json", "text", "link-format"]),
        timing: Timing {
            response_timeout: Duration::from_secs(5),
            quiet_window: Duration::from_secs(2),
            startup_timeout: Duration::from_secs(10),
            client_hold_off_time: Duration::ZERO,
            stdin_interval: Duration::ZERO,
        },
        triggers: BTreeMap::new(),
        captures: Vec::new(),
        stop: Default::default(),
        known_failures: BTreeMap::new(),
        builtin: true,
    };
    let sub = match role {
        Role::Client => {
            // Always the 1.1 mode: it is 1.0 plus the 1.1 mechanisms the `lwm2m-1.1` cases judge,
            // and no 1.0 case can tell the difference (none checks `lwm2m=1.0`).
            let ep = ["--endpoint", "{endpoint}", "--lwm2m", "1.1"];
            let server = ["--server", "{server_host}:{server_port}"];
            let bootstrap = ["--bootstrap", "{bootstrap_host}:{bootstrap_port}"];
            p.launch = Some(launch(&[&[exe, "reference-client"][..], &server, &ep].concat(), faults));
            p.bootstrap_launch = Some(launch(
                &[&[exe, "reference-client"][..], &bootstrap, &ep].concat(),
                faults,
            ));
            // Both accounts, no `--server-initiated`: it registers first and bootstraps when it
            // decides to (Bootstrap-Request Trigger, Bootstrap on Registration Failure).
            p.server_and_bootstrap_launch = Some(launch(
                &[&[exe, "reference-client"][..], &server, &bootstrap, &ep].concat(),
                faults,
            ));
            let sib = ["--server-initiated", "--listen", "{client_host}:{client_port}"];
            p.server_initiated_launch = Some(launch(
                &[&[exe, "reference-client"][..], &server, &bootstrap, &sib, &ep].concat(),
                faults,
            ));
            p.features = strings(&[
                "launch",
                "deregister-on-stop",
                "client-initiated-bootstrap",
                "server-initiated-bootstrap",
                "lwm2m-1.1",
            ]);
            p.lwm2m_version = super::LwM2mVersion::V1_1;
            "reference-client"
        }
        Role::Server => {
            p.launch = Some(launch(
                &[exe, "reference-server", "--listen", "{dut_host}:{dut_port}"],
                faults,
            ));
            p.triggers = stdin_triggers();
            p.features = strings(&["launch", "queue-mode"]);
            "reference-server"
        }
        Role::BootstrapServer => {
            let base = [
                exe,
                "reference-bootstrap-server",
                "--listen",
                "{dut_host}:{dut_port}",
                "--server-uri",
                "coap://127.0.0.1:5683",
            ];
            p.launch = Some(launch(&base, faults));
            p.server_initiated_launch = Some(launch(
                &[&base[..], &["--server-initiated", "{client_host}:{client_port}"]].concat(),
                faults,
            ));
            p.features = strings(&["launch", "client-initiated-bootstrap", "server-initiated-bootstrap"]);
            "reference-bootstrap-server"
        }
    };
    p.name = sub.to_string();
    p
}
