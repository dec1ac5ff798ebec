//! One index of URI patterns (exact, prefix, wildcard) shared by
//! registrations, subscriptions and permissions: the lookup rules live here
//! once.

use std::cmp::Ordering;

use crate::protocol::id::Id;
use crate::protocol::options::MatchPolicy;
use crate::router::core::hash::HashMap;

/// Whether `uri` matches `pattern` under `policy`.
///
/// - exact: equal strings;
/// - prefix: `uri` starts with `pattern`;
/// - wildcard: same number of components, and every non-empty component of the
///   pattern equals the component of `uri`.
pub(crate) fn matches(policy: MatchPolicy, pattern: &str, uri: &str) -> bool {
    match policy {
        MatchPolicy::Exact => pattern == uri,
        MatchPolicy::Prefix => uri.starts_with(pattern),
        MatchPolicy::Wildcard => {
            let mut p = pattern.split('.');
            let mut u = uri.split('.');
            loop {
                match (p.next(), u.next()) {
                    (None, None) => return true,
                    (Some(pc), Some(uc)) if pc.is_empty() || pc == uc => {}
                    _ => return false,
                }
            }
        }
    }
}

/// Orders two wildcard patterns that both match a URI: the one with the longer
/// run of concrete (non-empty) leading components wins, compared component by
/// component, as the spec orders them.
pub(crate) fn compare_wildcards(a: &str, b: &str) -> Ordering {
    for (ac, bc) in a.split('.').zip(b.split('.')) {
        match (ac.is_empty(), bc.is_empty()) {
            (false, true) => return Ordering::Greater,
            (true, false) => return Ordering::Less,
            _ => {}
        }
    }
    Ordering::Equal
}

/// URI patterns by match policy, each naming one entry by ID.
#[derive(Debug, Default)]
pub(crate) struct UriIndex {
    exact: HashMap<String, Id>,
    prefix: Vec<(String, Id)>,
    wildcard: Vec<(String, Id)>,
}

impl UriIndex {
    /// Adds a pattern. The caller keeps (uri, policy) unique.
    pub(crate) fn insert(&mut self, uri: &str, policy: MatchPolicy, id: Id) {
        match policy {
            MatchPolicy::Exact => {
                self.exact.insert(uri.to_owned(), id);
            }
            MatchPolicy::Prefix => self.prefix.push((uri.to_owned(), id)),
            MatchPolicy::Wildcard => self.wildcard.push((uri.to_owned(), id)),
        }
    }

    /// Removes the pattern of entry `id`.
    pub(crate) fn remove(&mut self, uri: &str, policy: MatchPolicy, id: Id) {
        match policy {
            MatchPolicy::Exact => {
                if self.exact.get(uri) == Some(&id) {
                    self.exact.remove(uri);
                }
            }
            MatchPolicy::Prefix => self.prefix.retain(|(_, x)| *x != id),
            MatchPolicy::Wildcard => self.wildcard.retain(|(_, x)| *x != id),
        }
    }

    /// The entry with exactly this pattern and policy.
    pub(crate) fn find(&self, uri: &str, policy: MatchPolicy) -> Option<Id> {
        let scan = |list: &[(String, Id)]| list.iter().find(|(u, _)| u == uri).map(|(_, id)| *id);
        match policy {
            MatchPolicy::Exact => self.exact.get(uri).copied(),
            MatchPolicy::Prefix => scan(&self.prefix),
            MatchPolicy::Wildcard => scan(&self.wildcard),
        }
    }

    /// The one entry that decides for `uri`: exact, then the longest prefix,
    /// then the best wildcard (the spec's order for the dealer and for
    /// permissions).
    pub(crate) fn best(&self, uri: &str) -> Option<Id> {
        if let Some(id) = self.exact.get(uri) {
            return Some(*id);
        }
        let prefix = self
            .prefix
            .iter()
            .filter(|(p, _)| uri.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len());
        if let Some((_, id)) = prefix {
            return Some(*id);
        }
        let mut best: Option<&(String, Id)> = None;
        for entry in &self.wildcard {
            if !matches(MatchPolicy::Wildcard, &entry.0, uri) {
                continue;
            }
            if best.is_none_or(|b| compare_wildcards(&entry.0, &b.0).is_gt()) {
                best = Some(entry);
            }
        }
        best.map(|(_, id)| *id)
    }

    /// Every entry whose pattern matches `uri` (the broker delivers to all).
    pub(crate) fn matching<'a>(&'a self, uri: &'a str) -> impl Iterator<Item = Id> + 'a {
        let exact = self.exact.get(uri).copied();
        let prefix = self
            .prefix
            .iter()
            .filter(move |(p, _)| uri.starts_with(p.as_str()))
            .map(|(_, id)| *id);
        let wildcard = self
            .wildcard
            .iter()
            .filter(move |(p, _)| matches(MatchPolicy::Wildcard, p, uri))
            .map(|(_, id)| *id);
        exact.into_iter().chain(prefix).chain(wildcard)
    }

    #[cfg(test)]
    /// Number of patterns.
    pub(crate) fn len(&self) -> usize {
        self.exact.len() + self.prefix.len() + self.wildcard.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matching() {
        assert!(matches(
            MatchPolicy::Wildcard,
            "com..update",
            "com.myapp.update"
        ));
        assert!(!matches(
            MatchPolicy::Wildcard,
            "com..update",
            "com.myapp.sub.update"
        ));
        assert!(!matches(
            MatchPolicy::Wildcard,
            "com..update",
            "com.myapp.create"
        ));
        assert!(matches(MatchPolicy::Wildcard, "..", "a.b.c"));
    }

    #[test]
    fn prefix_matching_is_a_string_prefix() {
        assert!(matches(MatchPolicy::Prefix, "com.myapp", "com.myapp.foo"));
        assert!(matches(MatchPolicy::Prefix, "com.myapp.", "com.myapp.foo"));
        assert!(!matches(MatchPolicy::Prefix, "com.myapp.", "com.other"));
    }

    #[test]
    fn longest_leading_wildcard_wins() {
        assert_eq!(compare_wildcards("a..c", ".b.c"), Ordering::Greater);
        assert_eq!(compare_wildcards("a.b.", "a..c"), Ordering::Greater);
        assert_eq!(compare_wildcards("a..", "a.."), Ordering::Equal);
    }

    #[test]
    fn best_is_exact_then_longest_prefix_then_best_wildcard() {
        let mut index = UriIndex::default();
        index.insert("a..c", MatchPolicy::Wildcard, 1);
        index.insert("a.b.", MatchPolicy::Wildcard, 2);
        assert_eq!(index.best("a.b.c"), Some(2));
        index.insert("a.", MatchPolicy::Prefix, 3);
        index.insert("a.b", MatchPolicy::Prefix, 4);
        assert_eq!(index.best("a.b.c"), Some(4));
        index.insert("a.b.c", MatchPolicy::Exact, 5);
        assert_eq!(index.best("a.b.c"), Some(5));
        let mut all: Vec<Id> = index.matching("a.b.c").collect();
        all.sort();
        assert_eq!(all, vec![1, 2, 3, 4, 5]);
        index.remove("a.b", MatchPolicy::Prefix, 4);
        assert_eq!(index.find("a.b", MatchPolicy::Prefix), None);
        assert_eq!(index.find("a.", MatchPolicy::Prefix), Some(3));
        assert_eq!(index.len(), 4);
    }
}
