//! LIR: the backend-neutral low-level IR of compiled Aura.
//!
//! Every value is one 64-bit word (`spec/abi.md`, "Values"); LIR knows nothing else. Control flow
//! is structured (if / loop / break / continue / return) so that it maps one to one onto
//! WebAssembly blocks and onto Cranelift blocks. Dynamic operations are calls into the shared
//! runtime ([`runtime`]); the lowering ([`lower`]) adds inline fast paths for small ints.
//! Compiled targets enter through [`compile`]: lower, then [`verify`].

#![forbid(unsafe_code)]

mod compile;
mod display;
pub mod gc;
pub mod ir;
pub mod lower;
pub mod runtime;
pub mod verify;

pub use compile::{compile, CompileError};
pub use ir::*;
pub use lower::{lower, LowerError};
pub use verify::verify;
