//! `lwm2m-conformance schema`: writes the JSON Schemas of the case and profile YAML, so editors
//! (via a `# yaml-language-server: $schema=...` line) validate and complete them.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::case::schema::case_schema;
use crate::command::exit;
use crate::command::output::{errln, out};
use crate::profile::schema::profile_schema;

#[derive(clap::Args)]
pub(crate) struct SchemaArgs {
    /// Folder to write case.schema.json and profile.schema.json into (default: print the case schema).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The two schemas as pretty JSON, by file name.
pub fn rendered() -> Vec<(&'static str, String)> {
    let pretty = |s: schemars::Schema| serde_json::to_string_pretty(&s).unwrap_or_default() + "\n";
    vec![
        ("case.schema.json", pretty(case_schema())),
        ("profile.schema.json", pretty(profile_schema())),
    ]
}

pub(crate) fn run(a: SchemaArgs) -> ExitCode {
    let Some(dir) = a.out else {
        out!("{}", rendered()[0].1);
        return ExitCode::SUCCESS;
    };
    for (name, text) in rendered() {
        if let Err(e) = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(dir.join(name), text)) {
            errln!("cannot write {}: {e}", dir.join(name).display());
            return ExitCode::from(exit::UNUSABLE);
        }
    }
    ExitCode::SUCCESS
}
