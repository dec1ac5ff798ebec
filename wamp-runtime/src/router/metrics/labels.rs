//! Label values that peers choose (procedures, topics, error URIs, realms,
//! authentication methods) are bounded: a [`Family`] keeps at most its cap
//! of distinct values, and every further one is counted under
//! [`OTHER`]. The caller decides which values may become labels at all
//! (only registered procedures and subscribed topics).

use std::sync::Arc;

use crate::router::core::hash::HashMap;

/// Most distinct label values of one metric (per realm for realm metrics).
pub(crate) const MAX_LABEL_VALUES: usize = 1000;

/// The label value that stands for every value past the cap.
pub(crate) const OTHER: &str = "<other>";

/// The procedure label of a call to a procedure nobody registered.
pub(crate) const UNREGISTERED: &str = "<unregistered>";

/// The procedure label of a call to the router's own `wamp.*` API.
pub(crate) const META: &str = "<meta>";

/// Handles (or anything) per label value, at most `cap` values plus
/// [`OTHER`].
pub(crate) struct Family<T> {
    map: HashMap<Arc<str>, T>,
    cap: usize,
}

impl<T> Family<T> {
    /// An empty family of at most `cap` values.
    pub(crate) fn new(cap: usize) -> Self {
        Family {
            map: HashMap::default(),
            cap,
        }
    }

    /// The entry of `value` (made by `make` the first time), or of
    /// [`OTHER`] once the cap is reached; with the label value used.
    pub(crate) fn entry(
        &mut self,
        value: &str,
        make: impl FnOnce(&str) -> T,
    ) -> (Arc<str>, &mut T) {
        // The common case, a value seen before: two lookups, no allocation.
        let key = match self.map.get_key_value(value) {
            Some((key, _)) => key.clone(),
            None => {
                let value = if self.map.len() < self.cap { value } else { OTHER };
                match self.map.get_key_value(value) {
                    Some((key, _)) => key.clone(),
                    None => {
                        let key: Arc<str> = Arc::from(value);
                        self.map.insert(key.clone(), make(value));
                        key
                    }
                }
            }
        };
        let entry = self.map.get_mut(&*key).expect("present");
        (key, entry)
    }

    /// The entry of a label value already made.
    pub(crate) fn get_mut(&mut self, value: &str) -> Option<&mut T> {
        self.map.get_mut(value)
    }

    /// Every value and its entry.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &T)> {
        self.map.iter()
    }

    /// Forgets every value (the handles are made again on next use).
    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_past_the_cap_go_to_other() {
        let mut family = Family::new(2);
        *family.entry("a", |_| 0).1 += 1;
        *family.entry("b", |_| 0).1 += 1;
        *family.entry("c", |_| 0).1 += 1;
        *family.entry("d", |_| 0).1 += 1;
        *family.entry("a", |_| 0).1 += 1;
        let mut all: Vec<(String, i32)> = family.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        all.sort();
        assert_eq!(
            all,
            [("<other>".into(), 2), ("a".into(), 2), ("b".into(), 1)]
        );
    }
}
