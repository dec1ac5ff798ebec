//! Property tests of the serializers: every message survives encoding and
//! decoding in every serializer, transcoding between serializers, and no input
//! makes `decode` panic.

// The options structs are `#[non_exhaustive]`: outside the crate they can only
// be built from `Default::default()` and then assigned.
#![allow(clippy::field_reassign_with_default)]

use std::collections::BTreeMap;

use base64::Engine as _;
use bytes::Bytes;
use proptest::prelude::*;
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::{Config, TestRunner};
use wamp::protocol::id::MAX_ID;
use wamp::protocol::options::*;
use wamp::protocol::roles::{Role, RoleDetails, Roles};
use wamp::protocol::uri::UriKind;
use wamp::protocol::*;
use wamp::{Message, Payload, SerializerKind, Value};

// ---------------------------------------------------------------------------
// Leaves: IDs, strings, URIs
// ---------------------------------------------------------------------------

fn id() -> impl Strategy<Value = u64> {
    prop_oneof![
        1 => prop::sample::select(vec![0, 1, 2, MAX_ID - 1, MAX_ID]),
        3 => 0..=MAX_ID,
    ]
}

/// Whether JSON would read the string back as binary (`"\0"` + base64).
fn looks_binary_in_json(s: &str) -> bool {
    s.strip_prefix('\0').is_some_and(|rest| {
        base64::engine::general_purpose::STANDARD
            .decode(rest)
            .is_ok()
    })
}

/// Any string that stays a string in every serializer, including strings that
/// start with `\0` but are not base64.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9_]{0,8}",
        4 => "\\PC{0,10}",
        1 => "[\\x00-\\x1f\"\\\\/]{0,6}",
        1 => "\\x00[^A-Za-z0-9+/=]{1,4}",
        1 => Just("\0x".to_owned()),
    ]
    .prop_filter("reads back as binary in JSON", |s| !looks_binary_in_json(s))
}

fn uri_component() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[a-z0-9_]{1,8}", 1 => "[A-Za-z0-9:\\-]{1,6}", 1 => "[^.#\\s]{1,4}"]
}

fn uri_text(kind: UriKind) -> impl Strategy<Value = String> {
    let component = match kind {
        UriKind::Concrete | UriKind::LastEmpty => uri_component().boxed(),
        UriKind::EmptyComponents => {
            prop_oneof![3 => uri_component(), 1 => Just(String::new())].boxed()
        }
    };
    (prop::collection::vec(component, 1..5), any::<bool>()).prop_map(move |(parts, dot)| {
        let mut uri = parts.join(".");
        if kind == UriKind::LastEmpty && dot {
            uri.push('.');
        }
        uri
    })
}

fn uri() -> impl Strategy<Value = Uri> {
    uri_of(UriKind::Concrete)
}

fn uri_of(kind: UriKind) -> impl Strategy<Value = Uri> {
    uri_text(kind).prop_map(move |u| Uri::with_kind(u, kind).expect("generated URI is valid"))
}

// ---------------------------------------------------------------------------
// Values and payloads
// ---------------------------------------------------------------------------

fn float() -> impl Strategy<Value = f64> {
    use prop::num::f64::*;
    prop_oneof![
        4 => POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO,
        1 => prop::sample::select(vec![0.0, -0.0, 1.0, 0.1, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 5e-324, 1e21, 123456789.0]),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::UInt),
        prop::sample::select(vec![
            Value::Int(i64::MIN),
            Value::Int(-1),
            Value::UInt(0),
            Value::UInt(u64::MAX),
            Value::UInt(i64::MAX as u64 + 1),
        ]),
        float().prop_map(Value::Float),
        text().prop_map(Value::String),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::List),
            prop::collection::btree_map(text(), inner, 0..5).prop_map(Value::Dict),
        ]
    })
}

fn dict() -> impl Strategy<Value = Dict> {
    prop::collection::btree_map(text(), value(), 0..4)
}

/// Unknown keys: implementation keys that must pass through untouched.
fn extra() -> impl Strategy<Value = Dict> {
    let key = prop_oneof![
        Just("x_cb_node".to_owned()),
        Just("x_cb_worker".to_owned()),
        Just("_custom_key".to_owned()),
        "x_[a-z]{1,6}",
        "_[a-z]{1,6}",
    ];
    prop::collection::btree_map(key, value(), 0..3)
}

/// A non-transparent payload, built from values or encoded in a serializer.
fn payload() -> impl Strategy<Value = Payload> {
    let args = || prop::collection::vec(value(), 0..4);
    let kwargs = || prop::collection::btree_map(text(), value(), 0..4);
    let nonempty_kwargs = prop::collection::btree_map(text(), value(), 1..4);
    prop_oneof![
        1 => Just(Payload::empty()),
        4 => (args(), kwargs()).prop_map(|(a, k)| Payload::from_values(a, k)),
        2 => nonempty_kwargs.prop_map(|k| Payload::from_values(Vec::new(), k)),
        2 => (prop::sample::select(SerializerKind::ALL.to_vec()), args(), kwargs())
            .prop_map(|(kind, a, k)| Payload::encode(kind, &a, &k).expect("values encode")),
    ]
}

