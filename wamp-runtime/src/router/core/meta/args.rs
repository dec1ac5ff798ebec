//! Reading the arguments of meta procedures, and shaping their answers.

use crate::protocol::id::Id;
use crate::protocol::options::MatchPolicy;
use crate::protocol::uris;
use crate::protocol::{Dict, Value};

use super::call::{MetaCall, MetaError};

impl MetaCall<'_, '_> {
    /// Positional argument `i`, an ID.
    pub(crate) fn id(&self, i: usize, name: &str) -> Result<Id, MetaError> {
        self.args.get(i).and_then(Value::as_u64).ok_or_else(|| {
            MetaError::new(
                uris::INVALID_ARGUMENT,
                format!("argument {i} ({name}) must be an ID"),
            )
        })
    }

    /// Positional argument `i`, a string.
    pub(crate) fn str(&self, i: usize, name: &str) -> Result<&str, MetaError> {
        self.args.get(i).and_then(Value::as_str).ok_or_else(|| {
            MetaError::new(
                uris::INVALID_ARGUMENT,
                format!("argument {i} ({name}) must be a string"),
            )
        })
    }

    /// Keyword argument `name`, a string, if given.
    pub(crate) fn kw_str(&self, name: &str) -> Option<String> {
        self.kwargs
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// The `match` of a lookup's options: the second positional argument, as
    /// Crossbar reads it and Autobahn|Python has to pass it (`call()` keeps its
    /// own `options=` keyword), or the `options` keyword argument.
    pub(crate) fn match_option(&self) -> Result<MatchPolicy, MetaError> {
        let options = self
            .args
            .get(1)
            .and_then(Value::as_dict)
            .or_else(|| self.kwargs.get("options").and_then(Value::as_dict));
        match options.and_then(|o| o.get("match")) {
            None => Ok(MatchPolicy::Exact),
            Some(v) => v.as_str().and_then(MatchPolicy::parse).ok_or_else(|| {
                MetaError::new(uris::INVALID_ARGUMENT, format!("invalid match policy {v}"))
            }),
        }
    }

    /// The optional list of authroles that filters `wamp.session.count`/`list`.
    pub(crate) fn authroles_filter(&self) -> Option<Vec<String>> {
        self.args.first().and_then(Value::as_list).map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
    }
}

/// A list of IDs.
pub(crate) fn ids(list: impl IntoIterator<Item = Id>) -> Value {
    Value::List(list.into_iter().map(Value::UInt).collect())
}

/// IDs grouped by match policy: `{"exact": [...], "prefix": [...], "wildcard": [...]}`.
pub(crate) fn by_policy(items: impl Iterator<Item = (MatchPolicy, Id)>) -> Value {
    let mut groups: [Vec<Id>; 3] = Default::default();
    for (policy, id) in items {
        let i = match policy {
            MatchPolicy::Exact => 0,
            MatchPolicy::Prefix => 1,
            MatchPolicy::Wildcard => 2,
        };
        groups[i].push(id);
    }
    let d: Dict = ["exact", "prefix", "wildcard"]
        .into_iter()
        .zip(groups)
        .map(|(name, list)| (name.to_owned(), ids(list)))
        .collect();
    Value::Dict(d)
}

/// An ID, or null when there is none.
pub(crate) fn id_or_null(id: Option<Id>) -> Value {
    id.map_or(Value::Null, Value::UInt)
}
