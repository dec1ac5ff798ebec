//! A scripted WAMP peer for router tests: sends and receives typed messages
//! over a real transport, with a timeout on every receive.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use wamp::SerializerKind;
use wamp::protocol::options::*;
use wamp::protocol::roles::{Role, RoleDetails, Roles, feature};
use wamp::protocol::*;
use wamp::router::{RealmConfig, Router};
use wamp::transport::{ClientOptions, Transport, connect};

/// A router on a loopback port.
pub async fn router_with(realms: Vec<RealmConfig>) -> (Router, SocketAddr) {
    let mut builder = Router::builder();
    for r in realms {
        builder = builder.realm(r);
    }
    let router = builder.build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    (router, addr)
}

/// An open router with realm `realm1`.
pub async fn router() -> (Router, SocketAddr) {
    router_with(vec![RealmConfig::open("realm1")]).await
}

/// Client roles with every feature the scripted peer can handle.
pub fn client_roles() -> Roles {
    Roles::default()
        .with(
            Role::Caller,
            RoleDetails::with_features([
                feature::PROGRESSIVE_CALL_RESULTS,
                feature::CALL_CANCELING,
            ]),
        )
        .with(
            Role::Callee,
            RoleDetails::with_features([
                feature::PROGRESSIVE_CALL_RESULTS,
                feature::CALL_CANCELING,
                feature::REGISTRATION_REVOCATION,
            ]),
        )
        .with(Role::Publisher, RoleDetails::default())
        .with(
            Role::Subscriber,
            RoleDetails::with_features([feature::SUBSCRIPTION_REVOCATION]),
        )
}

/// [`client_roles`] with a callee that also takes progressive call
/// invocations (input chunks).
pub fn streaming_callee_roles() -> Roles {
    client_roles().with(
        Role::Callee,
        RoleDetails::with_features([
            feature::PROGRESSIVE_CALL_RESULTS,
            feature::PROGRESSIVE_CALL_INVOCATIONS,
            feature::CALL_CANCELING,
            feature::REGISTRATION_REVOCATION,
        ]),
    )
}

/// One scripted peer.
pub struct Peer {
    pub t: Transport,
    pub session: Id,
    pub welcome: Option<Welcome>,
    pub next: Id,
}

pub fn uri(s: &str) -> Uri {
    Uri::with_kind(s, wamp::protocol::uri::UriKind::EmptyComponents).unwrap()
}

impl Peer {
    /// Connects without joining.
    pub async fn connect(url: &str, serializer: SerializerKind) -> Peer {
        let t = connect(url, &ClientOptions::with_serializers([serializer]))
            .await
            .unwrap();
        Peer {
            t,
            session: 0,
            welcome: None,
            next: 0,
        }
    }

    /// Connects over WebSocket and joins `realm1` anonymously.
    pub async fn join(addr: SocketAddr, serializer: SerializerKind) -> Peer {
        Self::join_url(&format!("ws://{addr}/ws"), serializer).await
    }

    /// Connects to `url` and joins `realm1` anonymously.
    pub async fn join_url(url: &str, serializer: SerializerKind) -> Peer {
        let mut p = Peer::connect(url, serializer).await;
        p.hello("realm1", HelloDetails::default()).await;
        match p.recv().await {
            Message::Welcome(w) => {
                p.session = w.session;
                p.welcome = Some(w);
            }
            other => panic!("expected WELCOME, got {other:?}"),
        }
        p
    }

    /// Connects over WebSocket and joins `realm1` announcing `roles`.
    pub async fn join_with_roles(
        addr: SocketAddr,
        serializer: SerializerKind,
        roles: Roles,
    ) -> Peer {
        let mut p = Peer::connect(&format!("ws://{addr}/ws"), serializer).await;
        let details = HelloDetails {
            roles: Some(roles),
            ..Default::default()
        };
        p.send(Message::Hello(Hello {
            realm: Uri::new("realm1").unwrap(),
            details,
        }))
        .await;
        match p.recv().await {
            Message::Welcome(w) => {
                p.session = w.session;
                p.welcome = Some(w);
            }
            other => panic!("expected WELCOME, got {other:?}"),
        }
        p
    }

    pub async fn hello(&mut self, realm: &str, mut details: HelloDetails) {
        details.roles = Some(client_roles());
        self.send(Message::Hello(Hello {
            realm: Uri::new(realm).unwrap(),
            details,
        }))
        .await;
    }

    pub fn next_id(&mut self) -> Id {
        self.next += 1;
        self.next
    }

    pub fn kind(&self) -> SerializerKind {
        self.t.serializer
    }

    pub async fn send(&mut self, msg: Message) {
        let frame = self.t.serializer.encode(&msg).unwrap();
        self.t.sink.send(frame).await.unwrap();
    }

