//! Why a YAML file (a case, a DUT profile, the requirement catalogue) does not load, at the
//! place to fix it: `file:line:column: field: message`. A file that fails to load becomes one
//! failing trial; the rest of the suite still runs.

use std::fmt;
use std::path::PathBuf;

/// Why a case, profile or catalogue file does not load, at the place to fix it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line of the fault (1 for a fault of the whole file, e.g. an unreadable one).
    pub line: usize,
    /// 1-based column of the fault.
    pub column: usize,
    /// The field at fault, as a path such as `steps[2].expect.method` (empty when unknown).
    pub field: String,
    /// What is wrong and, where there is one, the fix.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = if self.field.is_empty() {
            "(document)"
        } else {
            &self.field
        };
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.column,
            field,
            self.message
        )
    }
}

impl std::error::Error for LoadError {}
