//! Binding the arguments of a call or event to a handler's parameters.

use serde::de::DeserializeOwned;

use crate::client::error::Error;
use crate::client::session::{EventContext, Invocation};
use crate::protocol::Payload;

/// Binds the arguments of one call or event to the parameters of a handler:
/// positional elements by index, keyword entries by name, each decoded
/// straight from its bytes. Every failure is logged (warning) and turned into
/// `wamp.error.invalid_argument` naming the parameter.
pub struct Args<'a> {
    payload: &'a Payload,
    what: &'static str,
    uri: &'a str,
    positional: Vec<&'a [u8]>,
    keywords: Vec<(String, &'a [u8], bool)>,
    names: Vec<&'static str>,
}

impl<'a> Args<'a> {
    /// The arguments of a call.
    pub fn call(inv: &'a Invocation) -> Result<Self, Error> {
        Self::new(&inv.payload, "procedure", &inv.details.procedure)
    }

    /// The arguments of an event.
    pub fn event(ev: &'a EventContext) -> Result<Self, Error> {
        Self::new(&ev.payload, "topic", &ev.details.topic)
    }

    fn new(payload: &'a Payload, what: &'static str, uri: &'a str) -> Result<Self, Error> {
        let mut args = Args {
            payload,
            what,
            uri,
            positional: Vec::new(),
            keywords: Vec::new(),
            names: Vec::new(),
        };
        match payload.arg_elements() {
            Ok(p) => args.positional = p,
            Err(e) => return Err(args.reject(e.to_string())),
        }
        match payload.kwarg_entries() {
            Ok(k) => args.keywords = k.into_iter().map(|(k, v)| (k, v, false)).collect(),
            Err(e) => return Err(args.reject(e.to_string())),
        }
        Ok(args)
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

    fn decode<T: DeserializeOwned>(
        &self,
        bytes: &[u8],
        what: String,
        ty: &str,
    ) -> Result<T, Error> {
        self.payload.decode_element(bytes).map_err(|e| {
            self.reject(format!(
                "{what} must be {ty}: {} (at path {})",
                e.message, e.path
            ))
        })
    }

    fn missing<T: DeserializeOwned>(&self, optional: bool, what: String) -> Result<T, Error> {
        if optional
            && let Ok(v) =
                T::deserialize(serde::de::value::UnitDeserializer::<serde::de::value::Error>::new())
        {
            return Ok(v);
        }
        Err(self.reject(format!("missing {what}")))
    }

    fn take_keyword(&mut self, name: &str) -> Option<&'a [u8]> {
        let entry = self
            .keywords
            .iter_mut()
            .find(|(k, _, used)| !used && k == name)?;
        entry.2 = true;
        Some(entry.1)
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
        self.names.push(name);
        let what = format!("argument {index} ({name})");
        let by_name = self.take_keyword(name);
        match (self.positional.get(index), by_name) {
            (Some(_), Some(_)) => {
                Err(self.reject(format!("{what} is given both by position and by keyword")))
            }
            (Some(bytes), None) => self.decode(bytes, what, ty),
            (None, Some(bytes)) => self.decode(bytes, what, ty),
            (None, None) => self.missing(optional, what),
        }
    }

    /// A keyword-only parameter (`#[kwarg]`), filled by name from `kwargs`.
    pub fn keyword<T: DeserializeOwned>(
        &mut self,
        name: &'static str,
        ty: &'static str,
        optional: bool,
    ) -> Result<T, Error> {
        self.names.push(name);
        let what = format!("keyword argument {name}");
        match self.take_keyword(name) {
            Some(bytes) => self.decode(bytes, what, ty),
            None => self.missing(optional, what),
        }
    }

    /// A parameter taking the whole `kwargs` dict (`#[kwargs]`); a missing dict reads as empty.
    pub fn kwargs<T: DeserializeOwned>(&mut self, ty: &'static str) -> Result<T, Error> {
        for entry in &mut self.keywords {
            entry.2 = true;
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
    pub fn finish(self, positional: usize) -> Result<(), Error> {
        if self.positional.len() > positional {
            return Err(self.reject(format!(
                "too many arguments: expected at most {positional}, got {}",
                self.positional.len()
            )));
        }
        if let Some((key, _, _)) = self.keywords.iter().find(|(_, _, used)| !used) {
            let expected = if self.names.is_empty() {
                "it takes no keyword arguments".to_string()
            } else {
                format!("expected one of: {}", self.names.join(", "))
            };
            return Err(self.reject(format!("unexpected keyword argument {key} ({expected})")));
        }
        Ok(())
    }
}
