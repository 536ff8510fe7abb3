//! Resource limits: memory accounting, and the constants behind call depth and stack growth.
//!
//! **Memory** is counted per thread, in approximate bytes: a string counts its UTF-8 length plus
//! a 32-byte header, a list 16 bytes per element, a map 40 bytes per entry, an object 64 bytes
//! plus 40 per slot. Bytes are charged when a value is created or grown and given back when it is
//! freed, so the limit bounds the *live* heap of the program, not the total it ever allocated.
//! A top-level call (`run`, `Instance::call`, `Instance::send`) may grow the live heap by at most
//! `Options::max_memory` bytes over what was live when it started; beyond that is
//! `out of memory`. Allocations are also made with `try_reserve`, so a request the system cannot
//! satisfy is `out of memory` too, never an abort.
//!
//! **Fuel** and **depth** live in the evaluator (`eval.rs`). A builtin charges fuel in
//! proportion to its work through [`work`] (see `builtins.rs` for the costs): the evaluator puts
//! the fuel it has left here before a builtin runs and takes back what is left after.
//!
//! **Deadline.** An embedder (the Swarm host) may set a wall-clock deadline for the calls on
//! its thread ([`set_deadline`]); the evaluator checks it every [`FUEL_SLICE`] units of fuel and
//! builtins at every large charge, so a call past it ends in `out of fuel` however it spends its
//! time (a busy loop reading the clock included). [`deadline_passed`] tells the embedder which
//! `out of fuel` that was.

use crate::value::{err, R};
use aura_facts::ErrorKind;
use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static LIVE: Cell<u64> = const { Cell::new(0) };
    static LIMIT: Cell<u64> = const { Cell::new(u64::MAX) };
    /// Fuel the running builtin may still spend (see [`work`]).
    static WORK_LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Units of fuel the evaluator runs between two looks at the deadline.
pub(crate) const FUEL_SLICE: u64 = 1 << 16;
/// A builtin charge this large also looks at the deadline.
const DEADLINE_CHECK_UNITS: u64 = 1 << 10;

/// Sets (or with `None` clears) the wall-clock deadline of every later call on this thread.
pub fn set_deadline(deadline: Option<Instant>) {
    DEADLINE.set(deadline);
}

/// Whether this thread's deadline is set and has passed.
pub fn deadline_passed() -> bool {
    DEADLINE.get().is_some_and(|d| Instant::now() >= d)
}

#[cold]
#[inline(never)]
pub(crate) fn past_deadline() -> Box<aura_facts::RuntimeError> {
    err(
        ErrorKind::OutOfFuel,
        "the call ran past its wall-clock deadline",
    )
}

#[cold]
#[inline(never)]
pub(crate) fn out_of_fuel() -> Box<aura_facts::RuntimeError> {
    err(ErrorKind::OutOfFuel, "the program ran out of fuel")
}

/// Charges `units` of fuel for a builtin's work: `out of fuel` when the call has fewer left.
#[inline]
pub(crate) fn work(units: u64) -> R<()> {
    let left = WORK_LEFT.get();
    if units > left {
        WORK_LEFT.set(0);
        return Err(out_of_fuel());
    }
    WORK_LEFT.set(left - units);
    if units >= DEADLINE_CHECK_UNITS && deadline_passed() {
        return Err(past_deadline());
    }
    Ok(())
}

/// Fuel for `bytes` bytes read or written: one unit per 64.
#[inline]
pub(crate) fn work_bytes(bytes: usize) -> R<()> {
    work((bytes / 64) as u64)
}

/// Fuel for `items` list elements or map entries touched: one unit per 16.
#[inline]
pub(crate) fn work_items(items: usize) -> R<()> {
    work((items / 16) as u64)
}

/// Hands the evaluator's fuel to the builtins (see [`work`]).
pub(crate) fn set_work_left(fuel: u64) {
    WORK_LEFT.set(fuel);
}

/// The fuel the builtins left.
pub(crate) fn work_left() -> u64 {
    WORK_LEFT.get()
}

/// Bytes the running call may still allocate before `out of memory`.
pub(crate) fn memory_left() -> u64 {
    LIMIT.get().saturating_sub(LIVE.get())
}

