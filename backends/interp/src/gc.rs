//! The cycle collector: reference counting frees everything else, this frees cycles.
//!
//! In the style of CPython's `gc`. Every container that can be part of a cycle (lists, maps,
//! objects, closures and the cells they capture) is *tracked*: it is in a per-thread registry
//! and remembers its index there (`GcIndex`), so tracking and untracking are O(1). Strings hold
//! no references and are not tracked.
//!
//! A collection needs no roots. For every tracked container it starts from its strong count and
//! subtracts one for each reference held by another tracked container; what is left is the
//! number of references from outside (the evaluator's stack and cells, globals, Rust locals of a
//! builtin, a host). Containers with references from outside, and everything reachable from
//! them, are alive; the rest can only be reached from each other: garbage. Their mutable
//! contents (items, entries, slots, a cell's value) are cleared, which breaks every cycle (the
//! immutable links, an object's prototype and a closure's cells, always point at something
//! older, so they form no cycle), and reference counting frees them.
//!
//! Safety rests on two facts: the registry holds exactly the containers alive on this thread
//! (each one is untracked first thing in its `Drop`), and the collector reads contents only
//! through `RefCell::try_borrow`. A container borrowed mutably right now is treated as alive
//! with its contents unknown, so its children look referenced from outside: a collection can
//! keep garbage for one more round, never free something reachable.
//!
//! Two generations, as in CPython: containers start *young*; those that survive a collection
//! become *old*. A young collection scans only the young ones (references from old containers
//! count as from outside); a full collection scans everything. A young collection runs when
//! `MIN_THRESHOLD` young containers are alive at once (containers that reference counting
//! frees, the common case, never start one), a full one instead when the containers promoted
//! since the last full collection exceed a quarter of what was old then (so its cost per
//! allocation stays constant), or when the live bytes (`limits.rs`) passed half the headroom
//! that was left under the memory limit. Freeing is what reference counting does anyway, so a
//! program cannot tell a collection happened, except by not running out of memory.

