//! Rust identifiers from catalog names: snake case, raw (`r#type`) when a
//! keyword, made unique among the modules of one file.

use std::collections::HashSet;

use heck::{ToShoutySnakeCase as _, ToSnakeCase as _, ToUpperCamelCase as _};
use proc_macro2::{Ident, Span};

use crate::Entry;

/// Names taken by the generated file itself.
const RESERVED: &[&str] = &["types", "self", "super", "crate", "Self"];

/// Hands out unique module names.
#[derive(Default)]
pub(crate) struct ModuleNames {
    taken: HashSet<String>,
}

impl ModuleNames {
    /// A unique snake-case module name for an entry.
    pub(crate) fn module(&mut self, entry: &Entry) -> String {
        let base = snake(&entry.name());
        let mut name = base.clone();
        let mut n = 2;
        while RESERVED.contains(&name.as_str()) || !self.taken.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }
}

/// A snake-case form of a name, never empty, never starting with a digit.
pub(crate) fn snake(name: &str) -> String {
    let s = name.to_snake_case();
    match s.chars().next() {
        None => "unnamed".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("_{s}"),
        Some(_) => s,
    }
}

/// An identifier, raw when it is a keyword.
pub(crate) fn ident(name: &str) -> Ident {
    let s = snake(name);
    if typify::accept_as_ident(&s) {
        Ident::new(&s, Span::call_site())
    } else if matches!(s.as_str(), "self" | "super" | "crate" | "_") {
        Ident::new(&format!("{s}_"), Span::call_site())
    } else {
        Ident::new_raw(&s, Span::call_site())
    }
}

/// Names the generated functions, fields and methods use themselves.
const TAKEN_BY_CODE: &[&str] = &[
    "session", "uri", "topic", "options", "timeout", "request", "progress", "call", "handler",
    "payload",
];

/// A parameter's identifier: [`ident`], with `_` appended when the generated
/// code uses the name itself (`options` becomes `options_`).
pub(crate) fn param_ident(name: &str) -> Ident {
    let s = snake(name);
    if TAKEN_BY_CODE.contains(&s.as_str()) {
        Ident::new(&format!("{s}_"), Span::call_site())
    } else {
        ident(name)
    }
}

/// An upper-camel-case type name hint (`AddResult`).
pub(crate) fn camel(parts: &[&str]) -> String {
    parts.concat().to_upper_camel_case()
}

/// A constant's name for an error URI: its last component, shouting
/// (`com.math.error.division_by_zero` gives `DIVISION_BY_ZERO`).
pub(crate) fn error_const(uri: &str) -> Ident {
    let last = uri.rsplit('.').next().unwrap_or(uri);
    let mut s = last.to_shouty_snake_case();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("E_{s}");
    }
    Ident::new(&s, Span::call_site())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("countTo").to_string(), "count_to");
        assert_eq!(ident("1st").to_string(), "_1st");
        assert_eq!(param_ident("options").to_string(), "options_");
        assert_eq!(param_ident("type").to_string(), "r#type");
        assert_eq!(
            error_const("com.math.error.division_by_zero").to_string(),
            "DIVISION_BY_ZERO"
        );
        assert_eq!(camel(&["count_to", "Progress"]), "CountToProgress");
    }
}
