//! URI pattern matching for subscriptions and registrations, and the dealer's
//! order of preference between matching registrations.

use std::cmp::Ordering;

use crate::protocol::options::MatchPolicy;

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
}