/// A payload and the `enc_algo` it needs: transparent payloads come with one.
fn payload_with_enc() -> impl Strategy<Value = (Payload, Option<EncAlgo>)> {
    let enc_algo = prop::sample::select(vec!["cryptobox", "mqtt", "xbr", "x_my_algo"])
        .prop_map(|a| EncAlgo::new(a).expect("valid algorithm"));
    prop_oneof![
        4 => payload().prop_map(|p| (p, None)),
        1 => (prop::collection::vec(any::<u8>(), 0..40), enc_algo.clone())
            .prop_map(|(b, a)| (Payload::transparent(b), Some(a))),
        1 => (text(), enc_algo).prop_map(|(t, a)| (Payload::transparent_string(t), Some(a))),
    ]
}

// ---------------------------------------------------------------------------
// Options and details
// ---------------------------------------------------------------------------

fn o<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

fn strings() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 0..3)
}

fn ids() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(id(), 0..3)
}

fn forward_for() -> impl Strategy<Value = Option<Vec<ForwardFor>>> {
    o(prop::collection::vec(
        (id(), text(), text()).prop_map(|(session, authid, authrole)| ForwardFor {
            session,
            authid,
            authrole,
        }),
        0..3,
    ))
}

fn match_policy() -> impl Strategy<Value = MatchPolicy> {
    prop::sample::select(vec![
        MatchPolicy::Exact,
        MatchPolicy::Prefix,
        MatchPolicy::Wildcard,
    ])
}

fn cancel_mode() -> impl Strategy<Value = CancelMode> {
    prop::sample::select(vec![
        CancelMode::Skip,
        CancelMode::Kill,
        CancelMode::KillNoWait,
    ])
}

fn invoke_policy() -> impl Strategy<Value = InvokePolicy> {
    prop::sample::select(vec![
        InvokePolicy::Single,
        InvokePolicy::RoundRobin,
        InvokePolicy::Random,
        InvokePolicy::First,
        InvokePolicy::Last,
    ])
}

fn role_details() -> impl Strategy<Value = RoleDetails> {
    let features =
        prop::collection::btree_map("[a-z_]{1,12}", any::<bool>().prop_map(Value::Bool), 0..4);
    (features, extra()).prop_map(|(features, extra)| RoleDetails { features, extra })
}

/// Roles with at least one of `required`, plus maybe others and unknown ones.
fn roles(required: &'static [Role]) -> impl Strategy<Value = Roles> {
    let all = Role::ALL.to_vec();
    (
        prop::sample::select(required),
        role_details(),
        prop::collection::vec((prop::sample::select(all), role_details()), 0..3),
        o(role_details()),
    )
        .prop_map(|(first, details, others, unknown)| {
            let mut roles = Roles::default().with(first, details);
            for (role, d) in others {
                roles = roles.with(role, d);
            }
            if let Some(d) = unknown {
                roles.0.insert("x_observer".into(), d);
            }
            roles
        })
}

const CLIENT_ROLES: &[Role] = &[
    Role::Publisher,
    Role::Subscriber,
    Role::Caller,
    Role::Callee,
];
const ROUTER_ROLES: &[Role] = &[Role::Broker, Role::Dealer];

fn hello_details() -> impl Strategy<Value = HelloDetails> {
    (
        roles(CLIENT_ROLES),
        (o(text()), o(strings()), o(text()), o(text()), o(dict())),
        (o(any::<bool>()), o(id()), o(text()), o(dict())),
        extra(),
    )
        .prop_map(|(roles, a, b, extra)| {
            let mut d = HelloDetails::default();
            d.roles = Some(roles);
            (d.agent, d.authmethods, d.authid, d.authrole, d.authextra) = a;
            (d.resumable, d.resume_session, d.resume_token, d.transport) = b;
            d.extra = extra;
            d
        })
}

fn welcome_details() -> impl Strategy<Value = WelcomeDetails> {
    (
        roles(ROUTER_ROLES),
        (o(text()), o(text()), o(text()), o(text()), o(text())),
        (
            o(text()),
            o(dict()),
            o(any::<bool>()),
            o(any::<bool>()),
            o(text()),
        ),
        extra(),
    )
        .prop_map(|(roles, a, b, extra)| {
            let mut d = WelcomeDetails::default();
            d.roles = Some(roles);
            (d.agent, d.realm, d.authid, d.authrole, d.authmethod) = a;
            (
                d.authprovider,
                d.authextra,
                d.resumed,
                d.resumable,
                d.resume_token,
            ) = b;
            d.extra = extra;
            d
        })
}

fn close_details() -> impl Strategy<Value = CloseDetails> {
    (o(text()), o(any::<bool>()), extra()).prop_map(|(message, resumable, extra)| {
        let mut d = CloseDetails::default();
        (d.message, d.resumable, d.extra) = (message, resumable, extra);
        d
    })
}

