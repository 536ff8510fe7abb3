//! The WebAssembly backend: LIR → one wasm module merged with the shared C runtime ([`emit`]).
//! The module runs in the wasmtime sandbox (`runtime/wasm-sandbox`) or a browser
//! (`runtime/browser`).

#![forbid(unsafe_code)]

pub mod emit;

pub use emit::{declared_capabilities, emit, EmitError};