use crate::limits;
use crate::value::{Closure, List, Map, Object, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Collections never run more often than every this many new containers. Debug builds collect
/// far more often, so that the tests (conformance programs included) exercise the collector.
#[cfg(not(debug_assertions))]
const MIN_THRESHOLD: usize = 10_000;
#[cfg(debug_assertions)]
const MIN_THRESHOLD: usize = 256;

/// A captured variable: a cell shared by a frame and the closures that capture it.
pub(crate) struct CellBox {
    value: RefCell<Value>,
    gc: GcIndex,
}

pub(crate) type CellRef = Rc<CellBox>;

impl CellBox {
    pub(crate) fn new(value: Value) -> CellRef {
        let cell = Rc::new(CellBox {
            value: RefCell::new(value),
            gc: GcIndex::new(),
        });
        track(Tracked::Cell(Rc::as_ptr(&cell)), &cell.gc);
        cell
    }

    /// The value, if this is the last reference to the cell.
    pub(crate) fn into_inner(mut self) -> Value {
        std::mem::take(self.value.get_mut())
    }
}

impl std::ops::Deref for CellBox {
    type Target = RefCell<Value>;
    fn deref(&self) -> &RefCell<Value> {
        &self.value
    }
}

impl Drop for CellBox {
    fn drop(&mut self) {
        untrack(&self.gc);
    }
}

/// A container's place in the registry: its index in the young or (with the `OLD` bit) the old
/// generation; `UNTRACKED` when it is in neither.
#[derive(Debug)]
pub(crate) struct GcIndex(Cell<usize>);

const UNTRACKED: usize = usize::MAX;
const OLD: usize = 1 << (usize::BITS - 1);

impl GcIndex {
    pub(crate) const fn new() -> GcIndex {
        GcIndex(Cell::new(UNTRACKED))
    }
}

/// A tracked container, by the address `Rc::as_ptr` gave for it.
#[derive(Clone, Copy)]
pub(crate) enum Tracked {
    List(*const List),
    Map(*const Map),
    Object(*const Object),
    Fn(*const Closure),
    Cell(*const CellBox),
}

/// A strong reference to a tracked container, for the clearing phase.
enum Strong {
    List(Rc<List>),
    Map(Rc<Map>),
    Object(Rc<Object>),
    // Only held: a closure's cells are immutable links, freed with it.
    #[allow(dead_code)]
    Fn(Rc<Closure>),
    Cell(CellRef),
}

struct Heap {
    /// Containers created since the last collection (and still alive).
    young: RefCell<Vec<Tracked>>,
    /// Containers that survived a collection.
    old: RefCell<Vec<Tracked>>,
    /// Containers moved from young to old since the last full collection.
    pending: Cell<usize>,
    /// Old containers after the last full collection.
    long_lived: Cell<usize>,
    /// Containers created since the last collection (dead ones included).
    created: Cell<usize>,
    /// Live bytes past which a new container triggers a full collection (see `pressure`).
    pressure: Cell<u64>,
    collecting: Cell<bool>,
    collections: Cell<u64>,
    freed: Cell<u64>,
}

thread_local! {
    static HEAP: Heap = const {
        Heap {
            young: RefCell::new(Vec::new()),
            old: RefCell::new(Vec::new()),
            pending: Cell::new(0),
            long_lived: Cell::new(0),
            created: Cell::new(0),
            pressure: Cell::new(u64::MAX),
            collecting: Cell::new(false),
            collections: Cell::new(0),
            freed: Cell::new(0),
        }
    };
}

/// New containers needed before live bytes past the pressure mark trigger a collection (so a
/// program close to its limit does not collect on every allocation).
const PRESSURE_MIN: usize = 1024;

/// Registers a container just put in its `Rc` (`index` is its header); may run a collection.
#[inline]
pub(crate) fn track(container: Tracked, index: &GcIndex) {
    let due = HEAP.with(|heap| {
        let mut young = heap.young.borrow_mut();
        index.0.set(young.len());
        young.push(container);
        let n = young.len();
        drop(young);
        let created = heap.created.get() + 1;
        heap.created.set(created);
        n >= MIN_THRESHOLD
            || (created >= PRESSURE_MIN && limits::live_bytes() >= heap.pressure.get())
    });
    if due {
        collect_due();
    }
}

/// A young collection, or a full one when many containers were promoted since the last full
/// collection (a quarter of what was old then) or memory is short.
#[cold]
#[inline(never)]
fn collect_due() {
    let full = HEAP.with(|heap| {
        heap.pending.get() > MIN_THRESHOLD.max(heap.long_lived.get() / 4)
            || limits::live_bytes() >= heap.pressure.get()
    });
    let _ = run(full);
}

/// Removes a container from the registry (first thing in its `Drop`).
#[inline]
pub(crate) fn untrack(index: &GcIndex) {
    let h = index.0.get();
    if h == UNTRACKED {
        return;
    }
    index.0.set(UNTRACKED);
    // Fails only while the thread's locals are being destroyed: then nothing collects any more.
    let _ = HEAP.try_with(|heap| {
        let generation = h & OLD;
        let i = h & !OLD;
        let mut registry = if generation == OLD {
            heap.old.borrow_mut()
        } else {
            heap.young.borrow_mut()
        };
        let _ = registry.swap_remove(i);
        if let Some(moved) = registry.get(i) {
            // SAFETY: every entry of the registry is a live container (see the module doc).
            unsafe { header(*moved) }.0.set(i | generation);
        }
    });
}

/// Moves every young container to the old generation; how many.
fn promote(heap: &Heap) -> usize {
    let mut young = heap.young.borrow_mut();
    let mut old = heap.old.borrow_mut();
    let n = young.len();
    for t in young.drain(..) {
        // SAFETY: `t` was in the registry (so alive); it is again right after.
        unsafe { header(t) }.0.set(old.len() | OLD);
        old.push(t);
    }
    n
}

/// The header of a tracked container.
///
/// # Safety
/// `t` must be in the registry (so alive).
unsafe fn header<'a>(t: Tracked) -> &'a GcIndex {
    match t {
        Tracked::List(p) => &(*p).gc,
        Tracked::Map(p) => &(*p).gc,
        Tracked::Object(p) => &(*p).gc,
        Tracked::Fn(p) => &(*p).gc,
        Tracked::Cell(p) => &(*p).gc,
    }
}

/// The strong count of a tracked container.
///
/// # Safety
/// `t` must be in the registry (so alive).
unsafe fn strong_count(t: Tracked) -> usize {
    fn count<T>(p: *const T) -> usize {
        // SAFETY: `p` came from `Rc::as_ptr` of a live `Rc` (the caller's contract); the
        // `ManuallyDrop` leaves the count as it was.
        let rc = std::mem::ManuallyDrop::new(unsafe { Rc::from_raw(p) });
        Rc::strong_count(&rc)
    }
    match t {
        Tracked::List(p) => count(p),
        Tracked::Map(p) => count(p),
        Tracked::Object(p) => count(p),
        Tracked::Fn(p) => count(p),
        Tracked::Cell(p) => count(p),
    }
}

/// A new strong reference to a tracked container.
///
/// # Safety
/// `t` must be in the registry (so alive).
unsafe fn strong(t: Tracked) -> Strong {
    unsafe fn make<T>(p: *const T) -> Rc<T> {
        Rc::increment_strong_count(p);
        Rc::from_raw(p)
    }
    match t {
        Tracked::List(p) => Strong::List(make(p)),
        Tracked::Map(p) => Strong::Map(make(p)),
        Tracked::Object(p) => Strong::Object(make(p)),
        Tracked::Fn(p) => Strong::Fn(make(p)),
        Tracked::Cell(p) => Strong::Cell(make(p)),
    }
}

/// The registry place of the container a value refers to, if it is tracked.
#[inline]
fn index_of(v: &Value) -> Option<usize> {
    match v {
        Value::List(l) => tracked_index(&l.gc),
        Value::Map(m) => tracked_index(&m.gc),
        Value::Object(o) => tracked_index(&o.gc),
        Value::Fn(c) => tracked_index(&c.gc),
        _ => None,
    }
}

/// Calls `visit` with the registry place (`GcIndex`) of every tracked container `t` holds a
/// strong reference to (once per reference). `false` if `t`'s contents are borrowed mutably right now.
///
/// # Safety
/// `t` must be in the registry (so alive).
unsafe fn children(t: Tracked, visit: &mut impl FnMut(usize)) -> bool {
    let mut value = |v: &Value| {
        if let Some(i) = index_of(v) {
            visit(i);
        }
    };
    match t {
        Tracked::List(p) => match (*p).items.try_borrow() {
            Ok(items) => items.iter().for_each(value),
            Err(_) => return false,
        },
        Tracked::Map(p) => match (*p).entries.try_borrow() {
            Ok(entries) => entries.values().for_each(value),
            Err(_) => return false,
        },
        Tracked::Object(p) => match (*p).slots.try_borrow() {
            Ok(slots) => {
                slots.for_each_value(&mut value);
                if let Some(proto) = &(*p).proto {
                    if let Some(i) = tracked_index(&proto.gc) {
                        visit(i);
                    }
                }
            }
            Err(_) => return false,
        },
        Tracked::Fn(p) => {
            for cell in (*p).upvals.iter() {
                if let Some(i) = tracked_index(&cell.gc) {
                    visit(i);
                }
            }
        }
        Tracked::Cell(p) => match (*p).value.try_borrow() {
            Ok(v) => value(&v),
            Err(_) => return false,
        },
    }
    true
}

#[inline]
fn tracked_index(gc: &GcIndex) -> Option<usize> {
    let i = gc.0.get();
    (i != UNTRACKED).then_some(i)
}

/// What one collection did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collection {
    /// Containers looked at.
    pub tracked: usize,
    /// Containers found unreachable and cleared.
    pub garbage: usize,
}