fn challenge_extra() -> impl Strategy<Value = ChallengeExtra> {
    (
        (o(text()), o(text()), o(id()), o(id())),
        (o(id()), o(text()), o(text())),
        extra(),
    )
        .prop_map(|(a, b, extra)| {
            let mut d = ChallengeExtra::default();
            (d.challenge, d.salt, d.keylen, d.iterations) = a;
            (d.memory, d.kdf, d.nonce) = b;
            d.extra = extra;
            d
        })
}

fn authenticate_extra() -> impl Strategy<Value = AuthenticateExtra> {
    (o(text()), o(text()), extra()).prop_map(|(nonce, cbind_data, extra)| {
        let mut d = AuthenticateExtra::default();
        (d.nonce, d.cbind_data, d.extra) = (nonce, cbind_data, extra);
        d
    })
}

/// The `enc_key`/`enc_serializer` pair of payload-carrying options.
fn enc_fields() -> impl Strategy<Value = (Option<String>, Option<String>)> {
    (
        o(text()),
        o(prop::sample::select(vec![
            "json".to_owned(),
            "cbor".to_owned(),
            "flatbuffers".to_owned(),
        ])),
    )
}

fn error_details(enc: Option<EncAlgo>) -> impl Strategy<Value = ErrorDetails> {
    (
        (o(id()), o(text()), o(text()), forward_for()),
        enc_fields(),
        extra(),
    )
        .prop_map(move |(a, (enc_key, enc_serializer), extra)| {
            let mut d = ErrorDetails::default();
            (d.callee, d.callee_authid, d.callee_authrole, d.forward_for) = a;
            (d.enc_algo, d.enc_key, d.enc_serializer) = (enc.clone(), enc_key, enc_serializer);
            d.extra = extra;
            d
        })
}

fn publish_options(enc: Option<EncAlgo>) -> impl Strategy<Value = WirePublishOptions> {
    (
        (
            o(any::<bool>()),
            o(any::<bool>()),
            o(ids()),
            o(strings()),
            o(strings()),
        ),
        (
            o(ids()),
            o(strings()),
            o(strings()),
            o(any::<bool>()),
            o(any::<bool>()),
        ),
        (o(text()), forward_for(), enc_fields(), o(text())),
        extra(),
    )
        .prop_map(move |(a, b, (hash, ff, (key, ser), rkey), extra)| {
            let mut d = WirePublishOptions::default();
            (
                d.acknowledge,
                d.exclude_me,
                d.exclude,
                d.exclude_authid,
                d.exclude_authrole,
            ) = a;
            (
                d.eligible,
                d.eligible_authid,
                d.eligible_authrole,
                d.retain,
                d.disclose_me,
            ) = b;
            (
                d.transaction_hash,
                d.forward_for,
                d.enc_key,
                d.enc_serializer,
                d.rkey,
            ) = (hash, ff, key, ser, rkey);
            d.enc_algo = enc.clone();
            d.extra = extra;
            d
        })
}

fn subscribe_options() -> impl Strategy<Value = WireSubscribeOptions> {
    (
        o(match_policy()),
        o(any::<bool>()),
        o(text()),
        forward_for(),
        extra(),
    )
        .prop_map(|(match_, get_retained, nkey, forward_for, extra)| {
            let mut d = WireSubscribeOptions::default();
            (d.match_, d.get_retained, d.nkey, d.forward_for, d.extra) =
                (match_, get_retained, nkey, forward_for, extra);
            d
        })
}

fn event_details(enc: Option<EncAlgo>) -> impl Strategy<Value = WireEventDetails> {
    (
        (o(id()), o(text()), o(text()), o(text()), o(any::<bool>())),
        (o(id()), o(text()), o(any::<bool>()), forward_for()),
        enc_fields(),
        extra(),
    )
        .prop_map(move |(a, b, (key, ser), extra)| {
            let mut d = WireEventDetails::default();
            (
                d.publisher,
                d.publisher_authid,
                d.publisher_authrole,
                d.topic,
                d.retained,
            ) = a;
            (
                d.trustlevel,
                d.transaction_hash,
                d.x_acknowledged_delivery,
                d.forward_for,
            ) = b;
            (d.enc_algo, d.enc_key, d.enc_serializer) = (enc.clone(), key, ser);
            d.extra = extra;
            d
        })
}

fn call_options(enc: Option<EncAlgo>) -> impl Strategy<Value = WireCallOptions> {
    (
        (
            o(id()),
            o(any::<bool>()),
            o(any::<bool>()),
            o(any::<bool>()),
            o(text()),
        ),
        (
            forward_for(),
            enc_fields(),
            o(Just("partition".to_owned())),
            o(text()),
        ),
        extra(),
    )
        .prop_map(move |(a, (ff, (key, ser), runmode, rkey), extra)| {
            let mut d = WireCallOptions::default();
            (
                d.timeout,
                d.receive_progress,
                d.disclose_me,
                d.progress,
                d.transaction_hash,
            ) = a;
            (
                d.forward_for,
                d.enc_key,
                d.enc_serializer,
                d.runmode,
                d.rkey,
            ) = (ff, key, ser, runmode, rkey);
            d.enc_algo = enc.clone();
            d.extra = extra;
            d
        })
}

