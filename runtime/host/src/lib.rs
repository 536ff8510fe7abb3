//! The Swarm host: `aura serve`.
//!
//! Loads every module of a directory, serves its plugins' routes over HTTP (axum on tokio), sends
//! messages to its objects, keeps their slots and each module's `store` in one redb database, and
//! swaps in new versions of a module between two requests. See `spec/host.md`.
//!
//! Interpreter values are `Rc`-based and stay on one thread: [`actor`] owns every module instance
//! and runs one job at a time; the HTTP handlers in [`http`] only translate requests into jobs and
//! replies into responses.

#![forbid(unsafe_code)]

mod actor;
pub mod auth;
mod capabilities;
pub mod client;
mod conn;
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
use std::time::Duration;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// Jobs waiting for the interpreter before senders wait too.
const QUEUE: usize = 1024;
/// How much longer than its deadline a job may run before `/health` calls the worker stuck (a
/// synthesiser's wait counts: meanwhile no other job runs).
const STUCK_GRACE: Duration = Duration::from_secs(2);

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
    /// The admin token given by the operator (`--token-file`, `AURA_TOKEN`); `None`: the one
    /// in the data directory, generated at first start.
    pub token: Option<String>,
    /// `Host` names answered besides the loopback ones (see `auth`).
    pub allowed_hosts: Vec<String>,
    /// Connection and request limits.
    pub limits: Limits,
}

/// Limits on connections and requests (the interpreter's own are in `Config::options`).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Time to receive a whole request head, counted from when the connection starts waiting
    /// for it (so it is also how long a kept-alive connection may stay idle).
    pub header_timeout: Duration,
    /// Time to receive a request's body once its head is in.
    pub body_timeout: Duration,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Wall-clock time one job (route call, message, evolve) may run on the interpreter.
    pub deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_body: 1 << 20,
            deadline: Duration::from_secs(10),
        }
    }
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
    /// The modules it imports, directly or further down (paths relative to the directory, or
    /// `std/NAME`).
    pub imports: Vec<String>,
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
    /// Milliseconds after `started` at which the running job began; 0: no job is running.
    busy_since: AtomicU64,
    /// A job running longer than this makes `/health` report the worker stuck.
    stuck_after: Duration,
    /// The content hash (`watch::content_hash`) of each loaded module's source, with a count
    /// of the swaps so far (see `watch`).
    loaded_hashes: Mutex<(u64, std::collections::HashMap<String, u64>)>,
}

impl Shared {
    /// Marks the start (`true`) or end of a job on the interpreter thread.
    fn set_busy(&self, busy: bool) {
        let now = if busy {
            (self.started.elapsed().as_millis() as u64).max(1)
        } else {
            0
        };
        self.busy_since
            .store(now, std::sync::atomic::Ordering::SeqCst);
    }

    /// How long the running job has run, if one is.
    fn busy_for(&self) -> Option<Duration> {
        let since = self.busy_since.load(std::sync::atomic::Ordering::SeqCst);
        (since != 0).then(|| {
            Duration::from_millis((self.started.elapsed().as_millis() as u64).saturating_sub(since))
        })
    }
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
    if !config.bind.is_loopback() && config.token.is_none() {
        return Err(HostError(format!(
            "refusing to listen on {} (not a loopback address) without an explicit admin token: \
             give one with --token-file PATH or the AURA_TOKEN environment variable (and put a \
             TLS proxy in front: the host speaks plain HTTP)",
            config.bind
        )));
    }
    if let Some(parent) = data.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| HostError(format!("cannot create {}: {e}", parent.display())))?;
    }
    let (token, source) =
        auth::load_or_create(config.token.clone(), &auth::token_path(&data)).map_err(HostError)?;
    if let auth::TokenSource::Generated(path) = &source {
        // Printed once, at the start that generates it; clients read it from the file.
        eprintln!(
            "aura serve: admin token (needed to change code; kept in {}): {token}",
            path.display()
        );
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
        busy_since: AtomicU64::new(0),
        stuck_after: config.limits.deadline + STUCK_GRACE,
        loaded_hashes: Mutex::new((0, std::collections::HashMap::new())),
    });
    // Taken before loading, so a file that changes while the modules load is picked up.
    let files = watch::scan(&config.dir);
    let (jobs, receiver) = mpsc::channel(QUEUE);
    let (ready, loaded) = oneshot::channel();
    let (dir, options, actor_db, actor_shared, synthesizer, deadline) = (
        config.dir.clone(),
        config.options.clone(),
        db.clone(),
        shared.clone(),
        config.synthesizer.clone(),
        config.limits.deadline,
    );
    let actor = std::thread::Builder::new()
        .name("aura-interp".into())
        .stack_size(64 << 20)
        .spawn(move || {
            // Built here: module instances hold `Rc`s and never leave this thread.
            let mut interpreter = actor::Actor::new(dir, options, actor_db, actor_shared);
            interpreter.synthesizer = synthesizer;
            interpreter.deadline = deadline;
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
        watch::spawn(
            config.dir.clone(),
            interval,
            files,
            shared.clone(),
            jobs.downgrade(),
        )
        .map_err(|e| HostError(format!("cannot start the watcher thread: {e}")))?;
    }
    let guard = auth::Guard::new(token, config.bind, &config.allowed_hosts);
    let app = http::router(http::AppState {
        jobs,
        shared,
        db,
        guard: Arc::new(guard),
        limits: config.limits.clone(),
    });
    let (shutdown, stop) = oneshot::channel::<()>();
    let task = tokio::spawn(conn::serve(listener, app, config.limits.clone(), stop));
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
