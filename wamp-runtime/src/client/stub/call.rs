//! [`CallStub`]: the state of a typed call being configured, kept by the
//! type `#[wamp::register]` generates, and the decoding of its result.

use std::time::Duration;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::decode::Decode;
use super::input::TypedInputCall;
use super::pattern;
use super::progressive::ProgressiveCall;
use super::slots::ArgSlots;
use crate::client::error::Error;
use crate::client::options::{CallOptions, MatchPolicy};
use crate::client::session::Session;

/// What awaiting a typed call gives: its decoded result or the error.
pub type StubFuture<R> = BoxFuture<'static, Result<R, Error>>;

/// A typed call being configured: the session, the procedure, the arguments
/// given so far (as values) and the call options. Arguments that cannot be
/// encoded and a concrete URI that does not match the pattern are reported
/// when the call is awaited.
#[derive(Debug)]
pub struct CallStub {
    session: Session,
    procedure: String,
    slots: ArgSlots,
    options: CallOptions,
}

impl CallStub {
    /// A call of the procedure `uri` with `positional` positional parameters.
    pub fn new(session: &Session, uri: &str, positional: usize) -> Self {
        CallStub {
            session: session.clone(),
            procedure: uri.to_owned(),
            slots: ArgSlots::new(positional),
            options: CallOptions::default(),
        }
    }

    /// A call of `uri`, a concrete URI that must match `pattern` under `policy`
    /// (a prefix or wildcard registration).
    pub fn matching(
        session: &Session,
        pattern: &str,
        policy: MatchPolicy,
        uri: &str,
        positional: usize,
    ) -> Self {
        let mut stub = CallStub::new(session, uri, positional);
        if let Err(e) = pattern::check(pattern, policy, uri) {
            stub.slots.fail(e);
        }
        stub
    }

    /// Sets positional argument `index` (parameter `name`).
    pub fn arg<T: Serialize + ?Sized>(&mut self, index: usize, name: &str, value: &T) {
        self.slots.arg(index, name, value);
    }

    /// Sets keyword argument `name`.
    pub fn kwarg<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        self.slots.kwarg(name, value);
    }

    /// Sets all keyword arguments from a value serializing as a dict.
    pub fn kwargs<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        self.slots.kwargs(name, value);
    }

    /// Sets the timeout (router-side, and local deadline).
    pub fn timeout(&mut self, timeout: Duration) {
        self.options.timeout = Some(timeout);
    }

    /// Asks the router to disclose this caller.
    pub fn disclose_me(&mut self) {
        self.options.disclose_me = true;
    }

    /// Sets all call options.
    pub fn options(&mut self, options: CallOptions) {
        self.options = options;
    }

    /// Sends the call when awaited; `decode` reads the final result.
    pub fn finish<R: Send + 'static>(self, decode: Decode<R>) -> StubFuture<R> {
        let CallStub {
            session,
            procedure,
            slots,
            options,
        } = self;
        async move {
            let payload = slots.into_payload()?;
            let result = session
                .call_payload(&procedure, payload)
                .options(options)
                .await?;
            decode(&procedure, result)
        }
        .boxed()
    }

    /// Sends the call asking for progressive results: a stream of the
    /// progress items (`P`) and the final result (`decode`).
    pub fn progressive_results<P: DeserializeOwned, R>(
        self,
        decode: Decode<R>,
    ) -> ProgressiveCall<P, R> {
        let CallStub {
            session,
            procedure,
            slots,
            options,
        } = self;
        let uri = procedure.clone();
        let start = async move {
            let payload = slots.into_payload()?;
            session
                .call_payload(&uri, payload)
                .options(options)
                .progressive()
                .await
        }
        .boxed();
        ProgressiveCall::new(start, procedure, decode)
    }

    /// Sends the call as the first chunk of a progressive call invocation
    /// (the procedure takes `ProgressiveInput<T>`); more chunks follow on
    /// the returned [`TypedInputCall`].
    pub fn start_input<T: Serialize, R: Send + 'static>(
        self,
        decode: Decode<R>,
    ) -> StubFuture<TypedInputCall<T, R>> {
        let CallStub {
            session,
            procedure,
            slots,
            options,
        } = self;
        async move {
            let payload = slots.into_payload()?;
            let inner = session
                .call_payload(&procedure, payload)
                .options(options)
                .start_input()
                .await?;
            Ok(TypedInputCall::new(inner, procedure, decode))
        }
        .boxed()
    }
}
