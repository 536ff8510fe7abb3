//! `str(x)`: the printing rules of the contract.

use crate::limits;
use crate::value::{err, Error, Value, R};
use aura_facts::ErrorKind;
use aura_facts::{format_float, write_json_string};
use std::fmt::Write;

/// Containers currently being printed (to print `[...]`/`{...}` at a cycle). A short path is
/// searched linearly; a long one also keeps a set.
/// Elements written between two looks at the deadline.
const CLOCK_EVERY: u32 = 1 << 14;

pub(crate) struct Path {
    stack: Vec<usize>,
    set: std::collections::HashSet<usize>,
    /// Set when a container lies deeper than [`limits::MAX_NEST`]; printing stops there.
    pub(crate) too_deep: bool,
    /// Set when the text being written outgrew the memory the call has left (or the system
    /// refused more); writing stops there.
    pub(crate) too_big: bool,
    /// Set when the thread's deadline (`limits::set_deadline`) passed while writing.
    pub(crate) late: bool,
    /// Elements written since the deadline was last looked at.
    since_clock: u32,
    /// Bytes the text may take: the memory left when writing began.
    pub(crate) budget: u64,
    /// Bytes of JSON values built so far (`json::to_json_in`).
    pub(crate) built: u64,
}

impl Default for Path {
    fn default() -> Self {
        Path {
            stack: Vec::new(),
            set: std::collections::HashSet::new(),
            too_deep: false,
            too_big: false,
            late: false,
            since_clock: 0,
            budget: limits::memory_left(),
            built: 0,
        }
    }
}

impl Path {
    /// Before writing one more element into `out`: false (and `too_big` set) once `out` is
    /// over the budget or cannot grow. A shared structure (`a = [a, a]` sixty times) prints
    /// as 2^60 elements; this stops it at the memory limit instead of aborting the process.
    pub(crate) fn room(&mut self, out: &mut String) -> bool {
        if self.too_big || self.late {
            return false;
        }
        self.since_clock += 1;
        if self.since_clock >= CLOCK_EVERY {
            self.since_clock = 0;
            if limits::deadline_passed() {
                self.late = true;
                return false;
            }
        }
        if out.len() as u64 > self.budget {
            self.too_big = true;
            return false;
        }
        if out.capacity() - out.len() < 256 && out.try_reserve(out.len().max(256)).is_err() {
            self.too_big = true;
            return false;
        }
        true
    }

    /// Enters a container; false when it is already being printed.
    pub(crate) fn enter(&mut self, ptr: usize) -> bool {
        if self.stack.len() < 16 {
            if self.stack.contains(&ptr) {
                return false;
            }
        } else {
            if self.set.is_empty() {
                self.set.extend(self.stack.iter().copied());
            }
            if !self.set.insert(ptr) {
                return false;
            }
        }
        self.stack.push(ptr);
        true
    }
    /// After a successful `enter`: whether the container just entered is nested too deeply
    /// (its depth, counted from 0 at the outermost value, is over [`limits::MAX_NEST`]).
    pub(crate) fn entered_too_deep(&mut self) -> bool {
        if self.stack.len() > limits::MAX_NEST + 1 {
            self.too_deep = true;
        }
        self.too_deep
    }
    pub(crate) fn leave(&mut self) {
        if let Some(p) = self.stack.pop() {
            if !self.set.is_empty() {
                let _ = self.set.remove(&p);
            }
        }
    }
}

/// Formats an int in decimal into the tail of `buf`; returns where the digits start.
#[inline]
fn format_int(buf: &mut [u8; 20], n: i64) -> usize {
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    i
}

/// Appends an int in decimal (faster than `write!`).
pub(crate) fn write_int(out: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let i = format_int(&mut buf, n);
    if n < 0 {
        out.push('-');
    }
    out.extend(buf[i..].iter().map(|&b| char::from(b)));
}

/// Most bytes of `str(v)` the infallible form writes (it is used outside any call's memory
/// limit, e.g. by `Display`); the text stops there.
const DISPLAY_MAX: u64 = 16 << 20;

pub(crate) fn to_string(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Str(s) => out.push_str(s.as_str()),
        _ => {
            let mut path = Path::default();
            path.budget = path.budget.min(DISPLAY_MAX);
            write_nested(&mut out, v, &mut path);
        }
    }
    out
}

/// `str(v)`, or `stack overflow` for values nested deeper than [`limits::MAX_NEST`].
pub(crate) fn to_string_checked(v: &Value) -> R<String> {
    let mut out = String::new();
    write_value(&mut out, v)?;
    Ok(out)
}

/// Appends `str(v)`; `stack overflow` for values nested deeper than [`limits::MAX_NEST`].
pub(crate) fn write_value(out: &mut String, v: &Value) -> R<()> {
    match v {
        Value::Str(s) => out.push_str(s.as_str()),
        _ => {
            let mut path = Path::default();
            write_nested(out, v, &mut path);
            if path.too_deep {
                return Err(too_deep("print"));
            }
            if path.too_big {
                return Err(limits::out_of_memory());
            }
            if path.late {
                return Err(limits::past_deadline());
            }
        }
    }
    Ok(())
}

pub(crate) fn too_deep(what: &str) -> Error {
    err(
        ErrorKind::StackOverflow,
        format!("values nested too deeply to {what}"),
    )
}

fn write_nested(out: &mut String, v: &Value, path: &mut Path) {
    if path.too_deep || !path.room(out) {
        return;
    }
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => write_int(out, *n),
        Value::Float(x) => out.push_str(&format_float(*x)),
        Value::Str(s) => write_json_string(out, s.as_str()),
        Value::List(l) => {
            if !path.enter(std::rc::Rc::as_ptr(l) as usize) {
                out.push_str("[...]");
                return;
            }
            if path.entered_too_deep() {
                return;
            }
            out.push('[');
            for (i, item) in l.items.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || {
                    write_nested(out, item, path)
                });
            }
            out.push(']');
            path.leave();
        }
        Value::Map(m) => {
            if !path.enter(std::rc::Rc::as_ptr(m) as usize) {
                out.push_str("{...}");
                return;
            }
            if path.entered_too_deep() {
                return;
            }
            out.push('{');
            for (i, (k, item)) in m.entries.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json_string(out, k.as_str());
                out.push_str(": ");
                stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || {
                    write_nested(out, item, path)
                });
            }
            out.push('}');
            path.leave();
        }
        Value::Object(o) => {
            let _ = write!(out, "<object {}>", o.display_name());
        }
        Value::Fn(c) => match c.name() {
            Some(name) => {
                let _ = write!(out, "<fn {name}>");
            }
            None => out.push_str("<fn>"),
        },
        Value::Builtin(b) => {
            let name = aura_uast::BUILTINS.get(*b as usize).map_or("?", |b| b.name);
            let _ = write!(out, "<fn {name}>");
        }
        Value::Capability(c) => {
            let name = aura_uast::CAPABILITIES
                .get(*c as usize)
                .copied()
                .unwrap_or("?");
            let _ = write!(out, "<object {name}>");
        }
    }
}
