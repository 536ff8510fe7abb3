//! Picks up `*.aura` files that change or appear in the directory while the host runs: a thread
//! polls the directory (no dependency, works on every file system), hashing each file's content,
//! and asks the interpreter thread to reload a module once its file is new or changed and has
//! stayed the same for one poll (so a file caught half-written is not loaded). The interpreter
//! reads the file itself and goes through the same staging path as `POST /api/evolve_plugin`.

use crate::actor::{valid_module_name, Job};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
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
            let mut hasher = DefaultHasher::new();
            bytes.hash(&mut hasher);
            let _ = out.insert(name.to_string(), hasher.finish());
        }
    }
    out
}

/// Polls `dir` every `interval`, starting from `loaded` (the state the modules were loaded
/// from), until the host stops (every strong job sender is gone). Removed files are ignored: the
/// module keeps serving until a restart.
pub fn spawn(
    dir: std::path::PathBuf,
    interval: Duration,
    loaded: Snapshot,
    jobs: WeakSender<Job>,
) -> std::io::Result<()> {
    let _detached = std::thread::Builder::new()
        .name("aura-watch".into())
        .spawn(move || {
            let mut reported = loaded.clone();
            let mut previous = loaded;
            loop {
                std::thread::sleep(interval);
                let current = scan(&dir);
                for (name, hash) in &current {
                    let stable = previous.get(name) == Some(hash);
                    if !stable || reported.get(name) == Some(hash) {
                        continue;
                    }
                    let Some(sender) = jobs.upgrade() else {
                        return;
                    };
                    let module = name.clone();
                    if sender.blocking_send(Job::Reload { module }).is_err() {
                        return;
                    }
                    let _ = reported.insert(name.clone(), *hash);
                }
                if jobs.upgrade().is_none() {
                    return;
                }
                previous = current;
            }
        })?;
    Ok(())
}
