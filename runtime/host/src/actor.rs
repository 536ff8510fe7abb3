//! The interpreter thread. Interpreter values are `Rc`-based, so every module instance lives on
//! this one thread and every piece of Aura code runs here, one job at a time: a job is a route
//! call, a message or a module swap. Between two jobs nothing of Aura runs, which makes a swap
//! atomic for requests and makes each job's commit a clean point in the living image.

use crate::capabilities::Caps;
use crate::db::{Batch, Db};
use crate::routes::{self, Segment};
use crate::synth::{self, Synthesizer};
use crate::watch;
use crate::{ModuleInfo, Reply, Shared};
use aura_compiler::audit::MethodFact;
use aura_interp::{from_json, Instance, Options, RuntimeError, Value};
use indexmap::IndexMap;
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// An HTTP request for a plugin route, as plain `Send` data.
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Json,
}

pub enum Job {
    Route(HttpRequest, oneshot::Sender<Reply>),
    Message {
        target: String,
        method: String,
        args: Vec<Json>,
        /// The request carried the admin token: the synthesiser may install a method.
        may_synthesize: bool,
        reply: oneshot::Sender<Reply>,
    },
    Evolve {
        module: String,
        source: String,
        reply: oneshot::Sender<Reply>,
    },
    /// The watcher saw `DIR/MODULE.aura` change: read it and, if it differs from the loaded
    /// source, stage and swap it in (no answer; the outcome is logged).
    Reload {
        module: String,
    },
}

/// A module loaded on the interpreter.
struct Loaded {
    instance: Instance,
    /// (HTTP method, pattern, `METHOD PATH` as written) per route, in `instance.routes()` order.
    routes: Vec<(String, Vec<Segment>, String)>,
    /// Named objects, in source order.
    objects: Vec<String>,
    methods: Vec<MethodFact>,
    /// Each top-level definition's content hash, for `/api/status`.
    definitions: Vec<aura_uast::Definition>,
    /// The source this instance was loaded from.
    source: String,
    /// The last committed (or initial) JSON text of every persistable slot: (object, slot) → JSON.
    image: HashMap<(String, String), String>,
}

pub struct Actor {
    pub dir: PathBuf,
    pub options: Options,
    pub db: Arc<Db>,
    pub shared: Arc<Shared>,
    /// Asked for a method a message does not find (see `synth`).
    pub synthesizer: Option<Synthesizer>,
    /// Wall-clock time each job's Aura code may run (checked by the interpreter with its fuel).
    pub deadline: std::time::Duration,
    modules: IndexMap<String, Loaded>,
}

pub fn error_reply(status: u16, kind: &str, message: impl Into<String>) -> Reply {
    Reply {
        status,
        body: json!({ "error": kind, "message": message.into() }),
    }
}

fn runtime_reply(e: &RuntimeError) -> Reply {
    if e.kind == aura_interp::ErrorKind::OutOfFuel && aura_interp::deadline_passed() {
        return error_reply(
            503,
            "timeout",
            "the request ran past its deadline (--deadline) and was stopped",
        );
    }
    error_reply(500, e.kind.as_str(), e.message.clone())
}

/// Longest module name: the file `.NAME.aura.tmp` an evolve writes must fit in the 255 bytes
/// a file name may have.
pub const MAX_MODULE_NAME: usize = 200;

/// A module name is an identifier of at most [`MAX_MODULE_NAME`] bytes, so it is also a safe
/// file stem.
pub fn valid_module_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_MODULE_NAME
        && matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Why a module could not be loaded.
/// A rejected module's diagnostics as the log shows them: rendered like `aura check` does (the
/// JSON form goes to `/api/status` and to the evolve reply).
fn rendered_diagnostics(name: &str, source: &str) -> String {
    let checked = aura_compiler::check_source(source);
    aura_compiler::render::text(&checked.diagnostics, &format!("{name}.aura"), source)
}

enum LoadError {
    /// Syntax or audit diagnostics, as JSON.
    Diagnostics(Json),
    /// The initialisers failed.
    Runtime(RuntimeError),
    Store(String),
}

impl Actor {
    pub fn new(dir: PathBuf, options: Options, db: Arc<Db>, shared: Arc<Shared>) -> Actor {
        Actor {
            dir,
            options,
            db,
            shared,
            synthesizer: None,
            deadline: std::time::Duration::from_secs(10),
            modules: IndexMap::new(),
        }
    }

