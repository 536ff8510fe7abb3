//! Hashing for map keys and slot tables.
//!
//! Owns: `FxHasher` (fast word mixing with a murmur3 finaliser; deterministic across runs, not
//! DoS-resistant) and `Entries`, the insertion-ordered table maps and large objects use.

use super::{Key, Value};
use crate::ordmap::OrdMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash-style word mixing with a murmur3 finaliser: fast, not DoS-resistant.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The murmur3 finaliser: every input bit reaches every output bit (hashbrown takes the
        // bucket from the low bits and control bits from the top).
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;
/// Map entries and large objects' slots: insertion-ordered, O(1) amortised removal.
pub(crate) type Entries = OrdMap<Key, Value, FxBuild>;
