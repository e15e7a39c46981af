//! The profiles of the built-in reference DUTs are the shipped `duts/reference-*.yaml` files,
//! compiled in and loaded like any profile (the same parser and validation, errors at
//! `file:line:column`); the self-test's `--fault` and `--variant` switches go on top of their
//! launches. `run --dut duts/reference-client.yaml` therefore runs exactly what `run` runs.

use std::path::Path;
use std::time::Duration;

use super::load::parse_profile;
use super::model::Profile;
use crate::lwm2m::Role;
use crate::lwm2m::version::LwM2mVersion;
use crate::yaml::LoadError;

/// The shipped profile file of the reference DUT of `role`: its path in the repository (what
/// errors name) and its text.
fn shipped(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Client => (
            "duts/reference-client.yaml",
            include_str!("../../duts/reference-client.yaml"),
        ),
        Role::Server => (
            "duts/reference-server.yaml",
            include_str!("../../duts/reference-server.yaml"),
        ),
        Role::BootstrapServer => (
            "duts/reference-bootstrap-server.yaml",
            include_str!("../../duts/reference-bootstrap-server.yaml"),
        ),
    }
}

/// The conformant reference DUT of `role`, as its shipped file says. An error (a file that does
/// not parse or validate, or declares another role) is one the project's tests catch first.
/// Parsed once per role: every trial of a built-in run asks for it.
fn builtin(role: Role) -> Result<Profile, LoadError> {
    static PARSED: [std::sync::OnceLock<Result<Profile, LoadError>>; 3] = [const { std::sync::OnceLock::new() }; 3];
    let slot = match role {
        Role::Client => 0,
        Role::Server => 1,
        Role::BootstrapServer => 2,
    };
    PARSED[slot].get_or_init(|| parse_builtin(role)).clone()
}

fn parse_builtin(role: Role) -> Result<Profile, LoadError> {
    let (file, text) = shipped(role);
    let mut p = parse_profile(Path::new(file), text)?;
    if p.role != role {
        let (line, column) = crate::yaml::position::locate_field(text, "role").unwrap_or((1, 1));
        return Err(LoadError {
            file: file.into(),
            line,
            column,
            field: "role".into(),
            message: format!(
                "the reference {} DUT's profile says `{}`",
                role.as_str(),
                p.role.as_str()
            ),
        });
    }
    p.builtin = true;
    Ok(p)
}

/// A switch (`--fault`, `--variant`) the launches of the shipped profile of `role` cannot take.
/// The switches go on as `--dut-arg`s do ([`Profile::with_run_additions`]): at the end of each
/// launch, as the shipped ones have no `{dut_args}`; only an argument with a NUL byte is refused.
fn switch_error(role: Role, message: String) -> LoadError {
    LoadError {
        file: shipped(role).0.into(),
        line: 1,
        column: 1,
        field: "launch".into(),
        message,
    }
}

/// The trigger lines of the reference server, by operation (`read` -> `read {endpoint} {path}`):
/// the `stdin` triggers of `duts/reference-server.yaml`, which it also takes as the body of
/// `POST /trigger`. Profiles that drive it other ways (an attached server over HTTP, in the
/// tests) use the same lines.
pub fn server_trigger_lines() -> Result<Vec<(String, String)>, LoadError> {
    Ok(builtin(Role::Server)?
        .triggers
        .into_iter()
        .filter_map(|(op, t)| t.stdin.map(|line| (op, line)))
        .collect())
}

/// The built-in reference DUT of `role`, with `--fault` switches for the self-test.
pub fn reference(role: Role, faults: &[String]) -> Result<Profile, LoadError> {
    let switches: Vec<String> = faults
        .iter()
        .flat_map(|id| ["--fault".to_string(), id.clone()])
        .collect();
    let mut p = builtin(role)?
        .with_run_additions(&switches, &[])
        .map_err(|e| switch_error(role, e))?;
    if !faults.is_empty() {
        p.name = format!("{} --fault {}", p.name, faults.join(","));
    }
    Ok(p)
}

