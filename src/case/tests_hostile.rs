//! Hostile input stays bounded: loops, duplicates and oversized files are refused with an error at
//! file:line:column, quickly, and the other cases still load.

use super::load::MAX_STEPS;
use super::load::load_case;
use super::tests::{GOOD, setup, write};
use crate::yaml::limits::{MAX_DEPTH, MAX_FILE_BYTES};

fn outcomes(suite: &crate::suite::Suite) -> Vec<(String, Result<(), String>)> {
    suite
        .entries
        .iter()
        .map(|e| {
            (
                e.trial_name.clone(),
                e.case.as_ref().map(|_| ()).map_err(|e| e.to_string()),
            )
        })
        .collect()
}

/// A suite of one good case plus `client/registration/<name>` linking to `target`: the good case
/// loads, the link is the second entry and an error (returned with the link's path).
#[cfg(unix)]
fn good_case_and_link(target: &str, name: &str) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let (dir, _) = setup();
    write(dir.path(), "client/registration/good.yaml", GOOD);
    let link = dir.path().join("client/registration").join(name);
    std::os::unix::fs::symlink(target, &link).unwrap();
    let got = outcomes(&crate::suite::load(dir.path()).unwrap());
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0], ("client::registration::good".to_string(), Ok(())));
    let err = got[1].1.clone().unwrap_err();
    (dir, link, err)
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_one_error_naming_the_link_and_the_folder_it_leads_back_to() {
    let (dir, link, err) = good_case_and_link("..", "up");
    assert!(err.starts_with(&format!("{}:1:1: ", link.display())), "{err}");
    let back = std::fs::canonicalize(dir.path().join("client")).unwrap();
    assert!(
        err.contains(&format!("leads to {}, already read as", back.display())),
        "{err}"
    );
    assert!(err.contains("symlink loop"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_link_to_itself_is_an_error_not_a_hang() {
    let (_dir, _, err) = good_case_and_link("self.yaml", "self.yaml");
    assert!(err.contains("cannot resolve"), "{err}");
}

#[test]
fn two_cases_with_one_id_are_both_errors_naming_each_other() {
    let (dir, _) = setup();
    let a = write(dir.path(), "client/registration/a.yaml", GOOD);
    let b = write(dir.path(), "client/registration/b.yaml", GOOD);
    write(
        dir.path(),
        "client/registration/c.yaml",
        &GOOD.replace("id: good", "id: other"),
    );
    let suite = crate::suite::load(dir.path()).unwrap();
    let got = outcomes(&suite);
    let a_err = got[0].1.as_ref().unwrap_err();
    let b_err = got[1].1.as_ref().unwrap_err();
    assert!(
        a_err.starts_with(&format!("{}:1:5: id: case ID `good`", a.display())),
        "{a_err}"
    );
    assert!(a_err.contains(&b.display().to_string()), "{a_err}");
    assert!(b_err.contains(&a.display().to_string()), "{b_err}");
    assert!(got[2].1.is_ok(), "{got:?}");
}

#[test]
fn a_file_past_the_size_limit_is_refused_where_the_limit_is_passed() {
    let (dir, cat) = setup();
    let padding = "# pad\n".repeat(MAX_FILE_BYTES as usize / 6 + 1);
    let f = write(dir.path(), "big.yaml", &format!("{GOOD}{padding}"));
    let e = load_case(&f, &cat).unwrap_err();
    assert!(e.line > 1000, "{e}");
    assert!(e.message.contains("larger than the limit"), "{e}");
}

#[test]
fn deep_nesting_is_refused_at_the_bracket_past_the_limit() {
    let (dir, cat) = setup();
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let f = write(dir.path(), "deep.yaml", &format!("{GOOD}x: {deep}\n"));
    let started = std::time::Instant::now();
    let e = load_case(&f, &cat).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // Line 12 `x: [[[...`: the root map is one level, so bracket number MAX_DEPTH goes past it.
    assert_eq!((e.line, e.column), (12, 3 + MAX_DEPTH), "{e}");
    assert!(e.message.contains("nested deeper"), "{e}");
}

#[test]
fn deep_block_nesting_is_refused_too() {
    let (dir, cat) = setup();
    let deep: String = (0..40).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
    let e = load_case(&write(dir.path(), "deep.yaml", &format!("{GOOD}{deep}")), &cat).unwrap_err();
    assert_eq!((e.line, e.column), (12 + MAX_DEPTH, 2 * MAX_DEPTH + 1), "{e}");
}

#[test]
fn every_shipped_file_is_well_inside_the_limits() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["testcases", "duts"] {
        for f in super::load::case_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&f).unwrap();
            assert_eq!(crate::yaml::limits::too_deep(&text), None, "{}", f.display());
        }
    }
}

#[test]
fn too_many_steps_is_refused_at_the_first_step_past_the_limit() {
    let (dir, cat) = setup();
    let steps = "  - stop_dut:\n".repeat(MAX_STEPS + 5);
    let text = GOOD.replace("steps:\n", &format!("steps:\n{steps}"));
    let e = load_case(&write(dir.path(), "long.yaml", &text), &cat).unwrap_err();
    assert_eq!((e.line, e.column), (7 + MAX_STEPS, 3), "{e}");
    assert_eq!(e.field, format!("steps[{MAX_STEPS}]"));
}

#[test]
fn a_bad_within_points_at_its_value() {
    let (dir, cat) = setup();
    let text = GOOD.replace("      path: /rd\n", "      path: /rd\n      within: soon\n");
    let e = load_case(&write(dir.path(), "w.yaml", &text), &cat).unwrap_err();
    assert_eq!(
        (e.line, e.column, e.field.as_str()),
        (10, 15, "steps[0].expect.within"),
        "{e}"
    );
    let flow = GOOD.replace(
        "  - respond:",
        "  - expect_none: { name: x, within: \"soon\" }\n  - respond:",
    );
    let e = load_case(&write(dir.path(), "f.yaml", &flow), &cat).unwrap_err();
    assert_eq!((e.line, e.column), (10, 37), "{e}");
}
