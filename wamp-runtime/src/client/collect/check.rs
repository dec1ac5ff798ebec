//! Where a component's procedures come from, the schema each collected one
//! sends to the router, and the check for registrations the router would
//! refuse.

use std::fmt;

use super::catalog::entry_schema;
use super::entry::{Collected, all};
use crate::client::error::Error;
use crate::client::options::{InvokePolicy, MatchPolicy, RegisterOptions};
use crate::docs::SCHEMA_OPTION;
use crate::protocol::Dict;
use crate::protocol::uris;

/// Where a procedure of a component comes from: a collected function or a
/// hand-written handler.
#[derive(Debug, Clone)]
pub(crate) struct Source(pub(crate) Option<&'static Collected>);

impl Source {
    /// The extra REGISTER/SUBSCRIBE options that carry the schema of a
    /// collected entry to the router (under [`SCHEMA_OPTION`]); empty for a
    /// hand-written handler.
    /// `uri` is the URI actually registered or subscribed, which differs from
    /// the entry's own for `ComponentBuilder::collected_renamed`.
    pub(crate) fn schema_option(&self, uri: &str) -> Dict {
        let mut extra = Dict::new();
        if let Some(entry) = self.0 {
            let mut schema = entry_schema(entry);
            if let serde_json::Value::Object(m) = &mut schema {
                m.insert("uri".into(), uri.into());
            }
            if let Ok(schema) = serde_json::from_value::<crate::protocol::Value>(schema) {
                extra.insert(SCHEMA_OPTION.into(), schema);
            }
        }
        extra
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(c) => f.write_str(&c.location()),
            None => f.write_str("a handler added with ComponentBuilder::procedure"),
        }
    }
}

/// Two registrations the router would refuse: same URI and match policy,
/// and at least one of them with single invocation. Returns an error naming
/// both source locations.
pub(crate) fn check_duplicates<'a>(
    procedures: impl IntoIterator<Item = (&'a str, &'a RegisterOptions, &'a Source)>,
) -> Result<(), Error> {
    let procedures: Vec<_> = procedures.into_iter().collect();
    let mut problems = Vec::new();
    for (i, (uri_a, opt_a, src_a)) in procedures.iter().enumerate() {
        for (uri_b, opt_b, src_b) in &procedures[i + 1..] {
            let match_a = opt_a.match_.unwrap_or(MatchPolicy::Exact);
            let match_b = opt_b.match_.unwrap_or(MatchPolicy::Exact);
            let single = |o: &RegisterOptions| {
                o.invoke.unwrap_or(InvokePolicy::Single) == InvokePolicy::Single
            };
            if uri_a == uri_b && match_a == match_b && (single(opt_a) || single(opt_b)) {
                problems.push(format!(
                    "procedure {uri_a} ({} match) is registered twice: by {src_a} and by {src_b}",
                    match_a.as_str()
                ));
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let message = problems.join("; ");
    tracing::error!("{message}");
    Err(Error::message(uris::PROCEDURE_ALREADY_EXISTS, message))
}

/// Checks every collected procedure for duplicates (as a component serving
/// all of them does before connecting).
pub fn check() -> Result<(), Error> {
    let entries: Vec<(&'static Collected, RegisterOptions, Source)> = all()
        .into_iter()
        .filter_map(|c| Some((c, c.register_options()?, Source(Some(c)))))
        .collect();
    check_duplicates(entries.iter().map(|(c, o, s)| (c.uri, o, s)))
}