    /// The next message; fails the test after 5 s.
    pub async fn recv(&mut self) -> Message {
        let frame = tokio::time::timeout(Duration::from_secs(5), self.t.stream.next())
            .await
            .expect("timed out waiting for a message")
            .expect("transport closed")
            .expect("transport error");
        self.t.serializer.decode(frame).unwrap()
    }

    /// Whether nothing arrives within `ms` milliseconds.
    pub async fn quiet(&mut self, ms: u64) -> bool {
        tokio::time::timeout(Duration::from_millis(ms), self.t.stream.next())
            .await
            .is_err()
    }

    /// Whether the transport is closed by the router within 5 s (reading past
    /// any messages still queued).
    pub async fn closed(&mut self) -> bool {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.t.stream.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    pub async fn register_with(
        &mut self,
        procedure: &str,
        options: WireRegisterOptions,
    ) -> Result<Id, ErrorMessage> {
        let request = self.next_id();
        self.send(Message::Register(Register {
            request,
            options,
            procedure: uri(procedure),
        }))
        .await;
        match self.recv().await {
            Message::Registered(r) if r.request == request => Ok(r.registration),
            Message::Error(e) if e.request == request => Err(e),
            other => panic!("unexpected reply to REGISTER: {other:?}"),
        }
    }

    pub async fn register(&mut self, procedure: &str) -> Id {
        self.register_with(procedure, WireRegisterOptions::default())
            .await
            .unwrap()
    }

    pub async fn subscribe_with(&mut self, topic: &str, options: WireSubscribeOptions) -> Id {
        let request = self.next_id();
        self.send(Message::Subscribe(Subscribe {
            request,
            options,
            topic: uri(topic),
        }))
        .await;
        match self.recv().await {
            Message::Subscribed(s) if s.request == request => s.subscription,
            other => panic!("unexpected reply to SUBSCRIBE: {other:?}"),
        }
    }

    pub async fn subscribe(&mut self, topic: &str) -> Id {
        self.subscribe_with(topic, WireSubscribeOptions::default())
            .await
    }

    /// Sends a CALL and returns its request ID.
    pub async fn call_with(
        &mut self,
        procedure: &str,
        options: WireCallOptions,
        payload: Payload,
    ) -> Id {
        let request = self.next_id();
        self.send(Message::Call(Call {
            request,
            options,
            procedure: uri(procedure),
            payload,
        }))
        .await;
        request
    }

    pub async fn call(&mut self, procedure: &str, payload: Payload) -> Id {
        self.call_with(procedure, WireCallOptions::default(), payload)
            .await
    }

    pub async fn publish_with(
        &mut self,
        topic: &str,
        options: WirePublishOptions,
        payload: Payload,
    ) -> Id {
        let request = self.next_id();
        self.send(Message::Publish(Publish {
            request,
            options,
            topic: uri(topic),
            payload,
        }))
        .await;
        request
    }

    pub async fn yield_(&mut self, request: Id, payload: Payload) {
        self.send(Message::Yield(Yield {
            request,
            options: YieldOptions::default(),
            payload,
        }))
        .await;
    }

    pub async fn expect_invocation(&mut self) -> Invocation {
        match self.recv().await {
            Message::Invocation(i) => i,
            other => panic!("expected INVOCATION, got {other:?}"),
        }
    }

    pub async fn expect_result(&mut self, request: Id) -> ResultMessage {
        match self.recv().await {
            Message::Result(r) if r.request == request => r,
            other => panic!("expected RESULT for {request}, got {other:?}"),
        }
    }

    pub async fn expect_error(&mut self, request: Id) -> ErrorMessage {
        match self.recv().await {
            Message::Error(e) if e.request == request => e,
            other => panic!("expected ERROR for {request}, got {other:?}"),
        }
    }

    pub async fn expect_event(&mut self) -> Event {
        match self.recv().await {
            Message::Event(e) => e,
            other => panic!("expected EVENT, got {other:?}"),
        }
    }

    /// Calls a meta procedure and returns its positional results.
    pub async fn meta(
        &mut self,
        procedure: &str,
        args: Vec<Value>,
    ) -> Result<Vec<Value>, ErrorMessage> {
        let request = self
            .call(procedure, Payload::from_values(args, Dict::new()))
            .await;
        match self.recv().await {
            Message::Result(r) if r.request == request => Ok(r.payload.args_values().unwrap()),
            Message::Error(e) if e.request == request => Err(e),
            other => panic!("unexpected reply to {procedure}: {other:?}"),
        }
    }

    pub async fn goodbye(&mut self) {
        self.send(Message::Goodbye(Goodbye::new(
            Uri::new("wamp.close.normal").unwrap(),
        )))
        .await;
        match self.recv().await {
            Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.goodbye_and_out"),
            other => panic!("expected GOODBYE, got {other:?}"),
        }
    }
}

pub fn args<T: serde::Serialize>(kind: SerializerKind, v: &T) -> Payload {
    Payload::encode_args(kind, v).unwrap()
}
