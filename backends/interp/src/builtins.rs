//! The native builtins of `aura_uast::BUILTINS`, by index.

use crate::json;
use crate::limits;
use crate::ops;
use crate::print::{to_string_checked, write_value};
use crate::value::{err, type_err, Entries, Key, List, Map, Object, Str, Value, ELEM, ENTRY, R};
use crate::Host;
use aura_facts::ErrorKind;
use aura_uast::BUILTINS;
use std::rc::Rc;

// Indices into `BUILTINS` (checked by a test).
const PRINT: u16 = 0;
pub(crate) const STR: u16 = 1;
const INT: u16 = 2;
const FLOAT: u16 = 3;
const TYPE_OF: u16 = 4;
const LEN: u16 = 5;
pub(crate) const PUSH: u16 = 6;
const POP: u16 = 7;
const KEYS: u16 = 8;
const HAS: u16 = 9;
const REMOVE: u16 = 10;
const SLICE: u16 = 11;
const SPLIT: u16 = 12;
const JOIN: u16 = 13;
const UPPER: u16 = 14;
const LOWER: u16 = 15;
const TRIM: u16 = 16;
const FIND: u16 = 17;
const RANGE: u16 = 18;
const MIN: u16 = 19;
const MAX: u16 = 20;
const FLOOR: u16 = 21;
const SQRT: u16 = 22;
const CLONE: u16 = 23;
const PROTO: u16 = 24;
const SLOTS: u16 = 25;
const ASSERT: u16 = 26;
pub(crate) const ERROR: u16 = 27;
const JSON_ENCODE: u16 = 28;
const JSON_DECODE: u16 = 29;
const SHA256: u16 = 30;
const TYPE_ERROR: u16 = 31;

#[cfg(test)]
const NAMES: [(u16, &str); 32] = [
    (PRINT, "print"),
    (STR, "str"),
    (INT, "int"),
    (FLOAT, "float"),
    (TYPE_OF, "type_of"),
    (LEN, "len"),
    (PUSH, "push"),
    (POP, "pop"),
    (KEYS, "keys"),
    (HAS, "has"),
    (REMOVE, "remove"),
    (SLICE, "slice"),
    (SPLIT, "split"),
    (JOIN, "join"),
    (UPPER, "upper"),
    (LOWER, "lower"),
    (TRIM, "trim"),
    (FIND, "find"),
    (RANGE, "range"),
    (MIN, "min"),
    (MAX, "max"),
    (FLOOR, "floor"),
    (SQRT, "sqrt"),
    (CLONE, "clone"),
    (PROTO, "proto"),
    (SLOTS, "slots"),
    (ASSERT, "assert"),
    (ERROR, "error"),
    (JSON_ENCODE, "json_encode"),
    (JSON_DECODE, "json_decode"),
    (SHA256, "sha256"),
    (TYPE_ERROR, "__type_error"),
];

thread_local! {
    /// `type_of` results, shared.
    static TYPE_NAMES: Vec<Rc<Str>> = ["nil", "bool", "int", "float", "str", "list", "map", "object", "fn"]
        .iter()
        .map(|n| Str::constant((*n).to_string()))
        .collect();
}

fn type_name_value(name: &'static str) -> R<Value> {
    let found = TYPE_NAMES.with(|names| names.iter().find(|s| s.as_str() == name).cloned());
    match found {
        Some(s) => Ok(Value::Str(s)),
        None => Ok(Value::Str(Str::new(name.to_string())?)),
    }
}

fn new_str(s: String) -> R<Value> {
    Ok(Value::Str(Str::new(s)?))
}

fn new_list(items: Vec<Value>) -> R<Value> {
    Ok(Value::List(List::new(items)?))
}

/// Bytes and elements of a value at its top level (what a linear builtin reads of it).
fn shallow_size(v: &Value) -> (usize, usize) {
    match v {
        Value::Str(s) => (s.len_bytes(), 0),
        Value::List(l) => (0, l.items.borrow().len()),
        Value::Map(m) => (0, m.entries.borrow().len()),
        _ => (0, 0),
    }
}

