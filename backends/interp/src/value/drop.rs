//! Dropping heap values without recursion.
//!
//! Owns: the `Drop` impls of the containers (lists, maps, objects, closures) and `drop_values`.
//! Invariants: dropping never recurses on the Rust stack (children whose last reference goes
//! away are moved onto a work list, so a list nested a million levels deep is freed in a loop);
//! every byte charged when a value was made or grown is released exactly once, here or by the
//! cycle collector's `clear_into`.

use super::{Closure, List, Map, Object, Value, ELEM, ENTRY, HEADER};
use crate::gc;
use crate::limits;
use std::rc::Rc;

impl Drop for List {
    fn drop(&mut self) {
        gc::untrack(&self.gc);
        let items = std::mem::take(self.items.get_mut());
        limits::release(HEADER + ELEM * items.len() as u64);
        drop_values(items);
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        gc::untrack(&self.gc);
        let entries = std::mem::take(self.entries.get_mut());
        limits::release(HEADER + ENTRY * entries.len() as u64);
        drop_values(entries.into_values().collect());
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        gc::untrack(&self.gc);
        let slots = self.slots.get_mut();
        limits::release(HEADER * 2 + ENTRY * slots.len() as u64);
        let mut values = Vec::new();
        slots.drain_values(&mut values);
        if let Some(p) = self.proto.take() {
            values.push(Value::Object(p));
        }
        drop_values(values);
    }
}

impl Drop for Closure {
    fn drop(&mut self) {
        gc::untrack(&self.gc);
        limits::release(Closure::bytes(self.upvals.len()));
        let mut values = Vec::new();
        for cell in std::mem::take(&mut self.upvals).into_vec() {
            if let Ok(cell) = Rc::try_unwrap(cell) {
                values.push(cell.into_inner());
            }
        }
        drop_values(values);
    }
}

/// Drops values without recursion: children of containers whose last reference goes away here
/// are moved onto a work list first, so the container itself drops empty.
pub(crate) fn drop_values(mut work: Vec<Value>) {
    while let Some(value) = work.pop() {
        match value {
            Value::List(rc) => {
                if let Some(list) = unique(rc) {
                    let mut items = list.items.borrow_mut();
                    limits::release(ELEM * items.len() as u64);
                    work.append(&mut items);
                }
            }
            Value::Map(rc) => {
                if let Some(map) = unique(rc) {
                    let mut entries = map.entries.borrow_mut();
                    limits::release(ENTRY * entries.len() as u64);
                    work.extend(entries.drain(..).map(|(_, v)| v));
                }
            }
            Value::Object(rc) => {
                if let Some(mut obj) = unique(rc) {
                    if let Some(obj) = Rc::get_mut(&mut obj) {
                        let slots = obj.slots.get_mut();
                        limits::release(ENTRY * slots.len() as u64);
                        slots.drain_values(&mut work);
                        if let Some(p) = obj.proto.take() {
                            work.push(Value::Object(p));
                        }
                    }
                }
            }
            Value::Fn(rc) => {
                if let Some(mut clo) = unique(rc) {
                    if let Some(clo) = Rc::get_mut(&mut clo) {
                        limits::release(8 * clo.upvals.len() as u64);
                        for cell in std::mem::take(&mut clo.upvals).into_vec() {
                            if let Ok(cell) = Rc::try_unwrap(cell) {
                                work.push(cell.into_inner());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `Some(rc)` when this is the last reference (so emptying it is unobservable).
fn unique<T>(rc: Rc<T>) -> Option<Rc<T>> {
    if Rc::strong_count(&rc) == 1 && Rc::weak_count(&rc) == 0 {
        Some(rc)
    } else {
        None
    }
}
