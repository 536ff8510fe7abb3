//! Runtime errors as the interpreter carries them.
//!
//! Owns: the boxed error type and its constructors. Invariant: an error travels as
//! `Box<RuntimeError>`, so `Result<Value, Error>` stays two words (checked in `value/mod.rs`'s
//! tests); the kind comes from the one table in `aura_facts::ErrorKind`.

use aura_facts::{ErrorKind, RuntimeError};

/// Errors travel boxed: `Result<Value, Error>` stays two words.
pub(crate) type Error = Box<RuntimeError>;
pub(crate) type R<T> = Result<T, Error>;

pub(crate) fn err(kind: ErrorKind, message: impl Into<String>) -> Error {
    Box::new(RuntimeError::new(kind, message))
}

pub(crate) fn type_err(message: impl Into<String>) -> Error {
    err(ErrorKind::Type, message)
}
