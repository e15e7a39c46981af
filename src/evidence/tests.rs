//! The reports for a fixed result set (`fixtures/`): one pass, one MUST-level failure whose
//! observed text is hostile markup, a skip, a server-role inconclusive, and a case that did not
//! run. Snapshots of the Markdown; the HTML is checked for escaping and self-containment here and
//! rendered in a real browser by tests/checklist_browser.rs.

use std::path::{Path, PathBuf};

use super::*;
use crate::case::Catalogue;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/evidence/fixtures")
}

pub struct Fixture {
    pub info: RunInfo,
    pub catalogue: Catalogue,
    pub cases: Vec<CaseRef>,
    pub results: Vec<CaseResult>,
}

impl Fixture {
    pub fn load() -> Fixture {
        let catalogue = crate::case::load::load_catalogue(&fixtures().join("catalogue.yaml")).unwrap();
        let merged = merge::merge(&[fixtures()]).unwrap();
        let mut cases: Vec<CaseRef> = merged.results.iter().map(CaseRef::of).collect();
        cases.push(CaseRef {
            case_id: "client-register-again".into(),
            trial_name: "client::registration::register_again".into(),
            requirements: vec!["REG-CLIENT-REGISTER-URI".into()],
        });
        Fixture {
            info: merged.info.unwrap(),
            catalogue,
            cases,
            results: merged.results,
        }
    }

    pub fn evidence(&self) -> Evidence<'_> {
        Evidence {
            info: &self.info,
            catalogue: &self.catalogue,
            cases: &self.cases,
            results: &self.results,
            variants: &[],
        }
    }
}

#[test]
fn checklist_markdown() {
    insta::assert_snapshot!(checklist_md(&Fixture::load().evidence()));
}

#[test]
fn traceability_markdown() {
    insta::assert_snapshot!(matrix_md(&Fixture::load().evidence()));
}

/// The Markdown as GitHub-flavoured renderers read it (pulldown-cmark with tables): hostile DUT
/// text must neither add an element nor split a row.
#[test]
fn markdown_renders_with_dut_text_inert_and_rows_whole() {
    use pulldown_cmark::{Options, Parser, html};
    let f = Fixture::load();
    for md in [checklist_md(&f.evidence()), matrix_md(&f.evidence())] {
        let mut out = String::new();
        html::push_html(&mut out, Parser::new_ext(&md, Options::ENABLE_TABLES));
        assert!(!out.contains("<script"), "DUT text became markup:\n{out}");
        for table in out.split("<table>").skip(1) {
            let table = table.split("</table>").next().unwrap();
            let (head, body) = table.split_once("</thead>").unwrap();
            let columns = head.matches("<th>").count();
            for row in body.split("<tr>").skip(1) {
                assert_eq!(row.matches("<td>").count(), columns, "a row split or merged: {row}");
            }
        }
    }
    let mut out = String::new();
    html::push_html(
        &mut out,
        Parser::new_ext(&checklist_md(&f.evidence()), Options::ENABLE_TABLES),
    );
    let fail_row = out
        .split("<tr>")
        .find(|r| r.contains("client-register-lifetime"))
        .unwrap();
    assert!(fail_row.contains("<strong>FAIL</strong>"), "{fail_row}");
    assert!(
        fail_row.contains("lt=&lt;script&gt;alert(1)&lt;/script&gt; | *42*"),
        "{fail_row}"
    );
}

#[test]
fn html_escapes_dut_text_and_stays_self_contained() {
    let html = checklist_html(&Fixture::load().evidence());
    assert!(!html.contains("<script"), "DUT text became markup");
    assert!(html.contains("lt=&lt;script&gt;alert(1)&lt;/script&gt; | *42*"));
    // No script, stylesheet, image or font from anywhere: the only links are to the captures.
    for needle in ["src=", "<link", "url(", "@import", "http://", "https://"] {
        assert!(!html.contains(needle), "external reference {needle:?} in the page");
    }
    let hrefs: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(!hrefs.is_empty());
    for h in hrefs {
        assert!(
            h.starts_with("../captures/") || h.starts_with("#case-"),
            "unexpected link {h}"
        );
    }
    assert!(html.contains(r#"<tr class="case fail" id="case-client-register-lifetime">"#));
}

#[test]
fn the_matrix_lists_every_entry_of_the_real_catalogue_once() {
    let suite = crate::suite::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("testcases")).unwrap();
    let cases = crate::suite::reports::case_refs(&suite);
    let info = RunInfo::unknown("nobody");
    let e = Evidence {
        info: &info,
        catalogue: &suite.catalogue,
        cases: &cases,
        results: &[],
        variants: &[],
    };
    let m = traceability::Matrix::of(&e);
    let mut ids: Vec<&str> = m
        .judged
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| r.req.id.as_str()))
        .chain(m.must_without_case.iter().map(|r| r.id.as_str()))
        .chain(m.other_without_case.iter().map(|r| r.id.as_str()))
        .chain(m.not_testable.iter().map(|r| r.id.as_str()))
        .collect();
    ids.sort_unstable();
    let mut want: Vec<&str> = suite.catalogue.requirements.iter().map(|r| r.id.as_str()).collect();
    want.sort_unstable();
    assert_eq!(ids, want);
    // Nothing ran, so every case in the matrix says so.
    assert!(
        m.judged
            .iter()
            .flat_map(|s| &s.rows)
            .flat_map(|r| &r.cases)
            .all(|j| j.verdict.is_none())
    );
    assert_eq!(e.not_run().len(), suite.entries.len());
}

#[test]
fn failure_requirements_are_a_list_and_old_comma_strings_still_load() {
    let old = r#"{"step":2,"step_name":"s","requirement":"REG-A, REG-B","expected":"e","observed":"o","frames":[3]}"#;
    let f: super::Failure = serde_json::from_str(old).expect("an old result file loads");
    assert_eq!(f.requirements, ["REG-A", "REG-B"]);
    let json = serde_json::to_value(&f).expect("serializes");
    assert_eq!(json["requirements"], serde_json::json!(["REG-A", "REG-B"]));
    assert!(json.get("requirement").is_none());
}

#[test]
fn the_checklist_lists_the_conformant_variants_it_is_proven_on() {
    let f = Fixture::load();
    let variants = [VariantRef {
        role: "client".into(),
        id: "no-tlv".into(),
        description: "Encodes no TLV.".into(),
        allowed_by: "TS 1.1 §7".into(),
    }];
    let e = Evidence {
        variants: &variants,
        ..f.evidence()
    };
    let md = checklist_md(&e);
    assert!(md.contains("## Proven on conformant variants"), "{md}");
    assert!(
        md.contains("| client | `no-tlv` | Encodes no TLV. | TS 1.1 §7 |"),
        "{md}"
    );
    let html = checklist_html(&e);
    assert!(
        html.contains("id=\"variants\"") && html.contains("no-tlv"),
        "the HTML lists them too"
    );
}