/// The reference DUT of `role` with `--variant <variant>`, and what that variant's profile
/// declares differently: the self-test judges the variant against exactly this profile.
pub fn reference_variant(role: Role, variant: &str) -> Result<Profile, LoadError> {
    let mut p = builtin(role)?
        .with_run_additions(&["--variant".to_string(), variant.to_string()], &[])
        .map_err(|e| switch_error(role, e))?;
    p.name = format!("{} --variant {variant}", p.name);
    p.description = Some(format!("the built-in reference DUT, conformant variant `{variant}`"));
    match (role, variant) {
        (Role::Client, "no-tlv") => {
            // The device has no TLV codec: a case must pick another format, as a real server would.
            p.content_formats.retain(|f| f != "tlv");
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
            p.lwm2m_version = LwM2mVersion::V1_1;
        }
        _ => {}
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::Start;

    const ROLES: [Role; 3] = [Role::Client, Role::Server, Role::BootstrapServer];

    /// The compiled-in files parse and validate as profiles of their role; a broken one fails
    /// here, not in a run.
    #[test]
    fn every_shipped_reference_profile_loads() {
        for role in ROLES {
            let p = reference(role, &[]).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.role, role);
            assert!(p.builtin);
            assert!(p.launch.is_some(), "{}: a launch", p.name);
        }
    }

    /// The compiled-in text is the file on disk (so `--dut duts/reference-*.yaml` runs the same).
    #[test]
    fn the_built_in_profiles_are_the_files_in_duts() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for role in ROLES {
            let (file, text) = shipped(role);
            let on_disk = std::fs::read_to_string(root.join(file)).expect("the shipped file");
            assert_eq!(on_disk, text, "{file}");
            let loaded = crate::profile::load_profile(&root.join(file)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(loaded.name, reference(role, &[]).expect("built in").name);
        }
    }

    /// Every start mode the reference DUT supports has its launch, so no case is skipped against
    /// the built-in DUT of its role for want of one.
    #[test]
    fn the_reference_profiles_launch_every_start_the_cases_use() {
        let client = reference(Role::Client, &[]).expect("built in");
        for start in [
            Start::Server,
            Start::Bootstrap,
            Start::ServerInitiatedBootstrap,
            Start::ServerAndBootstrap,
        ] {
            assert!(client.launch_for(start).is_some(), "client: {}", start.as_str());
        }
        let bs = reference(Role::BootstrapServer, &[]).expect("built in");
        assert!(bs.launch_for(Start::ServerInitiatedBootstrap).is_some());
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testcases");
        let suite = crate::suite::load(&root).expect("the suite loads");
        for e in &suite.entries {
            let case = e.case.as_ref().unwrap_or_else(|err| panic!("{err}"));
            let p = reference(case.dut, &[]).expect("built in");
            assert_eq!(
                crate::suite::not_applicable(case, &p),
                None,
                "{} against the built-in reference DUT",
                e.trial_name
            );
        }
    }

    #[test]
    fn faults_and_variants_go_on_every_launch() {
        let p = reference(Role::Client, &["no-register".into()]).expect("built in");
        assert_eq!(p.name, "reference-client --fault no-register");
        for l in [
            &p.launch,
            &p.bootstrap_launch,
            &p.server_initiated_launch,
            &p.server_and_bootstrap_launch,
        ] {
            let c = &l.as_ref().expect("a launch").command;
            assert_eq!(c[c.len() - 2..], ["--fault".to_string(), "no-register".to_string()]);
        }
        let v = reference_variant(Role::Client, "no-tlv").expect("built in");
        assert!(!v.content_formats.iter().any(|f| f == "tlv"));
        let c = &v.launch.as_ref().expect("a launch").command;
        assert_eq!(c[c.len() - 2..], ["--variant".to_string(), "no-tlv".to_string()]);
    }

    #[test]
    fn the_server_trigger_lines_are_the_profiles() {
        let lines = server_trigger_lines().expect("built in");
        assert!(lines.contains(&("read".into(), "read {endpoint} {path}".into())));
        assert_eq!(
            lines.len(),
            reference(Role::Server, &[]).expect("built in").triggers.len()
        );
    }
}
