//! The `ir-reregister-with-update-after-restart` fault: the client keeps its registration
//! location across a restart, in a file, and a fresh process resumes that registration with an
//! Update. A restarted client has forgotten every observation, so it MUST send a new Register
//! instead (LwM2M 1.0.2 §5.5.1). Only this fault touches the file system.
//!
//! The file is keyed by the Endpoint Client Name and the harness run that launched the client
//! (`LWM2M_CONFORMANCE_RUN`, which the harness gives every DUT; else the parent process), so a
//! file an earlier run left behind is never picked up, and it is removed when read.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

fn file(endpoint: &str) -> PathBuf {
    let run =
        std::env::var(crate::reference::RUN_MARKER).unwrap_or_else(|_| std::os::unix::process::parent_id().to_string());
    let mut h = DefaultHasher::new();
    (endpoint, run).hash(&mut h);
    std::env::temp_dir().join(format!("lwm2m-reference-client-{:016x}.location", h.finish()))
}

/// Remembers the Location-Path segments of a successful Register.
pub(crate) fn save(endpoint: &str, location: &[Vec<u8>]) {
    let text: Vec<String> = location
        .iter()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    if let Err(e) = std::fs::write(file(endpoint), text.join("\n")) {
        tracing::warn!("cannot remember the registration location: {e}");
    }
}

/// The location a previous instance saved, if any (the file is removed).
pub(crate) fn take(endpoint: &str) -> Option<Vec<Vec<u8>>> {
    let path = file(endpoint);
    let text = std::fs::read_to_string(&path).ok()?;
    let _ = std::fs::remove_file(&path);
    let location: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    (!location.is_empty()).then_some(location)
}
