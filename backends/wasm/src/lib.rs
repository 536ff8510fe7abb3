//! The WebAssembly backend: LIR → one wasm module merged with the shared C runtime
//! ([`emit`]), run in a wasmtime sandbox with fuel, memory and depth limits ([`sandbox`]), also
//! one message at a time ([`message`]).

pub mod emit;
pub mod message;
pub mod sandbox;

pub use emit::{declared_capabilities, emit, EmitError};
pub use message::send_message;
pub use sandbox::{run, Io, Limits, RunError};