fn cancel_options() -> impl Strategy<Value = CancelOptions> {
    (o(cancel_mode()), forward_for(), extra()).prop_map(|(mode, forward_for, extra)| {
        let mut d = CancelOptions::default();
        (d.mode, d.forward_for, d.extra) = (mode, forward_for, extra);
        d
    })
}

fn result_details(enc: Option<EncAlgo>) -> impl Strategy<Value = ResultDetails> {
    (
        (
            o(any::<bool>()),
            o(id()),
            o(text()),
            o(text()),
            forward_for(),
        ),
        enc_fields(),
        extra(),
    )
        .prop_map(move |(a, (key, ser), extra)| {
            let mut d = ResultDetails::default();
            (
                d.progress,
                d.callee,
                d.callee_authid,
                d.callee_authrole,
                d.forward_for,
            ) = a;
            (d.enc_algo, d.enc_key, d.enc_serializer) = (enc.clone(), key, ser);
            d.extra = extra;
            d
        })
}

fn register_options(match_: Option<MatchPolicy>) -> impl Strategy<Value = WireRegisterOptions> {
    (
        (o(invoke_policy()), o(id()), o(any::<bool>())),
        (o(any::<bool>()), o(any::<bool>()), forward_for()),
        extra(),
    )
        .prop_map(move |(a, b, extra)| {
            let mut d = WireRegisterOptions::default();
            d.match_ = match_;
            (d.invoke, d.concurrency, d.force_reregister) = a;
            (d.disclose_caller, d.forward_timeout, d.forward_for) = b;
            d.extra = extra;
            d
        })
}

fn invocation_details(enc: Option<EncAlgo>) -> impl Strategy<Value = InvocationDetails> {
    (
        (o(id()), o(text()), o(text()), o(text()), o(any::<bool>())),
        (o(any::<bool>()), o(id()), o(id()), o(text()), forward_for()),
        enc_fields(),
        extra(),
    )
        .prop_map(move |(a, b, (key, ser), extra)| {
            let mut d = InvocationDetails::default();
            (
                d.caller,
                d.caller_authid,
                d.caller_authrole,
                d.procedure,
                d.receive_progress,
            ) = a;
            (
                d.progress,
                d.timeout,
                d.trustlevel,
                d.transaction_hash,
                d.forward_for,
            ) = b;
            (d.enc_algo, d.enc_key, d.enc_serializer) = (enc.clone(), key, ser);
            d.extra = extra;
            d
        })
}

fn interrupt_options() -> impl Strategy<Value = InterruptOptions> {
    (o(cancel_mode()), o(text()), forward_for(), extra()).prop_map(
        |(mode, reason, forward_for, extra)| {
            let mut d = InterruptOptions::default();
            (d.mode, d.reason, d.forward_for, d.extra) = (mode, reason, forward_for, extra);
            d
        },
    )
}

fn yield_options(enc: Option<EncAlgo>) -> impl Strategy<Value = YieldOptions> {
    (
        (
            o(any::<bool>()),
            o(id()),
            o(text()),
            o(text()),
            forward_for(),
        ),
        enc_fields(),
        extra(),
    )
        .prop_map(move |(a, (key, ser), extra)| {
            let mut d = YieldOptions::default();
            (
                d.progress,
                d.callee,
                d.callee_authid,
                d.callee_authrole,
                d.forward_for,
            ) = a;
            (d.enc_algo, d.enc_key, d.enc_serializer) = (enc.clone(), key, ser);
            d.extra = extra;
            d
        })
}

fn unsubscribed_details() -> impl Strategy<Value = UnsubscribedDetails> {
    (o(id()), o(text()), extra()).prop_map(|(subscription, reason, extra)| {
        let mut d = UnsubscribedDetails::default();
        (d.subscription, d.reason, d.extra) = (subscription, reason, extra);
        d
    })
}

