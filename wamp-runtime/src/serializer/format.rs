//! The low-level operations each wire format provides: splitting a frame into
//! elements, reading and writing scalars, and serde for whole values.

use std::borrow::Cow;
use std::ops::Range;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::PathError;
use super::kind::SerializerKind;
use super::sniff::Sniff;

/// What one wire format must do for the envelope codec.
pub(crate) trait Format {
    const KIND: SerializerKind;
    /// An encoded empty dict.
    const EMPTY_DICT: &'static [u8];
    /// An encoded empty list.
    const EMPTY_LIST: &'static [u8];

    /// Splits a frame holding one list into the byte ranges of its elements.
    /// `Err(None)` when the frame is valid but not a list.
    fn split(frame: &[u8]) -> Result<Vec<Range<usize>>, Option<String>>;
    /// Splits one encoded dict into its entries: each key (which must be a
    /// string) and the byte range of its value, in wire order.
    fn split_dict(dict: &[u8]) -> Result<Vec<(String, Range<usize>)>, String>;
    /// Decodes one element into a user type with the typed decoding rules
    /// (see `coerce`), tracking the serde path of the value that failed.
    fn decode_path<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PathError>;
    /// The type of an element.
    fn sniff(elem: &[u8]) -> Sniff;
    /// An unsigned integer element.
    fn read_u64(elem: &[u8]) -> Option<u64>;
    /// A string element.
    fn read_str(elem: &[u8]) -> Option<Cow<'_, str>>;
    /// A binary element (in JSON: a `"\0"`+base64 string).
    fn read_bin(elem: &[u8]) -> Option<Vec<u8>>;

    /// Starts a list of `len` elements.
    fn begin_list(out: &mut Vec<u8>, len: usize);
    /// Called before every element but the first.
    fn separator(out: &mut Vec<u8>);
    /// Ends a list.
    fn end_list(out: &mut Vec<u8>);
    /// Writes an unsigned integer.
    fn write_u64(out: &mut Vec<u8>, n: u64);
    /// Writes a string.
    fn write_str(out: &mut Vec<u8>, s: &str);
    /// Writes binary data.
    fn write_bin(out: &mut Vec<u8>, b: &[u8]);

    /// Encodes a user value.
    fn encode_typed<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> Result<(), String>;
    /// Decodes a value as the format reads it (envelope fields, transcoding).
    fn decode_typed<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String>;
    /// Decodes a user value with the typed decoding rules (see `coerce`),
    /// the same in every format.
    fn decode_coerced<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String>;
}