/// Builtins whose work grows with their arguments' size: they are charged for it first.
fn reads_arguments(id: u16) -> bool {
    matches!(
        id,
        INT | FLOAT
            | REMOVE
            | SPLIT
            | JOIN
            | UPPER
            | LOWER
            | TRIM
            | FIND
            | MIN
            | MAX
            | CLONE
            | JSON_DECODE
            | SHA256
    )
}

/// Builtins whose work grows with the value they build: charged for it after.
fn builds_result(id: u16) -> bool {
    matches!(
        id,
        STR | JSON_ENCODE | SLICE | SPLIT | JOIN | KEYS | SLOTS | RANGE
    )
}

/// Calls builtin `id` with `args`, charging fuel for its work (see `limits::work`): one unit
/// per 64 bytes and per 16 elements read (the arguments of the builtins that scan them) or
/// built (the result), and for `print` per 64 bytes printed. A builtin that runs out of fuel
/// midway fails after its work is done, so one call does at most the work its arguments'
/// (bounded) size allows.
pub(crate) fn call(id: u16, args: &[Value], host: &mut dyn Host) -> R<Value> {
    if reads_arguments(id) {
        for a in args {
            let (bytes, items) = shallow_size(a);
            limits::work_bytes(bytes)?;
            limits::work_items(items)?;
        }
    }
    let result = dispatch(id, args, host)?;
    if builds_result(id) {
        let (bytes, items) = shallow_size(&result);
        limits::work_bytes(bytes)?;
        limits::work_items(items)?;
    }
    Ok(result)
}

