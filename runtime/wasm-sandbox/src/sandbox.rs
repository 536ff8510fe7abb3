//! Runs an emitted module in wasmtime, with the same limits and host as `aura run` on the
//! interpreter: fuel (wasmtime's fuel, when asked for), a cap on linear memory (growth past it is
//! refused, and the runtime raises `out of memory`), and the call-depth limit (checked by the
//! compiled code itself, `spec/abi.md`), with the wasm stack as the last line of defence.
//!
//! The host functions the module may import (module `aura`):
//! - `aura_write(stream, ptr, len)`: standard output (buffered here, flushed at the end and before
//!   anything reaches standard error) or standard error;
//! - `aura_fail(kind, ptr, len)`: records the runtime error and ends the run with a trap;
//! - `aura_try(body, self) -> val`: runs the body of a `try` through the export `rt_call`,
//!   catching the trap of a catchable `aura_fail` (then it returns 0);
//! - `aura_cap_store` / `aura_cap_log` / `aura_cap_clock(req, req_len, resp, resp_cap) -> len`:
//!   the capability calls of `spec/abi.md`, checked by [`aura_host_api::call_capability`] and
//!   answered by an [`aura_host_api::Host`] so that every host agrees on their semantics.

use aura_host_api::{ErrorKind, Host, Json, RuntimeError};
use std::io::Write;
use wasmtime::{
    Caller, Config, Engine, Extern, ExternType, Instance, Linker, Module, Store, StoreLimits,
    StoreLimitsBuilder, Trap, Val, ValType,
};

/// Flush buffered standard output once this much is waiting.
const BUFFER: usize = 64 * 1024;

/// The limits of one run.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Units of wasmtime fuel (about one per instruction); `None`: unlimited.
    pub fuel: Option<u64>,
    /// Bytes of live heap the program may keep after a collection (`rt_set_max_memory`). The
    /// linear memory may grow to [`memory_cap`] of it: the collector's headroom (garbage between
    /// two collections) and the runtime's stacks.
    pub max_memory: u64,
    /// Nested compiled calls allowed before `stack overflow` (`rt_set_max_depth`).
    pub max_depth: u64,
    /// Bytes of native stack wasm code may use. The calling thread must have this much stack
    /// free, plus room for the host: past it the run ends with `stack overflow`.
    pub max_wasm_stack: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: None,
            max_memory: 4 << 30,
            max_depth: 10_000,
            max_wasm_stack: 512 * 1024,
        }
    }
}

/// Where a run's output and capability calls go.
pub struct Io {
    pub stdout: Box<dyn Write>,
    pub stderr: Box<dyn Write>,
    /// Answers `store`, `log` and `clock` calls.
    pub host: Box<dyn Host>,
}

impl Io {
    /// The process's standard streams and `aura run`'s host.
    pub fn std() -> Io {
        Io {
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
            host: Box::new(aura_host_api::StdHost::new()),
        }
    }
}

/// Why a run failed.
#[derive(Debug)]
pub enum RunError {
    /// The program's own runtime error (or a limit), as the interpreter would report it.
    Runtime(RuntimeError),
    /// Standard output could not be written.
    Output(std::io::Error),
    /// The module could not be compiled or instantiated, or trapped in a way no Aura program
    /// should (a compiler or runtime bug).
    Internal(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Runtime(e) => write!(f, "{e}"),
            RunError::Output(e) => write!(f, "cannot write to standard output: {e}"),
            RunError::Internal(message) => {
                write!(f, "internal error in the wasm sandbox: {message}")
            }
        }
    }
}

impl std::error::Error for RunError {}

/// A capability response too long for the runtime's buffer: kept until the runtime asks again
/// with a larger one, so the call itself runs once.
struct Pending {
    capability: &'static str,
    request: Vec<u8>,
    response: Vec<u8>,
}

pub(crate) struct State {
    io: Io,
    out: Vec<u8>,
    write_error: Option<std::io::Error>,
    /// The runtime error `aura_fail` reported.
    failure: Option<RuntimeError>,
    pending: Option<Pending>,
    limits: StoreLimits,
}

impl State {
    fn flush_out(&mut self) {
        if !self.out.is_empty() && self.write_error.is_none() {
            if let Err(e) = self
                .io
                .stdout
                .write_all(&self.out)
                .and_then(|()| self.io.stdout.flush())
            {
                self.write_error = Some(e);
            }
        }
        self.out.clear();
    }
}

