//! Which profile a case runs against and whether it applies to it: the run's profile (with
//! `--dut-arg`/`--dut-env` additions), the built-in reference DUT of the case's role when none is
//! named, and the reasons a case is skipped (role, start mode, triggers, version, features).

use std::path::{Path, PathBuf};

use crate::case::Case;
use crate::lwm2m::Role;
use crate::profile::{Profile, load_profile};
use crate::yaml::LoadError;

/// The profile named by `--dut` or `$LWM2M_DUT`, else the built-in reference client, with the
/// run's additions to its launches: `args` (`--dut-arg`) after those of `$LWM2M_DUT_ARGS` (split as
/// a shell would), and `env` (`--dut-env`).
pub fn select_profile(
    file: Option<&Path>,
    args: &[String],
    env: &[(String, String)],
) -> Result<(Profile, Option<PathBuf>), LoadError> {
    let file = file
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("LWM2M_DUT").map(PathBuf::from));
    let (profile, file) = match file {
        Some(f) => (load_profile(&f)?, Some(f)),
        None => (crate::profile::reference(Role::Client, &[])?, None),
    };
    let problem = |message: String| LoadError {
        file: file
            .clone()
            .unwrap_or_else(|| PathBuf::from("(built-in reference client)")),
        line: 1,
        column: 1,
        field: "launch".into(),
        message,
    };
    let mut all: Vec<String> = match std::env::var("LWM2M_DUT_ARGS") {
        Ok(text) => shlex::split(&text).ok_or_else(|| problem(format!("LWM2M_DUT_ARGS: cannot split `{text}`")))?,
        Err(_) => Vec::new(),
    };
    all.extend_from_slice(args);
    let profile = profile.with_run_additions(&all, env).map_err(problem)?;
    Ok((profile, file))
}

/// The profile a case runs against: with no profile named, every case runs against the
/// built-in reference DUT of its role.
pub fn profile_for<'a>(case: &Case, profile: &'a Profile) -> Result<std::borrow::Cow<'a, Profile>, LoadError> {
    Ok(if profile.builtin && case.dut != profile.role {
        std::borrow::Cow::Owned(crate::profile::reference(case.dut, &[])?)
    } else {
        std::borrow::Cow::Borrowed(profile)
    })
}

/// Why a case does not apply to this DUT, if it doesn't.
pub fn not_applicable(case: &Case, profile: &Profile) -> Option<String> {
    if case.dut != profile.role {
        return Some(format!(
            "the case is for {} DUTs; the profile's DUT is a {}",
            case.dut.as_str(),
            profile.role.as_str()
        ));
    }
    if case.start != crate::case::model::Start::Server
        && profile.attach.is_none()
        && profile.launch_for(case.start).is_none()
    {
        let key = profile
            .launches()
            .into_iter()
            .find_map(|(start, key, _)| (start == case.start).then_some(key))
            .unwrap_or_default();
        return Some(format!(
            "the case starts the DUT in {} mode; the profile has no `{key}`",
            case.start.as_str()
        ));
    }
    // A set: a case that triggers the same operation twice names it once.
    let triggers: std::collections::BTreeSet<&str> = case
        .steps
        .iter()
        .filter_map(|s| match s {
            crate::case::Step::Trigger(t) if !profile.triggers.contains_key(&t.operation) => Some(t.operation.as_str()),
            _ => None,
        })
        .collect();
    if !triggers.is_empty() {
        let triggers: Vec<&str> = triggers.into_iter().collect();
        return Some(format!("the profile cannot trigger: {}", triggers.join(", ")));
    }
    if !profile.lwm2m_version.within(&case.versions) {
        return Some(format!(
            "the case judges the LwM2M {} rule; the profile's DUT implements LwM2M {}",
            crate::lwm2m::version::list(&case.versions),
            profile.lwm2m_version
        ));
    }
    let missing: Vec<&str> = case
        .needs
        .iter()
        .filter(|n| !crate::feature::declares(&profile.features, n))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        None
    } else {
        Some(format!("the profile does not declare: {}", missing.join(", ")))
    }
}