fn dispatch(id: u16, args: &[Value], host: &mut dyn Host) -> R<Value> {
    let Some(spec) = BUILTINS.get(id as usize) else {
        return Err(type_err("unknown builtin"));
    };
    if !spec.accepts(args.len()) {
        let n = spec.arity_text();
        return Err(type_err(format!(
            "{}() expects {} argument{}, got {}",
            spec.name,
            n,
            if n == "1" { "" } else { "s" },
            args.len()
        )));
    }
    let name = spec.name;
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Nil);
    let wrong =
        |what: &str, v: &Value| type_err(format!("{name}() expects {what}, got {}", v.type_name()));
    let string = |i: usize| match arg(i) {
        Value::Str(s) => Ok(s.clone()),
        other => Err(wrong("a str", other)),
    };
    match id {
        PRINT => {
            let mut line = String::new();
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    line.push(' ');
                }
                write_value(&mut line, a)?;
            }
            limits::work_bytes(line.len())?;
            host.print(&line);
            Ok(Value::Nil)
        }
        STR => match arg(0) {
            s @ Value::Str(_) => Ok(s.clone()),
            Value::Int(n) => Ok(Value::Str(Str::int(*n)?)),
            other => new_str(to_string_checked(other)?),
        },
        INT => to_int(arg(0)),
        FLOAT => to_float(arg(0)),
        TYPE_OF => type_name_value(arg(0).type_name()),
        LEN => match arg(0) {
            Value::Str(s) => Ok(Value::Int(s.char_len() as i64)),
            Value::List(l) => Ok(Value::Int(l.items.borrow().len() as i64)),
            Value::Map(m) => Ok(Value::Int(m.entries.borrow().len() as i64)),
            other => Err(wrong("a str, list or map", other)),
        },
        PUSH => match arg(0) {
            Value::List(l) => {
                limits::charge(ELEM)?;
                let mut items = l.items.borrow_mut();
                limits::reserve_vec(&mut items, 1)?;
                items.push(arg(1).clone());
                Ok(Value::Nil)
            }
            other => Err(wrong("a list", other)),
        },
        POP => match arg(0) {
            Value::List(l) => {
                let popped = l.items.borrow_mut().pop();
                match popped {
                    Some(v) => {
                        limits::release(ELEM);
                        Ok(v)
                    }
                    None => Err(err(ErrorKind::IndexOutOfRange, "pop() from an empty list")),
                }
            }
            other => Err(wrong("a list", other)),
        },
        KEYS => match arg(0) {
            Value::Map(m) => {
                let keys: Vec<Value> = m
                    .entries
                    .borrow()
                    .keys()
                    .map(|k| Value::Str(k.0.clone()))
                    .collect();
                new_list(keys)
            }
            other => Err(wrong("a map", other)),
        },
        HAS => {
            let key = match arg(1) {
                Value::Str(s) => Key(s.clone()),
                other => return Err(wrong("a str name", other)),
            };
            match arg(0) {
                Value::Map(m) => Ok(Value::Bool(m.entries.borrow().contains_key(key.as_str()))),
                Value::Object(o) => Ok(Value::Bool(o.lookup(&key).is_some())),
                other => Err(wrong("a map or object", other)),
            }
        }
        REMOVE => match (arg(0), arg(1)) {
            (Value::Map(m), Value::Str(k)) => {
                let removed = m.entries.borrow_mut().shift_remove(k.as_str());
                Ok(match removed {
                    Some(v) => {
                        limits::release(ENTRY);
                        v
                    }
                    None => Value::Nil,
                })
            }
            (Value::List(l), Value::Int(i)) => {
                let mut items = l.items.borrow_mut();
                let p = ops::position(*i, items.len())?;
                limits::release(ELEM);
                Ok(items.remove(p))
            }
            (Value::Map(_), other) => Err(wrong("a str key", other)),
            (Value::List(_), other) => Err(wrong("an int index", other)),
            (other, _) => Err(wrong("a map or list", other)),
        },
        SLICE => slice(args),
        SPLIT => split(args),
        JOIN => join(args),
        UPPER => new_str(string(0)?.as_str().to_ascii_uppercase()),
        LOWER => new_str(string(0)?.as_str().to_ascii_lowercase()),
        TRIM => {
            let s = string(0)?;
            let t = s.as_str().trim();
            if t.len() == s.len_bytes() {
                return Ok(Value::Str(s));
            }
            new_str(t.to_string())
        }
        FIND => {
            let (s, sub) = (string(0)?, string(1)?);
            Ok(Value::Int(match s.as_str().find(sub.as_str()) {
                Some(byte) => s.as_str()[..byte].chars().count() as i64,
                None => -1,
            }))
        }
        RANGE => range(args),
        MIN => extreme(args, name, true),
        MAX => extreme(args, name, false),
        FLOOR => match arg(0) {
            Value::Int(n) => Ok(Value::Int(*n)),
            Value::Float(x) => float_to_int(x.floor(), name),
            other => Err(wrong("a number", other)),
        },
        SQRT => match arg(0) {
            Value::Int(n) => Ok(Value::Float((*n as f64).sqrt())),
            Value::Float(x) => Ok(Value::Float(x.sqrt())),
            other => Err(wrong("a number", other)),
        },
        CLONE => match arg(0) {
            Value::Object(o) => Ok(Value::Object(Object::new(None, Some(o.clone()))?)),
            Value::Map(m) => {
                let copy: Entries = m.entries.borrow().clone();
                Ok(Value::Map(Map::new(copy)?))
            }
            Value::List(l) => {
                let copy = l.items.borrow().clone();
                new_list(copy)
            }
            other => Ok(other.clone()),
        },
        PROTO => match arg(0) {
            Value::Object(o) => Ok(o.proto.clone().map_or(Value::Nil, Value::Object)),
            other => Err(wrong("an object", other)),
        },
        SLOTS => match arg(0) {
            Value::Object(o) => {
                let names: Vec<Value> = o
                    .slots
                    .borrow()
                    .names()
                    .into_iter()
                    .map(|k| Value::Str(k.0))
                    .collect();
                new_list(names)
            }
            other => Err(wrong("an object", other)),
        },
        ASSERT => {
            if arg(0).is_truthy() {
                return Ok(Value::Nil);
            }
            let message = match args.get(1) {
                Some(m) => to_string_checked(m)?,
                None => "assertion failed".to_string(),
            };
            Err(err(ErrorKind::AssertionFailed, message))
        }
        ERROR => Err(err(ErrorKind::Error, to_string_checked(arg(0))?)),
        TYPE_ERROR => Err(type_err(to_string_checked(arg(0))?)),
        JSON_ENCODE => new_str(json::encode(arg(0))?),
        JSON_DECODE => json::decode(string(0)?.as_str()),
        SHA256 => new_str(aura_facts::sha256_hex(string(0)?.as_str())),
        _ => Err(type_err(format!("{name}() is not available"))),
    }
}

