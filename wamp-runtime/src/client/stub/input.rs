//! [`TypedInputCall`]: a typed progressive call invocation, the caller of a
//! procedure taking `ProgressiveInput<T>`: chunks of type `T`, then the
//! decoded result.

use std::marker::PhantomData;

use serde::Serialize;

use super::decode::Decode;
use crate::client::error::Error;
use crate::client::session::InputCall as RawInputCall;

/// A typed progressive call invocation under way, from `.start_input()` on
/// the generated caller of a procedure taking `ProgressiveInput<T>`: its
/// first chunk is sent, [`send`](TypedInputCall::send) sends more, and
/// [`finish`](TypedInputCall::finish) the last one and waits for the result.
/// Dropping it before `finish` cancels the call.
#[must_use = "a progressive call is canceled when dropped before `finish`"]
pub struct TypedInputCall<T, R> {
    inner: RawInputCall,
    procedure: String,
    decode: Decode<R>,
    _chunk: PhantomData<fn(&T)>,
}

impl<T, R> std::fmt::Debug for TypedInputCall<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedInputCall")
            .field("procedure", &self.procedure)
            .field("inner", &self.inner)
            .finish()
    }
}

impl<T: Serialize, R> TypedInputCall<T, R> {
    pub(crate) fn new(inner: RawInputCall, procedure: String, decode: Decode<R>) -> Self {
        TypedInputCall {
            inner,
            procedure,
            decode,
            _chunk: PhantomData,
        }
    }

    /// Sends a further chunk.
    pub async fn send(&mut self, chunk: &T) -> Result<(), Error> {
        self.inner.send(&[chunk]).await
    }

    /// Sends the final chunk and waits for the result.
    pub async fn finish(self, last: &T) -> Result<R, Error> {
        let result = self.inner.finish(&[last]).await?;
        (self.decode)(&self.procedure, result)
    }
}
