//! Arguments built in this process before the serializer that will carry them
//! is known (a handler's result, an error, a router's meta event): kept as
//! values, and encoded once in each serializer they are sent in, straight
//! from the values, the first time.

use std::sync::OnceLock;

use super::encoded_parts::EncodedParts;
use crate::serializer::parts::encode_part;
use crate::serializer::{Dict, PayloadError, SerializerKind, Value};

/// Positional and keyword arguments as values, with their encodings so far.
#[derive(Debug)]
pub(crate) struct LocalArgs {
    /// `Value::List`.
    args: Value,
    /// `Value::Dict`.
    kwargs: Value,
    /// The encoding in each serializer, made when first asked for.
    encoded: [OnceLock<Result<EncodedParts, PayloadError>>; 3],
}

fn slot(kind: SerializerKind) -> usize {
    match kind {
        SerializerKind::Json => 0,
        SerializerKind::MsgPack => 1,
        SerializerKind::Cbor => 2,
    }
}

impl LocalArgs {
    /// Arguments from values.
    pub(crate) fn new(args: Vec<Value>, kwargs: Dict) -> Self {
        LocalArgs {
            args: Value::List(args),
            kwargs: Value::Dict(kwargs),
            encoded: Default::default(),
        }
    }

    /// The positional arguments, `Value::List`.
    pub(crate) fn args(&self) -> &Value {
        &self.args
    }

    /// The keyword arguments, `Value::Dict`.
    pub(crate) fn kwargs(&self) -> &Value {
        &self.kwargs
    }

    /// The positional arguments as a slice.
    pub(crate) fn arg_list(&self) -> &[Value] {
        self.args.as_list().unwrap_or_default()
    }

    /// The keyword arguments as a dict.
    pub(crate) fn kwarg_dict(&self) -> Option<&Dict> {
        self.kwargs.as_dict()
    }

    /// The arguments encoded in `kind`: encoded straight from the values the
    /// first time, then shared by every message that carries them.
    pub(crate) fn encoded(&self, kind: SerializerKind) -> Result<&EncodedParts, PayloadError> {
        self.encoded[slot(kind)]
            .get_or_init(|| self.encode(kind))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn encode(&self, kind: SerializerKind) -> Result<EncodedParts, PayloadError> {
        let args = match self.arg_list() {
            [] => None,
            _ => Some(encode_part(kind, "args", &self.args)?),
        };
        let kwargs = match self.kwarg_dict() {
            Some(d) if !d.is_empty() => Some(encode_part(kind, "kwargs", &self.kwargs)?),
            _ => None,
        };
        Ok(EncodedParts::new(kind, args, kwargs))
    }
}