fn to_int(v: &Value) -> R<Value> {
    match v {
        Value::Int(n) => Ok(Value::Int(*n)),
        Value::Float(x) => float_to_int(x.trunc(), "int"),
        Value::Bool(b) => Ok(Value::Int(i64::from(*b))),
        Value::Str(s) => match s.as_str().trim().parse::<i64>() {
            Ok(n) => Ok(Value::Int(n)),
            Err(_) => {
                let mut quoted = String::new();
                aura_facts::write_json_string(&mut quoted, s.as_str());
                Err(type_err(format!(
                    "int() cannot parse {quoted} as an integer"
                )))
            }
        },
        other => Err(type_err(format!(
            "int() cannot convert a {}",
            other.type_name()
        ))),
    }
}

fn to_float(v: &Value) -> R<Value> {
    match v {
        Value::Int(n) => Ok(Value::Float(*n as f64)),
        Value::Float(x) => Ok(Value::Float(*x)),
        Value::Bool(b) => Ok(Value::Float(if *b { 1.0 } else { 0.0 })),
        Value::Str(s) => match s.as_str().trim().parse::<f64>() {
            Ok(x) => Ok(Value::Float(x)),
            Err(_) => {
                let mut quoted = String::new();
                aura_facts::write_json_string(&mut quoted, s.as_str());
                Err(type_err(format!(
                    "float() cannot parse {quoted} as a number"
                )))
            }
        },
        other => Err(type_err(format!(
            "float() cannot convert a {}",
            other.type_name()
        ))),
    }
}

/// An integral float as an int; non-finite or out of range is a `type error`.
fn float_to_int(x: f64, name: &str) -> R<Value> {
    // 2^63 is exactly representable; every float in [-2^63, 2^63) fits an i64.
    if x.is_finite() && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&x) {
        return Ok(Value::Int(x as i64));
    }
    Err(type_err(format!(
        "{name}() cannot convert {} to an int",
        aura_facts::format_float(x)
    )))
}

/// Python slice bounds: negatives count from the end, both clamped to `0..len`.
fn bounds(args: &[Value], len: usize) -> R<(usize, usize)> {
    let clamp = |v: &Value, default: usize| -> R<usize> {
        match v {
            Value::Int(i) => {
                let len = len as i64;
                let i = if *i < 0 {
                    (*i + len).max(0)
                } else {
                    (*i).min(len)
                };
                Ok(i as usize)
            }
            Value::Nil => Ok(default),
            other => Err(type_err(format!(
                "slice() expects int bounds, got {}",
                other.type_name()
            ))),
        }
    };
    let start = clamp(args.get(1).unwrap_or(&Value::Nil), 0)?;
    let end = clamp(args.get(2).unwrap_or(&Value::Nil), len)?;
    Ok((start, end.max(start)))
}

fn slice(args: &[Value]) -> R<Value> {
    match &args[0] {
        Value::Str(s) => {
            let (a, b) = bounds(args, s.char_len())?;
            if a == 0 && b == s.char_len() {
                return Ok(Value::Str(s.clone()));
            }
            let (x, y) = (s.byte_offset(a), s.byte_offset(b));
            new_str(s.as_str()[x..y].to_string())
        }
        Value::List(l) => {
            let items = l.items.borrow();
            let (a, b) = bounds(args, items.len())?;
            let part = items[a..b].to_vec();
            drop(items);
            new_list(part)
        }
        other => Err(type_err(format!(
            "slice() expects a str or list, got {}",
            other.type_name()
        ))),
    }
}

fn split(args: &[Value]) -> R<Value> {
    let Value::Str(s) = &args[0] else {
        return Err(type_err(format!(
            "split() expects a str, got {}",
            args[0].type_name()
        )));
    };
    let text = s.as_str();
    let parts: Vec<&str> = match args.get(1) {
        None | Some(Value::Nil) => text.split_whitespace().collect(),
        Some(Value::Str(sep)) if sep.as_str().is_empty() => {
            let mut out = Vec::new();
            let mut rest = text;
            while let Some(ch) = rest.chars().next() {
                out.push(&rest[..ch.len_utf8()]);
                rest = &rest[ch.len_utf8()..];
            }
            out
        }
        Some(Value::Str(sep)) => text.split(sep.as_str()).collect(),
        Some(other) => {
            return Err(type_err(format!(
                "split() expects a str separator, got {}",
                other.type_name()
            )))
        }
    };
    limits::check((ELEM + crate::value::HEADER) * parts.len() as u64 + text.len() as u64)?;
    let mut out = limits::vec_with_capacity(parts.len())?;
    for p in parts {
        out.push(new_str(p.to_string())?);
    }
    new_list(out)
}

