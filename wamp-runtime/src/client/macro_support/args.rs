//! Binding the arguments of a call or event to a handler's parameters.
//!
//! Positional arguments of a payload received in JSON or MessagePack are read
//! in order straight from the list ([`Cursor`]), and its keyword arguments
//! found by name in one scan ([`keywords::scan`]); anything else (and any
//! failure, for its message) goes through the split of the list and the dict
//! into element slices. Each element is decoded once, without path tracking; error
//! messages (with the serde path of the bad value) are built only on failure.

use std::fmt;

use serde::de::DeserializeOwned;

use crate::client::error::Error;
use crate::client::session::{EventContext, InvocationContext};
use crate::protocol::Payload;
use crate::serializer::{SerializerKind, parts};

use super::cursor::{Cursor, Next};
use super::keywords::{self, Found, MAX_NAMES};

/// Binds the arguments of one call or event to the parameters of a handler:
/// positional elements by index, keyword entries by name, each decoded
/// straight from its bytes. Every failure is logged (warning) and turned into
/// `wamp.error.invalid_argument` naming the parameter.
pub struct Args<'a> {
    payload: &'a Payload,
    what: &'static str,
    uri: &'a str,
    /// Reads the positional arguments in order; `None` once they are split.
    cursor: Option<Cursor<'a>>,
    /// The positional arguments, split (when there is no cursor).
    positional: Vec<&'a [u8]>,
    /// The parameters taken by name (positional and keyword), in order.
    names: &'a [&'a str],
    /// The keyword arguments by name (index in `names`), when scanned;
    /// otherwise they are split into `keywords`.
    found: Option<Found<'a>>,
    /// Entries of `found` not taken yet.
    found_left: usize,
    /// Each keyword and its value's bytes; a taken entry's bytes are emptied
    /// (an encoded value is never empty).
    keywords: Vec<(String, &'a [u8])>,
}

/// Which parameter a message is about: built into text only on failure.
enum Param {
    Positional(usize, &'static str),
    Keyword(&'static str),
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Positional(index, name) => write!(f, "argument {index} ({name})"),
            Param::Keyword(name) => write!(f, "keyword argument {name}"),
        }
    }
}

impl<'a> Args<'a> {
    /// The arguments of a call to a handler whose parameters taken by name
    /// (positional and keyword) are `names`, in order.
    #[inline]
    pub fn call(inv: &'a InvocationContext, names: &'a [&'a str]) -> Result<Self, Error> {
        Self::new(&inv.payload, "procedure", &inv.details.procedure, names)
    }

    /// The arguments of an event (see [`Args::call`]).
    #[inline]
    pub fn event(ev: &'a EventContext, names: &'a [&'a str]) -> Result<Self, Error> {
        Self::new(&ev.payload, "topic", &ev.details.topic, names)
    }

    #[inline]
    fn new(
        payload: &'a Payload,
        what: &'static str,
        uri: &'a str,
        names: &'a [&'a str],
    ) -> Result<Self, Error> {
        let mut args = Args {
            payload,
            what,
            uri,
            cursor: Cursor::new(payload),
            positional: Vec::new(),
            names,
            found: keywords::scan(payload, names),
            found_left: 0,
            keywords: Vec::new(),
        };
        if args.cursor.is_none() {
            args.split()?;
        }
        if let Some(found) = &args.found {
            args.found_left = found.iter().filter(|v| v.is_some()).count();
            return Ok(args);
        }
        match payload.kwarg_entries() {
            Ok(k) => args.keywords = k,
            Err(e) => {
                // The positional arguments' error comes first, as it would split.
                args.split()?;
                return Err(args.reject(e.to_string()));
            }
        }
        Ok(args)
    }

    /// Leaves the cursor for the split of the positional arguments.
    fn split(&mut self) -> Result<(), Error> {
        self.cursor = None;
        match self.payload.arg_elements() {
            Ok(p) => {
                self.positional = p;
                Ok(())
            }
            Err(e) => Err(self.reject(e.to_string())),
        }
    }

    fn reject(&self, message: String) -> Error {
        let message = format!("{}: {message}", self.uri);
        tracing::warn!(
            target: "wamp::args",
            kind = self.what,
            uri = %self.uri,
            "{message}; the handler was not run"
        );
        Error::invalid_argument(message)
    }

    /// Decodes one element: straight into `T`; on failure, once more with
    /// path tracking, for the message.
    fn decode<T: DeserializeOwned>(
        &self,
        bytes: &[u8],
        param: Param,
        ty: &str,
    ) -> Result<T, Error> {
        // Local values are read as CBOR, as `Payload::decode_element` does.
        let serializer = self.payload.serializer().unwrap_or(SerializerKind::Cbor);
        if let Ok(value) = parts::decode_part(serializer, "args", bytes) {
            return Ok(value);
        }
        self.payload.decode_element(bytes).map_err(|e| {
            self.reject(format!(
                "{param} must be {ty}: {} (at path {})",
                e.message, e.path
            ))
        })
    }

    fn missing<T: DeserializeOwned>(&self, optional: bool, param: Param) -> Result<T, Error> {
        if optional
            && let Ok(v) =
                T::deserialize(serde::de::value::UnitDeserializer::<serde::de::value::Error>::new())
        {
            return Ok(v);
        }
        Err(self.reject(format!("missing {param}")))
    }

    fn take_keyword(&mut self, name: &str) -> Option<&'a [u8]> {
        if let Some(found) = &mut self.found {
            if self.found_left == 0 {
                return None;
            }
            // Every key scanned is one of `names`.
            let i = self.names.iter().position(|n| *n == name)?;
            let value = found[i].take();
            self.found_left -= usize::from(value.is_some());
            return value;
        }
        let entry = self
            .keywords
            .iter_mut()
            .find(|(k, bytes)| !bytes.is_empty() && k == name)?;
        Some(std::mem::take(&mut entry.1))
    }

