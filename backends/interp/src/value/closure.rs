//! Function values.
//!
//! Owns: `Closure`, compiled code plus the cells it captured. Invariant: a closure is counted as
//! `Closure::bytes(upvals)` from creation to drop and registered with the cycle collector.

use super::HEADER;
use crate::gc::{self, GcIndex, Tracked};
use crate::limits;
use std::rc::Rc;

/// A function value: compiled code plus the cells it captured.
pub struct Closure {
    pub(crate) proto: Rc<crate::tree::FnProto>,
    pub(crate) upvals: Box<[gc::CellRef]>,
    pub(crate) gc: GcIndex,
}

impl Closure {
    /// Counted like a small list (a header and a word per captured cell), never refused (the
    /// caller charges first where the program may run out of memory).
    pub(crate) fn new(proto: Rc<crate::tree::FnProto>, upvals: Box<[gc::CellRef]>) -> Rc<Closure> {
        limits::charge_unchecked(Closure::bytes(upvals.len()));
        let closure = Rc::new(Closure {
            proto,
            upvals,
            gc: GcIndex::new(),
        });
        gc::track(Tracked::Fn(Rc::as_ptr(&closure)), &closure.gc);
        closure
    }
    pub(crate) fn bytes(upvals: usize) -> u64 {
        HEADER + 8 * upvals as u64
    }
    pub fn name(&self) -> Option<&str> {
        self.proto.name.as_deref()
    }
}

impl std::fmt::Debug for Closure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<fn {}>", self.name().unwrap_or(""))
    }
}
