//! Every attribute key and parameter attribute the macros understand, in one place.

/// An attribute key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Symbol(pub(crate) &'static str);

/// `match = "exact" | "prefix" | "wildcard"`.
pub(crate) const MATCH: Symbol = Symbol("match");
/// `invoke = "single" | "roundrobin" | "random" | "first" | "last"`.
pub(crate) const INVOKE: Symbol = Symbol("invoke");
/// `concurrency = N`.
pub(crate) const CONCURRENCY: Symbol = Symbol("concurrency");
/// `disclose_caller = true`.
pub(crate) const DISCLOSE_CALLER: Symbol = Symbol("disclose_caller");
/// `force_reregister = true`.
pub(crate) const FORCE_REREGISTER: Symbol = Symbol("force_reregister");
/// `component = "name"`.
pub(crate) const COMPONENT: Symbol = Symbol("component");
/// `errors = ["com.example.error.x", ...]`.
pub(crate) const ERRORS: Symbol = Symbol("errors");
/// `get_retained = true`.
pub(crate) const GET_RETAINED: Symbol = Symbol("get_retained");

/// Keys of `#[wamp::register]`.
pub(crate) const REGISTER_KEYS: &[Symbol] = &[
    MATCH,
    INVOKE,
    CONCURRENCY,
    DISCLOSE_CALLER,
    FORCE_REREGISTER,
    COMPONENT,
    ERRORS,
];
/// Keys of `#[wamp::subscribe]`.
pub(crate) const SUBSCRIBE_KEYS: &[Symbol] = &[MATCH, GET_RETAINED, COMPONENT];

/// `#[kwarg]`: a keyword-only parameter.
pub(crate) const KWARG: Symbol = Symbol("kwarg");
/// `#[kwargs]`: a parameter taking the whole keyword arguments.
pub(crate) const KWARGS: Symbol = Symbol("kwargs");

/// Match policies.
pub(crate) const MATCH_POLICIES: &[&str] = &["exact", "prefix", "wildcard"];
/// Invoke policies.
pub(crate) const INVOKE_POLICIES: &[&str] = &["single", "roundrobin", "random", "first", "last"];

/// The special parameter of a procedure taking its input in chunks.
pub(crate) const PROGRESSIVE_INPUT: &str = "ProgressiveInput";

/// Special parameter types, recognised by the last segment of their path.
pub(crate) const SPECIAL_TYPES: &[&str] = &[
    "CallDetails",
    "EventDetails",
    "State",
    "Session",
    "Progress",
    "ProgressiveInput",
    "CancellationToken",
];

impl PartialEq<Symbol> for syn::Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl std::fmt::Display for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
