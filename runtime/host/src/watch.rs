//! Picks up `*.aura` files that change or appear in the directory while the host runs: a thread
//! polls the directory (no dependency, works on every file system), hashing each file's content,
//! and asks the interpreter thread to reload a module once its file is new or changed and has
//! stayed the same for one poll (so a file caught half-written is not loaded). The interpreter
//! reads the file itself and goes through the same staging path as `POST /api/evolve_plugin`.
//!
//! "Changed" means: differs from the source the interpreter has loaded (`Shared::loaded_hashes`),
//! not from what this thread saw last, so a file put back to its old text right after an evolve
//! (between two looks) is still loaded again.

use crate::actor::{valid_module_name, Job};
use crate::Shared;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::WeakSender;

/// Module name → hash of its file's content.
pub type Snapshot = HashMap<String, u64>;

/// The directory's modules now. Unreadable files are left out (and retried on the next poll).
pub fn scan(dir: &Path) -> Snapshot {
    let mut out = HashMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "aura") {
            continue;
        }
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if !valid_module_name(name) {
            continue;
        }
        if let Ok(bytes) = std::fs::read(&path) {
            let _ = out.insert(name.to_string(), content_hash(&bytes));
        }
    }
    out
}

/// The hash the watcher compares: of a file's bytes, or of a loaded module's source.
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// Polls `dir` every `interval`, starting from `loaded` (the state the modules were loaded
/// from), until the host stops (every strong job sender is gone). Removed files are ignored: the
/// module keeps serving until a restart.
pub fn spawn(
    dir: std::path::PathBuf,
    interval: Duration,
    loaded: Snapshot,
    shared: Arc<Shared>,
    jobs: WeakSender<Job>,
) -> std::io::Result<()> {
    let _detached = std::thread::Builder::new()
        .name("aura-watch".into())
        .spawn(move || {
            // (file hash, swap count) pairs already asked for: a file that does not check is
            // asked for once, not at every look, until it or some loaded module changes.
            let serving = || {
                shared
                    .loaded_hashes
                    .lock()
                    .map(|h| h.clone())
                    .unwrap_or_default()
            };
            let at_start = serving().0;
            let mut reported: HashMap<String, (u64, u64)> = loaded
                .iter()
                .map(|(name, hash)| (name.clone(), (*hash, at_start)))
                .collect();
            let mut previous = loaded;
            loop {
                std::thread::sleep(interval);
                let current = scan(&dir);
                let (swaps, loaded_now) = serving();
                for (name, hash) in &current {
                    let stable = previous.get(name) == Some(hash);
                    let loaded = loaded_now.get(name).copied();
                    let pair = (*hash, swaps);
                    if !stable || loaded == Some(*hash) || reported.get(name) == Some(&pair) {
                        continue;
                    }
                    let Some(sender) = jobs.upgrade() else {
                        return;
                    };
                    let module = name.clone();
                    if sender.blocking_send(Job::Reload { module }).is_err() {
                        return;
                    }
                    let _ = reported.insert(name.clone(), pair);
                }
                if jobs.upgrade().is_none() {
                    return;
                }
                previous = current;
            }
        })?;
    Ok(())
}
