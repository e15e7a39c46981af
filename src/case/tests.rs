//! The loader's promises: every error names file, line, column and field; a bad file is one
//! failing entry while the others load.

use std::path::Path;

use super::load::{load_case, load_catalogue};

pub(super) const CATALOGUE: &str = "requirements:
  - id: REG-X
    keyword: MUST
    level: must
    role: client
    interface: registration
    text: The LwM2M Client MUST register.
    sources: [{seed: s.txt, section: '1'}]
    testable: true
";

pub(super) const GOOD: &str = "id: good
title: t
dut: client
requirements: [REG-X]
catches: register-wrong-path
steps:
  - expect:
      method: POST
      path: /rd
  - respond:
      code: \"2.01\"
";

pub(super) fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

pub(super) fn setup() -> (tempfile::TempDir, super::Catalogue) {
    let dir = tempfile::tempdir().unwrap();
    let cat = load_catalogue(&write(dir.path(), "requirements.yaml", CATALOGUE)).unwrap();
    (dir, cat)
}

#[test]
fn a_good_case_loads() {
    let (dir, cat) = setup();
    let case = load_case(&write(dir.path(), "good.yaml", GOOD), &cat).unwrap();
    assert_eq!(case.steps.len(), 2);
}

#[test]
fn an_unknown_key_names_file_line_column_and_field() {
    let (dir, cat) = setup();
    let text = GOOD.replace("      path: /rd", "      path: /rd\n      metod: GET");
    let e = load_case(&write(dir.path(), "typo.yaml", &text), &cat).unwrap_err();
    assert_eq!((e.line, e.column), (10, 7), "{e}");
    assert_eq!(e.field, "steps[0].expect");
    assert!(e.message.contains("unknown field `metod`"), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "{}:10:7: steps[0].expect: ",
            dir.path().join("typo.yaml").display()
        )),
        "{e}"
    );
}

#[test]
fn a_wrong_value_type_names_the_field() {
    let (dir, cat) = setup();
    let text = GOOD.replace("code: \"2.01\"", "code: [1]");
    let e = load_case(&write(dir.path(), "t.yaml", &text), &cat).unwrap_err();
    assert_eq!(e.line, 11, "{e}");
    assert!(e.field.starts_with("steps[1]"), "{e}");
}

#[test]
fn a_step_of_no_known_kind_is_an_error() {
    let (dir, cat) = setup();
    let text = GOOD.replace("  - respond:\n      code: \"2.01\"\n", "  - {}\n");
    let e = load_case(&write(dir.path(), "t.yaml", &text), &cat).unwrap_err();
    assert!(e.message.contains("a step needs one of"), "{e}");
    assert_eq!((e.line, e.field.as_str()), (10, "steps[1]"), "{e}");
}

#[test]
fn a_misspelt_step_kind_lists_the_kinds() {
    let (dir, cat) = setup();
    let text = GOOD.replace("  - respond:", "  - repsond:");
    let e = load_case(&write(dir.path(), "t.yaml", &text), &cat).unwrap_err();
    assert!(e.message.contains("unknown variant `repsond`"), "{e}");
    assert_eq!((e.line, e.field.as_str()), (10, "steps[1]"), "{e}");
}

#[test]
fn an_unknown_requirement_id_is_an_error_at_its_position() {
    let (dir, cat) = setup();
    let text = GOOD.replace("[REG-X]", "[REG-X, REG-NOPE]");
    let e = load_case(&write(dir.path(), "t.yaml", &text), &cat).unwrap_err();
    assert_eq!((e.line, e.column, e.field.as_str()), (4, 23, "requirements[1]"), "{e}");
}

#[test]
fn a_respond_to_an_unknown_request_is_an_error() {
    let (dir, cat) = setup();
    let text = GOOD.replace("      code: \"2.01\"", "      to: nothing\n      code: \"2.01\"");
    let e = load_case(&write(dir.path(), "t.yaml", &text), &cat).unwrap_err();
    assert_eq!(e.field, "steps[1].respond.to", "{e}");
}

#[test]
fn a_bad_file_is_one_failing_entry_and_the_others_still_load() {
    let (dir, _) = setup();
    write(dir.path(), "client/registration/good.yaml", GOOD);
    write(dir.path(), "client/registration/bad.yaml", "id: [unclosed\n");
    let suite = crate::suite::load(dir.path()).unwrap();
    let names: Vec<(&str, bool)> = suite
        .entries
        .iter()
        .map(|e| (e.trial_name.as_str(), e.case.is_ok()))
        .collect();
    assert_eq!(
        names,
        [
            ("client::registration::bad", false),
            ("client::registration::good", true)
        ]
    );
}

#[test]
fn links_include_checks_link_attributes() {
    use super::matcher::PayloadMatcher;
    use crate::lwm2m::Content;
    let links = crate::lwm2m::link_format::parse("</3/0>;pmin=10;pmax=200,</3/0/1>").unwrap();
    let content = Ok(Content::Links(links));
    let m = |want: &str| PayloadMatcher {
        links_include: vec![want.into()],
        ..Default::default()
    };
    let vars = crate::template::Vars::default();
    assert!(m("</3/0>;pmin=10;pmax=200").check(b"x", &content, &vars).is_ok());
    assert!(m("</3/0/1>").check(b"x", &content, &vars).is_ok());
    let e = m("</3/0>;pmin=11").check(b"x", &content, &vars).unwrap_err();
    assert!(e.contains("pmin=10, expected 11"), "{e}");
    let e = m("</3/0/1>;pmax=5").check(b"x", &content, &vars).unwrap_err();
    assert!(e.contains("pmax=nothing"), "{e}");
    assert!(
        m("</4/0>")
            .check(b"x", &content, &vars)
            .unwrap_err()
            .contains("missing")
    );
}

