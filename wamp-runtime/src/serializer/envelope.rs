//! Decoding and encoding whole messages on top of a [`Format`]: the envelope is
//! read into typed fields, the payload is kept as raw slices of the frame.

use std::ops::Range;

use bytes::Bytes;

use super::format::{Format, Sniff};
use crate::protocol::id::is_valid_id;
use crate::protocol::options::*;
use crate::protocol::uri::{UriKind, UriRule, is_valid_uri};
use crate::protocol::*;

/// Reads the elements of one message.
struct Reader<F: Format> {
    frame: Bytes,
    ranges: Vec<Range<usize>>,
    name: &'static str,
    _format: std::marker::PhantomData<F>,
}

impl<F: Format> Reader<F> {
    fn elem(&self, i: usize) -> &[u8] {
        &self.frame[self.ranges[i].clone()]
    }

    fn len(&self) -> usize {
        self.ranges.len()
    }

    fn expect_len(
        &self,
        min: usize,
        max: usize,
        expected: &'static str,
    ) -> Result<(), ProtocolError> {
        if (min..=max).contains(&self.len()) {
            Ok(())
        } else {
            Err(ProtocolError::WrongLength {
                message: self.name,
                len: self.len(),
                expected,
            })
        }
    }

    fn wrong_type(&self, i: usize, field: &'static str, expected: &'static str) -> ProtocolError {
        ProtocolError::WrongType {
            message: self.name,
            field,
            expected,
            found: F::sniff(self.elem(i)).describe().to_owned(),
        }
    }

    fn id(&self, i: usize, field: &'static str) -> Result<Id, ProtocolError> {
        let n = F::read_u64(self.elem(i))
            .ok_or_else(|| self.wrong_type(i, field, "an ID (non-negative integer)"))?;
        if !is_valid_id(n) {
            return Err(ProtocolError::IdOutOfRange {
                message: self.name,
                field,
                value: n,
            });
        }
        Ok(n)
    }

    fn string(&self, i: usize, field: &'static str) -> Result<String, ProtocolError> {
        F::read_str(self.elem(i)).ok_or_else(|| self.wrong_type(i, field, "a string"))
    }

    fn uri(&self, i: usize, field: &'static str, kind: UriKind) -> Result<Uri, ProtocolError> {
        let text = self.string(i, field)?;
        if !is_valid_uri(&text, UriRule::Loose, kind) {
            return Err(ProtocolError::InvalidUri {
                message: self.name,
                field,
                uri: text,
            });
        }
        Ok(Uri::from_trusted(text))
    }

    fn dict(&self, i: usize, field: &'static str) -> Result<Dict, ProtocolError> {
        if F::sniff(self.elem(i)) != Sniff::Dict {
            return Err(self.wrong_type(i, field, "a dict"));
        }
        // Most Options and Details are empty: no value to build.
        if super::format::is_empty_dict(F::KIND, self.elem(i)) {
            return Ok(Dict::new());
        }
        match F::read_value(self.elem(i)) {
            Ok(Value::Dict(d)) => Ok(d),
            Ok(_) => Err(self.wrong_type(i, field, "a dict")),
            Err(reason) => Err(ProtocolError::WrongType {
                message: self.name,
                field,
                expected: "a dict with string keys",
                found: reason,
            }),
        }
    }

    /// The payload elements from index `start` on: `Arguments` and
    /// `ArgumentsKw`, or one string or binary element, a transparent payload
    /// (end-to-end encrypted, `enc_algo`) as Autobahn and Crossbar send it.
    fn payload(&self, start: usize) -> Result<Payload, ProtocolError> {
        if self.len() == start + 1 {
            match F::sniff(self.elem(start)) {
                Sniff::Bin | Sniff::Str => {
                    if let Some(bytes) = F::read_bin(self.elem(start)) {
                        return Ok(Payload::transparent(bytes));
                    }
                    if let Some(text) = F::read_str(self.elem(start)) {
                        return Ok(Payload::transparent_string(text));
                    }
                    return Err(self.wrong_type(
                        start,
                        "Payload",
                        "a list, a string or binary data",
                    ));
                }
                _ => {}
            }
        }
        let args = if self.len() > start {
            if F::sniff(self.elem(start)) != Sniff::List {
                return Err(self.wrong_type(start, "Arguments", "a list"));
            }
            Some(self.frame.slice(self.ranges[start].clone()))
        } else {
            None
        };
        let kwargs = if self.len() > start + 1 {
            if F::sniff(self.elem(start + 1)) != Sniff::Dict {
                return Err(self.wrong_type(start + 1, "ArgumentsKw", "a dict"));
            }
            Some(self.frame.slice(self.ranges[start + 1].clone()))
        } else {
            None
        };
        Ok(Payload::from_raw(F::KIND, args, kwargs))
    }

