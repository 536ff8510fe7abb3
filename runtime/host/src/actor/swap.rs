//! Swapping a module: an evolve (`POST /api/evolve_plugin`) or a changed file the watcher saw.
//! The new version is checked and loaded off to the side, its source written to disk (for an
//! evolve), and only then does it replace the old one, between two jobs. Invariant: a version
//! that does not check or initialise never replaces the one serving; it is reported (the
//! reply, or the log and `rejected`). A module that others import swaps together with every
//! module that imports it (directly or further down): all are re-checked and loaded off to the
//! side with the new source, and either all are replaced in one job or, if one of them no
//! longer checks or initialises, none is.

use super::load::LoadError;
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
                    let culprit = reply.body["module"].as_str().unwrap_or(name).to_string();
                    let text = if culprit == name {
                        self.rendered_diagnostics(name, &source, None)
                    } else {
                        let path = format!("{name}.aura");
                        let culprit_source = self
                            .modules
                            .get(&culprit)
                            .map(|m| m.source.clone())
                            .unwrap_or_default();
                        self.rendered_diagnostics(&culprit, &culprit_source, Some((&path, &source)))
                    };
                    eprint!("aura serve: not reloading {name}:\n{text}");
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

    /// Checks and loads `source` into a new instance off to the side, with every loaded module
    /// that imports it; then (when `write` is set, after writing it to `DIR/NAME.aura`) replaces
    /// them all between two jobs.
    pub(super) fn stage_and_swap(&mut self, name: &str, source: &str, write: bool) -> Reply {
        let (loaded, batch) = match self.load(name, source, None) {
            Ok(staged) => staged,
            Err(error) => return rejected_reply(name, name, error),
        };
        let path = format!("{name}.aura");
        let dependants: Vec<String> = self
            .modules
            .iter()
            .filter(|(other, m)| other.as_str() != name && m.deps.contains(&path))
            .map(|(other, _)| other.clone())
            .collect();
        let mut staged = vec![(name.to_string(), loaded, batch)];
        for dependant in &dependants {
            let Some(current) = self.modules.get(dependant) else {
                continue;
            };
            let text = current.source.clone();
            match self.load(dependant, &text, Some((&path, source))) {
                Ok((loaded, batch)) => staged.push((dependant.clone(), loaded, batch)),
                Err(error) => return rejected_reply(name, dependant, error),
            }
        }
        for (module, _, batch) in &staged {
            if let Err(error) = self.commit_initial(module, batch) {
                return rejected_reply(name, module, error);
            }
        }
        // Persist the source first: a swap that would not survive a restart is not made.
        if write {
            if let Err(reply) = self.write_source(name, source) {
                return reply;
            }
        }
        let routes = staged
            .first()
            .map_or(0, |(_, loaded, _)| loaded.routes.len());
        let mut replaced = false;
        for (module, loaded, _) in staged {
            let was = self.install(&module, loaded);
            if module == name {
                replaced = was;
            }
        }
        eprintln!(
            "aura serve: {} {name}{}",
            if write { "evolved" } else { "reloaded" },
            if dependants.is_empty() {
                String::new()
            } else {
                format!(" and its dependants {}", dependants.join(", "))
            }
        );
        Reply {
            status: 200,
            body: json!({
                "status": "ok",
                "module": name,
                "replaced": replaced,
                "routes": routes,
                "reloaded": dependants,
            }),
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
/// initialisers failed), 500 when the store failed. `module` is the one that failed: `name`
/// itself, or a module that imports it and no longer checks or initialises with the new source.
fn rejected_reply(name: &str, module: &str, error: LoadError) -> Reply {
    let why = if module == name {
        format!("{name} has diagnostics; the old version keeps serving")
    } else {
        format!(
            "{module} imports {name} and no longer checks with the new version; nothing was changed"
        )
    };
    match error {
        LoadError::Diagnostics(diagnostics) => Reply {
            status: 422,
            body: json!({
                "error": "rejected",
                "message": why,
                "module": module,
                "diagnostics": diagnostics,
            }),
        },
        LoadError::Runtime(e) => Reply {
            status: 422,
            body: json!({
                "error": "rejected",
                "message": if module == name {
                    format!("{name} failed to initialise: {e}")
                } else {
                    format!("{module} imports {name} and fails to initialise with the new version: {e}; nothing was changed")
                },
                "module": module,
                "diagnostics": [],
            }),
        },
        LoadError::Store(e) => error_reply(500, "store error", e),
    }
}
