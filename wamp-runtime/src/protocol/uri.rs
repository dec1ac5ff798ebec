//! WAMP URIs: the loose and strict rules, pattern variants and realm names.
//!
//! - *Loose* (what every peer MUST accept): components are non-empty and
//!   contain no `.`, `#` or whitespace.
//! - *Strict* (what a URI SHOULD look like): components are `[0-9a-z_]+`.
//! - *Empty components* are only allowed in patterns: wildcard registrations and
//!   subscriptions (any component may be empty) and prefix registrations (the last
//!   component may be empty, e.g. `com.example.`).

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// Which components of a URI may be empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriKind {
    /// A concrete URI: no empty component.
    Concrete,
    /// A pattern whose last component may be empty (prefix registrations).
    LastEmpty,
    /// A pattern whose components may all be empty (wildcards, subscriptions).
    EmptyComponents,
}

/// Which character rule a URI's components must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriRule {
    /// No `.`, `#` or whitespace in a component.
    Loose,
    /// Only lower-case letters, digits and `_` in a component.
    Strict,
}

fn component_ok(component: &str, rule: UriRule) -> bool {
    match rule {
        // Only ASCII bytes can be `#` or ASCII whitespace; other characters
        // need decoding only when a non-ASCII byte is present.
        UriRule::Loose if component.is_ascii() => !component
            .bytes()
            .any(|b| b == b'#' || char::from(b).is_whitespace()),
        UriRule::Loose => !component.chars().any(|c| c == '#' || c.is_whitespace()),
        UriRule::Strict => component
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
    }
}

/// Checks a URI against a character rule and an empty-component policy.
///
/// ```
/// use wamp::protocol::uri::{is_valid_uri, UriKind, UriRule};
/// assert!(is_valid_uri("com.example.add", UriRule::Strict, UriKind::Concrete));
/// assert!(is_valid_uri("com.Example.Add", UriRule::Loose, UriKind::Concrete));
/// assert!(!is_valid_uri("com..add", UriRule::Loose, UriKind::Concrete));
/// assert!(is_valid_uri("com..add", UriRule::Loose, UriKind::EmptyComponents));
/// assert!(is_valid_uri("com.example.", UriRule::Strict, UriKind::LastEmpty));
/// ```
pub fn is_valid_uri(uri: &str, rule: UriRule, kind: UriKind) -> bool {
    if kind == UriKind::Concrete && uri.is_empty() {
        return false;
    }
    // Checked in place (every CALL, PUBLISH and EVENT passes here): no
    // allocation, one pass over the components.
    let last = uri.bytes().filter(|&b| b == b'.').count();
    uri.split('.').enumerate().all(|(i, c)| {
        if c.is_empty() {
            match kind {
                UriKind::Concrete => false,
                UriKind::LastEmpty => i == last,
                UriKind::EmptyComponents => true,
            }
        } else {
            component_ok(c, rule)
        }
    })
}

/// Checks a realm name the way Autobahn does: a letter followed by 2 to 254
/// letters, digits, `_`, `-`, `@` or `.`; or an Ethereum address `0x` + 40 hex digits.
pub fn is_valid_realm(realm: &str) -> bool {
    let b = realm.as_bytes();
    if let Some(hex) = realm.strip_prefix("0x")
        && hex.len() == 40
        && hex.bytes().all(|c| c.is_ascii_hexdigit())
    {
        return true;
    }
    (3..=255).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'@' | b'.'))
}

/// A URI that passed the loose rule for the place it was found in.
///
/// Cheap to compare, hash and clone (the text is shared); derefs to `str`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uri(Arc<str>);

impl Uri {
    /// Builds a concrete URI, checking the loose rule.
    pub fn new(uri: impl AsRef<str>) -> Result<Self, InvalidUri> {
        Self::with_kind(uri, UriKind::Concrete)
    }

    /// Builds a URI that may be a pattern of the given kind, checking the loose rule.
    pub fn with_kind(uri: impl AsRef<str>, kind: UriKind) -> Result<Self, InvalidUri> {
        let uri = uri.as_ref();
        if is_valid_uri(uri, UriRule::Loose, kind) {
            Ok(Uri(Arc::from(uri)))
        } else {
            Err(InvalidUri(uri.to_owned()))
        }
    }

    /// Wraps a string without checking it. Use only for URIs known to be valid.
    pub fn from_trusted(uri: impl AsRef<str>) -> Self {
        Uri(Arc::from(uri.as_ref()))
    }

    /// The URI text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the URI also follows the strict rule.
    pub fn is_strict(&self, kind: UriKind) -> bool {
        is_valid_uri(&self.0, UriRule::Strict, kind)
    }

    /// Gives back the URI text.
    pub fn into_string(self) -> String {
        self.0.as_ref().to_owned()
    }
}

/// A string is not a valid WAMP URI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid WAMP URI: {0:?}")]
pub struct InvalidUri(pub String);

impl Deref for Uri {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Uri {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Uri {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl PartialEq<str> for Uri {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Uri {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl TryFrom<&str> for Uri {
    type Error = InvalidUri;
    fn try_from(s: &str) -> Result<Self, InvalidUri> {
        Uri::new(s)
    }
}

impl TryFrom<String> for Uri {
    type Error = InvalidUri;
    fn try_from(s: String) -> Result<Self, InvalidUri> {
        Uri::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_rule() {
        for ok in [
            "com.myapp.topic1",
            "com.MyApp.Topic",
            "a",
            "wamp.error.canceled",
            "com.app-1.x:y",
            "com.caf\u{e9}.men\u{fc}",
        ] {
            assert!(is_valid_uri(ok, UriRule::Loose, UriKind::Concrete), "{ok}");
        }
        for bad in [
            "",
            ".",
            "com.",
            ".com",
            "com..app",
            "com.my app",
            "com.my#app",
            "com\t.x",
            "com.a\u{b}b",
            "com.caf\u{e9}\u{a0}x",
            "com.\u{e9}#",
        ] {
            assert!(
                !is_valid_uri(bad, UriRule::Loose, UriKind::Concrete),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn strict_rule() {
        assert!(is_valid_uri(
            "com.myapp.topic_1",
            UriRule::Strict,
            UriKind::Concrete
        ));
        assert!(!is_valid_uri(
            "com.MyApp.topic",
            UriRule::Strict,
            UriKind::Concrete
        ));
        assert!(!is_valid_uri(
            "com.my-app.topic",
            UriRule::Strict,
            UriKind::Concrete
        ));
    }

    #[test]
    fn pattern_variants() {
        assert!(is_valid_uri(
            "com..topic",
            UriRule::Loose,
            UriKind::EmptyComponents
        ));
        assert!(is_valid_uri("", UriRule::Loose, UriKind::EmptyComponents));
        assert!(is_valid_uri(
            "com.myapp.",
            UriRule::Loose,
            UriKind::LastEmpty
        ));
        assert!(!is_valid_uri(
            "com..myapp",
            UriRule::Loose,
            UriKind::LastEmpty
        ));
        assert!(!is_valid_uri(
            "com.my app.",
            UriRule::Loose,
            UriKind::EmptyComponents
        ));
    }

    #[test]
    fn realm_names() {
        assert!(is_valid_realm("realm1"));
        assert!(is_valid_realm("com.example.realm"));
        assert!(is_valid_realm("0x0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_valid_realm("r1"));
        assert!(!is_valid_realm("1realm"));
        assert!(!is_valid_realm("realm one"));
    }
}