    fn invalid(&self, reason: impl Into<String>) -> ProtocolError {
        ProtocolError::Invalid {
            message: self.name,
            reason: reason.into(),
        }
    }
}

/// Decodes one frame into a message, validating it as the spec says.
pub(crate) fn decode<F: Format>(frame: Bytes) -> Result<Message, ProtocolError> {
    let ranges = F::split(&frame).map_err(|err| match err {
        Some(reason) => ProtocolError::Malformed {
            serializer: F::KIND,
            reason,
        },
        None => ProtocolError::NotAList {
            found: F::sniff(&frame).describe().to_owned(),
        },
    })?;
    if ranges.is_empty() {
        return Err(ProtocolError::NotAList {
            found: "an empty list".into(),
        });
    }
    let code_elem = &frame[ranges[0].clone()];
    let Some(code) = F::read_u64(code_elem) else {
        return Err(ProtocolError::UnknownMessageType {
            code: F::sniff(code_elem).describe().to_owned(),
        });
    };
    let Some(mt) = MessageType::from_code(code) else {
        return Err(ProtocolError::UnknownMessageType {
            code: code.to_string(),
        });
    };
    let r = Reader::<F> {
        frame,
        ranges,
        name: mt.name(),
        _format: std::marker::PhantomData,
    };
    let n = mt.name();
    Ok(match mt {
        MessageType::Hello => {
            r.expect_len(3, 3, "3")?;
            let realm = r.uri(1, "Realm", UriKind::Concrete)?;
            let details = HelloDetails::from_dict(r.dict(2, "Details")?, n, "Details")?;
            match &details.roles {
                None => return Err(r.invalid("Details.roles is missing")),
                Some(roles)
                    if !roles
                        .0
                        .keys()
                        .any(|k| roles::Role::parse(k).is_some_and(|r| r.is_client_role())) =>
                {
                    return Err(r.invalid("Details.roles must announce at least one client role"));
                }
                Some(_) => {}
            }
            Message::Hello(Hello { realm, details })
        }
        MessageType::Welcome => {
            r.expect_len(3, 3, "3")?;
            let session = r.id(1, "Session")?;
            let details = WelcomeDetails::from_dict(r.dict(2, "Details")?, n, "Details")?;
            match &details.roles {
                None => return Err(r.invalid("Details.roles is missing")),
                Some(roles)
                    if !roles.has(roles::Role::Broker) && !roles.has(roles::Role::Dealer) =>
                {
                    return Err(r.invalid("Details.roles must announce broker or dealer"));
                }
                Some(_) => {}
            }
            Message::Welcome(Welcome { session, details })
        }
        MessageType::Abort => {
            r.expect_len(3, 5, "3 to 5")?;
            Message::Abort(Abort {
                details: CloseDetails::from_dict(r.dict(1, "Details")?, n, "Details")?,
                reason: r.uri(2, "Reason", UriKind::Concrete)?,
                payload: r.payload(3)?,
            })
        }
        MessageType::Challenge => {
            r.expect_len(3, 3, "3")?;
            Message::Challenge(Challenge {
                authmethod: r.string(1, "AuthMethod")?,
                extra: ChallengeExtra::from_dict(r.dict(2, "Extra")?, n, "Extra")?,
            })
        }
        MessageType::Authenticate => {
            r.expect_len(3, 3, "3")?;
            Message::Authenticate(Authenticate {
                signature: r.string(1, "Signature")?,
                extra: AuthenticateExtra::from_dict(r.dict(2, "Extra")?, n, "Extra")?,
            })
        }
        MessageType::Goodbye => {
            r.expect_len(3, 3, "3")?;
            Message::Goodbye(Goodbye {
                details: CloseDetails::from_dict(r.dict(1, "Details")?, n, "Details")?,
                reason: r.uri(2, "Reason", UriKind::Concrete)?,
            })
        }
        MessageType::Error => {
            r.expect_len(5, 7, "5 to 7")?;
            let code = r.id(1, "REQUEST.Type")?;
            let request_type = MessageType::from_code(code)
                .filter(|t| t.can_fail())
                .ok_or_else(|| {
                    r.invalid(format!(
                        "REQUEST.Type {code} is not a request that can fail"
                    ))
                })?;
            let details = ErrorDetails::from_dict(r.dict(3, "Details")?, n, "Details")?;
            Message::Error(ErrorMessage {
                request_type,
                request: r.id(2, "REQUEST.Request")?,
                error: r.uri(4, "Error", UriKind::Concrete)?,
                payload: r.payload(5)?,
                details,
            })
        }
        MessageType::Publish => {
            r.expect_len(4, 6, "4 to 6")?;
            let options = PublishOptions::from_dict(r.dict(2, "Options")?, n, "Options")?;
            Message::Publish(Publish {
                request: r.id(1, "Request")?,
                topic: r.uri(3, "Topic", UriKind::Concrete)?,
                payload: r.payload(4)?,
                options,
            })
        }
        MessageType::Published => {
            r.expect_len(3, 3, "3")?;
            Message::Published(Published {
                request: r.id(1, "PUBLISH.Request")?,
                publication: r.id(2, "Publication")?,
            })
        }
        MessageType::Subscribe => {
            r.expect_len(4, 4, "4")?;
            Message::Subscribe(Subscribe {
                request: r.id(1, "Request")?,
                options: SubscribeOptions::from_dict(r.dict(2, "Options")?, n, "Options")?,
                topic: r.uri(3, "Topic", UriKind::EmptyComponents)?,
            })
        }
        MessageType::Subscribed => {
            r.expect_len(3, 3, "3")?;
            Message::Subscribed(Subscribed {
                request: r.id(1, "SUBSCRIBE.Request")?,
                subscription: r.id(2, "Subscription")?,
            })
        }
        MessageType::Unsubscribe => {
            r.expect_len(3, 3, "3")?;
            Message::Unsubscribe(Unsubscribe {
                request: r.id(1, "Request")?,
                subscription: r.id(2, "SUBSCRIBED.Subscription")?,
            })
        }
        MessageType::Unsubscribed => {
            r.expect_len(2, 3, "2 or 3")?;
            let details = if r.len() == 3 {
                Some(UnsubscribedDetails::from_dict(
                    r.dict(2, "Details")?,
                    n,
                    "Details",
                )?)
            } else {
                None
            };
            Message::Unsubscribed(Unsubscribed {
                request: r.id(1, "UNSUBSCRIBE.Request")?,
                details,
            })
        }
        MessageType::Event => {
            r.expect_len(4, 6, "4 to 6")?;
            let details = EventDetails::from_dict(r.dict(3, "Details")?, n, "Details")?;
            Message::Event(Event {
                subscription: r.id(1, "SUBSCRIBED.Subscription")?,
                publication: r.id(2, "PUBLISHED.Publication")?,
                payload: r.payload(4)?,
                details,
            })
        }
        MessageType::Call => {
            r.expect_len(4, 6, "4 to 6")?;
            let options = CallOptions::from_dict(r.dict(2, "Options")?, n, "Options")?;
            Message::Call(Call {
                request: r.id(1, "Request")?,
                procedure: r.uri(3, "Procedure", UriKind::Concrete)?,
                payload: r.payload(4)?,
                options,
            })
        }
        MessageType::Cancel => {
            r.expect_len(3, 3, "3")?;
            Message::Cancel(Cancel {
                request: r.id(1, "CALL.Request")?,
                options: CancelOptions::from_dict(r.dict(2, "Options")?, n, "Options")?,
            })
        }
        MessageType::Result => {
            r.expect_len(3, 5, "3 to 5")?;
            let details = ResultDetails::from_dict(r.dict(2, "Details")?, n, "Details")?;
            Message::Result(ResultMessage {
                request: r.id(1, "CALL.Request")?,
                payload: r.payload(3)?,
                details,
            })
        }
        MessageType::Register => {
            r.expect_len(4, 4, "4")?;
            let options = RegisterOptions::from_dict(r.dict(2, "Options")?, n, "Options")?;
            let kind = match options.match_ {
                Some(MatchPolicy::Wildcard) => UriKind::EmptyComponents,
                Some(MatchPolicy::Prefix) => UriKind::LastEmpty,
                _ => UriKind::Concrete,
            };
            Message::Register(Register {
                request: r.id(1, "Request")?,
                procedure: r.uri(3, "Procedure", kind)?,
                options,
            })
        }
        MessageType::Registered => {
            r.expect_len(3, 3, "3")?;
            Message::Registered(Registered {
                request: r.id(1, "REGISTER.Request")?,
                registration: r.id(2, "Registration")?,
            })
        }
        MessageType::Unregister => {
            r.expect_len(3, 3, "3")?;
            Message::Unregister(Unregister {
                request: r.id(1, "Request")?,
                registration: r.id(2, "REGISTERED.Registration")?,
            })
        }
        MessageType::Unregistered => {
            r.expect_len(2, 3, "2 or 3")?;
            let details = if r.len() == 3 {
                Some(UnregisteredDetails::from_dict(
                    r.dict(2, "Details")?,
                    n,
                    "Details",
                )?)
            } else {
                None
            };
            Message::Unregistered(Unregistered {
                request: r.id(1, "UNREGISTER.Request")?,
                details,
            })
        }
        MessageType::Invocation => {
            r.expect_len(4, 6, "4 to 6")?;
            let details = InvocationDetails::from_dict(r.dict(3, "Details")?, n, "Details")?;
            Message::Invocation(Invocation {
                request: r.id(1, "Request")?,
                registration: r.id(2, "REGISTERED.Registration")?,
                payload: r.payload(4)?,
                details,
            })
        }
        MessageType::Interrupt => {
            r.expect_len(3, 3, "3")?;
            Message::Interrupt(Interrupt {
                request: r.id(1, "INVOCATION.Request")?,
                options: InterruptOptions::from_dict(r.dict(2, "Options")?, n, "Options")?,
            })
        }
        MessageType::Yield => {
            r.expect_len(3, 5, "3 to 5")?;
            let options = YieldOptions::from_dict(r.dict(2, "Options")?, n, "Options")?;
            Message::Yield(Yield {
                request: r.id(1, "INVOCATION.Request")?,
                payload: r.payload(3)?,
                options,
            })
        }
        MessageType::EventReceived => {
            r.expect_len(2, 2, "2")?;
            Message::EventReceived(EventReceived {
                publication: r.id(1, "EVENT.Publication")?,
            })
        }
    })
}

