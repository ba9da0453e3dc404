//! [`IdMap`]: the map the client keeps its subscriptions, requests and flushes in.
//!
//! Every key the client uses is a counter it hands out itself (sids, request and flush ids),
//! so keys arrive in increasing order and only a few hundred are live at once. A sorted
//! `Vec` serves that shape as fast as a tree or a hash map (insert is a push, lookup a binary
//! search, removal shifts at most the live entries after it) for a fraction of the code:
//! `BTreeMap` and `HashMap` cost the browser build about 15 KB of wasm between them.

/// A map from an ordered, copyable id to `V`, kept as a `Vec` sorted by id. The method names
/// follow `BTreeMap`, and iteration is in id order as with it.
#[derive(Debug, Clone)]
pub struct IdMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for IdMap<K, V> {
    fn default() -> Self {
        IdMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord + Copy, V> IdMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn position(&self, key: &K) -> Result<usize, usize> {
        // Fast path: the newest id is the one most often looked up.
        match self.entries.last() {
            Some((last, _)) if last == key => Ok(self.entries.len() - 1),
            Some((last, _)) if last < key => Err(self.entries.len()),
            None => Err(0),
            _ => self.entries.binary_search_by(|(k, _)| k.cmp(key)),
        }
    }

    /// Inserts `value` under `key`, returning the value it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        let i = self.position(key).ok()?;
        Some(&self.entries[i].1)
    }

    /// The value under `key`, to change in place.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let i = self.position(key).ok()?;
        Some(&mut self.entries[i].1)
    }

    /// The value under `key`, inserting `V::default()` first if there is none.
    pub fn get_or_insert_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.position(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, V::default()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Whether `key` is in the map.
    pub fn contains_key(&self, key: &K) -> bool {
        self.position(key).is_ok()
    }

    /// Removes and returns the value under `key`.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.position(key).ok()?;
        Some(self.entries.remove(i).1)
    }

    /// Keeps only the entries for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(*k, v));
    }

    /// The entries, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (K, &V)> {
        self.entries.iter().map(|(k, v)| (*k, v))
    }

    /// The entries, in id order, with values to change in place.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (K, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (*k, &mut *v))
    }

    /// The values, in id order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

impl<K, V> IntoIterator for IdMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    /// The entries, in id order.
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn keys(map: &IdMap<u64, &str>) -> Vec<u64> {
        map.iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn increasing_ids_are_appended_and_found() {
        let mut map = IdMap::new();
        for id in 1..=5 {
            assert_eq!(map.insert(id, "v"), None);
        }
        assert_eq!(keys(&map), [1, 2, 3, 4, 5]);
        assert!((1..=5).all(|id| map.contains_key(&id)));
        assert!(!map.contains_key(&0) && !map.contains_key(&6));
    }

    #[test]
    fn out_of_order_ids_still_iterate_in_order() {
        let mut map = IdMap::new();
        for id in [5, 1, 4, 2, 3] {
            map.insert(id, "v");
        }
        assert_eq!(keys(&map), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn insert_under_a_present_id_replaces_the_value() {
        let mut map = IdMap::new();
        map.insert(7, "old");
        assert_eq!(map.insert(7, "new"), Some("old"));
        assert_eq!(map.get(&7), Some(&"new"));
        assert_eq!(map.iter().count(), 1);
    }

    #[test]
    fn remove_takes_out_only_that_id() {
        let mut map = IdMap::new();
        for id in 1..=4 {
            map.insert(id, "v");
        }
        assert_eq!(map.remove(&2), Some("v"));
        assert_eq!(map.remove(&2), None);
        assert_eq!(map.remove(&9), None);
        assert_eq!(keys(&map), [1, 3, 4]);
    }

    #[test]
    fn get_mut_and_retain_change_values_in_place() {
        let mut map = IdMap::new();
        for id in 1..=4u64 {
            map.insert(id, id * 10);
        }
        *map.get_mut(&3).unwrap() += 1;
        *map.get_or_insert_default(9) += 5;
        map.retain(|id, v| {
            *v += 1;
            id % 2 == 1
        });
        assert_eq!(
            map.into_iter().collect::<Vec<_>>(),
            [(1, 11), (3, 32), (9, 6)]
        );
    }

    #[test]
    fn agrees_with_btreemap_on_any_sequence_of_operations() {
        use std::collections::BTreeMap;
        // A small deterministic walk over inserts and removes of ids 0..32.
        let (mut ours, mut reference) = (IdMap::new(), BTreeMap::new());
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for step in 0..10_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = x % 32;
            if x % 3 == 0 {
                assert_eq!(ours.remove(&id), reference.remove(&id));
            } else {
                assert_eq!(ours.insert(id, step), reference.insert(id, step));
            }
            assert_eq!(ours.get(&id), reference.get(&id));
        }
        let expected: Vec<(u64, u64)> = reference.into_iter().collect();
        assert_eq!(ours.into_iter().collect::<Vec<_>>(), expected);
    }
}
