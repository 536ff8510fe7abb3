//! The x86-64 backend: LIR → Cranelift → an ELF relocatable object that contains the compiled
//! program and the C runtime (`runtime/rt`), and from it an executable linked with the system
//! `cc` and `runtime/native/support.c`. See `spec/abi.md`.

#![forbid(unsafe_code)]

pub mod clif;
pub mod link;

pub use clif::{compile, CompileError};
pub use link::{build_object, link_executable, Error, TempDir, EXTERNAL_SYMBOLS};
