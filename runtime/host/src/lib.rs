//! The Swarm host: `aura serve`.
//!
//! Loads every module of a directory, serves its plugins' routes over HTTP (axum on tokio), sends
//! messages to its objects, keeps their slots and each module's `store` in one redb database, and
//! swaps in new versions of a module between two requests. See `spec/host.md`.
//!
//! Interpreter values are `Rc`-based and stay on one thread: [`actor`] owns every module instance
//! and runs one job at a time; the HTTP handlers in [`http`] only translate requests into jobs and
//! replies into responses.

mod actor;
mod capabilities;
pub mod client;
mod db;
mod http;
mod routes;
pub mod synth;
mod watch;

use aura_host_api::Options;
use indexmap::IndexMap;
use serde_json::Value as Json;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// Jobs waiting for the interpreter before senders wait too.
const QUEUE: usize = 1024;

/// How to run the host.
#[derive(Clone, Debug)]
pub struct Config {
    /// The directory of `*.aura` modules (evolved sources are written back here).
    pub dir: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// The redb database; default `DIR/.aura/image.redb`.
    pub data: Option<PathBuf>,
    /// Limits for each request (route call or message) and for each module's initialisers.
    pub options: Options,
    /// How often to look for changed `*.aura` files in `dir`; `None`: never.
    pub watch: Option<std::time::Duration>,
    /// Asked for methods that messages do not find; `None`: such a message is `does not
    /// understand`.
    pub synthesizer: Option<synth::Synthesizer>,
}

/// A failure to start or run the host.
#[derive(Debug)]
pub struct HostError(pub String);

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostError {}

/// A reply from the interpreter: HTTP status and JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Json,
}

/// What `/api/status` says about a loaded module.
#[derive(Clone, Debug)]
pub struct ModuleInfo {
    pub name: String,
    pub routes: Vec<String>,
    pub objects: Vec<String>,
    pub definitions: Vec<aura_uast::Definition>,
}

/// State shared by the HTTP side and the interpreter thread (never any Aura value).
pub struct Shared {
    started: Instant,
    requests: AtomicU64,
    errors: AtomicU64,
    messages: AtomicU64,
    module_count: AtomicUsize,
    modules: Mutex<Vec<ModuleInfo>>,
    /// Modules of the directory that were not loaded, with why.
    rejected: Mutex<IndexMap<String, String>>,
    /// Calls per route, keyed `MODULE METHOD PATH`.
    route_counts: Mutex<IndexMap<String, u64>>,
}

/// A running host.
pub struct Server {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    actor: std::thread::JoinHandle<()>,
}

impl Server {
    /// Serves until the server fails.
    pub async fn wait(self) -> Result<(), HostError> {
        let served = self.task.await;
        let _ = tokio::task::spawn_blocking(move || self.actor.join()).await;
        match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(HostError(format!("server error: {e}"))),
            Err(e) => Err(HostError(format!("server task failed: {e}"))),
        }
    }

    /// Stops accepting requests, finishes the ones in flight, stops the interpreter thread and
    /// closes the database.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
        let _ = tokio::task::spawn_blocking(move || self.actor.join()).await;
    }
}

/// Opens the database, loads the modules on a new interpreter thread, binds and starts serving.
pub async fn start(config: Config) -> Result<Server, HostError> {
    let data = config
        .data
        .clone()
        .unwrap_or_else(|| config.dir.join(".aura").join("image.redb"));
    if !config.dir.is_dir() {
        return Err(HostError(format!(
            "{} is not a directory",
            config.dir.display()
        )));
    }
    if let Some(parent) = data.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| HostError(format!("cannot create {}: {e}", parent.display())))?;
    }
    let db = Arc::new(
        db::Db::open(&data)
            .map_err(|e| HostError(format!("cannot open {}: {e}", data.display())))?,
    );
    let shared = Arc::new(Shared {
        started: Instant::now(),
        requests: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        messages: AtomicU64::new(0),
        module_count: AtomicUsize::new(0),
        modules: Mutex::new(Vec::new()),
        rejected: Mutex::new(IndexMap::new()),
        route_counts: Mutex::new(IndexMap::new()),
    });
    // Taken before loading, so a file that changes while the modules load is picked up.
    let files = watch::scan(&config.dir);
    let (jobs, receiver) = mpsc::channel(QUEUE);
    let (ready, loaded) = oneshot::channel();
    let (dir, options, actor_db, actor_shared, synthesizer) = (
        config.dir.clone(),
        config.options.clone(),
        db.clone(),
        shared.clone(),
        config.synthesizer.clone(),
    );
    let actor = std::thread::Builder::new()
        .name("aura-interp".into())
        .stack_size(64 << 20)
        .spawn(move || {
            // Built here: module instances hold `Rc`s and never leave this thread.
            let mut interpreter = actor::Actor::new(dir, options, actor_db, actor_shared);
            interpreter.synthesizer = synthesizer;
            interpreter.load_dir();
            let _ = ready.send(());
            interpreter.run(receiver);
        })
        .map_err(|e| HostError(format!("cannot start the interpreter thread: {e}")))?;
    loaded
        .await
        .map_err(|_| HostError("the interpreter thread failed while loading".into()))?;
    let listener = tokio::net::TcpListener::bind((config.bind, config.port))
        .await
        .map_err(|e| {
            HostError(format!(
                "cannot listen on {}:{}: {e}",
                config.bind, config.port
            ))
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| HostError(format!("no local address: {e}")))?;
    if let Some(interval) = config.watch {
        watch::spawn(config.dir.clone(), interval, files, jobs.downgrade())
            .map_err(|e| HostError(format!("cannot start the watcher thread: {e}")))?;
    }
    let app = http::router(http::AppState { jobs, shared, db });
    let (shutdown, stop) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.await;
            })
            .await
    });
    Ok(Server {
        addr,
        shutdown,
        task,
        actor,
    })
}

/// Runs the host until it fails (or the process is stopped); `ready` is told the address once
/// the modules are loaded and the port is bound.
pub fn serve(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), HostError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| HostError(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let server = start(config).await?;
        ready(server.addr);
        server.wait().await
    })
}
