//! The arguments of a typed call or publication, converted to values as they
//! are given; the first failure is kept and reported when the request is sent.

use serde::Serialize;

use crate::client::error::Error;
use crate::protocol::{Payload, Value};
use crate::serializer::Dict;

/// Positional slots (a missing optional one is sent as `null` when a later
/// one is set, left out when it is trailing) and keyword arguments.
#[derive(Debug, Default)]
pub(crate) struct ArgSlots {
    args: Vec<Option<Value>>,
    kwargs: Dict,
    error: Option<Error>,
}

impl ArgSlots {
    /// Slots for `positional` positional parameters.
    pub(crate) fn new(positional: usize) -> Self {
        ArgSlots {
            args: vec![None; positional],
            ..ArgSlots::default()
        }
    }

    fn value<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Option<Value> {
        match Value::from_serialize(value) {
            Ok(v) => Some(v),
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(Error::invalid_argument(format!(
                        "argument {name} cannot be encoded: {}",
                        e.0
                    )));
                }
                None
            }
        }
    }

    /// Sets positional argument `index`.
    pub(crate) fn arg<T: Serialize + ?Sized>(&mut self, index: usize, name: &str, value: &T) {
        let v = self.value(name, value);
        if let Some(slot) = self.args.get_mut(index) {
            *slot = v;
        }
    }

    /// Sets keyword argument `name`.
    pub(crate) fn kwarg<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        if let Some(v) = self.value(name, value) {
            self.kwargs.insert(name.to_owned(), v);
        }
    }

    /// Sets the whole keyword arguments from a value serializing as a dict
    /// (`null`, as a `None`, sends none).
    pub(crate) fn kwargs<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        match self.value(name, value) {
            Some(Value::Dict(dict)) => self.kwargs.extend(dict),
            Some(Value::Null) | None => {}
            Some(_) => {
                if self.error.is_none() {
                    self.error = Some(Error::invalid_argument(format!(
                        "argument {name} takes the keyword arguments: it must serialize as a dict"
                    )));
                }
            }
        }
    }

    /// Records an error reported when the request is sent.
    pub(crate) fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// The payload, or the first error.
    pub(crate) fn into_payload(self) -> Result<Payload, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut args = self.args;
        while matches!(args.last(), Some(None)) {
            args.pop();
        }
        let args = args.into_iter().map(|v| v.unwrap_or(Value::Null)).collect();
        Ok(Payload::from_values(args, self.kwargs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_optional_slots_are_null_before_a_set_one_and_left_out_at_the_end() {
        let mut slots = ArgSlots::new(4);
        slots.arg(0, "a", &1);
        slots.arg(2, "c", &"x");
        slots.kwarg("k", &true);
        let payload = slots.into_payload().unwrap();
        let args: Vec<Value> = payload.args().unwrap();
        assert_eq!(
            args,
            vec![Value::UInt(1), Value::Null, Value::String("x".into())]
        );
        let kwargs: Dict = payload.kwargs().unwrap();
        assert_eq!(kwargs.get("k"), Some(&Value::Bool(true)));
    }

    #[test]
    fn kwargs_must_be_a_dict_and_the_first_error_is_reported() {
        let mut slots = ArgSlots::new(0);
        slots.kwargs("opts", &[1, 2]);
        slots.fail(Error::new("com.later"));
        let e = slots.into_payload().unwrap_err();
        assert!(e.to_string().contains("opts"), "{e}");
        let mut none = ArgSlots::new(1);
        none.kwargs("opts", &Option::<Dict>::None);
        assert!(none.into_payload().unwrap().is_empty());
    }
}
