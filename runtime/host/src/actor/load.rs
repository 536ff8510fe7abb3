//! Loading modules: checking, instantiating and initialising a module, laying its persisted
//! slots over the initial ones, and telling the HTTP side what is loaded.
//!
//! Invariant: a `Loaded` module checked without diagnostics, ran its initialisers, and its
//! `image` holds the JSON text of every persistable slot as the store has it.

use super::persist::persistable;
use super::{valid_module_name, Actor, Loaded};
use crate::capabilities::Caps;
use crate::db::Batch;
use crate::routes;
use crate::watch;
use crate::ModuleInfo;
use aura_interp::{from_json, Instance, RuntimeError, Value};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// A rejected module's diagnostics as the log shows them: rendered like `aura check` does (the
/// JSON form goes to `/api/status` and to the evolve reply).
pub(super) fn rendered_diagnostics(name: &str, source: &str) -> String {
    let checked = aura_compiler::check_source(source);
    aura_compiler::render::text(&checked.diagnostics, &format!("{name}.aura"), source)
}

/// Why a module could not be loaded.
pub(super) enum LoadError {
    /// Syntax or audit diagnostics, as JSON.
    Diagnostics(Json),
    /// The initialisers failed.
    Runtime(RuntimeError),
    Store(String),
}

impl Actor {
    /// Loads every `*.aura` file of the directory, in name order. A module that does not check or
    /// does not initialise is logged and left out.
    pub fn load_dir(&mut self) {
        for path in self.source_files() {
            self.load_file(&path);
        }
        self.publish();
    }

