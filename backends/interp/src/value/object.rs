//! Prototype objects and their slots.
//!
//! Owns: `Object`, its slot table `Slots` (a short vector, an index map past `SMALL_SLOTS`) and
//! the shape epoch behind the send caches. Invariant: every change that could make a cached
//! method location stale (a new object, a new slot, slots cleared) bumps the epoch
//! (`shapes_changed`), so a cache hit is always the slot a fresh lookup would find.

use super::{Entries, Key, Str, Value, ENTRY, HEADER, R};
use crate::gc::{self, GcIndex, Tracked};
use crate::limits;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// A prototype object: optional name (named objects print as `<object NAME>`), a fixed prototype
/// link and its own slots in insertion order.
#[derive(Debug)]
pub struct Object {
    pub name: Option<Rc<str>>,
    pub proto: Option<Rc<Object>>,
    pub slots: RefCell<Slots>,
    pub(crate) gc: GcIndex,
}

/// Few slots: a vector searched linearly (names are interned, so most compares are pointer
/// compares). Many slots: an index map.
#[derive(Debug)]
pub enum Slots {
    Small(Vec<(Key, Value)>),
    Large(Entries),
}

const SMALL_SLOTS: usize = 12;

thread_local! {
    /// Bumped whenever an object is made or gains a slot: while it is unchanged, no object has
    /// new slots and no object address was reused, so a cached method location still holds.
    static SHAPE_EPOCH: Cell<u64> = const { Cell::new(1) };
}

/// See `SHAPE_EPOCH`.
#[inline]
pub(crate) fn shape_epoch() -> u64 {
    SHAPE_EPOCH.with(Cell::get)
}

/// Invalidates every send cache (also called when host code may have touched slots).
#[inline]
pub(crate) fn shapes_changed() {
    SHAPE_EPOCH.with(|e| e.set(e.get().wrapping_add(1)));
}

