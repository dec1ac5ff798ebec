//! The JSON side of WAMP binary support: a binary value travels as a string
//! `"\0"` followed by its base64 (standard alphabet, padded).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The string that stands for `bytes` in JSON: `"\0"` + base64.
pub(crate) fn binary_string(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(1 + bytes.len().div_ceil(3) * 4);
    text.push('\0');
    STANDARD.encode_string(bytes, &mut text);
    text
}

/// The bytes a `"\0"` + base64 string stands for, if it is one.
pub(crate) fn binary_from_text(text: &[u8]) -> Option<Vec<u8>> {
    STANDARD.decode(text.strip_prefix(b"\0")?).ok()
}