/// Runs a full collection now (a no-op inside one).
pub fn collect() -> Collection {
    run(true)
}

/// A collection of the young generation (references from old containers count as from
/// outside), or of everything.
fn run(full: bool) -> Collection {
    HEAP.with(|heap| {
        if heap.collecting.replace(true) {
            return Collection::default();
        }
        if full {
            let _ = promote(heap);
        }
        let (garbage, tracked) = {
            let set = if full {
                heap.old.borrow()
            } else {
                heap.young.borrow()
            };
            (find_garbage(&set, if full { OLD } else { 0 }), set.len())
        };
        let result = Collection {
            tracked,
            garbage: garbage.len(),
        };
        free(garbage);
        let promoted = promote(heap);
        if full {
            heap.pending.set(0);
            heap.long_lived.set(heap.old.borrow().len());
        } else {
            heap.pending.set(heap.pending.get() + promoted);
        }
        heap.created.set(0);
        heap.pressure.set(limits::gc_pressure_mark());
        heap.collections.set(heap.collections.get() + 1);
        heap.freed.set(heap.freed.get() + result.garbage as u64);
        heap.collecting.set(false);
        result
    })
}

/// Strong references to every unreachable container of `set`, the containers of one generation
/// (`OLD` or 0).
fn find_garbage(set: &[Tracked], generation: usize) -> Vec<Strong> {
    let n = set.len();
    let member = |h: usize| (h & OLD == generation).then_some(h & !OLD);
    // References from outside the set; `isize::MAX` for a container whose contents are borrowed
    // (alive, children unknown).
    let mut outside: Vec<isize> = Vec::with_capacity(n);
    for &t in set.iter() {
        // SAFETY: `t` is in the registry.
        outside.push(unsafe { strong_count(t) } as isize);
    }
    for (i, &t) in set.iter().enumerate() {
        // SAFETY: `t` is in the registry; no container is created or dropped during the
        // collection's scan (nothing here runs program code).
        let complete = unsafe {
            children(t, &mut |h| {
                if let Some(r) = member(h).and_then(|c| outside.get_mut(c)) {
                    *r -= 1;
                }
            })
        };
        if !complete {
            outside[i] = isize::MAX;
        }
    }
    let mut alive = vec![false; n];
    let mut work: Vec<usize> = Vec::new();
    for (i, &r) in outside.iter().enumerate() {
        if r > 0 {
            alive[i] = true;
            work.push(i);
        }
    }
    while let Some(i) = work.pop() {
        // SAFETY: as above.
        let _ = unsafe {
            children(set[i], &mut |h| {
                if let Some(c) = member(h) {
                    if let Some(a) = alive.get_mut(c) {
                        if !*a {
                            *a = true;
                            work.push(c);
                        }
                    }
                }
            })
        };
    }
    set.iter()
        .zip(alive)
        .filter(|(_, alive)| !alive)
        // SAFETY: `t` is in the registry.
        .map(|(&t, _)| unsafe { strong(t) })
        .collect()
}