/// Compiling a module (the ~65 KB runtime plus the program) takes longer than most short runs, so
/// compiled modules are kept in the user's cache directory (`$AURA_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/aura`, else `~/.cache/aura`), keyed by the sha256 of the module and the
/// engine's compatibility hash, as the wasmtime CLI does. `AURA_CACHE_DIR=off` turns it off; no
/// cache directory or an unreadable entry just means compiling.
fn load_module(engine: &Engine, wasm: &[u8]) -> Result<Module, RunError> {
    use sha2::{Digest, Sha256};
    use std::hash::{Hash, Hasher};
    let Some(dir) = cache_dir() else {
        return Module::new(engine, wasm).map_err(internal);
    };
    let mut config = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut config);
    let digest = Sha256::digest(wasm);
    let key: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("wasm-{key}-{:016x}.cwasm", config.finish()));
    if path.is_file() {
        // SAFETY: only `Module::serialize` output of an engine with the same compatibility hash
        // is stored under this name (the name covers the module bytes and that hash), in the
        // user's own cache directory; wasmtime checks the header and version again.
        if let Ok(module) = unsafe { Module::deserialize_file(engine, &path) } {
            return Ok(module);
        }
    }
    let module = Module::new(engine, wasm).map_err(internal)?;
    if let Ok(bytes) = module.serialize() {
        // Written under a unique name and renamed, so a concurrent reader never sees half a file.
        let staged = dir.join(format!("wasm-{key}.{}.tmp", std::process::id()));
        if std::fs::write(&staged, bytes).is_err() || std::fs::rename(&staged, &path).is_err() {
            let _ = std::fs::remove_file(&staged);
        }
    }
    Ok(module)
}

fn cache_dir() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let dir = match std::env::var_os("AURA_CACHE_DIR") {
        Some(dir) if dir == "off" => return None,
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?
            .join("aura"),
    };
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

pub(crate) fn internal(message: impl std::fmt::Display) -> RunError {
    RunError::Internal(message.to_string())
}

/// Compiles and runs `wasm` (a module from [`crate::emit::emit`]): sets the depth limit, calls
/// `aura_main`, flushes output. Output written before an error is kept.
pub fn run(wasm: &[u8], limits: &Limits, io: Io) -> Result<(), RunError> {
    invoke(wasm, limits, io, |store, instance| {
        let Some(main) = instance.get_func(&mut *store, "aura_main") else {
            return Err(internal("the module does not export aura_main"));
        };
        let mut results = vec![Val::I64(0); main.ty(&*store).results().len()];
        main.call(&mut *store, &[], &mut results)
            .map_err(|e| trap_error(e, limits))
    })
}

/// Instantiates `wasm` with the host functions, sets the depth limit and calls `entry` (which
/// calls the module's exports); then flushes output. [`run`] and `message::send_message` share it.
pub(crate) fn invoke<T>(
    wasm: &[u8],
    limits: &Limits,
    io: Io,
    entry: impl FnOnce(&mut Store<State>, &Instance) -> Result<T, RunError>,
) -> Result<T, RunError> {
    let mut config = Config::new();
    config.consume_fuel(limits.fuel.is_some());
    config.max_wasm_stack(limits.max_wasm_stack);
    let engine = Engine::new(&config).map_err(internal)?;
    let module = load_module(&engine, wasm)?;
    let max_memory = usize::try_from(memory_cap(limits.max_memory)).unwrap_or(usize::MAX);
    // The module's initial memory already counts against the cap.
    if let Some(ExternType::Memory(memory)) = module.get_export("memory") {
        let initial = memory.minimum().saturating_mul(memory.page_size());
        if initial > limits.max_memory {
            return Err(RunError::Runtime(RuntimeError::new(
                ErrorKind::OutOfMemory,
                format!(
                    "the program needs {initial} bytes of memory to start; the limit is {}",
                    limits.max_memory
                ),
            )));
        }
    }
    let state = State {
        io,
        out: Vec::new(),
        write_error: None,
        failure: None,
        pending: None,
        limits: StoreLimitsBuilder::new().memory_size(max_memory).build(),
    };
    let mut store = Store::new(&engine, state);
    store.limiter(|state| &mut state.limits);
    if let Some(fuel) = limits.fuel {
        store.set_fuel(fuel).map_err(internal)?;
    }
    let result = instantiate(&engine, &module, &mut store, limits).and_then(|instance| {
        let result = entry(&mut store, &instance);
        if result.is_err() && store.data().failure.is_none() {
            // A trap (fuel, wasm stack) stopped the program where it was: what it printed
            // before is still in the runtime's buffer. The runtime flushed already if it raised
            // the error.
            flush_after_trap(&instance, &mut store);
        }
        result
    });
    let state = store.data_mut();
    state.flush_out();
    state.io.host.flush();
    let _ = state.io.stderr.flush();
    let result = match (result, state.failure.take()) {
        // aura_fail's trap: the recorded error is the real one.
        (Err(_), Some(failure)) => Err(RunError::Runtime(failure)),
        (result, _) => result,
    };
    let value = result?;
    match state.write_error.take() {
        Some(e) => Err(RunError::Output(e)),
        None => Ok(value),
    }
}

