//! `json_encode`, `json_decode`, and the Value ⇄ `serde_json::Value` conversions for hosts.

use crate::limits;
use crate::print::Path;
use crate::value::{err, Entries, Key, List, Map, Str, Value, R};
use aura_runtime::{format_float, write_json_string, ErrorKind, RuntimeError};
use std::fmt::Write;
use std::rc::Rc;

fn json_err(message: impl Into<String>) -> crate::value::Error {
    err(ErrorKind::Json, message)
}

/// `json_encode(v)`: compact JSON.
pub(crate) fn encode(v: &Value) -> R<String> {
    let mut out = String::new();
    encode_into(&mut out, v, &mut Path::default())?;
    Ok(out)
}

fn encode_into(out: &mut String, v: &Value, path: &mut Path) -> R<()> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(x) => {
            if !x.is_finite() {
                return Err(json_err(format!(
                    "cannot encode {} as JSON",
                    format_float(*x)
                )));
            }
            out.push_str(&format_float(*x));
        }
        Value::Str(s) => write_json_string(out, s.as_str()),
        Value::List(l) => {
            if !path.enter(Rc::as_ptr(l) as usize) {
                return Err(json_err("cannot encode a list that contains itself"));
            }
            out.push('[');
            for (i, item) in l.items.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || {
                    encode_into(out, item, path)
                })?;
            }
            out.push(']');
            path.leave();
        }
        Value::Map(m) => {
            if !path.enter(Rc::as_ptr(m) as usize) {
                return Err(json_err("cannot encode a map that contains itself"));
            }
            out.push('{');
            for (i, (k, item)) in m.entries.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, k.as_str());
                out.push(':');
                stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || {
                    encode_into(out, item, path)
                })?;
            }
            out.push('}');
            path.leave();
        }
        other => {
            return Err(json_err(format!(
                "cannot encode a {} as JSON",
                describe(other)
            )));
        }
    }
    Ok(())
}

fn describe(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Capability(_) => "object".to_string(),
        Value::Fn(_) | Value::Builtin(_) => "function".to_string(),
        other => other.type_name().to_string(),
    }
}

/// `json_decode(s)`.
pub(crate) fn decode(text: &str) -> R<Value> {
    let parsed: serde_json::Value =
        serde_json::from_str(text).map_err(|e| json_err(format!("invalid JSON: {e}")))?;
    convert(&parsed, true)
}

fn convert(v: &serde_json::Value, checked: bool) -> R<Value> {
    Ok(match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => {
            if checked {
                Value::Str(Str::new(s.clone())?)
            } else {
                Value::Str(Str::constant(s.clone()))
            }
        }
        serde_json::Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(stacker::maybe_grow(
                    limits::RED_ZONE,
                    limits::STACK_SEGMENT,
                    || convert(item, checked),
                )?);
            }
            if checked {
                Value::List(List::new(out)?)
            } else {
                Value::List(List::constant(out))
            }
        }
        serde_json::Value::Object(map) => {
            let mut out = Entries::with_capacity_and_hasher(map.len(), Default::default());
            for (k, item) in map {
                let value = stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || {
                    convert(item, checked)
                })?;
                let key = if checked {
                    Str::new(k.clone())?
                } else {
                    Str::constant(k.clone())
                };
                let _ = out.insert(Key(key), value);
            }
            if checked {
                Value::Map(Map::new(out)?)
            } else {
                Value::Map(Map::constant(out))
            }
        }
    })
}

/// A JSON value as an Aura value (integers → int, other numbers → float, null → nil).
pub fn from_json(v: &serde_json::Value) -> Value {
    convert(v, false).unwrap_or_default()
}

/// An Aura value as JSON; objects, functions, non-finite floats and cycles are `json error`.
pub fn to_json(v: &Value) -> Result<serde_json::Value, RuntimeError> {
    to_json_in(v, &mut Path::default()).map_err(|e| *e)
}

fn to_json_in(v: &Value, path: &mut Path) -> R<serde_json::Value> {
    Ok(match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(n) => serde_json::Value::from(*n),
        Value::Float(x) => match serde_json::Number::from_f64(*x) {
            Some(n) => serde_json::Value::Number(n),
            None => {
                return Err(json_err(format!(
                    "cannot encode {} as JSON",
                    format_float(*x)
                )))
            }
        },
        Value::Str(s) => serde_json::Value::String(s.as_str().to_string()),
        Value::List(l) => {
            if !path.enter(Rc::as_ptr(l) as usize) {
                return Err(json_err("cannot encode a list that contains itself"));
            }
            let mut out = Vec::new();
            for item in l.items.borrow().iter() {
                out.push(stacker::maybe_grow(
                    limits::RED_ZONE,
                    limits::STACK_SEGMENT,
                    || to_json_in(item, path),
                )?);
            }
            path.leave();
            serde_json::Value::Array(out)
        }
        Value::Map(m) => {
            if !path.enter(Rc::as_ptr(m) as usize) {
                return Err(json_err("cannot encode a map that contains itself"));
            }
            let mut out = serde_json::Map::new();
            for (k, item) in m.entries.borrow().iter() {
                let value = stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || {
                    to_json_in(item, path)
                })?;
                let _ = out.insert(k.as_str().to_string(), value);
            }
            path.leave();
            serde_json::Value::Object(out)
        }
        other => {
            return Err(json_err(format!(
                "cannot encode a {} as JSON",
                describe(other)
            )))
        }
    })
}
