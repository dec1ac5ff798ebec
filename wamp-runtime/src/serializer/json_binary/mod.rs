//! Serde adapters that give JSON the WAMP binary convention: binary data
//! (serde's `bytes`) travels as a string `"\0"` followed by base64 (standard
//! alphabet, padded).

mod de;
mod ser;
#[cfg(test)]
mod tests;
mod text;

pub(crate) use de::BinaryDeserializer;
pub(crate) use ser::BinarySerializer;
pub(crate) use text::{binary_from_text, binary_string};