/// Containers nested deeper than this (the outermost at depth 0) cannot be printed, encoded,
/// decoded or compared: `stack overflow`, as in the compiled backends' runtime (`MAX_NEST`).
pub(crate) const MAX_NEST: usize = 10_000;

/// Stack the evaluator keeps free below it before growing onto a new segment.
pub(crate) const RED_ZONE: usize = 256 * 1024;
/// Size of each new stack segment.
pub(crate) const STACK_SEGMENT: usize = 8 * 1024 * 1024;
/// Stack segments the evaluator may grow for nested calls (1 GiB in all); past that a call is
/// `stack overflow` whatever `max_depth` allows.
pub(crate) const MAX_SEGMENTS: usize = 128;

/// Charges `bytes`; fails with `out of memory` (and charges nothing) past the limit.
#[inline]
pub(crate) fn charge(bytes: u64) -> R<()> {
    let now = LIVE.get().saturating_add(bytes);
    if now > LIMIT.get() {
        return Err(out_of_memory());
    }
    LIVE.set(now);
    Ok(())
}

/// Fails with `out of memory` if charging `bytes` would pass the limit (charges nothing).
#[inline]
pub(crate) fn check(bytes: u64) -> R<()> {
    let now = LIVE.get().saturating_add(bytes);
    if now > LIMIT.get() {
        return Err(out_of_memory());
    }
    Ok(())
}

/// Charges without checking (constants, host conversions).
pub(crate) fn charge_unchecked(bytes: u64) {
    LIVE.set(LIVE.get().saturating_add(bytes));
}

#[inline]
pub(crate) fn release(bytes: u64) {
    LIVE.set(LIVE.get().saturating_sub(bytes));
}

#[cold]
#[inline(never)]
pub(crate) fn out_of_memory() -> Box<aura_facts::RuntimeError> {
    err(
        ErrorKind::OutOfMemory,
        "the program used more memory than allowed",
    )
}

/// Live bytes on this thread, as counted.
pub fn live_bytes() -> u64 {
    LIVE.with(Cell::get)
}

/// Live bytes past which a new container triggers a cycle collection: half way from what is
/// live now to the limit (never, without a limit), so garbage cycles are freed before a program
/// under `--max-memory` runs out.
pub(crate) fn gc_pressure_mark() -> u64 {
    let limit = LIMIT.with(Cell::get);
    if limit == u64::MAX {
        return u64::MAX;
    }
    let live = live_bytes();
    live.saturating_add(limit.saturating_sub(live) / 2)
}

/// Installs the limit for one top-level call; the previous limit comes back when the guard drops.
pub(crate) struct MemoryGuard {
    previous: u64,
}

impl MemoryGuard {
    pub(crate) fn new(max_memory: Option<u64>) -> MemoryGuard {
        let limit = match max_memory {
            Some(max) => live_bytes().saturating_add(max),
            None => u64::MAX,
        };
        let previous = LIMIT.with(|l| l.replace(limit));
        crate::gc::limit_changed();
        MemoryGuard { previous }
    }
}

impl Drop for MemoryGuard {
    fn drop(&mut self) {
        LIMIT.with(|l| l.set(self.previous));
        crate::gc::limit_changed();
    }
}

/// Reserves room for `more` bytes, mapping allocation failure to `out of memory`.
pub(crate) fn reserve_string(s: &mut String, more: usize) -> R<()> {
    s.try_reserve(more).map_err(|_| out_of_memory())
}

/// Reserves room for `more` elements, mapping allocation failure to `out of memory`.
pub(crate) fn reserve_vec<T>(v: &mut Vec<T>, more: usize) -> R<()> {
    v.try_reserve(more).map_err(|_| out_of_memory())
}

/// A new string with room for `capacity` bytes, or `out of memory`.
pub(crate) fn string_with_capacity(capacity: usize) -> R<String> {
    let mut s = String::new();
    reserve_string(&mut s, capacity)?;
    Ok(s)
}

/// A new vector with room for `capacity` elements, or `out of memory`.
pub(crate) fn vec_with_capacity<T>(capacity: usize) -> R<Vec<T>> {
    let mut v = Vec::new();
    reserve_vec(&mut v, capacity)?;
    Ok(v)
}