    /// The directory's `*.aura` files, sorted by name (none, logged, if it cannot be read).
    fn source_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "aura"))
                .collect(),
            Err(e) => {
                eprintln!("aura serve: cannot read {}: {e}", self.dir.display());
                Vec::new()
            }
        };
        files.sort();
        files
    }

    /// Loads one file of the directory at start-up: added to the modules, or logged and listed
    /// under `rejected`.
    fn load_file(&mut self, path: &Path) {
        let Some(name) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_string)
        else {
            return;
        };
        if !valid_module_name(&name) {
            eprintln!(
                "aura serve: skipping {}: a module name must be an identifier",
                path.display()
            );
            return;
        }
        let source = match std::fs::read_to_string(path) {
            Ok(source) => source,
            Err(e) => {
                eprintln!("aura serve: cannot read {}: {e}", path.display());
                return;
            }
        };
        match self.load(&name, &source) {
            Ok(loaded) => {
                eprintln!(
                    "aura serve: loaded {name} ({} routes, {} objects)",
                    loaded.routes.len(),
                    loaded.objects.len()
                );
                let _ = self.modules.insert(name, loaded);
            }
            Err(error) => self.reject(name, &source, &error),
        }
    }

    /// Logs why a module was not loaded and lists it under `rejected`.
    fn reject(&self, name: String, source: &str, error: &LoadError) {
        let detail = match error {
            LoadError::Diagnostics(d) => d.to_string(),
            LoadError::Runtime(e) => e.to_string(),
            LoadError::Store(e) => e.clone(),
        };
        match error {
            LoadError::Diagnostics(_) => eprint!(
                "aura serve: not loading {name}:\n{}",
                rendered_diagnostics(&name, source)
            ),
            _ => eprintln!("aura serve: not loading {name}: {detail}"),
        }
        if let Ok(mut rejected) = self.shared.rejected.lock() {
            let _ = rejected.insert(name, detail);
        }
    }

    /// Checks, loads and initialises a module, then lays its persisted slots over the initial ones.
    pub(super) fn load(&self, name: &str, source: &str) -> Result<Loaded, LoadError> {
        let mut checked = aura_compiler::check_source(source);
        // Runtime errors point into `NAME.aura`, as its diagnostics do.
        checked.module.source = Some(aura_uast::trace::SourceFile::new(
            format!("{name}.aura"),
            source,
        ));
        if !checked.is_ok() {
            let file = format!("{name}.aura");
            let diagnostics =
                aura_compiler::render::json_diagnostics(&checked.diagnostics, &file, source);
            return Err(LoadError::Diagnostics(
                serde_json::to_value(diagnostics).unwrap_or(Json::Null),
            ));
        }
        let mut caps = Caps::new(name, &self.db);
        let instance = Instance::load(&checked.module, &checked.prelude, &self.options, &mut caps)
            .map_err(LoadError::Runtime)?;
        let pending = std::mem::take(&mut caps.pending);
        let objects = object_names(&checked.module);
        let routes = route_table(&instance);
        let image = self.restore_persisted(name, &instance, &objects)?;
        // Store writes made by initialisers are kept, like any successful job's.
        let batch = Batch {
            slots: Vec::new(),
            store: pending.into_iter().collect(),
        };
        self.db
            .commit(name, &batch)
            .map_err(|e| LoadError::Store(e.to_string()))?;
        let definitions = aura_uast::Document::new(checked.module).definitions;
        Ok(Loaded {
            definitions,
            instance,
            routes,
            objects,
            methods: checked.methods,
            source: source.to_string(),
            image,
        })
    }

    /// Sets each named object's persisted slots from the store over the values its initialiser
    /// gave, and returns the image: the JSON text of every persistable slot now.
    fn restore_persisted(
        &self,
        name: &str,
        instance: &Instance,
        objects: &[String],
    ) -> Result<HashMap<(String, String), String>, LoadError> {
        let mut image = HashMap::new();
        for object in objects {
            let Some(Value::Object(o)) = instance.get_global(object) else {
                continue;
            };
            let persisted = self
                .db
                .slots(name, object)
                .map_err(|e| LoadError::Store(e.to_string()))?;
            for (slot, text) in persisted {
                if let Ok(json) = serde_json::from_str::<Json>(&text) {
                    o.set_slot(&slot, from_json(&json));
                }
            }
            for (slot, value) in o.own_slots() {
                if let Some(text) = persistable(&value) {
                    let _ = image.insert((object.clone(), slot), text);
                }
            }
        }
        Ok(image)
    }

    /// Tells the HTTP side which modules are loaded (for `/health` and `/api/status`).
    pub(super) fn publish(&self) {
        let infos: Vec<ModuleInfo> = self
            .modules
            .iter()
            .map(|(name, m)| ModuleInfo {
                name: name.clone(),
                routes: m.routes.iter().map(|(_, _, r)| r.clone()).collect(),
                objects: m.objects.clone(),
                definitions: m.definitions.clone(),
            })
            .collect();
        self.shared
            .module_count
            .store(infos.len(), Ordering::SeqCst);
        if let Ok(mut modules) = self.shared.modules.lock() {
            *modules = infos;
        }
        if let Ok(mut loaded) = self.shared.loaded_hashes.lock() {
            loaded.0 += 1;
            loaded.1 = self
                .modules
                .iter()
                .map(|(name, m)| (name.clone(), watch::content_hash(m.source.as_bytes())))
                .collect();
        }
    }
}

/// The module's named objects, in source order.
fn object_names(module: &aura_uast::Module) -> Vec<String> {
    module
        .items
        .iter()
        .filter_map(|item| match item {
            aura_uast::Item::Object(def) => Some(def.name.name.clone()),
            _ => None,
        })
        .collect()
}

/// (HTTP method, pattern, `METHOD PATH` as written) per route of the instance.
fn route_table(instance: &Instance) -> Vec<(String, Vec<routes::Segment>, String)> {
    instance
        .routes()
        .iter()
        .map(|r| {
            (
                r.method.to_ascii_uppercase(),
                routes::pattern(&r.path),
                format!("{} {}", r.method, r.path),
            )
        })
        .collect()
}
