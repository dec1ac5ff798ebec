//! A raw WAMP peer for the benchmark: a transport plus the few request/reply
//! exchanges the set-up needs (HELLO, REGISTER, SUBSCRIBE). The measured
//! traffic is written by the benchmark loops themselves.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use wamp::SerializerKind;
use wamp::protocol::options::HelloDetails;
use wamp::protocol::roles::{Role, RoleDetails, Roles};
use wamp::protocol::{Hello, Message, Register, Subscribe, Uri};
use wamp::transport::{ClientOptions, FrameSink, FrameStream, connect};

/// Longest wait for any one message before the benchmark gives up.
pub(crate) const RECV_TIMEOUT: Duration = Duration::from_secs(20);

/// A benchmark failure: a message.
pub(crate) type BenchError = String;

/// A joined session's two halves and its serializer.
pub(crate) struct Peer {
    pub(crate) sink: FrameSink,
    pub(crate) stream: FrameStream,
    pub(crate) kind: SerializerKind,
}

/// The URI `s`, which the benchmark knows to be valid.
pub(crate) fn uri(s: &str) -> Uri {
    Uri::new(s).expect("valid URI")
}

/// Receives the next frame, failing after [`RECV_TIMEOUT`].
pub(crate) async fn recv_frame(stream: &mut FrameStream) -> Result<bytes::Bytes, BenchError> {
    tokio::time::timeout(RECV_TIMEOUT, stream.next())
        .await
        .map_err(|_| format!("no message from the server within {RECV_TIMEOUT:?}"))?
        .ok_or("the server closed the transport")?
        .map_err(|e| format!("transport error: {e}"))
}

/// Receives and decodes the next frame, failing after [`RECV_TIMEOUT`].
pub(crate) async fn recv(
    stream: &mut FrameStream,
    kind: SerializerKind,
) -> Result<Message, BenchError> {
    let frame = recv_frame(stream).await?;
    kind.decode(frame)
        .map_err(|e| format!("undecodable frame: {e}"))
}

impl Peer {
    /// Connects to `url` with one serializer and joins `realm`.
    pub(crate) async fn join(
        url: &str,
        kind: SerializerKind,
        realm: &str,
    ) -> Result<Peer, BenchError> {
        let t = connect(url, &ClientOptions::with_serializers([kind]))
            .await
            .map_err(|e| format!("connecting to {url}: {e}"))?;
        let mut peer = Peer {
            sink: t.sink,
            stream: t.stream,
            kind: t.serializer,
        };
        let roles = [
            Role::Caller,
            Role::Callee,
            Role::Publisher,
            Role::Subscriber,
        ]
        .into_iter()
        .fold(Roles::default(), |r, role| {
            r.with(role, RoleDetails::default())
        });
        let details = HelloDetails {
            roles: Some(roles),
            ..HelloDetails::default()
        };
        peer.send(&Message::Hello(Hello {
            realm: uri(realm),
            details,
        }))
        .await?;
        match peer.recv().await? {
            Message::Welcome(_) => Ok(peer),
            other => Err(format!("expected WELCOME, got {other:?}")),
        }
    }

    /// Encodes, writes and flushes one message.
    pub(crate) async fn send(&mut self, msg: &Message) -> Result<(), BenchError> {
        let frame = self
            .kind
            .encode(msg)
            .map_err(|e| format!("encoding: {e}"))?;
        self.sink
            .send(frame)
            .await
            .map_err(|e| format!("transport write: {e}"))
    }

    /// The next message.
    pub(crate) async fn recv(&mut self) -> Result<Message, BenchError> {
        recv(&mut self.stream, self.kind).await
    }

    /// Registers `procedure`.
    pub(crate) async fn register(&mut self, procedure: &str) -> Result<(), BenchError> {
        self.send(&Message::Register(Register::new(1, uri(procedure))))
            .await?;
        match self.recv().await? {
            Message::Registered(r) if r.request == 1 => Ok(()),
            other => Err(format!("expected REGISTERED, got {other:?}")),
        }
    }

    /// Subscribes to `topic` and returns the subscription ID.
    pub(crate) async fn subscribe(&mut self, topic: &str) -> Result<u64, BenchError> {
        self.send(&Message::Subscribe(Subscribe::new(1, uri(topic))))
            .await?;
        match self.recv().await? {
            Message::Subscribed(s) if s.request == 1 => Ok(s.subscription),
            other => Err(format!("expected SUBSCRIBED, got {other:?}")),
        }
    }
}
