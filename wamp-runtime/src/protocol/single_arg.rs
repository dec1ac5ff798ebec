//! Reading the only element of a list in one pass: the element as `T`, or
//! how many elements there were when not exactly one.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, SeqAccess, Visitor};

/// The only element of a list as `T`, or `Err(n)` for a list of `n != 1` elements.
pub(crate) struct OnlyArg<T>(pub(crate) Result<T, usize>);

impl<'de, T: DeserializeOwned> serde::Deserialize<'de> for OnlyArg<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Only<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for Only<T> {
            type Value = OnlyArg<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OnlyArg<T>, A::Error> {
                let Some(first) = seq.next_element::<T>()? else {
                    return Ok(OnlyArg(Err(0)));
                };
                let mut rest = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    rest += 1;
                }
                Ok(OnlyArg(if rest == 0 { Ok(first) } else { Err(1 + rest) }))
            }
        }
        d.deserialize_seq(Only(PhantomData))
    }
}