/// Clears the contents of unreachable containers (which breaks their cycles), then lets
/// reference counting free them.
fn free(garbage: Vec<Strong>) {
    let mut values = Vec::new();
    for g in &garbage {
        match g {
            Strong::List(l) => l.clear_into(&mut values),
            Strong::Map(m) => m.clear_into(&mut values),
            Strong::Object(o) => o.clear_into(&mut values),
            Strong::Cell(c) => {
                if let Ok(mut v) = c.value.try_borrow_mut() {
                    values.push(std::mem::take(&mut *v));
                }
            }
            // A closure's cells are immutable links: freed with the closure.
            Strong::Fn(_) => {}
        }
    }
    crate::value::drop_values(values);
    drop(garbage);
}

/// Counters since the thread started: collections run, containers freed by them, containers
/// tracked now.
pub fn stats() -> (u64, u64, usize) {
    HEAP.with(|heap| {
        (
            heap.collections.get(),
            heap.freed.get(),
            heap.young.borrow().len() + heap.old.borrow().len(),
        )
    })
}

/// Recomputes when live bytes trigger a collection (a new memory limit was installed).
pub(crate) fn limit_changed() {
    let _ = HEAP.try_with(|heap| heap.pressure.set(limits::gc_pressure_mark()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::FnProto;
    use crate::value::{Key, Str};

    fn list(items: Vec<Value>) -> Rc<List> {
        List::constant(items)
    }

    fn key(name: &str) -> Key {
        Key(Str::constant(name.to_string()))
    }

    fn proto() -> Rc<FnProto> {
        Rc::new(FnProto {
            name: None,
            params: 0,
            slots: 0,
            cells: 0,
            param_cells: Box::new([]),
            captures: Box::new([]),
            body: Default::default(),
            frame: None,
        })
    }

    /// Collects until nothing more is found (earlier tests' leftovers on this thread too).
    fn settle() {
        while collect().garbage > 0 {}
    }

    #[test]
    fn a_list_that_holds_itself_is_freed_and_its_bytes_given_back() {
        settle();
        let before = limits::live_bytes();
        let tracked = stats().2;
        let l = list(vec![Value::Int(1)]);
        l.items.borrow_mut().push(Value::List(l.clone()));
        drop(l);
        assert!(limits::live_bytes() > before);
        assert_eq!(collect().garbage, 1);
        assert_eq!(limits::live_bytes(), before);
        assert_eq!(stats().2, tracked);
    }

    #[test]
    fn cycles_through_maps_object_slots_and_prototypes_are_freed() {
        settle();
        let before = limits::live_bytes();
        // map -> list -> map
        let m = Map::constant(Default::default());
        let l = list(vec![Value::Map(m.clone())]);
        m.insert(key("l"), Value::List(l)).expect("insert");
        // a.child = b, b's prototype is a
        let a = Object::new(None, None).expect("object");
        let b = Object::new(None, Some(a.clone())).expect("object");
        a.slots
            .borrow_mut()
            .set(key("child"), Value::Object(b))
            .expect("slot");
        a.slots
            .borrow_mut()
            .set(key("m"), Value::Map(m))
            .expect("slot");
        drop(a);
        assert_eq!(collect().garbage, 4);
        assert_eq!(limits::live_bytes(), before);
    }

    #[test]
    fn a_closure_that_captures_itself_is_freed() {
        settle();
        let before = limits::live_bytes();
        let cell = CellBox::new(Value::Nil);
        let f = Closure::new(proto(), Box::new([cell.clone()]));
        *cell.borrow_mut() = Value::Fn(f);
        drop(cell);
        assert_eq!(collect().garbage, 2);
        assert_eq!(limits::live_bytes(), before);
    }

    #[test]
    fn what_is_reachable_from_outside_is_kept_intact() {
        settle();
        // A cycle held from outside (a local), and a cycle reachable only through a cell that
        // is held from outside.
        let l = list(vec![]);
        l.items.borrow_mut().push(Value::List(l.clone()));
        let m = Map::constant(Default::default());
        m.insert(key("me"), Value::Map(m.clone())).expect("insert");
        let cell = CellBox::new(Value::Map(m.clone()));
        drop(m);
        assert_eq!(collect().garbage, 0);
        assert_eq!(l.items.borrow().len(), 1);
        let Value::Map(m) = cell.borrow().clone() else {
            panic!("the cell lost its map")
        };
        assert!(m.get("me").is_some());
        drop(m);
        // Let go of both: the cell is freed by its count, the two cycles are garbage.
        drop(l);
        drop(cell);
        assert_eq!(collect().garbage, 2);
    }

    #[test]
    fn a_container_borrowed_mutably_is_kept_with_its_children() {
        settle();
        let outer = list(vec![]);
        let inner = list(vec![]);
        inner.items.borrow_mut().push(Value::List(inner.clone()));
        outer.items.borrow_mut().push(Value::List(inner));
        {
            // While `outer` is borrowed its contents cannot be read: `inner` looks referenced
            // from outside.
            let _guard = outer.items.borrow_mut();
            assert_eq!(collect().garbage, 0);
        }
        assert_eq!(collect().garbage, 0);
        outer.items.borrow_mut().clear();
        assert_eq!(collect().garbage, 1);
    }

    #[test]
    fn young_collections_leave_old_cycles_to_full_ones() {
        settle();
        // Survives a collection while referenced: old from then on.
        let old = list(vec![]);
        old.items.borrow_mut().push(Value::List(old.clone()));
        assert_eq!(collect().garbage, 0);
        drop(old);
        // A young cycle referenced only from an old container is kept by a young collection.
        let holder = list(vec![]);
        assert_eq!(run(false).garbage, 0);
        let young = list(vec![]);
        young.items.borrow_mut().push(Value::List(young.clone()));
        holder.items.borrow_mut().push(Value::List(young));
        assert_eq!(run(false).garbage, 0);
        // The dropped old cycle is found by a full collection only.
        assert_eq!(run(false).garbage, 0);
        assert_eq!(collect().garbage, 1);
        holder.items.borrow_mut().clear();
        assert_eq!(collect().garbage, 1);
    }

    #[test]
    fn collections_start_on_their_own_as_containers_are_made() {
        settle();
        let (runs, _, _) = stats();
        for _ in 0..3 * MIN_THRESHOLD {
            let l = list(vec![]);
            l.items.borrow_mut().push(Value::List(l.clone()));
        }
        let (after, _, tracked) = stats();
        assert!(after > runs);
        assert!(tracked < 2 * MIN_THRESHOLD, "{tracked} still tracked");
    }
}