fn instantiate(
    engine: &Engine,
    module: &Module,
    store: &mut Store<State>,
    limits: &Limits,
) -> Result<Instance, RunError> {
    let mut linker: Linker<State> = Linker::new(engine);
    for import in module.imports() {
        let ExternType::Func(ty) = import.ty() else {
            return Err(internal(format!(
                "the module imports {}.{}, which is not a function",
                import.module(),
                import.name()
            )));
        };
        let name = import.name();
        match (import.module(), name) {
            ("aura", "aura_write") => linker.func_new("aura", name, ty, aura_write),
            ("aura", "aura_fail") => linker.func_new("aura", name, ty, aura_fail),
            ("aura", "aura_try") => linker.func_new("aura", name, ty, aura_try),
            ("aura", "aura_cap_store") => {
                linker.func_new("aura", name, ty, |c, p, r| capability(c, "store", p, r))
            }
            ("aura", "aura_cap_log") => {
                linker.func_new("aura", name, ty, |c, p, r| capability(c, "log", p, r))
            }
            ("aura", "aura_cap_clock") => {
                linker.func_new("aura", name, ty, |c, p, r| capability(c, "clock", p, r))
            }
            (module, name) => {
                return Err(internal(format!(
                    "the module imports unknown {module}.{name}"
                )))
            }
        }
        .map_err(internal)?;
    }
    let instance = linker
        .instantiate(&mut *store, module)
        .map_err(|e| trap_error(e, limits))?;
    if let Some(set_max_depth) = instance.get_func(&mut *store, "rt_set_max_depth") {
        let params: Vec<Val> = set_max_depth
            .ty(&*store)
            .params()
            .map(|ty| word(&ty, limits.max_depth))
            .collect();
        let mut results = vec![Val::I64(0); set_max_depth.ty(&*store).results().len()];
        set_max_depth
            .call(&mut *store, &params, &mut results)
            .map_err(|e| trap_error(e, limits))?;
    }
    if let Some(set_max_memory) = instance.get_func(&mut *store, "rt_set_max_memory") {
        let params: Vec<Val> = set_max_memory
            .ty(&*store)
            .params()
            .map(|ty| word(&ty, limits.max_memory))
            .collect();
        let mut results = vec![Val::I64(0); set_max_memory.ty(&*store).results().len()];
        set_max_memory
            .call(&mut *store, &params, &mut results)
            .map_err(|e| trap_error(e, limits))?;
    }
    // A test knob (spec/abi.md, "Memory model"): collect after this many bytes.
    let trigger = std::env::var("AURA_GC_TRIGGER")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let (Some(trigger), Some(set_trigger)) =
        (trigger, instance.get_func(&mut *store, "rt_set_gc_trigger"))
    {
        let params: Vec<Val> = set_trigger
            .ty(&*store)
            .params()
            .map(|ty| word(&ty, trigger))
            .collect();
        let mut results = vec![Val::I64(0); set_trigger.ty(&*store).results().len()];
        set_trigger
            .call(&mut *store, &params, &mut results)
            .map_err(|e| trap_error(e, limits))?;
    }
    Ok(instance)
}

/// The linear memory allowed for a live heap cap of `max_live` bytes: twice the cap (a
/// collection is due once as much as is live has been allocated since the last one) plus 32 MiB
/// for the runtime's argument and shadow stacks, at most the 4 GiB of wasm32.
pub fn memory_cap(max_live: u64) -> u64 {
    max_live
        .saturating_mul(2)
        .saturating_add(32 << 20)
        .min(4 << 30)
}

