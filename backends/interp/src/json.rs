//! `json_encode`, `json_decode`, and the Value ⇄ `serde_json::Value` conversions for hosts.

use crate::limits;
use crate::print::Path;
use crate::value::{err, Entries, Key, List, Map, Str, Value, R};
use aura_facts::{format_float, write_json_string, ErrorKind, RuntimeError};
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
    if !path.room(out) {
        return Err(if path.late {
            limits::past_deadline()
        } else {
            limits::out_of_memory()
        });
    }
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
            if path.entered_too_deep() {
                return Err(crate::print::too_deep("encode"));
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
            if path.entered_too_deep() {
                return Err(crate::print::too_deep("encode"));
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

/// `json_decode(s)`: strict JSON (RFC 8259). Our own reader rather than serde_json's, because the
/// contract needs what serde_json's `Value` forgets (`-0` is the int 0, `-0.0` the float) and
/// because valid JSON may nest deeper than serde_json's fixed recursion limit.
pub(crate) fn decode(text: &str) -> R<Value> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    reader.skip_space();
    let value = reader.value()?;
    reader.skip_space();
    if reader.pos < reader.bytes.len() {
        return Err(reader.fail("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Containers open around the value being read.
    depth: usize,
}

impl Reader<'_> {
    fn fail(&self, what: &str) -> crate::value::Error {
        json_err(format!("invalid JSON: {what} at byte {}", self.pos))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> R<Value> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.fail("unknown literal"))
        }
    }

    fn value(&mut self) -> R<Value> {
        if self.depth > limits::MAX_NEST {
            return Err(err(ErrorKind::StackOverflow, "JSON nested too deeply"));
        }
        match self.peek() {
            None => Err(self.fail("unexpected end of input")),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => Ok(Value::Str(Str::new(self.string()?)?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.depth += 1;
                let v =
                    stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || self.list());
                self.depth -= 1;
                v
            }
            Some(b'{') => {
                self.depth += 1;
                let v = stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || self.map());
                self.depth -= 1;
                v
            }
            Some(_) => Err(self.fail("expected a JSON value")),
        }
    }

    fn list(&mut self) -> R<Value> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_space();
        if !self.eat(b']') {
            loop {
                self.skip_space();
                items.push(self.value()?);
                self.skip_space();
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.fail("expected `,` or `]`"));
                }
            }
        }
        Ok(Value::List(List::new(items)?))
    }

    fn map(&mut self) -> R<Value> {
        self.pos += 1;
        let mut entries = Entries::default();
        self.skip_space();
        if !self.eat(b'}') {
            loop {
                self.skip_space();
                if self.peek() != Some(b'"') {
                    return Err(self.fail("expected a string key"));
                }
                let key = Key(Str::new(self.string()?)?);
                self.skip_space();
                if !self.eat(b':') {
                    return Err(self.fail("expected `:`"));
                }
                self.skip_space();
                let value = self.value()?;
                let _ = entries.insert(key, value);
                self.skip_space();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.fail("expected `,` or `}`"));
                }
            }
        }
        Ok(Value::Map(Map::new(entries)?))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> R<Value> {
        let start = self.pos;
        let _ = self.eat(b'-');
        let int_start = self.pos;
        if self.digits() == 0 {
            return Err(self.fail("expected digits"));
        }
        if self.bytes[int_start] == b'0' && self.pos - int_start > 1 {
            return Err(self.fail("leading zeros are not allowed"));
        }
        let mut is_int = true;
        if self.eat(b'.') {
            is_int = false;
            if self.digits() == 0 {
                return Err(self.fail("expected digits after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            is_int = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.fail("expected exponent digits"));
            }
        }
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or("0");
        if is_int {
            if let Ok(n) = text.parse::<i64>() {
                return Ok(Value::Int(n));
            }
        }
        // An integer beyond 64 bits becomes the nearest float, as in JavaScript.
        match text.parse::<f64>() {
            Ok(x) => Ok(Value::Float(x)),
            Err(_) => Err(self.fail("bad number")),
        }
    }

    fn hex4(&mut self) -> R<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4).unwrap_or_default();
        let text = std::str::from_utf8(digits).unwrap_or("");
        if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.fail("expected four hex digits after \\u"));
        }
        self.pos += 4;
        u32::from_str_radix(text, 16).map_err(|_| self.fail("bad \\u escape"))
    }

    fn string(&mut self) -> R<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // The input is a &str and the run stops only at ASCII bytes, so it is whole UTF-8.
            out.push_str(std::str::from_utf8(&self.bytes[run_start..self.pos]).unwrap_or(""));
            match self.peek() {
                None => return Err(self.fail("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = self
                        .peek()
                        .ok_or_else(|| self.fail("unterminated string"))?;
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&first) {
                                if !(self.eat(b'\\') && self.eat(b'u')) {
                                    return Err(self.fail("lone surrogate in \\u escape"));
                                }
                                let second = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&second) {
                                    return Err(self.fail("lone surrogate in \\u escape"));
                                }
                                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                            } else {
                                first
                            };
                            out.push(
                                char::from_u32(code)
                                    .ok_or_else(|| self.fail("lone surrogate in \\u escape"))?,
                            );
                        }
                        _ => return Err(self.fail("unknown escape")),
                    }
                }
                Some(_) => return Err(self.fail("control character in string")),
            }
        }
    }
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

/// An Aura value as JSON; objects, functions, non-finite floats and cycles are `json error`;
/// a value whose JSON would take more than the memory the running call has left is
/// `out of memory`.
pub fn to_json(v: &Value) -> Result<serde_json::Value, RuntimeError> {
    to_json_in(v, &mut Path::default()).map_err(|e| *e)
}

/// [`to_json`], with at most about `max_bytes` of JSON built (outside a call's memory limit,
/// e.g. a host converting a route's result): a shared structure (`a = [a, a]` sixty times)
/// would expand to 2^60 elements.
pub fn to_json_limited(v: &Value, max_bytes: u64) -> Result<serde_json::Value, RuntimeError> {
    let mut path = Path::default();
    path.budget = path.budget.min(max_bytes);
    to_json_in(v, &mut path).map_err(|e| *e)
}

/// Approximate bytes of one `serde_json::Value` node.
const JSON_NODE: u64 = 48;
/// JSON bytes built between two looks at the deadline (about every 20 000 nodes).
const DEADLINE_BYTES: u64 = 1 << 20;

fn to_json_in(v: &Value, path: &mut Path) -> R<serde_json::Value> {
    let text = match v {
        Value::Str(s) => s.len_bytes() as u64,
        _ => 0,
    };
    path.built = path.built.saturating_add(JSON_NODE + text);
    if path.built > path.budget {
        return Err(limits::out_of_memory());
    }
    if path.built % DEADLINE_BYTES < JSON_NODE + text && limits::deadline_passed() {
        return Err(limits::past_deadline());
    }
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
