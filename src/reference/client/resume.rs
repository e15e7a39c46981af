//! The `ir-reregister-with-update-after-restart` fault: the client keeps its registration
//! location across a restart, in a file, and a fresh process resumes that registration with an
//! Update. A restarted client has forgotten every observation, so it MUST send a new Register
//! instead (LwM2M 1.0.2 §5.5.1). Only this fault touches the file system.
//!
//! The file is keyed by the Endpoint Client Name and the harness run that launched the client
//! (`LWM2M_CONFORMANCE_RUN`, which the harness gives every DUT; else the parent process), so a
//! file an earlier run left behind is never picked up, and it is removed when read.
//!
//! A trial run in memory (the `sim` pairing) restarts the client by making a fresh device in the
//! same thread: [`in_memory`] puts the remembered location in a map of that thread instead, so
//! the fault behaves the same with no file, and parallel trials never see each other's.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

type Locations = BTreeMap<String, Vec<Vec<u8>>>;

thread_local! {
    /// Set while [`in_memory`] runs: the remembered locations by Endpoint Client Name.
    static IN_MEMORY: RefCell<Option<Locations>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's devices remembering locations in memory (starting from none),
/// then forgets them, also when `f` panics.
pub(crate) fn in_memory<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Locations>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            IN_MEMORY.with(|m| *m.borrow_mut() = previous);
        }
    }
    let _restore = Restore(IN_MEMORY.with(|m| m.borrow_mut().replace(Locations::new())));
    f()
}

fn file(endpoint: &str) -> PathBuf {
    let run =
        std::env::var(crate::reference::RUN_MARKER).unwrap_or_else(|_| std::os::unix::process::parent_id().to_string());
    let mut h = DefaultHasher::new();
    (endpoint, run).hash(&mut h);
    std::env::temp_dir().join(format!("lwm2m-reference-client-{:016x}.location", h.finish()))
}

/// Remembers the Location-Path segments of a successful Register.
pub(crate) fn save(endpoint: &str, location: &[Vec<u8>]) {
    let kept = IN_MEMORY.with(|m| {
        m.borrow_mut()
            .as_mut()
            .map(|map| map.insert(endpoint.to_string(), location.to_vec()))
            .is_some()
    });
    if kept {
        return;
    }
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
    if let Some(in_memory) = IN_MEMORY.with(|m| m.borrow_mut().as_mut().map(|map| map.remove(endpoint))) {
        return in_memory.filter(|l| !l.is_empty());
    }
    let path = file(endpoint);
    let text = std::fs::read_to_string(&path).ok()?;
    let _ = std::fs::remove_file(&path);
    let location: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    (!location.is_empty()).then_some(location)
}