/// Fuel granted to flush output after a trap: writing out one buffer is a short loop.
const FLUSH_FUEL: u64 = 10_000_000;

fn flush_after_trap(instance: &wasmtime::Instance, store: &mut Store<State>) {
    let Some(finish) = instance.get_func(&mut *store, "rt_finish") else {
        return;
    };
    if store.get_fuel().is_ok() && store.set_fuel(FLUSH_FUEL).is_err() {
        return;
    }
    let mut results = vec![Val::I64(0); finish.ty(&*store).results().len()];
    // Best effort: the program's own error is what gets reported.
    let _ = finish.call(&mut *store, &[], &mut results);
}

/// A value of wasm type `ty` holding `n` (the runtime's C ints may be 32-bit).
fn word(ty: &ValType, n: u64) -> Val {
    match ty {
        ValType::I32 => Val::I32(i32::try_from(n).unwrap_or(i32::MAX)),
        _ => Val::I64(i64::try_from(n).unwrap_or(i64::MAX)),
    }
}

/// Turns a wasmtime error from a call into the run's error. `aura_fail` is handled by the caller
/// (its error is recorded in the state).
pub(crate) fn trap_error(error: wasmtime::Error, limits: &Limits) -> RunError {
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => RunError::Runtime(RuntimeError::new(
            ErrorKind::OutOfFuel,
            format!(
                "the program ran out of fuel ({} units)",
                limits.fuel.unwrap_or(0)
            ),
        )),
        Some(Trap::StackOverflow) => RunError::Runtime(RuntimeError::new(
            ErrorKind::StackOverflow,
            format!(
                "the wasm stack ({} KiB) is used up",
                limits.max_wasm_stack / 1024
            ),
        )),
        _ => RunError::Internal(format!("{error:?}")),
    }
}

/// A wasm argument as a 64-bit word (32-bit ones are addresses or sizes: zero-extended).
fn arg(params: &[Val], i: usize) -> wasmtime::Result<u64> {
    match params.get(i) {
        Some(Val::I32(x)) => Ok(u64::from(*x as u32)),
        Some(Val::I64(x)) => Ok(*x as u64),
        _ => Err(wasmtime::Error::msg(format!(
            "host function argument {i} is missing or not an integer"
        ))),
    }
}

fn memory(caller: &mut Caller<'_, State>) -> wasmtime::Result<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory),
        _ => Err(wasmtime::Error::msg("the module exports no memory")),
    }
}

/// Copies `len` bytes at `ptr` out of linear memory.
fn read_bytes(caller: &mut Caller<'_, State>, ptr: u64, len: u64) -> wasmtime::Result<Vec<u8>> {
    let memory = memory(caller)?;
    let data = memory.data(&*caller);
    usize::try_from(ptr)
        .ok()
        .zip(usize::try_from(len).ok())
        .and_then(|(ptr, len)| data.get(ptr..ptr.checked_add(len)?))
        .map(<[u8]>::to_vec)
        .ok_or_else(|| wasmtime::Error::msg("host call with bytes outside linear memory"))
}

fn aura_write(
    mut caller: Caller<'_, State>,
    params: &[Val],
    _: &mut [Val],
) -> wasmtime::Result<()> {
    let stream = arg(params, 0)?;
    let bytes = read_bytes(&mut caller, arg(params, 1)?, arg(params, 2)?)?;
    let state = caller.data_mut();
    match stream {
        1 => {
            state.out.extend_from_slice(&bytes);
            if state.out.len() >= BUFFER {
                state.flush_out();
            }
        }
        2 => {
            // Whatever the program printed before goes out first.
            state.flush_out();
            // A failed write to standard error has nowhere to be reported.
            let _ = state.io.stderr.write_all(&bytes);
        }
        other => {
            return Err(wasmtime::Error::msg(format!(
                "aura_write to stream {other}"
            )))
        }
    }
    Ok(())
}

fn aura_fail(mut caller: Caller<'_, State>, params: &[Val], _: &mut [Val]) -> wasmtime::Result<()> {
    let kind = arg(params, 0)?;
    let message = read_bytes(&mut caller, arg(params, 1)?, arg(params, 2)?)?;
    let Some(kind) = usize::try_from(kind)
        .ok()
        .and_then(|k| ErrorKind::ALL.get(k).copied())
    else {
        return Err(wasmtime::Error::msg(format!(
            "aura_fail with unknown kind {kind}"
        )));
    };
    let message = String::from_utf8_lossy(&message).into_owned();
    caller.data_mut().failure = Some(RuntimeError::new(kind, message));
    Err(wasmtime::Error::msg("aura_fail"))
}

