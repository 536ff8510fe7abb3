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
use aura_compiler::modules::Text;
use aura_compiler::Checked;
use aura_interp::{from_json, Instance, RuntimeError, Value};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// A module source that replaces the file at a path while a swap is staged: (path relative to
/// the directory, source).
pub(super) type Swapped<'a> = Option<(&'a str, &'a str)>;

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
        match self.load(&name, &source, None).and_then(|(loaded, batch)| {
            self.commit_initial(&name, &batch)?;
            Ok(loaded)
        }) {
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
                self.rendered_diagnostics(&name, source, None)
            ),
            _ => eprintln!("aura serve: not loading {name}: {detail}"),
        }
        if let Ok(mut rejected) = self.shared.rejected.lock() {
            let _ = rejected.insert(name, detail);
        }
    }

    /// Checks `DIR/NAME.aura` with `source` as its text, as `aura check` would: its imports read
    /// from the directory (never outside it), the `swapped` module's path read as its new source.
    pub(super) fn check(&self, name: &str, source: &str, swapped: Swapped<'_>) -> Checked {
        let dir = self.dir.clone();
        let mut read = |path: &str| -> Result<Text, String> {
            if let Some((swapped_path, text)) = swapped {
                if swapped_path == path {
                    return Ok(Text::Source(text.to_string()));
                }
            }
            if path.starts_with('/') || path.starts_with("..") {
                return Err("outside the served directory".to_string());
            }
            std::fs::read_to_string(dir.join(path))
                .map(Text::Source)
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file".to_string(),
                    _ => e.to_string(),
                })
        };
        aura_compiler::check_program(
            &format!("{name}.aura"),
            Text::Source(source.to_string()),
            &mut read,
        )
    }

    /// A rejected module's diagnostics as the log shows them: rendered like `aura check` does
    /// (the JSON form goes to `/api/status` and to the evolve reply).
    pub(super) fn rendered_diagnostics(
        &self,
        name: &str,
        source: &str,
        swapped: Swapped<'_>,
    ) -> String {
        let checked = self.check(name, source, swapped);
        aura_compiler::render::text_program(
            &checked.diagnostics,
            &format!("{name}.aura"),
            source,
            &|path| checked.module_source(path),
            false,
        )
    }

    /// Checks, loads and initialises a module, then lays its persisted slots over the initial
    /// ones. The store writes its initialisers made are returned, not yet committed.
    pub(super) fn load(
        &self,
        name: &str,
        source: &str,
        swapped: Swapped<'_>,
    ) -> Result<(Loaded, Batch), LoadError> {
        let mut checked = self.check(name, source, swapped);
        // Runtime errors point into `NAME.aura`, as its diagnostics do, and into each imported
        // module's own file.
        checked.attach_sources(&format!("{name}.aura"), source);
        if !checked.is_ok() {
            let file = format!("{name}.aura");
            let diagnostics =
                aura_compiler::render::json_program(&checked.diagnostics, &file, source, &|path| {
                    checked.module_source(path)
                });
            return Err(LoadError::Diagnostics(
                serde_json::to_value(diagnostics).unwrap_or(Json::Null),
            ));
        }
        let mut caps = Caps::new(name, &self.db);
        let instance = Instance::load(&checked.module, &checked.prelude, &self.options, &mut caps)
            .map_err(LoadError::Runtime)?;
        let pending = std::mem::take(&mut caps.pending);
        let entry = checked.entry_module();
        let objects = object_names(entry);
        let routes = route_table(&instance, entry);
        let image = self.restore_persisted(name, &instance, &objects)?;
        // Store writes made by initialisers are kept, like any successful job's.
        let batch = Batch {
            slots: Vec::new(),
            store: pending.into_iter().collect(),
        };
        let definitions = aura_uast::Document::new(entry.clone()).definitions;
        let deps = checked.modules[..checked.modules.len().saturating_sub(1)]
            .iter()
            .map(|m| m.path.clone())
            .collect();
        Ok((
            Loaded {
                definitions,
                instance,
                routes,
                objects,
                deps,
                methods: checked.methods,
                source: source.to_string(),
                image,
            },
            batch,
        ))
    }

    /// Commits the store writes of a module's initialisers.
    pub(super) fn commit_initial(&self, name: &str, batch: &Batch) -> Result<(), LoadError> {
        self.db
            .commit(name, batch)
            .map_err(|e| LoadError::Store(e.to_string()))
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
                routes: m.routes.iter().map(|(_, _, r, _)| r.clone()).collect(),
                objects: m.objects.clone(),
                definitions: m.definitions.clone(),
                imports: m.deps.clone(),
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

/// (HTTP method, pattern, `METHOD PATH` as written, index in the instance) per route of the
/// module's own plugins.
fn route_table(
    instance: &Instance,
    module: &aura_uast::Module,
) -> Vec<(String, Vec<routes::Segment>, String, usize)> {
    let own: Vec<&str> = module
        .items
        .iter()
        .filter_map(|item| match item {
            aura_uast::Item::Plugin(def) => Some(def.name.name.as_str()),
            _ => None,
        })
        .collect();
    instance
        .routes()
        .iter()
        .enumerate()
        .filter(|(_, r)| own.contains(&r.plugin.as_str()))
        .map(|(index, r)| {
            (
                r.method.to_ascii_uppercase(),
                routes::pattern(&r.path),
                format!("{} {}", r.method, r.path),
                index,
            )
        })
        .collect()
}