    /// A parameter filled from `args[index]`, or else by name from `kwargs`;
    /// when `optional` (an `Option`), it may be missing.
    pub fn arg<T: DeserializeOwned>(
        &mut self,
        index: usize,
        name: &'static str,
        ty: &'static str,
        optional: bool,
    ) -> Result<T, Error> {
        let param = Param::Positional(index, name);
        let by_name = self.take_keyword(name);
        if by_name.is_none()
            && let Some(cursor) = &mut self.cursor
            && cursor.index() == index
        {
            match cursor.next::<T>() {
                Next::Value(value) => return Ok(value),
                Next::End => return self.missing(optional, param),
                Next::Fail => {}
            }
        }
        if self.cursor.is_some() {
            self.split()?;
        }
        match (self.positional.get(index), by_name) {
            (Some(_), Some(_)) => {
                Err(self.reject(format!("{param} is given both by position and by keyword")))
            }
            (Some(bytes), None) => self.decode(bytes, param, ty),
            (None, Some(bytes)) => self.decode(bytes, param, ty),
            (None, None) => self.missing(optional, param),
        }
    }

    /// A keyword-only parameter (`#[kwarg]`), filled by name from `kwargs`.
    pub fn keyword<T: DeserializeOwned>(
        &mut self,
        name: &'static str,
        ty: &'static str,
        optional: bool,
    ) -> Result<T, Error> {
        let param = Param::Keyword(name);
        match self.take_keyword(name) {
            Some(bytes) => self.decode(bytes, param, ty),
            None => self.missing(optional, param),
        }
    }

    /// A parameter taking the whole `kwargs` dict (`#[kwargs]`); a missing dict reads as empty.
    pub fn kwargs<T: DeserializeOwned>(&mut self, ty: &'static str) -> Result<T, Error> {
        for entry in &mut self.keywords {
            entry.1 = &[];
        }
        if let Some(found) = &mut self.found {
            *found = [None; MAX_NAMES];
            self.found_left = 0;
        }
        self.payload.decode_kwargs().map_err(|e| {
            self.reject(format!(
                "keyword arguments must be {ty}: {} (at path {})",
                e.message, e.path
            ))
        })
    }

    /// Rejects positional arguments beyond the `positional` parameters and
    /// keyword arguments no parameter took.
    pub fn finish(mut self, positional: usize) -> Result<(), Error> {
        if self.cursor.as_ref().is_some_and(|c| !c.ended()) {
            // Elements no parameter read: count them.
            self.split()?;
        }
        // With the cursor at the end, every element went to a parameter.
        if self.cursor.is_none() && self.positional.len() > positional {
            return Err(self.reject(format!(
                "too many arguments: expected at most {positional}, got {}",
                self.positional.len()
            )));
        }
        let scanned = self
            .found
            .as_ref()
            .filter(|_| self.found_left > 0)
            .and_then(|found| {
                let i = found.iter().position(Option::is_some)?;
                self.names.get(i).copied()
            });
        let split = self
            .keywords
            .iter()
            .find(|(_, bytes)| !bytes.is_empty())
            .map(|(key, _)| key.as_str());
        if let Some(key) = scanned.or(split) {
            let names = self.names;
            let expected = if names.is_empty() {
                "it takes no keyword arguments".to_string()
            } else {
                format!("expected one of: {}", names.join(", "))
            };
            return Err(self.reject(format!("unexpected keyword argument {key} ({expected})")));
        }
        Ok(())
    }
}