impl Slots {
    #[inline]
    pub fn get(&self, name: &Key) -> Option<&Value> {
        match self {
            Slots::Small(v) => v.iter().find(|(k, _)| k.same(name)).map(|(_, v)| v),
            Slots::Large(m) => m.get(name.as_str()),
        }
    }
    pub fn len(&self) -> usize {
        match self {
            Slots::Small(v) => v.len(),
            Slots::Large(m) => m.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn names(&self) -> Vec<Key> {
        match self {
            Slots::Small(v) => v.iter().map(|(k, _)| k.clone()).collect(),
            Slots::Large(m) => m.keys().cloned().collect(),
        }
    }
    /// Sets an own slot; a new slot is charged.
    pub(crate) fn set(&mut self, name: Key, value: Value) -> R<()> {
        match self {
            Slots::Small(v) => {
                if let Some(slot) = v.iter_mut().find(|(k, _)| k.same(&name)) {
                    slot.1 = value;
                    return Ok(());
                }
                limits::charge(ENTRY)?;
                shapes_changed();
                if v.len() < SMALL_SLOTS {
                    v.push((name, value));
                } else {
                    let mut m: Entries = v.drain(..).collect();
                    let _ = m.insert(name, value);
                    *self = Slots::Large(m);
                }
            }
            Slots::Large(m) => {
                if let Some(slot) = m.get_mut(name.as_str()) {
                    *slot = value;
                    return Ok(());
                }
                limits::charge(ENTRY)?;
                shapes_changed();
                let _ = m.insert(name, value);
            }
        }
        Ok(())
    }
    pub(crate) fn for_each_value(&self, f: impl FnMut(&Value)) {
        match self {
            Slots::Small(v) => v.iter().map(|(_, v)| v).for_each(f),
            Slots::Large(m) => m.values().for_each(f),
        }
    }
    pub(super) fn drain_values(&mut self, out: &mut Vec<Value>) {
        match self {
            Slots::Small(v) => out.extend(v.drain(..).map(|(_, v)| v)),
            Slots::Large(m) => out.extend(m.drain(..).map(|(_, v)| v)),
        }
    }
}

impl Object {
    pub(crate) fn new(name: Option<Rc<str>>, proto: Option<Rc<Object>>) -> R<Rc<Object>> {
        limits::charge(HEADER * 2)?;
        shapes_changed();
        let object = Rc::new(Object {
            name,
            proto,
            slots: RefCell::new(Slots::Small(Vec::new())),
            gc: GcIndex::new(),
        });
        gc::track(Tracked::Object(Rc::as_ptr(&object)), &object.gc);
        Ok(object)
    }

    /// Empties the own slots (the cycle collector freeing the object); the values go to `out`.
    pub(crate) fn clear_into(&self, out: &mut Vec<Value>) {
        if let Ok(mut slots) = self.slots.try_borrow_mut() {
            limits::release(ENTRY * slots.len() as u64);
            slots.drain_values(out);
            shapes_changed();
        }
    }

    /// The object's own slots (not its prototypes'), in insertion order: for hosts that persist
    /// object state.
    pub fn own_slots(&self) -> Vec<(String, Value)> {
        match &*self.slots.borrow() {
            Slots::Small(v) => v
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect(),
            Slots::Large(m) => m
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect(),
        }
    }

    /// Sets an own slot from a host (restoring persisted state). Counted, never refused.
    pub fn set_slot(&self, name: &str, value: Value) {
        let key = Key(Str::constant(name.to_string()));
        let mut slots = self.slots.borrow_mut();
        match &mut *slots {
            Slots::Small(v) => {
                if let Some(slot) = v.iter_mut().find(|(k, _)| k.same(&key)) {
                    slot.1 = value;
                } else if v.len() < SMALL_SLOTS {
                    limits::charge_unchecked(ENTRY);
                    v.push((key, value));
                } else {
                    limits::charge_unchecked(ENTRY);
                    let mut m: Entries = v.drain(..).collect();
                    let _ = m.insert(key, value);
                    *slots = Slots::Large(m);
                }
            }
            Slots::Large(m) => {
                if let Some(slot) = m.get_mut(name) {
                    *slot = value;
                } else {
                    limits::charge_unchecked(ENTRY);
                    let _ = m.insert(key, value);
                }
            }
        }
    }

    /// Removes an own slot from a host (undoing a failed message); true if it was there.
    pub fn remove_slot(&self, name: &str) -> bool {
        let mut slots = self.slots.borrow_mut();
        let removed = match &mut *slots {
            Slots::Small(v) => match v.iter().position(|(k, _)| k.as_str() == name) {
                Some(i) => {
                    let _ = v.remove(i);
                    true
                }
                None => false,
            },
            Slots::Large(m) => m.shift_remove(name).is_some(),
        };
        if removed {
            limits::release(ENTRY);
        }
        removed
    }

    /// Finds slot `name` along the prototype chain.
    #[inline]
    pub fn lookup(self: &Rc<Object>, name: &Key) -> Option<Value> {
        let mut current = self;
        loop {
            if let Some(v) = current.slots.borrow().get(name) {
                return Some(v.clone());
            }
            match &current.proto {
                Some(p) => current = p,
                None => return None,
            }
        }
    }

    /// `lookup` through a send's inline cache.
    #[inline]
    pub(crate) fn lookup_cached(
        self: &Rc<Object>,
        name: &Key,
        cache: &Cell<crate::tree::SendCache>,
    ) -> Option<Value> {
        let c = cache.get();
        let epoch = shape_epoch();
        let receiver = Rc::as_ptr(self) as usize;
        if c.epoch == epoch && c.receiver == receiver {
            let mut current = self;
            let mut hops = c.hops;
            while hops > 0 {
                match &current.proto {
                    Some(p) => current = p,
                    None => break,
                }
                hops -= 1;
            }
            if hops == 0 {
                if let Slots::Small(v) = &*current.slots.borrow() {
                    if let Some((k, value)) = v.get(c.index as usize) {
                        if k.same(name) {
                            return Some(value.clone());
                        }
                    }
                }
            }
        }
        let mut current = self;
        let mut hops = 0u32;
        loop {
            match &*current.slots.borrow() {
                Slots::Small(v) => {
                    if let Some(i) = v.iter().position(|(k, _)| k.same(name)) {
                        cache.set(crate::tree::SendCache {
                            epoch,
                            receiver,
                            hops,
                            index: i as u32,
                        });
                        return Some(v[i].1.clone());
                    }
                }
                Slots::Large(m) => {
                    if let Some(v) = m.get(name.as_str()) {
                        return Some(v.clone());
                    }
                }
            }
            match &current.proto {
                Some(p) => current = p,
                None => return None,
            }
            hops += 1;
        }
    }

    /// The name of the nearest named object on the chain (itself first).
    pub fn display_name(&self) -> &str {
        let mut current = self;
        loop {
            if let Some(name) = &current.name {
                return name;
            }
            match &current.proto {
                Some(p) => current = p,
                None => return "object",
            }
        }
    }
}
