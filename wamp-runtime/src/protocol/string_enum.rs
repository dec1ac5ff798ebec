//! The `string_enum!` macro: an enum whose values travel as fixed strings
//! (`match`, `invoke`, `mode`), usable as a field type.

/// Declares a string enum usable as a field type.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $expected:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            /// The wire text of this value.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// Parses the wire text.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    <D::Error as serde::de::Error>::custom(format!("expected {}, found {:?}", $expected, text))
                })
            }
        }

        impl $crate::protocol::FieldType for $name {
            const EXPECTED: &'static str = $expected;
            fn read<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Result<Self, $crate::protocol::Value>, D::Error> {
                use $crate::protocol::field::{Found, read_scalar};
                Ok(match read_scalar(d)? {
                    Found::Str(text) => Self::parse(&text)
                        .ok_or_else(|| $crate::protocol::Value::String(text.into_owned())),
                    other => Err(other.into_value()),
                })
            }
        }
    };
}
pub(crate) use string_enum;
