//! The `Arguments` list and `ArgumentsKw` dict of a payload, encoded in one
//! serializer, each left out when empty.

use bytes::Bytes;

use crate::serializer::SerializerKind;
use crate::serializer::parts::{is_empty_dict, is_empty_list};

/// Encoded `Arguments` and `ArgumentsKw`, each `None` when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EncodedParts {
    /// The encoded non-empty list, if any.
    pub(crate) args: Option<Bytes>,
    /// The encoded non-empty dict, if any.
    pub(crate) kwargs: Option<Bytes>,
}

impl EncodedParts {
    /// Parts encoded in `serializer`; empty lists and dicts are dropped, so
    /// that they are omitted on the wire.
    pub(crate) fn new(
        serializer: SerializerKind,
        args: Option<Bytes>,
        kwargs: Option<Bytes>,
    ) -> Self {
        EncodedParts {
            args: args.filter(|a| !is_empty_list(serializer, a)),
            kwargs: kwargs.filter(|k| !is_empty_dict(serializer, k)),
        }
    }

    /// Whether both parts are absent.
    pub(crate) fn is_empty(&self) -> bool {
        self.args.is_none() && self.kwargs.is_none()
    }

    /// How many bytes the parts take.
    pub(crate) fn len(&self) -> usize {
        self.args.as_ref().map_or(0, Bytes::len) + self.kwargs.as_ref().map_or(0, Bytes::len)
    }
}