fn unregistered_details() -> impl Strategy<Value = UnregisteredDetails> {
    (o(id()), o(text()), extra()).prop_map(|(registration, reason, extra)| {
        let mut d = UnregisteredDetails::default();
        (d.registration, d.reason, d.extra) = (registration, reason, extra);
        d
    })
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

fn failing_request_type() -> impl Strategy<Value = MessageType> {
    prop::sample::select(
        MessageType::ALL
            .into_iter()
            .filter(|t| t.can_fail())
            .collect::<Vec<_>>(),
    )
}

/// A strategy for every one of the 25 message types, with the same weight.
fn message() -> impl Strategy<Value = Message> {
    let arms: Vec<BoxedStrategy<Message>> = vec![
        (uri(), hello_details())
            .prop_map(|(realm, details)| Message::Hello(Hello { realm, details }))
            .boxed(),
        (id(), welcome_details())
            .prop_map(|(session, details)| Message::Welcome(Welcome { session, details }))
            .boxed(),
        (close_details(), uri(), payload())
            .prop_map(|(details, reason, payload)| {
                Message::Abort(Abort {
                    details,
                    reason,
                    payload,
                })
            })
            .boxed(),
        (text(), challenge_extra())
            .prop_map(|(authmethod, extra)| Message::Challenge(Challenge { authmethod, extra }))
            .boxed(),
        (text(), authenticate_extra())
            .prop_map(|(signature, extra)| Message::Authenticate(Authenticate { signature, extra }))
            .boxed(),
        (close_details(), uri())
            .prop_map(|(details, reason)| Message::Goodbye(Goodbye { details, reason }))
            .boxed(),
        payload_with_enc()
            .prop_flat_map(|(payload, enc)| {
                (
                    failing_request_type(),
                    id(),
                    error_details(enc),
                    uri(),
                    Just(payload),
                )
            })
            .prop_map(|(request_type, request, details, error, payload)| {
                Message::Error(ErrorMessage {
                    request_type,
                    request,
                    details,
                    error,
                    payload,
                })
            })
            .boxed(),
        payload_with_enc()
            .prop_flat_map(|(payload, enc)| (id(), publish_options(enc), uri(), Just(payload)))
            .prop_map(|(request, options, topic, payload)| {
                Message::Publish(Publish {
                    request,
                    options,
                    topic,
                    payload,
                })
            })
            .boxed(),
        (id(), id())
            .prop_map(|(request, publication)| {
                Message::Published(Published {
                    request,
                    publication,
                })
            })
            .boxed(),
        (id(), subscribe_options(), uri_of(UriKind::EmptyComponents))
            .prop_map(|(request, options, topic)| {
                Message::Subscribe(Subscribe {
                    request,
                    options,
                    topic,
                })
            })
            .boxed(),
        (id(), id())
            .prop_map(|(request, subscription)| {
                Message::Subscribed(Subscribed {
                    request,
                    subscription,
                })
            })
            .boxed(),
        (id(), id())
            .prop_map(|(request, subscription)| {
                Message::Unsubscribe(Unsubscribe {
                    request,
                    subscription,
                })
            })
            .boxed(),
        (id(), o(unsubscribed_details()))
            .prop_map(|(request, details)| Message::Unsubscribed(Unsubscribed { request, details }))
            .boxed(),
        payload_with_enc()
            .prop_flat_map(|(payload, enc)| (id(), id(), event_details(enc), Just(payload)))
            .prop_map(|(subscription, publication, details, payload)| {
                Message::Event(Event {
                    subscription,
                    publication,
                    details,
                    payload,
                })
            })
            .boxed(),
        payload_with_enc()
            .prop_flat_map(|(payload, enc)| (id(), call_options(enc), uri(), Just(payload)))
            .prop_map(|(request, options, procedure, payload)| {
                Message::Call(Call {
                    request,
                    options,
                    procedure,
                    payload,
                })
            })
            .boxed(),
        (id(), cancel_options())
            .prop_map(|(request, options)| Message::Cancel(Cancel { request, options }))
            .boxed(),
        payload_with_enc()
            .prop_flat_map(|(payload, enc)| (id(), result_details(enc), Just(payload)))
            .prop_map(|(request, details, payload)| {
                Message::Result(ResultMessage {
                    request,
                    details,
                    payload,
                })
            })
            .boxed(),
        o(match_policy())
            .prop_flat_map(|policy| {
                let kind = match policy {
                    Some(MatchPolicy::Wildcard) => UriKind::EmptyComponents,
                    Some(MatchPolicy::Prefix) => UriKind::LastEmpty,
                    _ => UriKind::Concrete,
                };
                (id(), register_options(policy), uri_of(kind))
            })
            .prop_map(|(request, options, procedure)| {
                Message::Register(Register {
                    request,
                    options,
                    procedure,
                })
            })
            .boxed(),
        (id(), id())
            .prop_map(|(request, registration)| {
                Message::Registered(Registered {
                    request,
                    registration,
                })
            })
            .boxed(),
        (id(), id())
            .prop_map(|(request, registration)| {
                Message::Unregister(Unregister {
                    request,
                    registration,
                })
            })
            .boxed(),
        (id(), o(unregistered_details()))
            .prop_map(|(request, details)| Message::Unregistered(Unregistered { request, details }))
            .boxed(),
        payload_with_enc()
            .prop_flat_map(|(payload, enc)| (id(), id(), invocation_details(enc), Just(payload)))
            .prop_map(|(request, registration, details, payload)| {
                Message::Invocation(Invocation {
                    request,
                    registration,
                    details,
                    payload,
                })
            })
            .boxed(),
        (id(), interrupt_options())
            .prop_map(|(request, options)| Message::Interrupt(Interrupt { request, options }))
            .boxed(),
        payload_with_enc()
            .prop_flat_map(|(payload, enc)| (id(), yield_options(enc), Just(payload)))
            .prop_map(|(request, options, payload)| {
                Message::Yield(Yield {
                    request,
                    options,
                    payload,
                })
            })
            .boxed(),
        id().prop_map(|publication| Message::EventReceived(EventReceived { publication }))
            .boxed(),
    ];
    assert_eq!(arms.len(), MessageType::ALL.len());
    Union::new(arms)
}

// ---------------------------------------------------------------------------
// Generic views of a frame
// ---------------------------------------------------------------------------

/// The elements of an encoded frame, read with a generic decoder of the format
/// (not the crate's envelope codec). JSON binary strings stay strings here.
fn frame_elements(kind: SerializerKind, frame: &[u8]) -> Vec<Value> {
    match kind {
        SerializerKind::Json => {
            let v: serde_json::Value = serde_json::from_slice(frame).expect("valid JSON");
            let serde_json::Value::Array(items) = v else {
                panic!("JSON frame is not an array: {v}")
            };
            items
                .into_iter()
                .map(|item| serde_json::from_value(item).expect("JSON value"))
                .collect()
        }
        SerializerKind::MsgPack => match rmp_serde::from_slice::<Value>(frame) {
            Ok(Value::List(items)) => items,
            other => panic!("MessagePack frame is not a list: {other:?}"),
        },
        SerializerKind::Cbor => match ciborium::from_reader::<Value, _>(frame) {
            Ok(Value::List(items)) => items,
            other => panic!("CBOR frame is not a list: {other:?}"),
        },
    }
}

/// How many elements a message has on the wire before its payload.
fn envelope_len(msg: &Message) -> usize {
    match msg {
        Message::Unsubscribed(m) => 2 + usize::from(m.details.is_some()),
        Message::Unregistered(m) => 2 + usize::from(m.details.is_some()),
        Message::EventReceived(_) => 2,
        Message::Error(_) => 5,
        Message::Publish(_)
        | Message::Subscribe(_)
        | Message::Event(_)
        | Message::Call(_)
        | Message::Register(_)
        | Message::Invocation(_) => 4,
        _ => 3,
    }
}

/// How many payload elements a message must have on the wire: trailing empty
/// `Arguments`/`ArgumentsKw` are omitted.
fn payload_elements(payload: &Payload) -> usize {
    if payload.transparent_bytes().is_some() {
        return 1;
    }
    let args = payload.args_values().expect("payload decodes");
    let kwargs = payload.kwargs_values().expect("payload decodes");
    if !kwargs.is_empty() {
        2
    } else if !args.is_empty() {
        1
    } else {
        0
    }
}

/// 256 cases per property, or `PROPTEST_CASES` for a longer run.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn decode(kind: SerializerKind, frame: &[u8]) -> Result<Message, ProtocolError> {
    kind.decode(Bytes::copy_from_slice(frame))
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// `decode(encode(msg)) == msg` for every serializer.
    #[test]
    fn every_message_round_trips(msg in message()) {
        for kind in SerializerKind::ALL {
            let frame = kind.encode(&msg).map_err(|e| TestCaseError::fail(format!("{kind}: {e}")))?;
            let back = kind.decode(frame.clone());
            prop_assert_eq!(
                back.as_ref().ok(), Some(&msg),
                "{}: {:?}, frame {:?}", kind, back.as_ref().err(), frame
            );
        }
    }

    /// A message decoded from serializer A, encoded in B and decoded again is
    /// the same message; and back into A.
    #[test]
    fn messages_transcode_between_serializers(msg in message()) {
        for a in SerializerKind::ALL {
            let from_a = a.decode(a.encode(&msg).unwrap()).unwrap();
            for b in SerializerKind::ALL {
                let frame = b.encode(&from_a).map_err(|e| TestCaseError::fail(format!("{a}->{b}: {e}")))?;
                let from_b = b.decode(frame).map_err(|e| TestCaseError::fail(format!("{a}->{b}: {e}")))?;
                prop_assert_eq!(&from_b, &msg, "{} -> {}", a, b);
                if let Some(p) = from_b.payload()
                    && p.transparent_bytes().is_none()
                    && !p.is_empty()
                {
                    prop_assert_eq!(p.serializer(), Some(b));
                }
                let again = a.decode(a.encode(&from_b).unwrap()).unwrap();
                prop_assert_eq!(&again, &msg, "{} -> {} -> {}", a, b, a);
            }
        }
    }

    /// Binary values in payloads and in options survive JSON -> MessagePack/CBOR -> JSON
    /// and stay binary in the binary serializers.
    #[test]
    fn binary_survives_json_transcoding(
        blobs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 1..4),
        request in id(),
    ) {
        let args: Vec<Value> = blobs.iter().cloned().map(Value::Bytes).collect();
        let mut kwargs = Dict::new();
        kwargs.insert("blob".into(), Value::Bytes(blobs[0].clone()));
        kwargs.insert("nested".into(), Value::List(args.clone()));
        let mut options = WireCallOptions::default();
        options.extra.insert("x_blob".into(), Value::Bytes(blobs[0].clone()));
        let msg = Message::Call(Call {
            request,
            options,
            procedure: Uri::new("com.example.blob").unwrap(),
            payload: Payload::encode(SerializerKind::Json, &args, &kwargs).unwrap(),
        });
        let json = SerializerKind::Json;
        let from_json = json.decode(json.encode(&msg).unwrap()).unwrap();
        for binary in [SerializerKind::MsgPack, SerializerKind::Cbor] {
            let frame = binary.encode(&from_json).unwrap();
            // A generic decoder of the binary format sees binary values, not strings.
            let elems = frame_elements(binary, &frame);
            prop_assert_eq!(&elems[4], &Value::List(args.clone()));
            prop_assert_eq!(elems[2].as_dict().unwrap().get("x_blob"), Some(&Value::Bytes(blobs[0].clone())));
            let Message::Call(call) = binary.decode(frame).unwrap() else { unreachable!() };
            prop_assert_eq!(call.payload.args_values().unwrap(), args.clone());
            let back = json.decode(json.encode(&Message::Call(call)).unwrap()).unwrap();
            prop_assert_eq!(&back, &msg);
            let Message::Call(call) = back else { unreachable!() };
            prop_assert_eq!(call.payload.kwargs_values().unwrap(), kwargs.clone());
            prop_assert_eq!(call.options.extra.get("x_blob"), Some(&Value::Bytes(blobs[0].clone())));
        }
    }

    /// Trailing empty `Arguments`/`ArgumentsKw` are omitted on the wire, and an
    /// empty `Arguments` is written only in front of a non-empty `ArgumentsKw`.
    #[test]
    fn trailing_empty_payload_parts_are_omitted(msg in message()) {
        let Some(payload) = msg.payload() else { return Ok(()) };
        let expected = envelope_len(&msg) + payload_elements(payload);
        for kind in SerializerKind::ALL {
            let frame = kind.encode(&msg).unwrap();
            let elems = frame_elements(kind, &frame);
            prop_assert_eq!(elems.len(), expected, "{}: {:?}", kind, elems);
            if payload.transparent_bytes().is_none() && elems.len() > envelope_len(&msg) {
                let args = &elems[envelope_len(&msg)];
                prop_assert!(matches!(args, Value::List(_)), "{}: {:?}", kind, args);
                if let Some(kwargs) = elems.get(envelope_len(&msg) + 1) {
                    prop_assert!(matches!(kwargs, Value::Dict(d) if !d.is_empty()), "{}: {:?}", kind, kwargs);
                } else {
                    prop_assert!(matches!(args, Value::List(l) if !l.is_empty()), "{}: {:?}", kind, args);
                }
            }
        }
    }

    /// Values built locally are written straight in each serializer: the very
    /// frame that arguments encoded for that serializer give.
    #[test]
    fn local_values_encode_like_arguments_encoded_for_the_serializer(
        args in prop::collection::vec(value(), 0..4),
        kwargs in dict(),
        request in id(),
    ) {
        let local = Payload::from_values(args.clone(), kwargs.clone());
        let procedure = Uri::new("com.example.local").unwrap();
        for kind in SerializerKind::ALL {
            let direct = Payload::encode(kind, &args, &kwargs).unwrap();
            let a = kind.encode(&Message::Call(Call::new(request, procedure.clone(), local.clone()))).unwrap();
            let b = kind.encode(&Message::Call(Call::new(request, procedure.clone(), direct))).unwrap();
            prop_assert_eq!(a, b, "{}", kind);
        }
    }

    /// Options and details are written straight from their structs: a generic
    /// decoder of the binary formats reads back exactly their dicts.
    #[test]
    fn options_encode_like_their_dicts(msg in message()) {
        for kind in [SerializerKind::MsgPack, SerializerKind::Cbor] {
            let frame = kind.encode(&msg).unwrap();
            let elems = frame_elements(kind, &frame);
            let (index, dict) = match &msg {
                Message::Publish(m) => (2, m.options.to_dict()),
                Message::Call(m) => (2, m.options.to_dict()),
                Message::Event(m) => (3, m.details.to_dict()),
                Message::Invocation(m) => (3, m.details.to_dict()),
                Message::Hello(m) => (2, m.details.to_dict()),
                _ => return Ok(()),
            };
            prop_assert_eq!(&elems[index], &Value::Dict(dict), "{}", kind);
        }
    }

    /// Random bytes never make `decode` panic; whatever it accepts re-encodes.
    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
        for kind in SerializerKind::ALL {
            check_decoded(kind, &bytes)?;
        }
    }

    /// Random text that looks a bit like JSON never makes the JSON decoder panic.
    #[test]
    fn json_like_garbage_never_panics(text in "[\\[\\]{}\",:0-9a-z\\\\ .eE+-]{0,64}") {
        check_decoded(SerializerKind::Json, text.as_bytes())?;
    }

    /// Truncations and corruptions of valid frames never make `decode` panic.
    #[test]
    fn damaged_frames_never_panic(
        msg in message(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        for kind in SerializerKind::ALL {
            let frame = kind.encode(&msg).unwrap();
            let len = cut.index(frame.len() + 1);
            check_decoded(kind, &frame[..len])?;
            let mut damaged = frame.to_vec();
            for (at, byte) in &flips {
                let i = at.index(damaged.len());
                damaged[i] = *byte;
            }
            check_decoded(kind, &damaged)?;
        }
    }
}

