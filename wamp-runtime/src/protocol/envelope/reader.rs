//! Reading the elements of one message: typed IDs, strings, URIs, dicts and
//! the payload, each failure a precise [`ProtocolError`].

use std::borrow::Cow;
use std::marker::PhantomData;
use std::ops::Range;

use bytes::Bytes;

use crate::protocol::dict_struct::{Checked, DictStruct};
use crate::protocol::id::is_valid_id;
use crate::protocol::uri::{UriKind, UriRule, is_valid_uri};
use crate::protocol::{Id, Payload, ProtocolError, Uri};
use crate::serializer::parts::is_empty_dict;
use crate::serializer::{Format, Sniff};

/// Reads the elements of one message.
pub(super) struct Reader<F: Format> {
    pub(super) frame: Bytes,
    pub(super) ranges: Vec<Range<usize>>,
    pub(super) name: &'static str,
    pub(super) _format: PhantomData<F>,
}

impl<F: Format> Reader<F> {
    pub(super) fn elem(&self, i: usize) -> &[u8] {
        &self.frame[self.ranges[i].clone()]
    }

    pub(super) fn len(&self) -> usize {
        self.ranges.len()
    }

    pub(super) fn expect_len(
        &self,
        min: usize,
        max: usize,
        expected: &'static str,
    ) -> Result<(), ProtocolError> {
        if (min..=max).contains(&self.len()) {
            Ok(())
        } else {
            Err(ProtocolError::WrongLength {
                message: self.name,
                len: self.len(),
                expected,
            })
        }
    }

    pub(super) fn wrong_type(
        &self,
        i: usize,
        field: &'static str,
        expected: &'static str,
    ) -> ProtocolError {
        ProtocolError::WrongType {
            message: self.name,
            field,
            expected,
            found: F::sniff(self.elem(i)).describe().to_owned(),
        }
    }

    pub(super) fn id(&self, i: usize, field: &'static str) -> Result<Id, ProtocolError> {
        let n = F::read_u64(self.elem(i))
            .ok_or_else(|| self.wrong_type(i, field, "an ID (non-negative integer)"))?;
        if !is_valid_id(n) {
            return Err(ProtocolError::IdOutOfRange {
                message: self.name,
                field,
                value: n,
            });
        }
        Ok(n)
    }

    pub(super) fn string(&self, i: usize, field: &'static str) -> Result<String, ProtocolError> {
        self.str(i, field).map(Cow::into_owned)
    }

    /// A string element, borrowed from the frame where the format allows.
    fn str(&self, i: usize, field: &'static str) -> Result<Cow<'_, str>, ProtocolError> {
        F::read_str(self.elem(i)).ok_or_else(|| self.wrong_type(i, field, "a string"))
    }

    pub(super) fn uri(
        &self,
        i: usize,
        field: &'static str,
        kind: UriKind,
    ) -> Result<Uri, ProtocolError> {
        let text = self.str(i, field)?;
        if !is_valid_uri(&text, UriRule::Loose, kind) {
            return Err(ProtocolError::InvalidUri {
                message: self.name,
                field,
                uri: text.into_owned(),
            });
        }
        Ok(Uri::from_trusted(text))
    }

    /// An Options/Details dict, read straight into its struct.
    pub(super) fn options<T: DictStruct>(
        &self,
        i: usize,
        field: &'static str,
    ) -> Result<T, ProtocolError> {
        let elem = self.elem(i);
        if F::sniff(elem) != Sniff::Dict {
            return Err(self.wrong_type(i, field, "a dict"));
        }
        // Most Options and Details are empty: nothing to read.
        if is_empty_dict(F::KIND, elem) {
            return Ok(T::default());
        }
        match F::decode_typed::<Checked<T>>(elem) {
            Ok(Checked(Ok(options))) => Ok(options),
            Ok(Checked(Err(bad))) => Err(bad.into_error(self.name, field)),
            Err(reason) => Err(ProtocolError::WrongType {
                message: self.name,
                field,
                expected: "a dict with string keys",
                found: reason,
            }),
        }
    }

    /// The payload elements from index `start` on: `Arguments` and
    /// `ArgumentsKw`, or one string or binary element, a transparent payload
    /// (end-to-end encrypted, `enc_algo`) as Autobahn and Crossbar send it.
    pub(super) fn payload(&self, start: usize) -> Result<Payload, ProtocolError> {
        if self.len() == start + 1 {
            match F::sniff(self.elem(start)) {
                Sniff::Bin | Sniff::Str => {
                    if let Some(bytes) = F::read_bin(self.elem(start)) {
                        return Ok(Payload::transparent(bytes));
                    }
                    if let Some(text) = F::read_str(self.elem(start)) {
                        return Ok(Payload::transparent_string(text.into_owned()));
                    }
                    return Err(self.wrong_type(
                        start,
                        "Payload",
                        "a list, a string or binary data",
                    ));
                }
                _ => {}
            }
        }
        let args = if self.len() > start {
            if F::sniff(self.elem(start)) != Sniff::List {
                return Err(self.wrong_type(start, "Arguments", "a list"));
            }
            Some(self.frame.slice(self.ranges[start].clone()))
        } else {
            None
        };
        let kwargs = if self.len() > start + 1 {
            if F::sniff(self.elem(start + 1)) != Sniff::Dict {
                return Err(self.wrong_type(start + 1, "ArgumentsKw", "a dict"));
            }
            Some(self.frame.slice(self.ranges[start + 1].clone()))
        } else {
            None
        };
        Ok(Payload::from_raw(F::KIND, args, kwargs))
    }

    pub(super) fn invalid(&self, reason: impl Into<String>) -> ProtocolError {
        ProtocolError::Invalid {
            message: self.name,
            reason: reason.into(),
        }
    }
}
