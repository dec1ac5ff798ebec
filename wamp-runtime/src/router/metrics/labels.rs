//! Label values that peers choose (procedures, topics, error URIs, realms,
//! authentication methods) are bounded: a [`Family`] keeps at most its cap
//! of distinct values, and every further one is counted under
//! [`OTHER`]. The caller decides which values may become labels at all
//! (only registered procedures and subscribed topics). Families of the same
//! metric in different realms also share a [`Budget`], so the whole process
//! has at most [`MAX_LABEL_VALUES`] values of each.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::router::core::hash::HashMap;

/// Most distinct label values of one metric (per realm for realm metrics).
pub(crate) const MAX_LABEL_VALUES: usize = 1000;

/// The label value that stands for every value past the cap.
pub(crate) const OTHER: &str = "<other>";

/// The procedure label of a call to a procedure nobody registered.
pub(crate) const UNREGISTERED: &str = "<unregistered>";

/// The procedure label of a call to the router's own `wamp.*` API.
pub(crate) const META: &str = "<meta>";

/// Label values left for one metric across the process (all realms).
pub(crate) struct Budget(AtomicUsize);

impl Budget {
    /// A budget of `n` values.
    pub(crate) const fn new(n: usize) -> Self {
        Budget(AtomicUsize::new(n))
    }

    /// Takes one value; `false` when none is left.
    fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Gives `n` values back.
    fn refund(&self, n: usize) {
        self.0.fetch_add(n, Ordering::AcqRel);
    }
}

/// Procedure label values of the whole process.
pub(crate) static PROCEDURES: Budget = Budget::new(MAX_LABEL_VALUES);
/// Topic label values of the whole process.
pub(crate) static TOPICS: Budget = Budget::new(MAX_LABEL_VALUES);
/// Error URI label values of the whole process (all procedures).
pub(crate) static ERRORS: Budget = Budget::new(MAX_LABEL_VALUES);
/// Authentication method label values of the whole process.
pub(crate) static METHODS: Budget = Budget::new(MAX_LABEL_VALUES);

/// Handles (or anything) per label value, at most `cap` values (and what
/// the shared budget allows) plus [`OTHER`].
pub(crate) struct Family<T> {
    map: HashMap<Arc<str>, T>,
    cap: usize,
    budget: Option<&'static Budget>,
    /// Values taken from the budget.
    taken: usize,
}

impl<T> Family<T> {
    /// An empty family of at most `cap` values.
    pub(crate) fn new(cap: usize) -> Self {
        Family {
            map: HashMap::default(),
            cap,
            budget: None,
            taken: 0,
        }
    }

    /// An empty family of at most `cap` values, each also taken from `budget`.
    pub(crate) fn shared(cap: usize, budget: &'static Budget) -> Self {
        let mut family = Family::new(cap);
        family.budget = Some(budget);
        family
    }

    /// Whether one more value of its own may be added.
    fn room(&mut self) -> bool {
        if self.map.len() >= self.cap {
            return false;
        }
        match self.budget {
            Some(budget) if !budget.take() => false,
            Some(_) => {
                self.taken += 1;
                true
            }
            None => true,
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
                let value = if value != OTHER && self.room() {
                    value
                } else {
                    OTHER
                };
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
        if let Some(budget) = self.budget {
            budget.refund(std::mem::take(&mut self.taken));
        }
    }
}

impl<T> Drop for Family<T> {
    /// Its values go back to the budget.
    fn drop(&mut self) {
        if let Some(budget) = self.budget {
            budget.refund(self.taken);
        }
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

    #[test]
    fn families_sharing_a_budget_stop_together_and_refund_on_clear() {
        static BUDGET: Budget = Budget::new(3);
        let mut one = Family::shared(10, &BUDGET);
        let mut two = Family::shared(10, &BUDGET);
        assert_eq!(&*one.entry("a", |_| ()).0, "a");
        assert_eq!(&*one.entry("b", |_| ()).0, "b");
        assert_eq!(&*two.entry("c", |_| ()).0, "c");
        assert_eq!(&*two.entry("d", |_| ()).0, OTHER);
        assert_eq!(&*one.entry("a", |_| ()).0, "a");
        one.clear();
        assert_eq!(&*two.entry("d", |_| ()).0, "d");
        drop(two);
        let mut three = Family::shared(10, &BUDGET);
        for v in ["x", "y", "z"] {
            assert_eq!(&*three.entry(v, |_| ()).0, v);
        }
    }
}
