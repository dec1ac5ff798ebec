//! Whether the concrete URI given to the stub of a prefix or wildcard
//! registration (or subscription) matches its pattern.

use crate::client::error::Error;
use crate::client::options::MatchPolicy;
use crate::protocol::Uri;
use crate::protocol::uris;

/// Checks `uri` against `pattern` under `policy`; the error names both.
pub(crate) fn check(pattern: &str, policy: MatchPolicy, uri: &str) -> Result<(), Error> {
    Uri::new(uri)?;
    let ok = match policy {
        MatchPolicy::Exact => uri == pattern,
        MatchPolicy::Prefix => uri.starts_with(pattern),
        MatchPolicy::Wildcard => {
            let (p, u): (Vec<&str>, Vec<&str>) =
                (pattern.split('.').collect(), uri.split('.').collect());
            p.len() == u.len()
                && p.iter()
                    .zip(&u)
                    .all(|(p, u)| !u.is_empty() && (p.is_empty() || p == u))
        }
    };
    if ok {
        return Ok(());
    }
    let what = match policy {
        MatchPolicy::Exact => "the URI",
        MatchPolicy::Prefix => "the prefix",
        MatchPolicy::Wildcard => "the wildcard pattern",
    };
    Err(Error::message(
        uris::INVALID_URI,
        format!("`{uri}` does not match {what} `{pattern}` of this typed stub"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_wildcard() {
        assert!(
            check(
                "com.shop.order.",
                MatchPolicy::Prefix,
                "com.shop.order.paris"
            )
            .is_ok()
        );
        let e = check("com.shop.order.", MatchPolicy::Prefix, "com.shop.other").unwrap_err();
        assert_eq!(e.uri(), uris::INVALID_URI);
        assert!(e.to_string().contains("prefix `com.shop.order.`"), "{e}");
        assert!(check("com.x..get", MatchPolicy::Wildcard, "com.x.a.get").is_ok());
        assert!(check("com.x..get", MatchPolicy::Wildcard, "com.x.a.set").is_err());
        assert!(check("com.x..get", MatchPolicy::Wildcard, "com.x.a.b.get").is_err());
        assert!(check("com.x..get", MatchPolicy::Wildcard, "com.x..get").is_err());
        assert!(check("com.a", MatchPolicy::Exact, "com.a").is_ok());
        assert!(check("com.a.", MatchPolicy::Prefix, "com.a b").is_err());
    }
}