/// Writes the elements of one message.
struct Writer<F: Format> {
    out: Vec<u8>,
    first: bool,
    _format: std::marker::PhantomData<F>,
}

impl<F: Format> Writer<F> {
    fn new(len: usize, capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        F::begin_list(&mut out, len);
        Writer {
            out,
            first: true,
            _format: std::marker::PhantomData,
        }
    }

    fn next(&mut self) -> &mut Vec<u8> {
        if !self.first {
            F::separator(&mut self.out);
        }
        self.first = false;
        &mut self.out
    }

    fn u64(&mut self, n: u64) {
        F::write_u64(self.next(), n);
    }

    fn str(&mut self, s: &str) {
        F::write_str(self.next(), s);
    }

    fn dict(&mut self, d: &Dict) -> Result<(), EncodeError> {
        if d.is_empty() {
            // The common case: no options, no value to build.
            self.raw(F::EMPTY_DICT);
            Ok(())
        } else {
            F::write_dict(self.next(), d).map_err(value_error::<F>)
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.next().extend_from_slice(bytes);
    }

    fn payload(&mut self, payload: &Payload) -> Result<(), EncodeError> {
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
        let payload = payload
            .to_serializer(F::KIND)
            .map_err(|e| EncodeError::Payload {
                serializer: F::KIND,
                reason: e.to_string(),
            })?;
        match (payload.raw_args(), payload.raw_kwargs()) {
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

    fn finish(mut self) -> Vec<u8> {
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
fn payload_len(payload: &Payload) -> usize {
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

fn payload_size(payload: &Payload) -> usize {
    payload.raw_args().map_or(0, |b| b.len())
        + payload.raw_kwargs().map_or(0, |b| b.len())
        + payload.transparent_bytes().map_or(0, |b| b.len())
}

/// Encodes one message. Trailing empty `Arguments`/`ArgumentsKw` are omitted.
pub(crate) fn encode<F: Format>(msg: &Message) -> Result<Vec<u8>, EncodeError> {
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
            w.dict(&m.details.to_dict())?;
            w
        }
        Message::Welcome(m) => {
            let mut w = w(3);
            w.u64(m.session);
            w.dict(&m.details.to_dict())?;
            w
        }
        Message::Abort(m) => {
            let mut w = w(3 + base);
            w.dict(&m.details.to_dict())?;
            w.str(&m.reason);
            w.payload(&m.payload)?;
            w
        }
        Message::Challenge(m) => {
            let mut w = w(3);
            w.str(&m.authmethod);
            w.dict(&m.extra.to_dict())?;
            w
        }
        Message::Authenticate(m) => {
            let mut w = w(3);
            w.str(&m.signature);
            w.dict(&m.extra.to_dict())?;
            w
        }
        Message::Goodbye(m) => {
            let mut w = w(3);
            w.dict(&m.details.to_dict())?;
            w.str(&m.reason);
            w
        }
        Message::Error(m) => {
            let mut w = w(5 + base);
            w.u64(m.request_type.code());
            w.u64(m.request);
            w.dict(&m.details.to_dict())?;
            w.str(&m.error);
            w.payload(&m.payload)?;
            w
        }
        Message::Publish(m) => {
            let mut w = w(4 + base);
            w.u64(m.request);
            w.dict(&m.options.to_dict())?;
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
            w.dict(&m.options.to_dict())?;
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
                w.dict(&d.to_dict())?;
            }
            w
        }
        Message::Event(m) => {
            let mut w = w(4 + base);
            w.u64(m.subscription);
            w.u64(m.publication);
            w.dict(&m.details.to_dict())?;
            w.payload(&m.payload)?;
            w
        }
        Message::Call(m) => {
            let mut w = w(4 + base);
            w.u64(m.request);
            w.dict(&m.options.to_dict())?;
            w.str(&m.procedure);
            w.payload(&m.payload)?;
            w
        }
        Message::Cancel(m) => {
            let mut w = w(3);
            w.u64(m.request);
            w.dict(&m.options.to_dict())?;
            w
        }
        Message::Result(m) => {
            let mut w = w(3 + base);
            w.u64(m.request);
            w.dict(&m.details.to_dict())?;
            w.payload(&m.payload)?;
            w
        }
        Message::Register(m) => {
            let mut w = w(4);
            w.u64(m.request);
            w.dict(&m.options.to_dict())?;
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
                w.dict(&d.to_dict())?;
            }
            w
        }
        Message::Invocation(m) => {
            let mut w = w(4 + base);
            w.u64(m.request);
            w.u64(m.registration);
            w.dict(&m.details.to_dict())?;
            w.payload(&m.payload)?;
            w
        }
        Message::Interrupt(m) => {
            let mut w = w(3);
            w.u64(m.request);
            w.dict(&m.options.to_dict())?;
            w
        }
        Message::Yield(m) => {
            let mut w = w(3 + base);
            w.u64(m.request);
            w.dict(&m.options.to_dict())?;
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
