//! The JSON Schemas in testcases/schemas/ are what `lwm2m-conformance schema` generates from the Rust types,
//! and every shipped case and profile validates against them (so editors and the loader agree).

use std::path::{Path, PathBuf};

use lwm2m_conformance::case::load::case_files;
use lwm2m_conformance::profile::profile_files;
use lwm2m_conformance::schema_cmd::rendered;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(project().join("testcases").join("schemas").join(name)).expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn as_json(file: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(file).expect("readable");
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn committed_schemas_are_the_generated_ones() {
    for (name, text) in rendered() {
        let committed =
            std::fs::read_to_string(project().join("testcases").join("schemas").join(name)).unwrap_or_default();
        assert!(
            committed == text,
            "schemas/{name} is stale: run `cargo run -- schema --out testcases/schemas`"
        );
    }
}

#[test]
fn every_shipped_case_and_profile_validates() {
    let cases = validator("case.schema.json");
    let root = project().join("testcases");
    let mut problems = Vec::new();
    let files: Vec<PathBuf> = case_files(&root)
        .into_iter()
        .filter(|f| f.parent() != Some(root.as_path()))
        .collect();
    assert!(files.len() > 30, "cases found: {}", files.len());
    for f in &files {
        for e in errors(&cases, &as_json(f)) {
            problems.push(format!("{}: {e}", f.display()));
        }
    }
    let profiles = validator("profile.schema.json");
    for f in profile_files(&project().join("duts")) {
        for e in errors(&profiles, &as_json(&f)) {
            problems.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_schema_rejects_a_typo_the_loader_rejects() {
    let cases = validator("case.schema.json");
    let doc: serde_json::Value = serde_yaml::from_str(
        "id: x\ntitle: t\ndut: client\nrequirements: [R]\ncatches: f\nsteps:\n  - expect: { metod: POST, path: /rd }\n",
    )
    .expect("yaml");
    assert!(!errors(&cases, &doc).is_empty(), "an unknown key must not validate");
    let two_kinds: serde_json::Value = serde_yaml::from_str(
        "id: x\ntitle: t\ndut: client\nrequirements: [R]\ncatches: f\nsteps:\n  - { stop_dut: {}, restart_dut: {} }\n",
    )
    .expect("yaml");
    assert!(!errors(&cases, &two_kinds).is_empty(), "a step has exactly one kind");
}

/// Every key a profile may have, at any depth, is explained in duts/template.yaml (the profile
/// reference): a key added to the Rust types without a word there fails here.
#[test]
fn every_profile_key_is_documented_in_the_template() {
    let text = std::fs::read_to_string(project().join("testcases/schemas/profile.schema.json")).expect("schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut keys = std::collections::BTreeSet::new();
    let mut objects = vec![&schema];
    if let Some(defs) = schema["$defs"].as_object() {
        objects.extend(defs.values());
    }
    for o in objects {
        if let Some(props) = o["properties"].as_object() {
            keys.extend(props.keys().filter(|k| *k != "$schema").cloned());
        }
    }
    assert!(keys.len() > 30, "{keys:?}");
    let template = std::fs::read_to_string(project().join("duts/template.yaml")).expect("template");
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !template.contains(&format!("{k}:")) && !template.contains(&format!("`{k}`")))
        .collect();
    assert!(missing.is_empty(), "duts/template.yaml does not explain: {missing:?}");
}