/// Decodes arbitrary bytes; if they decode, the message must be usable: its
/// payload can be asked for, and it re-encodes and decodes to the same message.
fn check_decoded(kind: SerializerKind, bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(msg) = decode(kind, bytes) else {
        return Ok(());
    };
    if let Some(p) = msg.payload() {
        let _ = p.args_values();
        let _ = p.kwargs_values();
        let _ = format!("{p:?}");
    }
    if let Ok(frame) = kind.encode(&msg) {
        let again = kind
            .decode(frame.clone())
            .map_err(|e| TestCaseError::fail(format!("{kind}: re-encoded {msg:?} fails: {e}")))?;
        prop_assert_eq!(&again, &msg, "{}: {:?}", kind, bytes);
    }
    for other in SerializerKind::ALL {
        let _ = other.encode(&msg);
    }
    Ok(())
}

/// The edge IDs are accepted in every ID position, and 2^53 + 1 is rejected.
#[test]
fn id_edges() {
    for kind in SerializerKind::ALL {
        for n in [0, 1, MAX_ID] {
            let msg = Message::Published(Published {
                request: n,
                publication: n,
            });
            assert_eq!(kind.decode(kind.encode(&msg).unwrap()).unwrap(), msg);
        }
        let too_big = Message::Published(Published {
            request: 1,
            publication: MAX_ID + 1,
        });
        let err = kind.decode(kind.encode(&too_big).unwrap()).unwrap_err();
        assert!(
            matches!(err, ProtocolError::IdOutOfRange { .. }),
            "{kind}: {err}"
        );
    }
}

