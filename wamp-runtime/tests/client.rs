//! Client session tests against scripted routers: in-memory transports and
//! real loopback WebSocket/RawSocket servers. The scripted peer reads and
//! writes typed messages and checks what the client sends.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use wamp::auth::{CryptoSign, Ticket, WampCra, cryptosign, wampcra};
use wamp::client::{
    JoinConfig, RetryPolicy, TransportConfig, event_handler, procedure, typed_procedure,
};
use wamp::protocol::options::{
    CancelMode, ChallengeExtra, InterruptOptions, InvocationDetails, ResultDetails,
    UnregisteredDetails, WelcomeDetails, WireEventDetails,
};
use wamp::protocol::roles::{Role, RoleDetails, Roles, feature};
use wamp::protocol::uris;
use wamp::protocol::{
    Challenge, ErrorMessage, Event, Interrupt, Invocation, Message, MessageType, Payload,
    Published, Registered, ResultMessage, Subscribed, Unregistered, Uri, Welcome,
};
use wamp::transport::{Acceptor, ServerOptions, Transport, memory};
use wamp::{
    CallOptions, CallResult, Error, ErrorKind, PublishOptions, RegisterOptions, Session,
    SubscribeOptions,
};

const WAIT: Duration = Duration::from_secs(5);

/// The router side of a transport, speaking typed messages.
struct Peer {
    t: Transport,
}

impl Peer {
    async fn recv(&mut self) -> Message {
        let frame = tokio::time::timeout(WAIT, self.t.stream.next())
            .await
            .expect("peer timed out waiting for a message")
            .expect("transport closed")
            .expect("transport error");
        self.t
            .serializer
            .decode(frame)
            .expect("client sent an invalid message")
    }

    async fn recv_end(&mut self) -> bool {
        matches!(
            tokio::time::timeout(WAIT, self.t.stream.next()).await,
            Ok(None) | Ok(Some(Err(_)))
        )
    }

    async fn send(&mut self, m: Message) {
        let frame = self.t.serializer.encode(&m).unwrap();
        self.t.sink.send(frame).await.unwrap();
    }

    fn args<T: serde::Serialize>(&self, args: &T) -> Payload {
        Payload::encode_args(self.t.serializer, args).unwrap()
    }

    /// Answers a HELLO with WELCOME.
    async fn welcome(&mut self, session: u64) -> wamp::protocol::Hello {
        let Message::Hello(hello) = self.recv().await else {
            panic!("expected HELLO")
        };
        self.send(welcome(session, "anonymous")).await;
        hello
    }
}

fn welcome(session: u64, authmethod: &str) -> Message {
    Message::Welcome(Welcome {
        session,
        details: WelcomeDetails {
            roles: Some(
                Roles::default()
                    .with(Role::Broker, RoleDetails::default())
                    .with(Role::Dealer, RoleDetails::default()),
            ),
            authid: Some("joe".into()),
            authrole: Some("user".into()),
            authmethod: Some(authmethod.into()),
            ..WelcomeDetails::default()
        },
    })
}

async fn joined(kind: wamp::SerializerKind) -> (Session, Peer) {
    let (client, server) = memory::pair(kind, 64);
    let mut peer = Peer { t: server };
    let join = tokio::spawn(Session::join(
        client,
        JoinConfig::new("realm1").with_state(41u32),
    ));
    peer.welcome(7).await;
    (join.await.unwrap().unwrap(), peer)
}