/// `aura_try(body, self) -> val` (`spec/abi.md`, "Errors a program handles"): calls the body of
/// a `try` back through the export `rt_call` and returns its result; when `aura_fail` trapped
/// with a catchable kind, forgets that failure and returns 0 (the runtime builds the error's map
/// and restores its C stack pointer). Any other trap (fuel, the wasm stack, an uncatchable kind)
/// goes on.
fn aura_try(
    mut caller: Caller<'_, State>,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    let (body, this) = (arg(params, 0)?, arg(params, 1)?);
    let Some(Extern::Func(call)) = caller.get_export("rt_call") else {
        return Err(wasmtime::Error::msg("the module exports no rt_call"));
    };
    let mut out = [Val::I64(0)];
    let args = [
        Val::I64(body as i64),
        Val::I64(this as i64),
        Val::I64(0),
        Val::I64(0),
    ];
    match call.call(&mut caller, &args, &mut out) {
        Ok(()) => {}
        Err(e) => {
            let state = caller.data_mut();
            if !state.failure.as_ref().is_some_and(|f| f.kind.catchable()) {
                return Err(e);
            }
            state.failure = None;
            out[0] = Val::I64(0);
        }
    }
    match results.first_mut() {
        Some(slot) => *slot = out[0],
        None => return Err(wasmtime::Error::msg("aura_try returns nothing")),
    }
    Ok(())
}

/// `aura_cap_NAME(req, req_len, resp, resp_cap) -> resp_len` (`spec/abi.md`).
fn capability(
    mut caller: Caller<'_, State>,
    name: &'static str,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    let request = read_bytes(&mut caller, arg(params, 0)?, arg(params, 1)?)?;
    let resp_ptr = arg(params, 2)?;
    let resp_cap = arg(params, 3)?;
    let state = caller.data_mut();
    let response = match state.pending.take() {
        Some(pending) if pending.capability == name && pending.request == request => {
            pending.response
        }
        _ => {
            // A log line must follow what the program printed before it.
            state.flush_out();
            answer(state.io.host.as_mut(), name, &request).into_bytes()
        }
    };
    let len = response.len() as u64;
    if len <= resp_cap {
        let memory = memory(&mut caller)?;
        let target = usize::try_from(resp_ptr)
            .ok()
            .and_then(|p| {
                memory
                    .data_mut(&mut caller)
                    .get_mut(p..p.checked_add(response.len())?)
            })
            .ok_or_else(|| wasmtime::Error::msg("capability response outside linear memory"))?;
        target.copy_from_slice(&response);
    } else {
        caller.data_mut().pending = Some(Pending {
            capability: name,
            request,
            response,
        });
    }
    let Some(result) = results.first_mut() else {
        return Err(wasmtime::Error::msg("capability import without a result"));
    };
    *result = match result {
        Val::I32(_) => Val::I32(i32::try_from(len).unwrap_or(i32::MAX)),
        _ => Val::I64(len as i64),
    };
    Ok(())
}

/// Answers one capability request: `{"method": M, "args": [...]}` → `{"ok": V}` or
/// `{"error": KIND, "message": TEXT}`.
fn answer(host: &mut dyn Host, capability: &str, request: &[u8]) -> String {
    let failed = |e: RuntimeError| {
        serde_json::json!({"error": e.kind.as_str(), "message": e.message}).to_string()
    };
    let parsed: Option<(String, Vec<Json>)> = serde_json::from_slice::<Json>(request)
        .ok()
        .and_then(|mut request| {
            let method = request.get("method")?.as_str()?.to_string();
            let Json::Array(args) = request.get_mut("args")?.take() else {
                return None;
            };
            Some((method, args))
        });
    let Some((method, args)) = parsed else {
        return failed(RuntimeError::new(
            ErrorKind::Error,
            format!("malformed {capability} request from the runtime"),
        ));
    };
    match aura_host_api::call_capability(host, capability, &method, &args) {
        Ok(value) => serde_json::json!({ "ok": value }).to_string(),
        Err(e) => failed(e),
    }
}
