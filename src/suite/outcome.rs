//! Turning an engine outcome into a report result: known failures, gating, evidence paths.

use super::applicable::profile_for;
use super::cases::{Entry, Suite};
use crate::case::Case;
use crate::engine::Judgement;
use crate::evidence::{CaseResult, Level, Verdict};
use crate::profile::Profile;
use crate::transport::{TrialOutput, TrialPaths};
use crate::yaml::LoadError;

fn rfc3339(t: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Evidence paths relative to the working directory when under it, so reports stay valid when
/// the folder is archived as a CI artifact.
fn relative(p: &std::path::Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    p.strip_prefix(&cwd).unwrap_or(p).display().to_string()
}

fn base(entry: &Entry, profile: &Profile, level: Level) -> CaseResult {
    CaseResult {
        case_id: entry.case_id(),
        trial_name: entry.trial_name.clone(),
        classname: entry.classname.clone(),
        title: String::new(),
        requirements: Vec::new(),
        ets: None,
        level,
        catches: None,
        dut: profile.name.clone(),
        verdict: Verdict::Error,
        gating: false,
        message: None,
        failure: None,
        pcap: None,
        coap_port: None,
        started_at: rfc3339(std::time::SystemTime::now()),
        duration_ms: 0,
        transcript: Vec::new(),
        dut_log: None,
    }
}

fn with_case(mut r: CaseResult, case: &Case) -> CaseResult {
    r.title = case.title.clone();
    r.requirements = case.requirements.clone();
    r.ets = case.ets.clone();
    r.catches = Some(case.catches.clone());
    r
}

pub fn load_error(entry: &Entry, profile: &Profile, e: &LoadError) -> CaseResult {
    let mut r = base(entry, profile, Level::Must);
    r.title = format!("case file {}", entry.file.display());
    r.message = Some(format!("the case file does not load: {e}"));
    r.gating = true;
    r
}

/// A trial that panicked: a harness bug, never a verdict on the DUT. An error that gates
/// whatever the case's level (a run with a crashed trial must not look green).
pub fn panicked(entry: &Entry, suite: &Suite, profile: &Profile, what: &str) -> CaseResult {
    let message = format!(
        "the harness itself failed while running this case (a harness bug, not a verdict on the DUT): it panicked: {what}"
    );
    let mut r = match &entry.case {
        Ok(case) => {
            let level = suite.catalogue.level_of(&case.requirements);
            // The DUT the trial ran against, when it can still be named; else the run's.
            let dut = profile_for(case, profile);
            let dut = dut.as_deref().unwrap_or(profile);
            with_case(base(entry, dut, level), case)
        }
        Err(_) => base(entry, profile, Level::Must),
    };
    r.message = Some(message);
    r.gating = true;
    r
}

pub fn skipped(entry: &Entry, case: &Case, profile: &Profile, level: Level, why: String) -> CaseResult {
    let mut r = with_case(base(entry, profile, level), case);
    r.verdict = Verdict::Skipped;
    r.message = Some(format!("not applicable: {why}"));
    r
}

pub fn to_result(
    entry: &Entry,
    case: &Case,
    profile: &Profile,
    level: Level,
    strict: bool,
    paths: &TrialPaths,
    out: TrialOutput,
) -> CaseResult {
    let mut r = with_case(base(entry, profile, level), case);
    let known = profile.known_failures.get(&case.id);
    r.verdict = match (out.outcome.judgement, known) {
        (Judgement::Pass, None) => Verdict::Pass,
        (Judgement::Pass, Some(_)) => Verdict::UnexpectedPass,
        (Judgement::Fail, None) => Verdict::Fail,
        (Judgement::Inconclusive, None) => Verdict::Inconclusive,
        (Judgement::Fail | Judgement::Inconclusive, Some(_)) => Verdict::ExpectedFail,
        (Judgement::Error, _) => Verdict::Error,
        (Judgement::Interrupted, _) => Verdict::Interrupted,
    };
    let mut message = out.outcome.message;
    if let Some(reason) = known {
        message = match r.verdict {
            Verdict::UnexpectedPass => {
                format!("listed as a known failure ({reason}) but passed: remove it from the profile")
            }
            _ => format!("known failure ({reason}): {message}"),
        };
    }
    if let Some(reading) = &case.reading
        && r.verdict != Verdict::Pass
    {
        message.push_str(&format!(" (reading: {reading})"));
    }
    r.message = Some(message);
    r.failure = out.outcome.failure;
    r.gating = gates(level, r.verdict, strict);
    r.pcap = Some(relative(&paths.pcap));
    r.dut_log = paths.dut_log.exists().then(|| relative(&paths.dut_log));
    r.coap_port = crate::transport::trial::decode_as_hint(out.server);
    r.started_at = rfc3339(out.started_at);
    r.duration_ms = out.duration.as_millis() as u64;
    r.transcript = out.transcript;
    r
}

/// Whether a result must fail the run: MUST-level problems always, others only with `--strict`;
/// an interrupted case always (the run did not finish).
pub fn gates(level: Level, verdict: Verdict, strict: bool) -> bool {
    verdict.is_problem() && (level == Level::Must || strict || verdict == Verdict::Interrupted)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_of_known_instants() {
        let t = |s| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s);
        assert_eq!(super::rfc3339(t(0)), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(t(1_795_000_000)), "2026-11-18T11:06:40Z");
        assert_eq!(super::rfc3339(t(951_782_400)), "2000-02-29T00:00:00Z");
    }
}
