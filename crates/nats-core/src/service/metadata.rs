//! [`Metadata`]: a service's or endpoint's free-form strings, kept sorted by key in a `Vec`
//! (a `BTreeMap` would add several kilobytes to every page that runs a service).

/// Free-form metadata of a service or endpoint: keys and values, each key once, in key order
/// (as nats.go writes a Go map). Written as a JSON object of strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Sorted by key, keys unique.
    entries: Vec<(String, String)>,
}

impl Metadata {
    /// No entries.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`; returns the value it replaces, if any.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        let (key, value) = (key.into(), value.into());
        match self.entries.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => self
                .entries
                .get_mut(i)
                .map(|entry| std::mem::replace(&mut entry.1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let i = self
            .entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()?;
        self.entries.get(i).map(|(_, v)| v.as_str())
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Metadata {
    /// Later entries replace earlier ones with the same key.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut metadata = Metadata::new();
        for (k, v) in iter {
            metadata.insert(k, v);
        }
        metadata
    }
}
