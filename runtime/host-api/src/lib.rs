//! The interface between an engine that runs Aura (the interpreter, the wasmtime sandbox) and the
//! host that embeds it (`aura run`, the Swarm server `aura serve`, tests): the limits of a run
//! ([`Options`]), where `print` goes, and the capabilities `store`, `log` and `clock`.
//!
//! Nothing here knows any engine's values: at the boundary a capability's arguments and answer
//! are JSON ([`Json`]), which every engine can produce and read (the compiled runtime already
//! speaks JSON to its host, `spec/abi.md`). An engine reads a call with
//! [`call_capability`], which checks it the same way for every engine and host, so `aura run`,
//! `aura serve` and every target behave alike.

#![forbid(unsafe_code)]

mod capability;
mod std_host;
mod text;

pub use aura_facts::{ErrorKind, RuntimeError};
pub use capability::{call_capability, CapabilityArg, CapabilityCall};
pub use std_host::StdHost;
pub use text::json_to_text;

/// A JSON value: what crosses the boundary between an engine and its host.
pub type Json = serde_json::Value;

/// Resource limits of a run, whatever the engine.
#[derive(Clone, Debug)]
pub struct Options {
    /// Nested calls allowed before `stack overflow`.
    pub max_depth: usize,
    /// Units of fuel; `None`: unlimited. (The interpreter counts statements, loop iterations
    /// and calls; wasmtime counts about one per instruction.)
    pub fuel: Option<u64>,
    /// Bytes the live heap may grow by (approximate); `None`: unlimited.
    pub max_memory: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_depth: 10_000,
            fuel: None,
            max_memory: None,
        }
    }
}

/// What a running program needs from its environment.
pub trait Host {
    /// One `print()` call's text, without the newline.
    fn print(&mut self, line: &str);
    /// A checked capability call (`store.get(k)`, `log.info(msg)`, ...), made through
    /// [`call_capability`]; the answer as JSON.
    fn capability(&mut self, call: CapabilityCall<'_>) -> Result<Json, RuntimeError>;
    /// Called when a top-level run ends (also on error): write out anything buffered.
    fn flush(&mut self) {}
}
