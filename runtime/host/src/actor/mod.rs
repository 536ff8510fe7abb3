//! The interpreter thread. Interpreter values are `Rc`-based, so every module instance lives on
//! this one thread and every piece of Aura code runs here, one job at a time: a job is a route
//! call, a message or a module swap. Between two jobs nothing of Aura runs, which makes a swap
//! atomic for requests and makes each job's commit a clean point in the living image.
//!
//! Owns: the jobs the HTTP side sends (`Job`), the `Actor` that runs them and the loaded modules.
//! Each step of a job has its file: loading a module (`load.rs`), answering a route
//! (`route.rs`), sending a message (`message.rs`), asking the synthesiser for a missing method
//! (`synthesis.rs`), staging and swapping a new version in (`swap.rs`), and committing or undoing
//! a job's changes to the persisted image (`persist.rs`). Invariants: a job either commits all
//! it changed (slots and store writes, in one transaction) or leaves every object as it was
//! last committed; a module is replaced only by a version that checked, initialised and (for
//! an evolve) was written to disk first.

mod load;
mod message;
mod persist;
mod route;
mod swap;
mod synthesis;

use crate::db::Db;
use crate::routes::Segment;
use crate::synth::Synthesizer;
use crate::{Reply, Shared};
use aura_compiler::audit::MethodFact;
use aura_interp::{Instance, Options, RuntimeError};
use indexmap::IndexMap;
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::path::PathBuf;
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
    /// (HTTP method, pattern, `METHOD PATH` as written, index in `instance.routes()`) per route
    /// of the module's own plugins, in source order (an imported module's routes belong to it).
    routes: Vec<(String, Vec<Segment>, String, usize)>,
    /// The module's own named objects, in source order (an imported module's objects are the
    /// importer's prototypes: neither message targets nor persisted here).
    objects: Vec<String>,
    /// The paths (relative to the directory) of every module it imports, directly or further
    /// down: swapping one of them reloads this module too.
    deps: Vec<String>,
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
    // The log carries the error as `aura run` prints it, trace included.
    eprintln!("aura serve: {e}");
    let mut reply = error_reply(500, e.kind.as_str(), e.message.clone());
    let trace: Vec<&str> = e.trace.lines().skip(1).map(str::trim_start).collect();
    if !trace.is_empty() {
        reply.body["trace"] = json!(trace);
    }
    reply
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
}
