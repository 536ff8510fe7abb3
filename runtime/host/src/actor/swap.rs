//! Swapping a module: an evolve (`POST /api/evolve_plugin`) or a changed file the watcher saw.
//! The new version is checked and loaded off to the side, its source written to disk (for an
//! evolve), and only then does it replace the old one, between two jobs. Invariant: a version
//! that does not check or initialise never replaces the one serving; it is reported (the
//! reply, or the log and `rejected`).

use super::load::{rendered_diagnostics, LoadError};
use super::{error_reply, valid_module_name, Actor, Loaded, MAX_MODULE_NAME};
use crate::Reply;
use serde_json::{json, Value as Json};

impl Actor {
    pub(super) fn evolve(&mut self, name: &str, source: &str) -> Reply {
        if !valid_module_name(name) {
            return error_reply(
                400,
                "bad request",
                format!("a module name must be an identifier of at most {MAX_MODULE_NAME} bytes"),
            );
        }
        self.stage_and_swap(name, source, true)
    }

    /// Picks up a changed file of the directory through the same staging path as evolve. A file
    /// that does not check is logged and listed under `rejected`; the old version keeps serving.
    pub(super) fn reload(&mut self, name: &str) {
        let path = self.dir.join(format!("{name}.aura"));
        // Read now, on the interpreter thread: an evolve between the watcher's look and this job
        // has already written its source here, so an older text is never swapped back in.
        let Ok(source) = std::fs::read_to_string(&path) else {
            return;
        };
        if self.modules.get(name).is_some_and(|m| m.source == source) {
            return;
        }
        let reply = self.stage_and_swap(name, &source, false);
        if reply.status != 200 {
            let why = match reply.body.get("diagnostics") {
                Some(Json::Array(d)) if !d.is_empty() => {
                    eprint!(
                        "aura serve: not reloading {name}:\n{}",
                        rendered_diagnostics(name, &source)
                    );
                    Json::Array(d.clone()).to_string()
                }
                _ => {
                    let why = reply.body["message"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    eprintln!("aura serve: not reloading {name}: {why}");
                    why
                }
            };
            if let Ok(mut rejected) = self.shared.rejected.lock() {
                let _ = rejected.insert(name.to_string(), why);
            }
        }
    }

    /// Checks and loads `source` into a new instance off to the side, then (when `write` is set,
    /// after writing it to `DIR/NAME.aura`) replaces the module between two jobs.
    pub(super) fn stage_and_swap(&mut self, name: &str, source: &str, write: bool) -> Reply {
        let loaded = match self.load(name, source) {
            Ok(loaded) => loaded,
            Err(error) => return rejected_reply(name, error),
        };
        // Persist the source first: a swap that would not survive a restart is not made.
        if write {
            if let Err(reply) = self.write_source(name, source) {
                return reply;
            }
        }
        let routes = loaded.routes.len();
        let replaced = self.install(name, loaded);
        eprintln!(
            "aura serve: {} {name}",
            if write { "evolved" } else { "reloaded" }
        );
        Reply {
            status: 200,
            body: json!({ "status": "ok", "module": name, "replaced": replaced, "routes": routes }),
        }
    }

    /// Writes `DIR/NAME.aura` through a temporary file and a rename, so a crash leaves either
    /// version whole.
    fn write_source(&self, name: &str, source: &str) -> Result<(), Reply> {
        let path = self.dir.join(format!("{name}.aura"));
        let temp = self.dir.join(format!(".{name}.aura.tmp"));
        if let Err(e) = std::fs::write(&temp, source).and_then(|()| std::fs::rename(&temp, &path)) {
            // Logged with the path; the answer names only the module's file.
            eprintln!("aura serve: cannot write {}: {e}", path.display());
            return Err(error_reply(
                500,
                "io error",
                format!("cannot write {name}.aura: {e}"),
            ));
        }
        Ok(())
    }

    /// Puts the loaded module in place (modules stay in name order), clears its rejection and
    /// tells the HTTP side; true if it replaced a module of that name.
    fn install(&mut self, name: &str, loaded: Loaded) -> bool {
        let replaced = self.modules.insert(name.to_string(), loaded).is_some();
        self.modules.sort_keys();
        if let Ok(mut rejected) = self.shared.rejected.lock() {
            let _ = rejected.shift_remove(name);
        }
        self.publish();
        replaced
    }
}

/// The answer to a version that did not load: 422 with its diagnostics (none when its
/// initialisers failed), 500 when the store failed.
fn rejected_reply(name: &str, error: LoadError) -> Reply {
    match error {
        LoadError::Diagnostics(diagnostics) => Reply {
            status: 422,
            body: json!({
                "error": "rejected",
                "message": format!("{name} has diagnostics; the old version keeps serving"),
                "diagnostics": diagnostics,
            }),
        },
        LoadError::Runtime(e) => Reply {
            status: 422,
            body: json!({
                "error": "rejected",
                "message": format!("{name} failed to initialise: {e}"),
                "diagnostics": [],
            }),
        },
        LoadError::Store(e) => error_reply(500, "store error", e),
    }
}
