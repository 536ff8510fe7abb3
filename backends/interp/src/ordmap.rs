//! An insertion-ordered hash map whose removal is O(1) amortised.
//!
//! `IndexMap::shift_remove` keeps the order by moving every later entry, so removing half the
//! keys of a large map is quadratic. Here a removal leaves a tombstone (`None`) in the entry
//! vector and the vector is compacted once the tombstones outnumber the live entries; each
//! compaction costs O(live) and follows at least as many removals, so removal is O(1)
//! amortised. Iteration skips tombstones and stays in insertion order; a key removed and
//! inserted again goes to the end, as in `IndexMap`.
//!
//! The API is the part of `IndexMap`'s that the interpreter uses (maps and objects' slots).

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// Tombstones tolerated before a compaction regardless of the live count, so small maps that
/// churn do not rebuild their index on every other removal.
const MIN_TOMBSTONES: usize = 16;

#[derive(Clone)]
pub struct OrdMap<K, V, S> {
    /// Position of each live key in `entries`.
    index: HashMap<K, usize, S>,
    /// Entries in insertion order; `None` where an entry was removed.
    entries: Vec<Option<(K, V)>>,
}

impl<K, V, S: Default> Default for OrdMap<K, V, S> {
    fn default() -> Self {
        OrdMap {
            index: HashMap::default(),
            entries: Vec::new(),
        }
    }
}

impl<K: std::fmt::Debug, V: std::fmt::Debug, S> std::fmt::Debug for OrdMap<K, V, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().flatten().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl<K: Hash + Eq + Clone, V, S: BuildHasher> OrdMap<K, V, S> {
    pub fn with_capacity_and_hasher(n: usize, hasher: S) -> Self {
        OrdMap {
            index: HashMap::with_capacity_and_hasher(n, hasher),
            entries: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The live entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().flatten().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }

    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.entries.into_iter().flatten().map(|(_, v)| v)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.contains_key(key)
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let at = *self.index.get(key)?;
        self.entries.get(at)?.as_ref().map(|(_, v)| v)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let at = *self.index.get(key)?;
        self.entries.get_mut(at)?.as_mut().map(|(_, v)| v)
    }

    /// Inserts or replaces; a new key goes to the end. Returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let at = self.entries.len();
        match self.index.entry(key) {
            Entry::Occupied(slot) => {
                let (_, old) = self.entries.get_mut(*slot.get())?.as_mut()?;
                Some(std::mem::replace(old, value))
            }
            Entry::Vacant(slot) => {
                let key = slot.key().clone();
                let _ = slot.insert(at);
                self.entries.push(Some((key, value)));
                None
            }
        }
    }

    /// Removes `key` keeping the order of the others: O(1) amortised.
    pub fn shift_remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let at = self.index.remove(key)?;
        let (_, value) = self.entries.get_mut(at)?.take()?;
        let dead = self.entries.len() - self.index.len();
        if dead > MIN_TOMBSTONES && dead > self.index.len() {
            self.compact();
        } else if self.index.is_empty() {
            self.entries.clear();
        }
        Some(value)
    }

    /// Drops the tombstones and renumbers the index.
    fn compact(&mut self) {
        self.entries.retain(Option::is_some);
        for (at, (k, _)) in self.entries.iter().flatten().enumerate() {
            if let Some(slot) = self.index.get_mut(k) {
                *slot = at;
            }
        }
    }

    /// Takes every live entry out, in order (the range is always `..`).
    pub fn drain(&mut self, _all: std::ops::RangeFull) -> impl Iterator<Item = (K, V)> + '_ {
        self.index.clear();
        self.entries.drain(..).flatten()
    }
}

impl<K: Hash + Eq + Clone, V, S: BuildHasher + Default> FromIterator<(K, V)> for OrdMap<K, V, S> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut map = OrdMap::default();
        for (k, v) in items {
            let _ = map.insert(k, v);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::OrdMap;
    use std::collections::hash_map::RandomState;

    type M = OrdMap<String, i64, RandomState>;

    fn keys(m: &M) -> Vec<&str> {
        m.keys().map(String::as_str).collect()
    }

    #[test]
    fn removal_keeps_order_and_reinsertion_goes_last() {
        let mut m: M = (0..5).map(|i| (format!("k{i}"), i)).collect();
        assert_eq!(m.shift_remove("k1"), Some(1));
        assert_eq!(m.shift_remove("k1"), None);
        assert_eq!(keys(&m), ["k0", "k2", "k3", "k4"]);
        assert_eq!(m.insert("k1".into(), 10), None);
        assert_eq!(m.insert("k0".into(), 20), Some(0));
        assert_eq!(keys(&m), ["k0", "k2", "k3", "k4", "k1"]);
        assert_eq!(m.get("k1"), Some(&10));
        assert_eq!(m.len(), 5);
    }

    #[test]
    fn compaction_keeps_lookups_right() {
        let mut m: M = (0..1000).map(|i| (format!("k{i}"), i)).collect();
        for i in (0..1000).step_by(3).chain((1..1000).step_by(3)) {
            assert_eq!(m.shift_remove(format!("k{i}").as_str()), Some(i));
        }
        assert!(m.entries.len() <= 2 * m.len() + 17);
        let left: Vec<i64> = m.values().copied().collect();
        assert_eq!(left, (2..1000).step_by(3).collect::<Vec<i64>>());
        for i in (2..1000).step_by(3) {
            assert_eq!(m.get(format!("k{i}").as_str()), Some(&i));
        }
        let drained: Vec<(String, i64)> = m.drain(..).collect();
        assert_eq!(drained.len(), 333);
        assert!(m.is_empty());
    }
}
