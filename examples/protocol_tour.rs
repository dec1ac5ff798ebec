//! A tour of the protocol core and the transports: a tiny server answers HELLO
//! with WELCOME and `com.math.add` calls with their sum, on one loopback port
//! that speaks WebSocket and RawSocket; a client joins over each transport and
//! serializer, calls, prints the result and says GOODBYE.
//!
//! Run it with `cargo run -p wamp-examples --bin protocol_tour`.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use wamp::protocol::options::WelcomeDetails;
use wamp::protocol::roles::{Role, RoleDetails, Roles};
use wamp::protocol::{
    Call, ErrorMessage, Goodbye, Hello, Message, MessageType, Payload, ResultMessage, Uri, Welcome,
    id,
};
use wamp::transport::{Acceptor, ClientOptions, ServerOptions, Transport, connect};
use wamp::{ProtocolError, SerializerKind};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Sends one message on a transport.
async fn send(t: &mut Transport, msg: &Message) -> Result<(), BoxError> {
    let frame = t.serializer.encode(msg)?;
    t.sink.send(frame).await?;
    Ok(())
}

/// Receives one message from a transport.
async fn recv(t: &mut Transport) -> Result<Message, BoxError> {
    let frame = t.stream.next().await.ok_or("transport closed")??;
    Ok(t.serializer.decode(frame)?)
}

/// Serves one connection: the least a router does for one session.
async fn serve(mut t: Transport) -> Result<(), BoxError> {
    let Message::Hello(hello) = recv(&mut t).await? else {
        return Err("expected HELLO".into());
    };
    let roles = Roles::default().with(Role::Dealer, RoleDetails::default());
    let details = WelcomeDetails {
        roles: Some(roles),
        realm: Some(hello.realm.to_string()),
        ..Default::default()
    };
    send(
        &mut t,
        &Message::Welcome(Welcome {
            session: id::random_id(),
            details,
        }),
    )
    .await?;
    loop {
        match recv(&mut t).await? {
            Message::Call(call) if call.procedure == "com.math.add" => {
                let reply = match call.payload.args::<(i64, i64)>() {
                    Ok((a, b)) => Message::Result(ResultMessage {
                        request: call.request,
                        details: Default::default(),
                        payload: Payload::encode_args(t.serializer, &[a + b])?,
                    }),
                    Err(e) => Message::Error(ErrorMessage {
                        request_type: MessageType::Call,
                        request: call.request,
                        details: Default::default(),
                        error: Uri::new("wamp.error.invalid_argument")?,
                        payload: Payload::encode_args(t.serializer, &[e.to_string()])?,
                    }),
                };
                send(&mut t, &reply).await?;
            }
            Message::Goodbye(_) => {
                send(
                    &mut t,
                    &Message::Goodbye(Goodbye::new(Uri::new("wamp.close.goodbye_and_out")?)),
                )
                .await?;
                return Ok(());
            }
            other => return Err(format!("unexpected {:?}", other.message_type()).into()),
        }
    }
}

/// Joins, calls `com.math.add(a, b)` and leaves.
async fn client(url: &str, serializer: SerializerKind, a: i64, b: i64) -> Result<i64, BoxError> {
    let mut t = connect(url, &ClientOptions::with_serializers([serializer])).await?;
    let roles = Roles::default().with(Role::Caller, RoleDetails::default());
    let hello = Hello {
        realm: Uri::new("realm1")?,
        details: wamp::protocol::options::HelloDetails {
            roles: Some(roles),
            agent: Some("wamp-rs protocol tour".into()),
            ..Default::default()
        },
    };
    send(&mut t, &Message::Hello(hello)).await?;
    let Message::Welcome(welcome) = recv(&mut t).await? else {
        return Err("expected WELCOME".into());
    };
    let add = Uri::new("com.math.add")?;
    send(
        &mut t,
        &Message::Call(Call::new(
            1,
            add,
            Payload::encode_args(serializer, &(a, b))?,
        )),
    )
    .await?;
    let sum = match recv(&mut t).await? {
        Message::Result(result) => result.payload.args::<(i64,)>()?.0,
        other => return Err(format!("call failed: {other:?}").into()),
    };
    send(
        &mut t,
        &Message::Goodbye(Goodbye::new(Uri::new("wamp.close.normal")?)),
    )
    .await?;
    let Message::Goodbye(_) = recv(&mut t).await? else {
        return Err("expected GOODBYE".into());
    };
    println!(
        "{url:<28} {serializer:<8} session {:>16}: com.math.add({a}, {b}) = {sum}",
        welcome.session
    );
    Ok(sum)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // Logs (connections, retries, registrations) on stderr: info by default,
    // `RUST_LOG=debug` (or any filter) for more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let acceptor = Acceptor::new(ServerOptions::with_serializers(SerializerKind::ALL));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let transport = acceptor.accept_tcp(tcp).await;
            tokio::spawn(async move {
                if let Err(e) = async { serve(transport?).await }.await {
                    eprintln!("session failed: {e}");
                }
            });
        }
    });

    let cases = [
        (format!("ws://127.0.0.1:{port}/ws"), SerializerKind::Json),
        (format!("ws://127.0.0.1:{port}/ws"), SerializerKind::MsgPack),
        (format!("ws://127.0.0.1:{port}/ws"), SerializerKind::Cbor),
        (format!("rs://127.0.0.1:{port}"), SerializerKind::Json),
        (format!("rs://127.0.0.1:{port}"), SerializerKind::MsgPack),
        (format!("rs://127.0.0.1:{port}"), SerializerKind::Cbor),
    ];
    for (i, (url, serializer)) in cases.iter().enumerate() {
        let a = 20 + i as i64;
        assert_eq!(client(url, *serializer, a, 22).await?, a + 22);
    }

    // A malformed message is rejected with a precise protocol error.
    let bad = bytes::Bytes::from_static(br#"[16, 1, {"acknowledge": 1}, "com.example.topic"]"#);
    let err: ProtocolError = SerializerKind::Json.decode(bad).unwrap_err();
    println!("rejected as {}: {err}", ProtocolError::URI);
    Ok(())
}