    /// Loads every `*.aura` file of the directory, in name order. A module that does not check or
    /// does not initialise is logged and left out.
    pub fn load_dir(&mut self) {
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
        for path in files {
            let Some(name) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            if !valid_module_name(&name) {
                eprintln!(
                    "aura serve: skipping {}: a module name must be an identifier",
                    path.display()
                );
                continue;
            }
            let source = match std::fs::read_to_string(&path) {
                Ok(source) => source,
                Err(e) => {
                    eprintln!("aura serve: cannot read {}: {e}", path.display());
                    continue;
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
                Err(error) => {
                    let detail = match &error {
                        LoadError::Diagnostics(d) => d.to_string(),
                        LoadError::Runtime(e) => e.to_string(),
                        LoadError::Store(e) => e.clone(),
                    };
                    match &error {
                        LoadError::Diagnostics(_) => eprint!(
                            "aura serve: not loading {name}:\n{}",
                            rendered_diagnostics(&name, &source)
                        ),
                        _ => eprintln!("aura serve: not loading {name}: {detail}"),
                    }
                    if let Ok(mut rejected) = self.shared.rejected.lock() {
                        let _ = rejected.insert(name, detail);
                    }
                }
            }
        }
        self.publish();
    }

    /// Checks, loads and initialises a module, then lays its persisted slots over the initial ones.
    fn load(&self, name: &str, source: &str) -> Result<Loaded, LoadError> {
        let checked = aura_compiler::check_source(source);
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
        let objects: Vec<String> = checked
            .module
            .items
            .iter()
            .filter_map(|item| match item {
                aura_uast::Item::Object(def) => Some(def.name.name.clone()),
                _ => None,
            })
            .collect();
        let routes = instance
            .routes()
            .iter()
            .map(|r| {
                (
                    r.method.to_ascii_uppercase(),
                    routes::pattern(&r.path),
                    format!("{} {}", r.method, r.path),
                )
            })
            .collect();
        let mut image = HashMap::new();
        for object in &objects {
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

    /// Tells the HTTP side which modules are loaded (for `/health` and `/api/status`).
    fn publish(&self) {
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

    /// Runs jobs until every sender is gone. A job that panics (a bug in aura) drops its reply
    /// sender, which the HTTP side answers with a 500; the thread goes on with the next job.
    pub fn run(mut self, mut jobs: mpsc::Receiver<Job>) {
        while let Some(job) = jobs.blocking_recv() {
            self.shared.set_busy(true);
            aura_interp::set_deadline(Some(std::time::Instant::now() + self.deadline));
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle(job)));
            aura_interp::set_deadline(None);
            self.shared.set_busy(false);
            if outcome.is_err() {
                eprintln!("aura serve: internal error while handling a request (see above)");
            }
        }
    }

    fn handle(&mut self, job: Job) {
        match job {
            Job::Route(request, reply) => {
                let _ = reply.send(self.route(request));
            }
            Job::Message {
                target,
                method,
                args,
                may_synthesize,
                reply,
            } => {
                let _ = reply.send(self.message(&target, &method, args, may_synthesize));
            }
            Job::Evolve {
                module,
                source,
                reply,
            } => {
                let _ = reply.send(self.evolve(&module, &source));
            }
            Job::Reload { module } => self.reload(&module),
        }
    }

    fn route(&mut self, request: HttpRequest) -> Reply {
        let mut found = None;
        let mut other_method = false;
        'search: for (name, module) in &self.modules {
            for (index, (method, pattern, _)) in module.routes.iter().enumerate() {
                if let Some(params) = routes::matches(pattern, &request.path) {
                    if *method == request.method {
                        found = Some((name.clone(), index, params));
                        break 'search;
                    }
                    other_method = true;
                }
            }
        }
        let Some((name, index, params)) = found else {
            return if other_method {
                error_reply(405, "method not allowed", "the route has another method")
            } else {
                error_reply(404, "not found", format!("no route for {}", request.path))
            };
        };
        let map = |pairs: Vec<(String, String)>| {
            Json::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, Json::String(v)))
                    .collect(),
            )
        };
        let req = json!({
            "method": request.method,
            "path": request.path,
            "query": map(request.query),
            "headers": map(request.headers),
            "body": request.body,
            "params": map(params),
        });
        let Some(module) = self.modules.get_mut(&name) else {
            return error_reply(404, "not found", "module gone");
        };
        if let Ok(mut counts) = self.shared.route_counts.lock() {
            *counts
                .entry(format!("{name} {}", module.routes[index].2))
                .or_insert(0) += 1;
        }
        let snapshot = snapshot(module);
        let mut caps = Caps::new(&name, &self.db);
        let result = module
            .instance
            .call_route(index, from_json(&req), &mut caps)
            .and_then(|value| to_json_bounded(&value, &self.options));
        let pending = std::mem::take(&mut caps.pending);
        match result {
            Ok(value) => {
                if let Err(e) = commit(&self.db, &name, module, pending, None) {
                    restore(module, &snapshot);
                    return error_reply(500, "store error", e);
                }
                route_response(value)
            }
            Err(e) => {
                restore(module, &snapshot);
                runtime_reply(&e)
            }
        }
    }

    fn message(
        &mut self,
        target: &str,
        method: &str,
        args: Vec<Json>,
        may_synthesize: bool,
    ) -> Reply {
        self.shared.messages.fetch_add(1, Ordering::Relaxed);
        let (name, object) = match self.resolve_target(target) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        if self.synthesizer.is_some() && !self.understands(&name, &object, method) {
            if !may_synthesize {
                return error_reply(
                    500,
                    "does not understand",
                    format!(
                        "`{object}` does not understand `{method}`; the synthesiser installs \
                         methods only for messages sent with the admin token"
                    ),
                );
            }
            if let Err(reply) = self.synthesize(&name, &object, method, &args) {
                return reply;
            }
            // The synthesiser's time (bounded by its own timeout) is not the message's.
            aura_interp::set_deadline(Some(std::time::Instant::now() + self.deadline));
        }
        self.send(&name, &object, method, args)
    }

    /// Does `object` (or its prototype chain) have a slot `method` or `does_not_understand`?
    fn understands(&self, module: &str, object: &str, method: &str) -> bool {
        let Some(Value::Object(o)) = self
            .modules
            .get(module)
            .and_then(|m| m.instance.get_global(object))
        else {
            return true;
        };
        let mut current = Some(o);
        while let Some(o) = current {
            if o.own_slots()
                .iter()
                .any(|(k, _)| k == method || k == "does_not_understand")
            {
                return true;
            }
            current = o.proto.clone();
        }
        false
    }

    /// Asks the synthesiser for `method`, splices its answer into `object`'s definition and
    /// evolves the module to that source: the same check, staging, swap and file write as
    /// `POST /api/evolve_plugin`. Nothing is installed unless all of that succeeds.
    fn synthesize(
        &mut self,
        name: &str,
        object: &str,
        method: &str,
        args: &[Json],
    ) -> Result<(), Reply> {
        let (Some(synthesizer), Some(module)) = (&self.synthesizer, self.modules.get(name)) else {
            return Ok(());
        };
        let slots: Vec<String> = match module.instance.get_global(object) {
            Some(Value::Object(o)) => o.own_slots().into_iter().map(|(k, _)| k).collect(),
            _ => Vec::new(),
        };
        let request = synth::request(name, object, method, args, &slots, &module.source);
        let dnu = |why: String| {
            error_reply(
                500,
                "does not understand",
                format!("`{object}` does not understand `{method}`; {why}"),
            )
        };
        let answer = synthesizer
            .ask(&request)
            .map_err(|e| dnu(format!("no method from the synthesiser: {e}")))?;
        // The synthesiser's wait (bounded by its own timeout) is not the job's Aura time.
        aura_interp::set_deadline(Some(std::time::Instant::now() + self.deadline));
        let source = synth::splice(&module.source, object, method, &answer).map_err(|e| {
            let mut reply = dnu(format!("the synthesised method was not installed: {e}"));
            reply.body["method_source"] = Json::String(answer.clone());
            reply
        })?;
        let reply = self.stage_and_swap(name, &source, true);
        if reply.status != 200 {
            eprintln!("aura serve: rejected a synthesised {object}.{method}");
            let mut body = reply.body;
            body["message"] = Json::String(format!(
                "the synthesised method `{object}.{method}` did not pass the check; nothing was \
                 installed: {}",
                body["message"].as_str().unwrap_or_default()
            ));
            body["method_source"] = Json::String(answer);
            return Err(Reply {
                status: reply.status,
                body,
            });
        }
        eprintln!("aura serve: synthesised {object}.{method}");
        Ok(())
    }

    /// Sends a message to a resolved object and commits what it changed.
    fn send(&mut self, name: &str, object: &str, method: &str, args: Vec<Json>) -> Reply {
        let (name, object) = (name.to_string(), object.to_string());
        let Some(module) = self.modules.get_mut(&name) else {
            return error_reply(404, "not found", format!("no module `{name}`"));
        };
        let skip_target = !may_mutate(module, &object, method);
        let snapshot = snapshot(module);
        let mut caps = Caps::new(&name, &self.db);
        let args = args.iter().map(from_json).collect();
        let result = module.instance.send(&object, method, args, &mut caps);
        let pending = std::mem::take(&mut caps.pending);
        match result {
            Ok(value) => {
                let skip = if skip_target {
                    Some(object.as_str())
                } else {
                    None
                };
                if let Err(e) = commit(&self.db, &name, module, pending, skip) {
                    restore(module, &snapshot);
                    return error_reply(500, "store error", e);
                }
                // A result JSON cannot hold (an object, a function) is sent as its printed form.
                let result = match to_json_bounded(&value, &self.options) {
                    Ok(json) => json,
                    Err(e) if e.kind == aura_interp::ErrorKind::OutOfMemory => {
                        return runtime_reply(&e)
                    }
                    Err(_) => Json::String(value.to_string()),
                };
                Reply {
                    status: 200,
                    body: json!({ "result": result }),
                }
            }
            Err(e) => {
                restore(module, &snapshot);
                runtime_reply(&e)
            }
        }
    }

    /// `module.object`, or `object` when exactly one module defines it.
    fn resolve_target(&self, target: &str) -> Result<(String, String), Reply> {
        if let Some((module, object)) = target.split_once('.') {
            return match self.modules.get(module) {
                Some(m) if m.objects.iter().any(|o| o == object) => {
                    Ok((module.to_string(), object.to_string()))
                }
                _ => Err(error_reply(
                    404,
                    "not found",
                    format!("no object `{target}`"),
                )),
            };
        }
        let owners: Vec<&String> = self
            .modules
            .iter()
            .filter(|(_, m)| m.objects.iter().any(|o| o == target))
            .map(|(name, _)| name)
            .collect();
        match owners.as_slice() {
            [one] => Ok(((*one).clone(), target.to_string())),
            [] => Err(error_reply(
                404,
                "not found",
                format!("no object `{target}`"),
            )),
            many => Err(error_reply(
                400,
                "bad request",
                format!(
                    "`{target}` is defined in several modules ({}); write MODULE.{target}",
                    many.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    fn evolve(&mut self, name: &str, source: &str) -> Reply {
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
    fn reload(&mut self, name: &str) {
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
    fn stage_and_swap(&mut self, name: &str, source: &str, write: bool) -> Reply {
        let loaded = match self.load(name, source) {
            Ok(loaded) => loaded,
            Err(LoadError::Diagnostics(diagnostics)) => {
                return Reply {
                    status: 422,
                    body: json!({
                        "error": "rejected",
                        "message": format!("{name} has diagnostics; the old version keeps serving"),
                        "diagnostics": diagnostics,
                    }),
                };
            }
            Err(LoadError::Runtime(e)) => {
                return Reply {
                    status: 422,
                    body: json!({
                        "error": "rejected",
                        "message": format!("{name} failed to initialise: {e}"),
                        "diagnostics": [],
                    }),
                };
            }
            Err(LoadError::Store(e)) => return error_reply(500, "store error", e),
        };
        // Persist the source first: a swap that would not survive a restart is not made.
        let path = self.dir.join(format!("{name}.aura"));
        let temp = self.dir.join(format!(".{name}.aura.tmp"));
        if write {
            if let Err(e) =
                std::fs::write(&temp, source).and_then(|()| std::fs::rename(&temp, &path))
            {
                // Logged with the path; the answer names only the module's file.
                eprintln!("aura serve: cannot write {}: {e}", path.display());
                return error_reply(500, "io error", format!("cannot write {name}.aura: {e}"));
            }
        }
        let routes = loaded.routes.len();
        let replaced = self.modules.insert(name.to_string(), loaded).is_some();
        self.modules.sort_keys();
        if let Ok(mut rejected) = self.shared.rejected.lock() {
            let _ = rejected.shift_remove(name);
        }
        self.publish();
        eprintln!(
            "aura serve: {} {name}",
            if write { "evolved" } else { "reloaded" }
        );
        Reply {
            status: 200,
            body: json!({ "status": "ok", "module": name, "replaced": replaced, "routes": routes }),
        }
    }
}

/// Can sending `method` to `object` write the object's own slots? Looked up along the prototype
/// chain in the audit's facts; unknown (e.g. `does_not_understand`) counts as yes.
fn may_mutate(module: &Loaded, object: &str, method: &str) -> bool {
    let mut current = match module.instance.get_global(object) {
        Some(Value::Object(o)) => Some(o),
        _ => return true,
    };
    while let Some(o) = current {
        let own_method = o.own_slots().iter().any(|(k, _)| k == method);
        if own_method {
            let Some(owner) = o.name.as_deref() else {
                return true;
            };
            return module
                .methods
                .iter()
                .find(|f| f.owner == owner && f.method == method)
                .is_none_or(|f| f.mutates);
        }
        current = o.proto.clone();
    }
    true
}

/// Every named object's own slots before a job.
type Snapshot = Vec<(String, Vec<(String, Value)>)>;

fn snapshot(module: &Loaded) -> Snapshot {
    module
        .objects
        .iter()
        .filter_map(|name| match module.instance.get_global(name) {
            Some(Value::Object(o)) => Some((name.clone(), o.own_slots())),
            _ => None,
        })
        .collect()
}

/// Puts every object back as it was last committed: persistable slots from the image (fresh
/// values, so in-place changes to lists and maps are undone too), others from the snapshot;
/// slots the failed job added are removed.
fn restore(module: &Loaded, snapshot: &Snapshot) {
    for (name, before) in snapshot {
        let Some(Value::Object(o)) = module.instance.get_global(name) else {
            continue;
        };
        for (slot, _) in o.own_slots() {
            if !before.iter().any(|(k, _)| *k == slot) {
                let _ = o.remove_slot(&slot);
            }
        }
        for (slot, value) in before {
            let committed = module
                .image
                .get(&(name.clone(), slot.clone()))
                .and_then(|text| serde_json::from_str::<Json>(text).ok());
            match committed {
                Some(json) => o.set_slot(slot, from_json(&json)),
                None => o.set_slot(slot, value.clone()),
            }
        }
    }
}

/// JSON of a value the host sends or stores, at most `--max-memory` of it (a value sharing
/// its parts can stand for far more JSON than it takes in memory).
fn to_json_bounded(value: &Value, options: &Options) -> Result<Json, RuntimeError> {
    aura_interp::to_json_limited(value, options.max_memory.unwrap_or(u64::MAX))
}

/// Most JSON one persisted slot may take.
const MAX_SLOT_JSON: u64 = 64 << 20;

/// JSON text of a slot value worth persisting (not methods, objects or other non-JSON values).
fn persistable(value: &Value) -> Option<String> {
    match value {
        Value::Fn(_) | Value::Object(_) => None,
        _ => aura_interp::to_json_limited(value, MAX_SLOT_JSON)
            .ok()
            .map(|j| j.to_string()),
    }
}

/// Writes the job's changes: changed persistable slots of every object (except `skip`, which the
/// audit says the message cannot change) and the store writes, in one transaction.
fn commit(
    db: &Db,
    name: &str,
    module: &mut Loaded,
    pending: IndexMap<String, Option<String>>,
    skip: Option<&str>,
) -> Result<(), String> {
    let mut batch = Batch {
        slots: Vec::new(),
        store: pending.into_iter().collect(),
    };
    for object in &module.objects {
        if Some(object.as_str()) == skip {
            continue;
        }
        let Some(Value::Object(o)) = module.instance.get_global(object) else {
            continue;
        };
        let own = o.own_slots();
        for (slot, value) in &own {
            let key = (object.clone(), slot.clone());
            match persistable(value) {
                Some(text) => {
                    if module.image.get(&key) != Some(&text) {
                        batch.slots.push((object.clone(), slot.clone(), Some(text)));
                    }
                }
                None => {
                    if module.image.contains_key(&key) {
                        batch.slots.push((object.clone(), slot.clone(), None));
                    }
                }
            }
        }
        for (o_name, slot) in module.image.keys() {
            if o_name == object && !own.iter().any(|(k, _)| k == slot) {
                batch.slots.push((object.clone(), slot.clone(), None));
            }
        }
    }
    db.commit(name, &batch).map_err(|e| e.to_string())?;
    for (object, slot, value) in batch.slots {
        match value {
            Some(text) => {
                let _ = module.image.insert((object, slot), text);
            }
            None => {
                let _ = module.image.remove(&(object, slot));
            }
        }
    }
    Ok(())
}

/// A route's value as a response: a map with an int `status_code` (100–599) chooses the status
/// and its `body` is the response body; any other value is the body of a 200.
fn route_response(value: Json) -> Reply {
    if let Json::Object(map) = &value {
        if let Some(code) = map.get("status_code").and_then(Json::as_u64) {
            if (100..=599).contains(&code) {
                return Reply {
                    status: code as u16,
                    body: map.get("body").cloned().unwrap_or(Json::Null),
                };
            }
        }
    }
    Reply {
        status: 200,
        body: value,
    }
}
