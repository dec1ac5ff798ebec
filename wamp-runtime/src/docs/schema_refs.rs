//! Local `$ref`s of a catalog: `#/$defs/Name` (and AsyncAPI's
//! `#/components/schemas/Name`), looked up in the catalog's definitions.

use serde_json::{Map, Value as Json};

/// Looks up `#/$defs/Name` (or `#/components/schemas/Name`) in `defs`.
pub(super) fn resolve<'a>(schema: &'a Json, defs: &'a Map<String, Json>) -> &'a Json {
    let mut current = schema;
    for _ in 0..16 {
        match current
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(def_name)
        {
            Some(name) => match defs.get(name) {
                Some(next) => current = next,
                None => return current,
            },
            None => return current,
        }
    }
    current
}

/// The definition name of a local `$ref`.
pub(super) fn def_name(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/components/schemas/"))
}
