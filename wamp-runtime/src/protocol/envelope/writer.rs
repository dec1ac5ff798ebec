//! Writing the elements of one message: scalars, dicts and the payload, each
//! in the target format.

use std::marker::PhantomData;

use crate::protocol::dict_struct::DictStruct;
use crate::protocol::{EncodeError, Payload};
use crate::serializer::Format;

/// Writes the elements of one message.
pub(super) struct Writer<F: Format> {
    out: Vec<u8>,
    first: bool,
    _format: PhantomData<F>,
}

impl<F: Format> Writer<F> {
    pub(super) fn new(len: usize, capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        F::begin_list(&mut out, len);
        Writer {
            out,
            first: true,
            _format: PhantomData,
        }
    }

    pub(super) fn next(&mut self) -> &mut Vec<u8> {
        if !self.first {
            F::separator(&mut self.out);
        }
        self.first = false;
        &mut self.out
    }

    pub(super) fn u64(&mut self, n: u64) {
        F::write_u64(self.next(), n);
    }

    pub(super) fn str(&mut self, s: &str) {
        F::write_str(self.next(), s);
    }

    /// An Options/Details dict, written straight from its struct.
    pub(super) fn options<T: DictStruct>(&mut self, options: &T) -> Result<(), EncodeError> {
        if options.is_empty() {
            // The common case: no options, nothing to serialize.
            self.raw(F::EMPTY_DICT);
            Ok(())
        } else {
            F::encode_typed(self.next(), options).map_err(value_error::<F>)
        }
    }

    pub(super) fn raw(&mut self, bytes: &[u8]) {
        self.next().extend_from_slice(bytes);
    }

    pub(super) fn payload(&mut self, payload: &Payload) -> Result<(), EncodeError> {
        if let Some(bytes) = payload.transparent_bytes() {
            match payload.transparent_text() {
                Some(text) => F::write_str(self.next(), text),
                None => F::write_bin(self.next(), bytes),
            }
            return Ok(());
        }
        if payload.is_empty() {
            return Ok(());
        }
        let parts = payload
            .parts_in(F::KIND)
            .map_err(|e| EncodeError::Payload {
                serializer: F::KIND,
                reason: e.to_string(),
            })?;
        match (&parts.args, &parts.kwargs) {
            (Some(a), Some(k)) => {
                self.raw(a);
                self.raw(k);
            }
            (Some(a), None) => self.raw(a),
            (None, Some(k)) => {
                self.raw(F::EMPTY_LIST);
                self.raw(k);
            }
            (None, None) => {}
        }
        Ok(())
    }

    pub(super) fn finish(mut self) -> Vec<u8> {
        F::end_list(&mut self.out);
        self.out
    }
}

fn value_error<F: Format>(reason: String) -> EncodeError {
    EncodeError::Value {
        serializer: F::KIND,
        reason,
    }
}

/// How many elements the payload adds to a message.
pub(super) fn payload_len(payload: &Payload) -> usize {
    if payload.transparent_bytes().is_some() {
        1
    } else if payload.has_kwargs() {
        2
    } else if payload.has_args() {
        1
    } else {
        0
    }
}

pub(super) fn payload_size(payload: &Payload) -> usize {
    payload.encoded_len_hint()
}
