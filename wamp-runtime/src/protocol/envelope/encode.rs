//! Encoding one message into a frame. Trailing empty `Arguments`/`ArgumentsKw`
//! are omitted.

use super::writer::{Writer, payload_len, payload_size};
use crate::protocol::*;
use crate::serializer::Format;

/// Encodes one message. Trailing empty `Arguments`/`ArgumentsKw` are omitted.
pub(super) fn encode<F: Format>(msg: &Message) -> Result<Vec<u8>, EncodeError> {
    let code = msg.message_type().code();
    let (base, capacity) = match msg.payload() {
        Some(p) => (payload_len(p), 64 + payload_size(p)),
        None => (0, 64),
    };
    let w = |len: usize| -> Writer<F> {
        let mut w = Writer::<F>::new(len, capacity);
        w.u64(code);
        w
    };
    let out = match msg {
        Message::Hello(m) => {
            let mut w = w(3);
            w.str(&m.realm);
            w.options(&m.details)?;
            w
        }
        Message::Welcome(m) => {
            let mut w = w(3);
            w.u64(m.session);
            w.options(&m.details)?;
            w
        }
        Message::Abort(m) => {
            let mut w = w(3 + base);
            w.options(&m.details)?;
            w.str(&m.reason);
            w.payload(&m.payload)?;
            w
        }
        Message::Challenge(m) => {
            let mut w = w(3);
            w.str(&m.authmethod);
            w.options(&m.extra)?;
            w
        }
        Message::Authenticate(m) => {
            let mut w = w(3);
            w.str(&m.signature);
            w.options(&m.extra)?;
            w
        }
        Message::Goodbye(m) => {
            let mut w = w(3);
            w.options(&m.details)?;
            w.str(&m.reason);
            w
        }
        Message::Error(m) => {
            let mut w = w(5 + base);
            w.u64(m.request_type.code());
            w.u64(m.request);
            w.options(&m.details)?;
            w.str(&m.error);
            w.payload(&m.payload)?;
            w
        }
        Message::Publish(m) => {
            let mut w = w(4 + base);
            w.u64(m.request);
            w.options(&m.options)?;
            w.str(&m.topic);
            w.payload(&m.payload)?;
            w
        }
        Message::Published(m) => {
            let mut w = w(3);
            w.u64(m.request);
            w.u64(m.publication);
            w
        }
        Message::Subscribe(m) => {
            let mut w = w(4);
            w.u64(m.request);
            w.options(&m.options)?;
            w.str(&m.topic);
            w
        }
        Message::Subscribed(m) => {
            let mut w = w(3);
            w.u64(m.request);
            w.u64(m.subscription);
            w
        }
        Message::Unsubscribe(m) => {
            let mut w = w(3);
            w.u64(m.request);
            w.u64(m.subscription);
            w
        }
        Message::Unsubscribed(m) => {
            let mut w = w(2 + usize::from(m.details.is_some()));
            w.u64(m.request);
            if let Some(d) = &m.details {
                w.options(d)?;
            }
            w
        }
        Message::Event(m) => {
            let mut w = w(4 + base);
            w.u64(m.subscription);
            w.u64(m.publication);
            w.options(&m.details)?;
            w.payload(&m.payload)?;
            w
        }
        Message::Call(m) => {
            let mut w = w(4 + base);
            w.u64(m.request);
            w.options(&m.options)?;
            w.str(&m.procedure);
            w.payload(&m.payload)?;
            w
        }
        Message::Cancel(m) => {
            let mut w = w(3);
            w.u64(m.request);
            w.options(&m.options)?;
            w
        }
        Message::Result(m) => {
            let mut w = w(3 + base);
            w.u64(m.request);
            w.options(&m.details)?;
            w.payload(&m.payload)?;
            w
        }
        Message::Register(m) => {
            let mut w = w(4);
            w.u64(m.request);
            w.options(&m.options)?;
            w.str(&m.procedure);
            w
        }
        Message::Registered(m) => {
            let mut w = w(3);
            w.u64(m.request);
            w.u64(m.registration);
            w
        }
        Message::Unregister(m) => {
            let mut w = w(3);
            w.u64(m.request);
            w.u64(m.registration);
            w
        }
        Message::Unregistered(m) => {
            let mut w = w(2 + usize::from(m.details.is_some()));
            w.u64(m.request);
            if let Some(d) = &m.details {
                w.options(d)?;
            }
            w
        }
        Message::Invocation(m) => {
            let mut w = w(4 + base);
            w.u64(m.request);
            w.u64(m.registration);
            w.options(&m.details)?;
            w.payload(&m.payload)?;
            w
        }
        Message::Interrupt(m) => {
            let mut w = w(3);
            w.u64(m.request);
            w.options(&m.options)?;
            w
        }
        Message::Yield(m) => {
            let mut w = w(3 + base);
            w.u64(m.request);
            w.options(&m.options)?;
            w.payload(&m.payload)?;
            w
        }
        Message::EventReceived(m) => {
            let mut w = w(2);
            w.u64(m.publication);
            w
        }
    };
    Ok(out.finish())
}
