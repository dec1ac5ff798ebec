//! Decoding one frame into a message, validating it as the spec says: the
//! envelope is read into typed fields, the payload kept as raw slices of the frame.

use bytes::Bytes;

use super::reader::Reader;
use crate::protocol::options::*;
use crate::protocol::uri::UriKind;
use crate::protocol::*;
use crate::serializer::Format;

/// Decodes one frame into a message, validating it as the spec says.
pub(super) fn decode<F: Format>(frame: Bytes) -> Result<Message, ProtocolError> {
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
    Ok(match mt {
        MessageType::Hello => {
            r.expect_len(3, 3, "3")?;
            let realm = r.uri(1, "Realm", UriKind::Concrete)?;
            let details = r.options::<HelloDetails>(2, "Details")?;
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
            let details = r.options::<WelcomeDetails>(2, "Details")?;
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
                details: r.options::<CloseDetails>(1, "Details")?,
                reason: r.uri(2, "Reason", UriKind::Concrete)?,
                payload: r.payload(3)?,
            })
        }
        MessageType::Challenge => {
            r.expect_len(3, 3, "3")?;
            Message::Challenge(Challenge {
                authmethod: r.string(1, "AuthMethod")?,
                extra: r.options::<ChallengeExtra>(2, "Extra")?,
            })
        }
        MessageType::Authenticate => {
            r.expect_len(3, 3, "3")?;
            Message::Authenticate(Authenticate {
                signature: r.string(1, "Signature")?,
                extra: r.options::<AuthenticateExtra>(2, "Extra")?,
            })
        }
        MessageType::Goodbye => {
            r.expect_len(3, 3, "3")?;
            Message::Goodbye(Goodbye {
                details: r.options::<CloseDetails>(1, "Details")?,
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
            let details = r.options::<ErrorDetails>(3, "Details")?;
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
            let options = r.options::<WirePublishOptions>(2, "Options")?;
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
                options: r.options::<WireSubscribeOptions>(2, "Options")?,
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
                Some(r.options::<UnsubscribedDetails>(2, "Details")?)
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
            let details = r.options::<WireEventDetails>(3, "Details")?;
            Message::Event(Event {
                subscription: r.id(1, "SUBSCRIBED.Subscription")?,
                publication: r.id(2, "PUBLISHED.Publication")?,
                payload: r.payload(4)?,
                details,
            })
        }
        MessageType::Call => {
            r.expect_len(4, 6, "4 to 6")?;
            let options = r.options::<WireCallOptions>(2, "Options")?;
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
                options: r.options::<CancelOptions>(2, "Options")?,
            })
        }
        MessageType::Result => {
            r.expect_len(3, 5, "3 to 5")?;
            let details = r.options::<ResultDetails>(2, "Details")?;
            Message::Result(ResultMessage {
                request: r.id(1, "CALL.Request")?,
                payload: r.payload(3)?,
                details,
            })
        }
        MessageType::Register => {
            r.expect_len(4, 4, "4")?;
            let options = r.options::<WireRegisterOptions>(2, "Options")?;
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
                Some(r.options::<UnregisteredDetails>(2, "Details")?)
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
            let details = r.options::<InvocationDetails>(3, "Details")?;
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
                options: r.options::<InterruptOptions>(2, "Options")?,
            })
        }
        MessageType::Yield => {
            r.expect_len(3, 5, "3 to 5")?;
            let options = r.options::<YieldOptions>(2, "Options")?;
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