/// The strategies themselves produce every message type.
#[test]
fn strategy_covers_all_message_types() {
    let mut runner = TestRunner::new(Config::default());
    let strategy = message();
    let mut seen = BTreeMap::new();
    for _ in 0..2000 {
        let msg = strategy.new_tree(&mut runner).unwrap().current();
        *seen.entry(msg.message_type().code()).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), MessageType::ALL.len(), "{seen:?}");
}

/// Deeply nested payloads and options are rejected or decoded, never a crash.
#[test]
fn deep_nesting_never_panics() {
    for depth in [10, 100, 127, 128, 200, 255, 256, 300, 10_000] {
        let mut frames = Vec::new();
        // CALL with the nesting in Arguments, then in Options.
        let mut json = b"[48,1,{},\"a\",".to_vec();
        json.extend(std::iter::repeat_n(b'[', depth));
        json.extend(std::iter::repeat_n(b']', depth));
        json.push(b']');
        frames.push((SerializerKind::Json, json));
        let mut json = b"[48,1,{\"x\":".to_vec();
        json.extend(std::iter::repeat_n(b'[', depth));
        json.extend(std::iter::repeat_n(b']', depth));
        json.extend_from_slice(b"},\"a\"]");
        frames.push((SerializerKind::Json, json));

        let mut msgpack = vec![0x95, 0x30, 0x01, 0x80, 0xa1, b'a'];
        msgpack.extend(std::iter::repeat_n(0x91, depth));
        msgpack.push(0xc0);
        frames.push((SerializerKind::MsgPack, msgpack));
        let mut msgpack = vec![0x94, 0x30, 0x01, 0x81, 0xa1, b'x'];
        msgpack.extend(std::iter::repeat_n(0x91, depth));
        msgpack.extend_from_slice(&[0xc0, 0xa1, b'a']);
        frames.push((SerializerKind::MsgPack, msgpack));

        let mut cbor = vec![0x85, 0x18, 0x30, 0x01, 0xa0, 0x61, b'a'];
        cbor.extend(std::iter::repeat_n(0x81, depth));
        cbor.push(0xf6);
        frames.push((SerializerKind::Cbor, cbor));
        let mut cbor = vec![0x85, 0x18, 0x30, 0x01, 0xa0, 0x61, b'a'];
        cbor.extend(std::iter::repeat_n(0x9f, depth));
        cbor.extend(std::iter::repeat_n(0xff, depth));
        frames.push((SerializerKind::Cbor, cbor));
        let mut cbor = vec![0x84, 0x18, 0x30, 0x01, 0xa1, 0x61, b'x'];
        cbor.extend(std::iter::repeat_n(0xc6, depth)); // nested tags
        cbor.extend_from_slice(&[0xf6, 0x61, b'a']);
        frames.push((SerializerKind::Cbor, cbor));

        for (kind, frame) in frames {
            if let Err(e) = check_decoded(kind, &frame) {
                panic!("{kind} depth {depth}: {e}");
            }
        }
    }
}
