//! Runtime values. `Value` is 16 bytes: a tag and one word (an immediate or one `Rc`).
//!
//! Owns: the `Value` enum, the byte sizes the memory limit counts per heap value, and the
//! constructors hosts use. Each kind of heap value lives in its own file: strings and keys
//! (`str.rs`), lists and maps (`containers.rs`), objects and slot shapes (`object.rs`), closures
//! (`closure.rs`), hashing (`hash.rs`), errors (`error.rs`) and iterative drop (`drop.rs`).
//!
//! Heap values count their bytes against the memory limit (see `limits.rs`) when they are created
//! or grown and give them back when they are dropped. Dropping is iterative, so a list nested a
//! million levels deep is freed without recursing on the Rust stack.

mod closure;
mod containers;
mod drop;
mod error;
mod hash;
mod object;
mod str;

pub use closure::Closure;
pub use containers::{List, Map};
pub(crate) use drop::drop_values;
pub(crate) use error::{err, type_err, Error, R};
pub(crate) use hash::Entries;
pub(crate) use object::shapes_changed;
pub use object::Object;
pub use str::{Key, Str};

use std::rc::Rc;

/// An Aura value.
// `repr(C, u64)`: a full-word tag and every payload at offset 8. Copies of `Result<Value, _>` then move whole
// words instead of the padding bytes 1..8, which cost store-forwarding stalls on the hot path.
#[derive(Clone, Debug, Default)]
#[repr(C, u64)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<Str>),
    List(Rc<List>),
    Map(Rc<Map>),
    Object(Rc<Object>),
    Fn(Rc<Closure>),
    /// A native builtin, by its index in `aura_uast::BUILTINS`.
    Builtin(u16),
    /// A capability (`store`, `log`, `clock`), by its index in `aura_uast::CAPABILITIES`.
    Capability(u8),
}

/// Bytes counted for the header of each heap value (approximate; see `limits.rs`).
pub(crate) const HEADER: u64 = 32;
/// Bytes counted per list element, map entry and object slot.
pub(crate) const ELEM: u64 = 16;
pub(crate) const ENTRY: u64 = 40;

// ---------------------------------------------------------------------------------------------
// Conveniences for hosts

impl Value {
    /// A string value (counted against the memory limit of the running call, never refused).
    pub fn string(text: impl Into<String>) -> Value {
        Value::Str(Str::constant(text.into()))
    }
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(List::constant(items))
    }
    /// A map from key/value pairs (later duplicates replace earlier ones).
    pub fn map(pairs: impl IntoIterator<Item = (String, Value)>) -> Value {
        let entries: Entries = pairs
            .into_iter()
            .map(|(k, v)| (Key(Str::constant(k)), v))
            .collect();
        Value::Map(Map::constant(entries))
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }
    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }
    /// `type_of(x)`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Object(_) | Value::Capability(_) => "object",
            Value::Fn(_) | Value::Builtin(_) => "fn",
        }
    }
}

impl std::fmt::Display for Value {
    /// `str(x)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        let _ = crate::print::write_value(&mut out, self);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_two_words() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::size_of::<R<Value>>(), 16);
    }

    #[test]
    fn short_strings_grow_past_the_inline_buffer() -> R<()> {
        let mut s = Str::from_str("é")?;
        let mut expected = String::from("é");
        for i in 0..40 {
            let part = if i % 3 == 0 { "ü" } else { "ab" };
            let s_mut = Rc::get_mut(&mut s).ok_or_else(|| type_err("shared"))?;
            if i % 2 == 0 {
                s_mut.push_str(part)?;
                expected.push_str(part);
            } else {
                s_mut.push_front(part)?;
                expected.insert_str(0, part);
            }
            assert_eq!(s.as_str(), expected);
            assert_eq!(s.char_len(), expected.chars().count());
        }
        for n in [
            0,
            7,
            -7,
            10,
            99,
            100,
            -100,
            12345,
            999_999,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(Str::int(n)?.as_str(), n.to_string());
        }
        assert_eq!(Str::concat("ab", "cd")?.as_str(), "abcd");
        let long = "x".repeat(30);
        assert_eq!(Str::concat(&long, "é")?.as_str(), format!("{long}é"));
        Ok(())
    }

    #[test]
    fn deep_lists_drop_without_recursion() {
        let mut v = Value::Nil;
        for _ in 0..1_000_000 {
            v = Value::list(vec![v]);
        }
        drop(v);
    }
}