async fn json() -> (Session, Peer) {
    joined(wamp::SerializerKind::Json).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_announces_features_and_exposes_welcome() {
    let (client, server) = memory::pair(wamp::SerializerKind::Cbor, 8);
    let mut peer = Peer { t: server };
    let join = tokio::spawn(Session::join(client, JoinConfig::new("realm1")));
    let hello = peer.welcome(99).await;
    assert_eq!(hello.realm.as_str(), "realm1");
    let roles = hello.details.roles.unwrap();
    for (role, f) in [
        (Role::Caller, feature::PROGRESSIVE_CALL_RESULTS),
        (Role::Caller, feature::CALL_CANCELING),
        (Role::Callee, feature::PATTERN_BASED_REGISTRATION),
        (Role::Callee, feature::REGISTRATION_REVOCATION),
        (Role::Publisher, feature::SUBSCRIBER_BLACKWHITE_LISTING),
        (Role::Subscriber, feature::SUBSCRIPTION_REVOCATION),
    ] {
        assert!(roles.has_feature(role, f), "{role:?} {f}");
    }
    assert_eq!(
        hello.details.authmethods,
        Some(vec!["anonymous".to_string()])
    );
    let session = join.await.unwrap().unwrap();
    assert_eq!(session.id(), 99);
    assert_eq!(session.details().authid.as_deref(), Some("joe"));
    assert_eq!(session.details().authrole.as_deref(), Some("user"));
}

/// Runs a join with one authenticator; the peer challenges and checks the answer with `check`.
async fn auth_join(
    auth: impl wamp::auth::Authenticator + 'static,
    extra: ChallengeExtra,
    check: impl FnOnce(&wamp::protocol::Hello, &str) -> bool,
) -> Result<Session, Error> {
    let (client, server) = memory::pair(wamp::SerializerKind::MsgPack, 8);
    let mut peer = Peer { t: server };
    let method = auth.method().to_owned();
    let join = tokio::spawn(Session::join(client, JoinConfig::new("realm1").auth(auth)));
    let Message::Hello(hello) = peer.recv().await else {
        panic!()
    };
    assert_eq!(hello.details.authmethods, Some(vec![method.clone()]));
    peer.send(Message::Challenge(Challenge {
        authmethod: method.clone(),
        extra,
    }))
    .await;
    let Message::Authenticate(a) = peer.recv().await else {
        panic!("expected AUTHENTICATE")
    };
    if check(&hello, &a.signature) {
        peer.send(welcome(5, &method)).await;
    } else {
        peer.send(Message::Abort(wamp::protocol::Abort::new(
            Uri::from_trusted("wamp.error.not_authorized"),
            "bad credentials",
        )))
        .await;
    }
    join.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_with_ticket() {
    let ok = auth_join(
        Ticket::new("joe", "secret!"),
        ChallengeExtra::default(),
        |h, sig| h.details.authid.as_deref() == Some("joe") && sig == "secret!",
    )
    .await;
    assert_eq!(ok.unwrap().details().authmethod.as_deref(), Some("ticket"));
    let bad = auth_join(
        Ticket::new("joe", "wrong"),
        ChallengeExtra::default(),
        |_, sig| sig == "secret!",
    )
    .await;
    assert_eq!(bad.unwrap_err().uri(), "wamp.error.not_authorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_with_wampcra_plain_and_salted() {
    let challenge = r#"{"authid":"joe","nonce":"x","session":5}"#;
    let plain = ChallengeExtra {
        challenge: Some(challenge.into()),
        ..ChallengeExtra::default()
    };
    auth_join(WampCra::new("joe", "s3cret"), plain, |_, sig| {
        wampcra::verify(b"s3cret", challenge, sig)
    })
    .await
    .unwrap();
    let salted = ChallengeExtra {
        challenge: Some(challenge.into()),
        salt: Some("salt123".into()),
        iterations: Some(100),
        keylen: Some(32),
        ..ChallengeExtra::default()
    };
    let key = wampcra::derive_key("s3cret", "salt123", 100, 32);
    auth_join(WampCra::new("joe", "s3cret"), salted.clone(), |_, sig| {
        wampcra::verify(key.as_bytes(), challenge, sig)
    })
    .await
    .unwrap();
    let wrong = auth_join(WampCra::new("joe", "other"), salted, |_, sig| {
        wampcra::verify(key.as_bytes(), challenge, sig)
    })
    .await;
    assert!(wrong.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_with_cryptosign() {
    let key = cryptosign::SigningKey::generate();
    let pubkey = key.public_key_hex();
    let challenge = "a5".repeat(32);
    let extra = ChallengeExtra {
        challenge: Some(challenge.clone()),
        ..ChallengeExtra::default()
    };
    auth_join(
        CryptoSign::new(key).with_authid("joe"),
        extra,
        |hello, sig| {
            let announced = hello
                .details
                .authextra
                .as_ref()
                .and_then(|e| e.get("pubkey"))
                .and_then(|v| v.as_str())
                .unwrap()
                .to_owned();
            announced == pubkey && cryptosign::verify_signature(&announced, &challenge, None, sig)
        },
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_result_and_error() {
    let (session, mut peer) = json().await;
    let call = tokio::spawn({
        let s = session.clone();
        async move {
            s.call("com.math.add", &(2, 3))
                .kwargs(&serde_json::json!({"round": true}))
                .options(CallOptions::default().disclose_me())
                .await
        }
    });
    let Message::Call(c) = peer.recv().await else {
        panic!()
    };
    assert_eq!(c.request, 1);
    assert_eq!(c.procedure.as_str(), "com.math.add");
    assert_eq!(c.options.disclose_me, Some(true));
    assert_eq!(c.payload.args::<(i64, i64)>().unwrap(), (2, 3));
    assert_eq!(
        c.payload.kwargs::<serde_json::Value>().unwrap(),
        serde_json::json!({"round": true})
    );
    let payload = peer.args(&[5]);
    peer.send(Message::Result(ResultMessage {
        request: 1,
        details: ResultDetails::default(),
        payload,
    }))
    .await;
    assert_eq!(call.await.unwrap().unwrap().get::<i64>().unwrap(), 5);

    let call = tokio::spawn({
        let s = session.clone();
        async move { s.call("com.math.div", &(1, 0)).await }
    });
    let Message::Call(c) = peer.recv().await else {
        panic!()
    };
    assert_eq!(c.request, 2, "request IDs are sequential");
    let payload = Payload::encode(
        peer.t.serializer,
        &["division by zero"],
        &serde_json::json!({"dividend": 1}),
    )
    .unwrap();
    peer.send(Message::Error(ErrorMessage {
        request_type: MessageType::Call,
        request: 2,
        details: Default::default(),
        error: Uri::from_trusted("com.math.error.div_by_zero"),
        payload,
    }))
    .await;
    let err = call.await.unwrap().unwrap_err();
    assert_eq!(err.uri(), "com.math.error.div_by_zero");
    assert_eq!(err.text().as_deref(), Some("division by zero"));
    assert_eq!(
        err.kwargs::<serde_json::Value>().unwrap(),
        serde_json::json!({"dividend": 1})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progressive_results_stream() {
    let (session, mut peer) = json().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = tokio::spawn({
        let s = session.clone();
        async move {
            let mut stream = s.call("com.long", &()).progressive().await.unwrap();
            while let Some(item) = stream.next().await {
                tx.send(item).unwrap();
            }
        }
    });
    let Message::Call(c) = peer.recv().await else {
        panic!()
    };
    assert_eq!(c.options.receive_progress, Some(true));
    for i in 0..3 {
        let payload = peer.args(&[i]);
        peer.send(Message::Result(ResultMessage {
            request: c.request,
            details: ResultDetails {
                progress: (i < 2).then_some(true),
                ..ResultDetails::default()
            },
            payload,
        }))
        .await;
        let item = rx.recv().await.unwrap().unwrap();
        assert_eq!(item.get::<i32>().unwrap(), i);
        assert_eq!(item.is_progress(), i < 2);
    }
    task.await.unwrap();
    assert!(
        rx.recv().await.is_none(),
        "the stream ends after the final result"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_deadline_fails_the_call_and_cancels() {
    let (session, mut peer) = json().await;
    let call = tokio::spawn({
        let s = session.clone();
        async move {
            s.call("com.slow", &())
                .timeout(Duration::from_millis(50))
                .await
        }
    });
    let Message::Call(c) = peer.recv().await else {
        panic!()
    };
    assert_eq!(
        c.options.timeout,
        Some(50),
        "timeout is sent in milliseconds"
    );
    let err = call.await.unwrap().unwrap_err();
    assert!(err.is_timeout(), "{err}");
    let Message::Cancel(cancel) = peer.recv().await else {
        panic!("expected CANCEL")
    };
    assert_eq!(cancel.request, c.request);
    assert_eq!(cancel.options.mode, Some(CancelMode::KillNoWait));
    // The late answer is ignored and the session keeps working.
    peer.send(Message::Result(ResultMessage {
        request: c.request,
        details: ResultDetails::default(),
        payload: Payload::empty(),
    }))
    .await;
    let again = tokio::spawn({
        let s = session.clone();
        async move { s.call("com.fast", &()).await }
    });
    let Message::Call(c2) = peer.recv().await else {
        panic!()
    };
    peer.send(Message::Result(ResultMessage {
        request: c2.request,
        details: ResultDetails::default(),
        payload: Payload::empty(),
    }))
    .await;
    assert!(again.await.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_call_sends_cancel_and_explicit_cancel_has_a_mode() {
    let (session, mut peer) = json().await;
    let pending = session.call("com.slow", &()).start().await.unwrap();
    let Message::Call(c) = peer.recv().await else {
        panic!()
    };
    drop(pending);
    let Message::Cancel(cancel) = peer.recv().await else {
        panic!("expected CANCEL")
    };
    assert_eq!(cancel.request, c.request);

    let pending = session.call("com.slow", &()).start().await.unwrap();
    let Message::Call(c) = peer.recv().await else {
        panic!()
    };
    pending.cancel(CancelMode::Kill);
    let Message::Cancel(cancel) = peer.recv().await else {
        panic!("expected CANCEL")
    };
    assert_eq!(cancel.options.mode, Some(CancelMode::Kill));
    peer.send(Message::Error(ErrorMessage {
        request_type: MessageType::Call,
        request: c.request,
        details: Default::default(),
        error: Uri::from_trusted(uris::CANCELED),
        payload: Payload::empty(),
    }))
    .await;
    assert!(pending.await.unwrap_err().is_canceled());
}

async fn register(
    session: &Session,
    peer: &mut Peer,
    uri: &str,
    opts: RegisterOptions,
    h: wamp::client::ProcedureHandler,
    id: u64,
) -> wamp::Registration {
    let reg = tokio::spawn({
        let s = session.clone();
        let uri = uri.to_owned();
        async move { s.register(&uri, opts, h).await }
    });
    let Message::Register(r) = peer.recv().await else {
        panic!("expected REGISTER")
    };
    assert_eq!(r.procedure.as_str(), uri);
    peer.send(Message::Registered(Registered {
        request: r.request,
        registration: id,
    }))
    .await;
    reg.await.unwrap().unwrap()
}

async fn invoke(
    peer: &mut Peer,
    request: u64,
    registration: u64,
    payload: Payload,
    details: InvocationDetails,
) -> Message {
    peer.send(Message::Invocation(Invocation {
        request,
        registration,
        details,
        payload,
    }))
    .await;
    peer.recv().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_yield_errors_and_panics() {
    let (session, mut peer) = json().await;
    let seen = Arc::new(std::sync::Mutex::new(None));
    let seen2 = seen.clone();
    register(
        &session,
        &mut peer,
        "com.math.",
        RegisterOptions::default().match_policy(wamp::client::MatchPolicy::Prefix),
        procedure(move |inv| {
            let seen = seen2.clone();
            async move {
                let (a, b): (i64, i64) = inv.payload.args()?;
                assert_eq!(*inv.state::<u32>().unwrap(), 41);
                *seen.lock().unwrap() = Some(inv.details.clone());
                match b {
                    0 => Err(Error::new("com.math.div_by_zero")
                        .with_args(&["no"])?
                        .with_kwargs(&serde_json::json!({"a": a}))?),
                    -1 => panic!("boom"),
                    _ => Ok(CallResult::value(&(a / b))?),
                }
            }
        }),
        11,
    )
    .await;

    let details = InvocationDetails {
        caller: Some(3),
        caller_authid: Some("alice".into()),
        caller_authrole: Some("admin".into()),
        procedure: Some("com.math.div".into()),
        timeout: Some(1000),
        ..InvocationDetails::default()
    };
    let p = peer.args(&(10, 2));
    let Message::Yield(y) = invoke(&mut peer, 1, 11, p, details).await else {
        panic!("expected YIELD")
    };
    assert_eq!(y.request, 1);
    assert_eq!(y.payload.args::<(i64,)>().unwrap(), (5,));
    let d = seen.lock().unwrap().clone().unwrap();
    assert_eq!(d.caller, Some(3));
    assert_eq!(d.caller_authid.as_deref(), Some("alice"));
    assert_eq!(d.caller_authrole.as_deref(), Some("admin"));
    assert_eq!(d.procedure, "com.math.div");
    assert_eq!(d.timeout, Some(Duration::from_secs(1)));

    let p = peer.args(&(1, 0));
    let Message::Error(e) = invoke(&mut peer, 2, 11, p, Default::default()).await else {
        panic!("expected ERROR")
    };
    assert_eq!(e.request_type, MessageType::Invocation);
    assert_eq!(e.error.as_str(), "com.math.div_by_zero");
    assert_eq!(e.payload.args::<(String,)>().unwrap().0, "no");
    assert_eq!(
        e.payload.kwargs::<serde_json::Value>().unwrap(),
        serde_json::json!({"a": 1})
    );

    let p = peer.args(&(1, -1));
    let Message::Error(e) = invoke(&mut peer, 3, 11, p, Default::default()).await else {
        panic!("expected ERROR")
    };
    assert_eq!(e.error.as_str(), uris::RUNTIME_ERROR);
    assert_eq!(e.payload.args::<(String,)>().unwrap().0, "boom");

    // Bad arguments for the typed sugar, then the session still serves calls.
    let p = peer.args(&("x", "y"));
    let Message::Error(e) = invoke(&mut peer, 4, 11, p, Default::default()).await else {
        panic!()
    };
    assert_eq!(e.error.as_str(), uris::INVALID_ARGUMENT);
    let p = peer.args(&(9, 3));
    let Message::Yield(y) = invoke(&mut peer, 5, 11, p, Default::default()).await else {
        panic!("the session survived the panic")
    };
    assert_eq!(y.payload.args::<(i64,)>().unwrap(), (3,));
    // Unknown registration.
    let Message::Error(e) = invoke(&mut peer, 6, 999, Payload::empty(), Default::default()).await
    else {
        panic!()
    };
    assert_eq!(e.error.as_str(), uris::NO_SUCH_REGISTRATION);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_cancels_the_handler_and_progress_is_sent() {
    let (session, mut peer) = json().await;
    let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
    let dropped_tx = Arc::new(std::sync::Mutex::new(Some(dropped_tx)));
    struct OnDrop(Arc<std::sync::Mutex<Option<oneshot::Sender<()>>>>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            if let Some(tx) = self.0.lock().unwrap().take() {
                let _ = tx.send(());
            }
        }
    }
    register(
        &session,
        &mut peer,
        "com.long",
        RegisterOptions::default(),
        procedure(move |inv| {
            let guard = OnDrop(dropped_tx.clone());
            async move {
                let _guard = guard;
                if let Some(p) = &inv.progress {
                    p.send(&["working"]).await?;
                }
                std::future::pending::<()>().await;
                Ok(CallResult::empty())
            }
        }),
        12,
    )
    .await;
    let details = InvocationDetails {
        receive_progress: Some(true),
        ..Default::default()
    };
    let Message::Yield(y) = invoke(&mut peer, 1, 12, Payload::empty(), details).await else {
        panic!("expected a progressive YIELD")
    };
    assert_eq!(y.options.progress, Some(true));
    peer.send(Message::Interrupt(Interrupt {
        request: 1,
        options: InterruptOptions {
            mode: Some(CancelMode::Kill),
            ..Default::default()
        },
    }))
    .await;
    let Message::Error(e) = peer.recv().await else {
        panic!("expected ERROR after INTERRUPT")
    };
    assert_eq!(e.request, 1);
    assert_eq!(e.error.as_str(), uris::CANCELED);
    tokio::time::timeout(WAIT, dropped_rx)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_limit_is_respected() {
    let (session, mut peer) = json().await;
    let running = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let (release_tx, release_rx) = tokio::sync::watch::channel(false);
    let (r, m) = (running.clone(), max.clone());
    register(
        &session,
        &mut peer,
        "com.limited",
        RegisterOptions::default().concurrency(1),
        procedure(move |_inv| {
            let (r, m, mut rel) = (r.clone(), m.clone(), release_rx.clone());
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                let _ = rel.wait_for(|v| *v).await;
                r.fetch_sub(1, Ordering::SeqCst);
                Ok(CallResult::empty())
            }
        }),
        13,
    )
    .await;
    for req in 1..=3 {
        peer.send(Message::Invocation(Invocation {
            request: req,
            registration: 13,
            details: Default::default(),
            payload: Payload::empty(),
        }))
        .await;
    }
    release_tx.send(true).unwrap();
    for _ in 0..3 {
        assert!(matches!(peer.recv().await, Message::Yield(_)));
    }
    assert_eq!(max.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_subscribe_and_event_details() {
    let (session, mut peer) = json().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sub = tokio::spawn({
        let s = session.clone();
        async move {
            s.subscribe(
                "com.chat.",
                SubscribeOptions::default()
                    .match_policy(wamp::client::MatchPolicy::Prefix)
                    .get_retained(),
                event_handler(move |ev| {
                    let tx = tx.clone();
                    async move {
                        let (text,): (String,) = ev.payload.args()?;
                        tx.send((text, ev.details)).unwrap();
                        Ok(())
                    }
                }),
            )
            .await
        }
    });
    let Message::Subscribe(s) = peer.recv().await else {
        panic!()
    };
    assert_eq!(s.options.get_retained, Some(true));
    assert_eq!(s.options.match_, Some(wamp::client::MatchPolicy::Prefix));
    peer.send(Message::Subscribed(Subscribed {
        request: s.request,
        subscription: 21,
    }))
    .await;
    let subscription = sub.await.unwrap().unwrap();
    assert_eq!(subscription.id(), 21);

    let payload = peer.args(&["hi"]);
    peer.send(Message::Event(Event {
        subscription: 21,
        publication: 777,
        details: WireEventDetails {
            publisher: Some(3),
            publisher_authid: Some("alice".into()),
            publisher_authrole: Some("user".into()),
            topic: Some("com.chat.room1".into()),
            retained: Some(true),
            x_acknowledged_delivery: Some(true),
            ..Default::default()
        },
        payload,
    }))
    .await;
    let (text, d) = rx.recv().await.unwrap();
    assert_eq!(text, "hi");
    assert_eq!(d.publication, 777);
    assert_eq!(d.publisher, Some(3));
    assert_eq!(d.publisher_authid.as_deref(), Some("alice"));
    assert_eq!(d.topic, "com.chat.room1");
    assert!(d.retained);
    let Message::EventReceived(ack) = peer.recv().await else {
        panic!("expected EVENT_RECEIVED")
    };
    assert_eq!(ack.publication, 777);

    // Acknowledged publish with filters.
    let publish = tokio::spawn({
        let s = session.clone();
        async move {
            let payload = Payload::encode_args(s.serializer(), &["x"]).unwrap();
            let opts = PublishOptions {
                exclude: vec![4],
                eligible_authrole: vec!["user".into()],
                ..PublishOptions::default()
                    .acknowledge()
                    .exclude_me(false)
                    .retain()
                    .disclose_me()
            };
            s.publish_with("com.chat.room1", payload, opts).await
        }
    });
    let Message::Publish(p) = peer.recv().await else {
        panic!()
    };
    assert_eq!(p.options.acknowledge, Some(true));
    assert_eq!(p.options.exclude_me, Some(false));
    assert_eq!(p.options.exclude, Some(vec![4]));
    assert_eq!(p.options.eligible_authrole, Some(vec!["user".to_string()]));
    assert_eq!(p.options.retain, Some(true));
    assert_eq!(p.options.disclose_me, Some(true));
    peer.send(Message::Published(Published {
        request: p.request,
        publication: 555,
    }))
    .await;
    assert_eq!(publish.await.unwrap().unwrap(), Some(555));

    // Unacknowledged publish needs no answer.
    assert_eq!(
        session.publish("com.chat.room1", &["y"]).await.unwrap(),
        None
    );
    assert!(matches!(peer.recv().await, Message::Publish(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_deactivates_registration_and_subscription() {
    let (session, mut peer) = json().await;
    let reg = register(
        &session,
        &mut peer,
        "com.x",
        RegisterOptions::default(),
        typed_procedure(|(): ()| async { Ok(1) }),
        31,
    )
    .await;
    assert!(reg.is_active());
    peer.send(Message::Unregistered(Unregistered {
        request: 0,
        details: Some(UnregisteredDetails {
            registration: Some(31),
            reason: Some("wamp.error.unregistered".into()),
            ..Default::default()
        }),
    }))
    .await;
    let Message::Error(e) = invoke(&mut peer, 1, 31, Payload::empty(), Default::default()).await
    else {
        panic!()
    };
    assert_eq!(e.error.as_str(), uris::NO_SUCH_REGISTRATION);
    assert!(!reg.is_active());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_loss_fails_every_pending_request() {
    let (session, mut peer) = json().await;
    let call = tokio::spawn({
        let s = session.clone();
        async move { s.call("com.never", &()).await }
    });
    let reg = tokio::spawn({
        let s = session.clone();
        async move {
            s.register(
                "com.never2",
                RegisterOptions::default(),
                typed_procedure(|(): ()| async { Ok(()) }),
            )
            .await
        }
    });
    // The two requests race on a multi-thread runtime: accept either order.
    let mut kinds = vec![
        peer.recv().await.message_type(),
        peer.recv().await.message_type(),
    ];
    kinds.sort_by_key(|k| k.code());
    assert_eq!(kinds, vec![MessageType::Call, MessageType::Register]);
    drop(peer);
    let lost = call.await.unwrap().unwrap_err();
    assert!(lost.is_transport_lost());
    assert_eq!(lost.kind(), ErrorKind::Transport);
    assert!(reg.await.unwrap().unwrap_err().is_transport_lost());
    assert_eq!(session.closed().await.reason, uris::TRANSPORT_LOST);
    let after = session.call("com.late", &()).await.unwrap_err();
    assert!(after.is_transport_lost(), "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_times_out_when_the_router_is_silent() {
    let (client, server) = memory::pair(wamp::SerializerKind::Json, 8);
    let config = JoinConfig {
        timeout: Duration::from_millis(50),
        ..JoinConfig::new("realm1")
    };
    let err = Session::join(client, config).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(std::error::Error::source(&err).is_some(), "{err:?}");
    drop(server);
}

/// The error of `f` when it fails: every error of the public API converts into
/// `wamp::Error` with `?`, with a kind and the original as its source.
async fn converted<T, F>(f: F) -> Error
where
    F: std::future::Future<Output = Result<T, Error>>,
{
    match f.await {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

fn source_is<E: std::error::Error + 'static>(e: &Error) -> bool {
    std::error::Error::source(e).is_some_and(|s| s.downcast_ref::<E>().is_some())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_of_the_public_api_convert_with_their_kind_and_source() {
    // A transport that cannot connect (nothing listens on port 1).
    let e = converted(async {
        Ok(wamp::transport::connect("ws://127.0.0.1:1/ws", &Default::default()).await?)
    })
    .await;
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
    assert_eq!(e.uri(), uris::TRANSPORT_LOST);
    assert!(e.is_transport_lost());
    assert!(source_is::<wamp::transport::TransportError>(&e), "{e:?}");

    // A frame that is no WAMP message.
    let e = converted(async {
        Ok(wamp::SerializerKind::Json.decode(bytes::Bytes::from_static(b"[999]"))?)
    })
    .await;
    assert_eq!(
        (e.kind(), e.uri()),
        (ErrorKind::Protocol, uris::PROTOCOL_VIOLATION)
    );
    assert!(source_is::<wamp::ProtocolError>(&e), "{e:?}");

    // Arguments of the wrong type.
    let e = converted(async {
        let payload = Payload::from_args(&(1,))?;
        Ok(payload.args::<(String,)>()?)
    })
    .await;
    assert_eq!(
        (e.kind(), e.uri()),
        (ErrorKind::InvalidArgument, uris::INVALID_ARGUMENT)
    );
    assert!(source_is::<wamp::protocol::PayloadError>(&e), "{e:?}");

    // A bad URI, a bad key, a file that is not there.
    let e = converted(async { Ok(Uri::new("com..bad")?) }).await;
    assert_eq!(
        (e.kind(), e.uri()),
        (ErrorKind::InvalidArgument, uris::INVALID_URI)
    );
    let e = converted(async { Ok(cryptosign::SigningKey::from_hex("not hex")?) }).await;
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert!(source_is::<wamp::auth::AuthError>(&e), "{e:?}");
    let e = converted(async { Ok(std::fs::read("/nonexistent/wamp")?) }).await;
    assert_eq!((e.kind(), e.uri()), (ErrorKind::Io, uris::RUNTIME_ERROR));
    assert!(source_is::<std::io::Error>(&e), "{e:?}");

    // A bad docs flag.
    let e = converted(async {
        let args = ["--print-schema".to_owned(), "pdf".to_owned()];
        Ok(wamp::docs::DocsRequest::parse(&args, None)?)
    })
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(source_is::<wamp::docs::CliError>(&e), "{e:?}");

    // The source survives a clone; errors made from a URI have its kind and no source.
    let cloned = e.clone();
    assert!(source_is::<wamp::docs::CliError>(&cloned));
    let app = Error::message("com.shop.out_of_stock", "apple");
    assert_eq!(app.kind(), ErrorKind::Application);
    assert!(std::error::Error::source(&app).is_none());
    assert_eq!(Error::new(uris::CANCELED).kind(), ErrorKind::Canceled);
    assert_eq!(Error::new(uris::NOT_JOINED).kind(), ErrorKind::Closed);
    let wrapped = app.with_source(std::io::Error::other("disk full"));
    assert_eq!(wrapped.kind(), ErrorKind::Application);
    assert!(source_is::<std::io::Error>(&wrapped));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_violation_aborts() {
    let (session, mut peer) = json().await;
    peer.send(welcome(8, "anonymous")).await;
    let Message::Abort(a) = peer.recv().await else {
        panic!("expected ABORT")
    };
    assert_eq!(a.reason.as_str(), uris::PROTOCOL_VIOLATION);
    assert_eq!(session.closed().await.reason, uris::PROTOCOL_VIOLATION);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_and_router_goodbye() {
    let (session, mut peer) = json().await;
    let leave = tokio::spawn({
        let s = session.clone();
        async move { s.leave().await }
    });
    let Message::Goodbye(g) = peer.recv().await else {
        panic!()
    };
    assert_eq!(g.reason.as_str(), uris::CLOSE_NORMAL);
    peer.send(Message::Goodbye(wamp::protocol::Goodbye::new(
        Uri::from_trusted(uris::CLOSE_GOODBYE_AND_OUT),
    )))
    .await;
    assert!(leave.await.unwrap().is_clean());
    assert!(peer.recv_end().await, "the transport closes after GOODBYE");

    let (session, mut peer) = json().await;
    peer.send(Message::Goodbye(wamp::protocol::Goodbye::new(
        Uri::from_trusted(uris::CLOSE_SYSTEM_SHUTDOWN),
    )))
    .await;
    let Message::Goodbye(g) = peer.recv().await else {
        panic!("GOODBYE must be answered")
    };
    assert_eq!(g.reason.as_str(), uris::CLOSE_GOODBYE_AND_OUT);
    assert_eq!(session.closed().await.reason, uris::CLOSE_SYSTEM_SHUTDOWN);
}

/// A loopback server (WebSocket and RawSocket on one port) handing each accepted transport to the test.
async fn loopback_server() -> (String, String, mpsc::UnboundedReceiver<Peer>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let acceptor = Acceptor::new(ServerOptions::default());
        while let Ok((tcp, _)) = listener.accept().await {
            if let Ok(t) = acceptor.accept_tcp(tcp).await {
                let _ = tx.send(Peer { t });
            }
        }
    });
    (format!("ws://{addr}/ws"), format!("rs://{addr}"), rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_over_websocket_and_rawsocket() {
    let (ws, rs, mut peers) = loopback_server().await;
    for url in [ws, rs] {
        let transport = wamp::transport::connect(&url, &Default::default())
            .await
            .unwrap();
        let mut peer = peers.recv().await.unwrap();
        let join = tokio::spawn(Session::join(transport, JoinConfig::new("realm1")));
        peer.welcome(1).await;
        let session = join.await.unwrap().unwrap();
        let call = tokio::spawn({
            let s = session.clone();
            async move { s.call("com.echo", &(b"\x00\xffbin".to_vec(),)).await }
        });
        let Message::Call(c) = peer.recv().await else {
            panic!()
        };
        let payload = c.payload.clone();
        peer.send(Message::Result(ResultMessage {
            request: c.request,
            details: ResultDetails::default(),
            payload,
        }))
        .await;
        let (bytes,): (Vec<u8>,) = call.await.unwrap().unwrap().args_as().unwrap();
        assert_eq!(bytes, b"\x00\xffbin", "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn component_reconnects_and_registers_again() {
    let (ws, _rs, mut peers) = loopback_server().await;
    let fast = RetryPolicy {
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    };
    let (joined_tx, mut joined_rx) = mpsc::unbounded_channel();
    let (left_tx, mut left_rx) = mpsc::unbounded_channel();
    let component = wamp::Component::builder("realm1")
        .transport_config(TransportConfig::url(ws, Default::default()).retry(fast))
        .procedure(
            "com.add",
            RegisterOptions::default(),
            typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
        )
        .subscription(
            "com.news",
            SubscribeOptions::default(),
            event_handler(|_| async { Ok(()) }),
        )
        .on_join(move |s| {
            let tx = joined_tx.clone();
            async move { tx.send(s.id()).unwrap() }
        })
        .on_leave(move |r| {
            let tx = left_tx.clone();
            async move { tx.send(r.reason).unwrap() }
        })
        .build();
    let (stop, task) = component.start();
    for round in 1..=2u64 {
        let mut peer = tokio::time::timeout(WAIT, peers.recv())
            .await
            .unwrap()
            .unwrap();
        peer.welcome(100 + round).await;
        let Message::Register(r) = peer.recv().await else {
            panic!("round {round}: expected REGISTER")
        };
        assert_eq!(r.procedure.as_str(), "com.add");
        assert_eq!(r.request, 1, "a new session counts requests from 1");
        peer.send(Message::Registered(Registered {
            request: r.request,
            registration: 5,
        }))
        .await;
        let Message::Subscribe(s) = peer.recv().await else {
            panic!("round {round}: expected SUBSCRIBE")
        };
        assert_eq!(s.topic.as_str(), "com.news");
        peer.send(Message::Subscribed(Subscribed {
            request: s.request,
            subscription: 6,
        }))
        .await;
        assert_eq!(joined_rx.recv().await, Some(100 + round));
        // The registration works on this session.
        let p = peer.args(&(2, round));
        let Message::Yield(y) = invoke(&mut peer, 1, 5, p, Default::default()).await else {
            panic!()
        };
        assert_eq!(y.payload.args::<(u64,)>().unwrap(), (2 + round,));
        if round == 1 {
            drop(peer); // the router's side dies
            assert_eq!(left_rx.recv().await.as_deref(), Some(uris::TRANSPORT_LOST));
        } else {
            stop.stop();
            let Message::Goodbye(_) = peer.recv().await else {
                panic!("stop leaves with GOODBYE")
            };
            peer.send(Message::Goodbye(wamp::protocol::Goodbye::new(
                Uri::from_trusted(uris::CLOSE_GOODBYE_AND_OUT),
            )))
            .await;
        }
    }
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        left_rx.recv().await.as_deref(),
        Some(uris::CLOSE_GOODBYE_AND_OUT)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn component_gives_up_after_max_retries() {
    let policy = RetryPolicy {
        initial_delay: Duration::from_millis(1),
        max_retries: Some(2),
        ..RetryPolicy::default()
    };
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = attempts.clone();
    let component = wamp::Component::builder("realm1")
        .transport_config(
            TransportConfig::custom("refusing", move || {
                a.fetch_add(1, Ordering::SeqCst);
                async { Err(wamp::transport::TransportError::Closed) }
            })
            .retry(policy),
        )
        .build();
    let err = component.run(Default::default()).await.unwrap_err();
    assert!(err.is_transport_lost());
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "one attempt plus two retries"
    );
}

#[test]
fn retry_policy_defaults_start_as_autobahns_and_cap_at_3_s() {
    let p = RetryPolicy::default();
    assert_eq!(p.initial_delay, Duration::from_millis(1500));
    assert_eq!(p.growth, 1.5);
    // Autobahn caps at 300 s; 3 s brings a component back soon after its router.
    assert_eq!(p.max_delay, Duration::from_secs(3));
    assert_eq!(p.jitter, 0.1);
    assert_eq!(p.max_retries, None);
    let mut d = None;
    for _ in 0..40 {
        d = Some(p.next_delay(d));
    }
    assert!(d.unwrap() <= p.max_delay);
    let first = p.next_delay(None).as_secs_f64();
    assert!((0.5..2.5).contains(&first), "{first}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cryptosign_bound_to_the_tls_channel() {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let cert = certified.cert.der().clone();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let server_tls =
        wamp::transport::tls::server_config_from_der(vec![cert.clone()], key_der).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        Acceptor::new(ServerOptions::default())
            .with_tls(server_tls)
            .accept_tcp(tcp)
            .await
            .unwrap()
    });
    let options = wamp::transport::ClientOptions {
        tls: Some(wamp::transport::tls::client_config_trusting([cert]).unwrap()),
        ..Default::default()
    };
    let transport = wamp::transport::connect(&format!("rss://127.0.0.1:{}", addr.port()), &options)
        .await
        .unwrap();
    let mut peer = Peer {
        t: server.await.unwrap(),
    };
    let binding = peer.t.details.channel_binding.clone().expect("TLS binding");
    let key = cryptosign::SigningKey::generate();
    let pubkey = key.public_key_hex();
    let auth = CryptoSign::new(key).with_transport_channel_binding();
    let join = tokio::spawn(Session::join(
        transport,
        JoinConfig::new("realm1").auth(auth),
    ));
    let Message::Hello(hello) = peer.recv().await else {
        panic!()
    };
    let extra = hello.details.authextra.unwrap();
    assert_eq!(
        extra.get("channel_binding").and_then(|v| v.as_str()),
        Some("tls-exporter")
    );
    let challenge = "5a".repeat(32);
    peer.send(Message::Challenge(Challenge {
        authmethod: "cryptosign".into(),
        extra: ChallengeExtra {
            challenge: Some(challenge.clone()),
            ..Default::default()
        },
    }))
    .await;
    let Message::Authenticate(a) = peer.recv().await else {
        panic!()
    };
    assert!(cryptosign::verify_signature(
        &pubkey,
        &challenge,
        Some(&binding),
        &a.signature
    ));
    assert!(!cryptosign::verify_signature(
        &pubkey,
        &challenge,
        None,
        &a.signature
    ));
    peer.send(welcome(3, "cryptosign")).await;
    join.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregister_unsubscribe_and_subscription_revocation() {
    let (session, mut peer) = json().await;
    let reg = register(
        &session,
        &mut peer,
        "com.x",
        RegisterOptions::default(),
        typed_procedure(|(): ()| async { Ok(1) }),
        41,
    )
    .await;
    // A procedure of no arguments takes a call without arguments.
    let answer = invoke(&mut peer, 1, 41, Payload::empty(), Default::default()).await;
    let Message::Yield(y) = answer else {
        panic!("expected YIELD, got {answer:?}")
    };
    assert_eq!(y.payload.args::<(i32,)>().unwrap(), (1,));
    let unreg = tokio::spawn(reg.clone().unregister());
    let Message::Unregister(u) = peer.recv().await else {
        panic!()
    };
    assert_eq!(u.registration, 41);
    peer.send(Message::Unregistered(Unregistered {
        request: u.request,
        details: None,
    }))
    .await;
    unreg.await.unwrap().unwrap();
    assert!(!reg.is_active());

    let mut subs = Vec::new();
    for _ in 0..2 {
        let sub = tokio::spawn({
            let s = session.clone();
            async move {
                s.subscribe(
                    "com.t",
                    SubscribeOptions::default(),
                    event_handler(|_| async { Ok(()) }),
                )
                .await
            }
        });
        let Message::Subscribe(s) = peer.recv().await else {
            panic!()
        };
        // The broker shares one subscription ID for the same topic.
        peer.send(Message::Subscribed(Subscribed {
            request: s.request,
            subscription: 51,
        }))
        .await;
        subs.push(sub.await.unwrap().unwrap());
    }
    // The first unsubscribe keeps the router subscription for the other handler.
    let first = subs.remove(0);
    first.clone().unsubscribe().await.unwrap();
    assert!(!first.is_active());
    let last = subs.remove(0);
    assert!(last.is_active());
    let unsub = tokio::spawn(last.clone().unsubscribe());
    let Message::Unsubscribe(u) = peer.recv().await else {
        panic!("UNSUBSCRIBE goes out with the last handler")
    };
    assert_eq!(u.subscription, 51);
    peer.send(Message::Unsubscribed(wamp::protocol::Unsubscribed {
        request: u.request,
        details: None,
    }))
    .await;
    unsub.await.unwrap().unwrap();
    assert!(!last.is_active());

    let sub = tokio::spawn({
        let s = session.clone();
        async move {
            s.subscribe(
                "com.u",
                SubscribeOptions::default(),
                event_handler(|_| async { Ok(()) }),
            )
            .await
        }
    });
    let Message::Subscribe(s) = peer.recv().await else {
        panic!()
    };
    peer.send(Message::Subscribed(Subscribed {
        request: s.request,
        subscription: 52,
    }))
    .await;
    let sub = sub.await.unwrap().unwrap();
    assert!(sub.is_active());
    peer.send(Message::Unsubscribed(wamp::protocol::Unsubscribed {
        request: 0,
        details: Some(wamp::protocol::options::UnsubscribedDetails {
            subscription: Some(52),
            reason: Some("wamp.error.unsubscribed".into()),
            ..Default::default()
        }),
    }))
    .await;
    // A round trip later the revocation has been handled.
    let ping = tokio::spawn({
        let s = session.clone();
        async move { s.call("com.ping", &()).await }
    });
    let Message::Call(c) = peer.recv().await else {
        panic!()
    };
    peer.send(Message::Result(ResultMessage {
        request: c.request,
        details: ResultDetails::default(),
        payload: Payload::empty(),
    }))
    .await;
    ping.await.unwrap().unwrap();
    assert!(!sub.is_active());
}

/// A component transport that hands the router side of each in-memory connection to the test.
fn memory_transport(tx: mpsc::UnboundedSender<Peer>) -> TransportConfig {
    TransportConfig::custom("memory", move || {
        let (client, server) = memory::pair(wamp::SerializerKind::MsgPack, 16);
        let _ = tx.send(Peer { t: server });
        async move { Ok(client) }
    })
    .retry(RetryPolicy {
        initial_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn component_retries_a_failed_join_and_components_run_side_by_side() {
    let (tx_a, mut peers_a) = mpsc::unbounded_channel();
    let (tx_b, mut peers_b) = mpsc::unbounded_channel();
    let (joined_tx, mut joined) = mpsc::unbounded_channel();
    let make = |realm: &str, tx, joined_tx: mpsc::UnboundedSender<(String, u64)>| {
        let realm_name = realm.to_owned();
        wamp::Component::builder(realm)
            .transport_config(memory_transport(tx))
            .state(realm_name.clone())
            .on_join(move |s| {
                let tx = joined_tx.clone();
                let realm = s.state::<String>().unwrap();
                async move { tx.send(((*realm).clone(), s.id())).unwrap() }
            })
            .build()
    };
    let a = make("realm.a", tx_a, joined_tx.clone());
    let b = make("realm.b", tx_b, joined_tx);
    let runner = tokio::spawn({
        let (a, b) = (a.clone(), b.clone());
        async move {
            let (stop_a, task_a) = a.start();
            let (stop_b, task_b) = b.start();
            (stop_a, stop_b, task_a, task_b)
        }
    });
    let (stop_a, stop_b, task_a, task_b) = runner.await.unwrap();

    // A: the first join is refused, the retry succeeds.
    let mut p = peers_a.recv().await.unwrap();
    let Message::Hello(h) = p.recv().await else {
        panic!()
    };
    assert_eq!(h.realm.as_str(), "realm.a");
    p.send(Message::Abort(wamp::protocol::Abort::new(
        Uri::from_trusted("wamp.error.no_such_realm"),
        "not yet",
    )))
    .await;
    let mut p = peers_a.recv().await.unwrap();
    p.welcome(1).await;
    // B joins its own realm.
    let mut q = peers_b.recv().await.unwrap();
    let Message::Hello(h) = q.recv().await else {
        panic!()
    };
    assert_eq!(h.realm.as_str(), "realm.b");
    q.send(welcome(2, "anonymous")).await;

    let mut seen = vec![joined.recv().await.unwrap(), joined.recv().await.unwrap()];
    seen.sort();
    assert_eq!(
        seen,
        vec![("realm.a".to_string(), 1), ("realm.b".to_string(), 2)]
    );

    stop_a.stop();
    stop_b.stop();
    for peer in [&mut p, &mut q] {
        let Message::Goodbye(_) = peer.recv().await else {
            panic!()
        };
        peer.send(Message::Goodbye(wamp::protocol::Goodbye::new(
            Uri::from_trusted(uris::CLOSE_GOODBYE_AND_OUT),
        )))
        .await;
    }
    task_a.await.unwrap().unwrap();
    task_b.await.unwrap().unwrap();
}