fn join(args: &[Value]) -> R<Value> {
    let Value::List(l) = &args[0] else {
        return Err(type_err(format!(
            "join() expects a list, got {}",
            args[0].type_name()
        )));
    };
    let sep = match args.get(1) {
        None | Some(Value::Nil) => "",
        Some(Value::Str(s)) => s.as_str(),
        Some(other) => {
            return Err(type_err(format!(
                "join() expects a str separator, got {}",
                other.type_name()
            )))
        }
    };
    let items = l.items.borrow();
    let mut size = sep.len().saturating_mul(items.len());
    for item in items.iter() {
        if let Value::Str(s) = item {
            size = size.saturating_add(s.len_bytes());
        }
    }
    limits::check(size as u64)?;
    let mut out = limits::string_with_capacity(size)?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        write_value(&mut out, item)?;
    }
    drop(items);
    new_str(out)
}

fn range(args: &[Value]) -> R<Value> {
    let (start, end, step) = range_bounds(args)?;
    let (s, e, st) = (i128::from(start), i128::from(end), i128::from(step));
    let count = if st > 0 {
        (e - s + st - 1).div_euclid(st)
    } else {
        (s - e - st - 1).div_euclid(-st)
    };
    let count = count.max(0);
    let count = u64::try_from(count).unwrap_or(u64::MAX);
    limits::check(ELEM.saturating_mul(count))?;
    let mut out = limits::vec_with_capacity(usize::try_from(count).unwrap_or(usize::MAX))?;
    let mut i = start;
    for _ in 0..count {
        out.push(Value::Int(i));
        i = i.wrapping_add(step);
    }
    new_list(out)
}

/// `(start, end, step)` of `range(end)`, `range(start, end)` or `range(start, end, step)`; also
/// used by `for x in range(...)`, which never builds the list.
pub(crate) fn range_bounds(args: &[Value]) -> R<(i64, i64, i64)> {
    let mut ints = [0i64; 3];
    for (int, a) in ints.iter_mut().zip(args) {
        *int = match a {
            Value::Int(n) => *n,
            other => {
                return Err(type_err(format!(
                    "range() expects ints, got {}",
                    other.type_name()
                )))
            }
        };
    }
    let (start, end, step) = match args.len() {
        1 => (0, ints[0], 1),
        2 => (ints[0], ints[1], 1),
        _ => (ints[0], ints[1], ints[2]),
    };
    if step == 0 {
        return Err(type_err("range() step must not be zero"));
    }
    Ok((start, end, step))
}

/// `min`/`max`: one list or several arguments; numbers or strings; the winning argument itself.
fn extreme(args: &[Value], name: &str, want_min: bool) -> R<Value> {
    let owned;
    let items: &[Value] = match args {
        [Value::List(l)] => {
            owned = l.items.borrow().clone();
            &owned
        }
        _ => args,
    };
    let Some(first) = items.first() else {
        return Err(type_err(format!("{name}() of an empty list")));
    };
    let mut best = first;
    for item in items {
        let ok = matches!(
            (best, item),
            (
                Value::Int(_) | Value::Float(_),
                Value::Int(_) | Value::Float(_)
            ) | (Value::Str(_), Value::Str(_))
        );
        if !ok {
            return Err(type_err(format!(
                "{name}() cannot compare {} and {}",
                best.type_name(),
                item.type_name()
            )));
        }
        let op = if want_min {
            crate::tree::Op::Lt
        } else {
            crate::tree::Op::Gt
        };
        if let Value::Bool(true) = ops::binary(op, item, best)? {
            best = item;
        }
    }
    Ok(best.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_match_the_builtin_table() {
        assert_eq!(NAMES.len(), BUILTINS.len());
        for (id, name) in NAMES {
            assert_eq!(BUILTINS[id as usize].name, name);
        }
    }
}
