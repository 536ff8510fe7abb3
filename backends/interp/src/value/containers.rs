//! Lists and maps.
//!
//! Owns: `List` and `Map` and their memory accounting. Invariants: a container is charged
//! `HEADER` plus `ELEM` per item (`ENTRY` per entry) when made or grown and gives it back when it
//! shrinks or drops (see `drop.rs`); every container is registered with the cycle collector
//! (`gc.rs`) from birth to drop.

use super::{Entries, Key, Value, ELEM, ENTRY, HEADER, R};
use crate::gc::{self, GcIndex, Tracked};
use crate::limits;
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Debug)]
pub struct List {
    pub items: RefCell<Vec<Value>>,
    pub(crate) gc: GcIndex,
}

impl List {
    pub(crate) fn new(items: Vec<Value>) -> R<Rc<List>> {
        limits::charge(HEADER + ELEM * items.len() as u64)?;
        Ok(List::tracked(items))
    }
    pub(crate) fn constant(items: Vec<Value>) -> Rc<List> {
        limits::charge_unchecked(HEADER + ELEM * items.len() as u64);
        List::tracked(items)
    }
    #[inline]
    fn tracked(items: Vec<Value>) -> Rc<List> {
        let list = Rc::new(List {
            items: RefCell::new(items),
            gc: GcIndex::new(),
        });
        gc::track(Tracked::List(Rc::as_ptr(&list)), &list.gc);
        list
    }
    /// Empties the list (the cycle collector freeing it); the values go to `out`.
    pub(crate) fn clear_into(&self, out: &mut Vec<Value>) {
        if let Ok(mut items) = self.items.try_borrow_mut() {
            limits::release(ELEM * items.len() as u64);
            out.append(&mut items);
        }
    }
}

#[derive(Debug)]
pub struct Map {
    pub entries: RefCell<Entries>,
    pub(crate) gc: GcIndex,
}

impl Map {
    pub(crate) fn new(entries: Entries) -> R<Rc<Map>> {
        limits::charge(HEADER + ENTRY * entries.len() as u64)?;
        Ok(Map::tracked(entries))
    }
    pub(crate) fn constant(entries: Entries) -> Rc<Map> {
        limits::charge_unchecked(HEADER + ENTRY * entries.len() as u64);
        Map::tracked(entries)
    }
    #[inline]
    fn tracked(entries: Entries) -> Rc<Map> {
        let map = Rc::new(Map {
            entries: RefCell::new(entries),
            gc: GcIndex::new(),
        });
        gc::track(Tracked::Map(Rc::as_ptr(&map)), &map.gc);
        map
    }
    /// Empties the map (the cycle collector freeing it); the values go to `out`.
    pub(crate) fn clear_into(&self, out: &mut Vec<Value>) {
        if let Ok(mut entries) = self.entries.try_borrow_mut() {
            limits::release(ENTRY * entries.len() as u64);
            out.extend(entries.drain(..).map(|(_, v)| v));
        }
    }
    /// Inserts or replaces; a new key is charged.
    pub(crate) fn insert(&self, key: Key, value: Value) -> R<()> {
        let mut entries = self.entries.borrow_mut();
        if let Some(slot) = entries.get_mut(key.as_str()) {
            let old = std::mem::replace(slot, value);
            drop(entries);
            drop(old);
        } else {
            limits::charge(ENTRY)?;
            let _ = entries.insert(key, value);
        }
        Ok(())
    }
    pub(crate) fn get(&self, key: &str) -> Option<Value> {
        self.entries.borrow().get(key).cloned()
    }
}