#[test]
fn links_exclude_and_wildcard_segments() {
    use super::matcher::PayloadMatcher;
    use crate::lwm2m::Content;
    let links =
        crate::lwm2m::link_format::parse(r#"</>;lwm2m=1.1,</0/0>;uri="coap://127.0.0.2:5683",</1>,</3/0>"#).unwrap();
    let content = Ok(Content::Links(links));
    let check = |include: &[&str], exclude: &[&str]| {
        let m = PayloadMatcher {
            links_include: include.iter().map(|s| s.to_string()).collect(),
            links_exclude: exclude.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let mut vars = crate::template::Vars::default();
        vars.set_endpoint("bootstrap", "127.0.0.2:5683".parse().unwrap());
        m.check(b"x", &content, &vars)
    };
    // Some Security instance points at the Bootstrap-Server, whatever its id.
    assert!(check(&[r#"</0/*>;uri="{bootstrap_uri}""#], &[]).is_ok());
    let e = check(&["</0/*>;ssid=1"], &[]).unwrap_err();
    assert!(e.contains("</0/0> has ssid=nothing"), "{e}");
    let e = check(&["</1/*>"], &[]).unwrap_err();
    assert!(e.contains("link </1/*> is missing"), "{e}");
    // A `*` is one segment: </0/*> is neither </0> nor </0/0/1>.
    assert!(check(&["</*>"], &[]).is_ok());
    assert!(check(&[], &["</1/*>", "</0/*/*>", "</0/0>;ssid=1"]).is_ok());
    let e = check(&[], &["</0/*>"]).unwrap_err();
    assert!(e.contains("</0/0>;uri=coap://127.0.0.2:5683 is present"), "{e}");
    assert!(check(&[], &["</3/0>"]).unwrap_err().contains("excluded </3/0>"));
    // links_exclude alone still requires link format.
    let m = PayloadMatcher {
        links_exclude: vec!["</0/1>".into()],
        ..Default::default()
    };
    let records = Ok(Content::Records(vec![]));
    assert!(m.check(b"x", &records, &crate::template::Vars::default()).is_err());
}

#[test]
fn check_flags_bootstrap_windows_shorter_than_the_client_hold_off_time() {
    let case = crate::yaml::parse_yaml(
        Path::new("hold.yaml"),
        "id: hold\ntitle: t\ndut: client\nrequirements: [R]\ncatches: f\nstart: bootstrap\nsteps:\n\
         \x20 - expect: { at: bootstrap, method: POST, path: /bs, within: startup }\n\
         \x20 - expect: { at: bootstrap, method: POST, path: /bs, within: startup + hold_off }\n\
         \x20 - expect_none: { at: bootstrap, request: true, within: quiet }\n\
         \x20 - expect_none: { at: bootstrap, request: true, within: quiet + hold_off }\n",
    )
    .expect("parses");
    let mut timing = crate::timing::Timing::default();
    assert!(
        crate::case::windows::too_short(&case, &timing).is_empty(),
        "no hold-off declared"
    );
    timing.client_hold_off_time = std::time::Duration::from_secs(10);
    let findings = crate::case::windows::too_short(&case, &timing);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert!(
        findings[0].contains("steps[0]") && findings[0].contains("startup + hold_off"),
        "{findings:#?}"
    );
    assert!(
        findings[1].contains("steps[2]") && findings[1].contains("hollow pass"),
        "{findings:#?}"
    );
}

#[test]
fn a_case_citing_a_one_version_requirement_must_be_limited_to_that_version() {
    use crate::lwm2m::LwM2mVersion;
    let dir = tempfile::tempdir().unwrap();
    let text = CATALOGUE.replace("    testable: true", "    versions: [\"1.0\"]\n    testable: true");
    let cat = load_catalogue(&write(dir.path(), "requirements.yaml", &text)).unwrap();
    let e = load_case(&write(dir.path(), "t.yaml", GOOD), &cat).unwrap_err();
    assert_eq!(e.field, "requirements[0]", "{e}");
    assert!(
        e.message.contains("LwM2M 1.0 only") && e.message.contains("1.1 too"),
        "{e}"
    );
    let limited = GOOD.replace("catches:", "versions: [\"1.0\"]\ncatches:");
    let case = load_case(&write(dir.path(), "t.yaml", &limited), &cat).unwrap();
    assert_eq!(case.versions, [LwM2mVersion::V1_0]);
    // A DUT of the other version skips it, with the reason.
    let mut profile = crate::profile::reference(crate::lwm2m::Role::Client, &[]).expect("the built-in client");
    profile.lwm2m_version = LwM2mVersion::V1_0;
    assert_eq!(crate::suite::not_applicable(&case, &profile), None);
    profile.lwm2m_version = LwM2mVersion::V1_1;
    let why = crate::suite::not_applicable(&case, &profile).unwrap_or_default();
    assert!(
        why.contains("LwM2M 1.0 rule") && why.contains("implements LwM2M 1.1"),
        "{why}"
    );
}
