//! The type of an encoded element, read from its first bytes without decoding it.

/// The type of an encoded element, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniff {
    Int,
    Str,
    Bin,
    List,
    Dict,
    Bool,
    Null,
    Float,
    Other,
}

impl Sniff {
    /// The type for an error message, e.g. `a dict`.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Sniff::Int => "an integer",
            Sniff::Str => "a string",
            Sniff::Bin => "binary data",
            Sniff::List => "a list",
            Sniff::Dict => "a dict",
            Sniff::Bool => "a bool",
            Sniff::Null => "null",
            Sniff::Float => "a float",
            Sniff::Other => "an unsupported value",
        }
    }
}
