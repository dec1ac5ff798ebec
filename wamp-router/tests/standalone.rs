//! Runs the built `wamp-router` binary: start from a config file, serve a
//! WAMP session over WebSocket, shut down gracefully on SIGINT, and on SIGTERM
//! say GOODBYE then close WebSocket connections with 1001; refuse a config
//! with an unknown key; `wamp-router hash-ticket`: the hash it prints, used
//! as `ticket_hash` in a config, lets the ticket (and only it) log in.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use wamp::protocol::options::HelloDetails;
use wamp::protocol::roles::{Role, RoleDetails, Roles};
use wamp::protocol::*;
use wamp::transport::{ClientOptions, Transport, connect};
use wamp::{Payload, SerializerKind};

const BIN: &str = env!("CARGO_BIN_EXE_wamp-router");

fn write_config(name: &str, text: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts the router and returns it with the address it printed.
fn start(config: &PathBuf) -> (Child, String) {
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(["--listen", "127.0.0.1:0", "--log", "wamp=debug,info"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    // Keep draining stdout so that the router never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    // "listening on 127.0.0.1:PORT: ws://127.0.0.1:PORT/ws rs://127.0.0.1:PORT"
    let addr = line
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(": ").next())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, addr)
}

async fn send(t: &mut Transport, msg: Message) {
    let frame = t.serializer.encode(&msg).unwrap();
    t.sink.send(frame).await.unwrap();
}

async fn recv(t: &mut Transport) -> Message {
    let frame = tokio::time::timeout(Duration::from_secs(10), t.stream.next())
        .await
        .expect("timed out waiting for a message")
        .expect("transport closed")
        .expect("transport error");
    t.serializer.decode(frame).unwrap()
}

async fn join(url: &str, serializer: SerializerKind) -> Transport {
    let mut t = connect(url, &ClientOptions::with_serializers([serializer]))
        .await
        .unwrap();
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
    send(
        &mut t,
        Message::Hello(Hello {
            realm: Uri::new("realm1").unwrap(),
            details,
        }),
    )
    .await;
    match recv(&mut t).await {
        Message::Welcome(_) => t,
        other => panic!("expected WELCOME, got {other:?}"),
    }
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the router did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn serves_a_call_and_says_goodbye_on_sigint() {
    let config = write_config(
        "standalone-ok.toml",
        "[[listener]]\naddress = \"127.0.0.1:1\"\n\n[[realm]]\nname = \"realm1\"\n",
    );
    let (mut child, addr) = start(&config);
    let url = format!("ws://{addr}/ws");
    let mut callee = join(&url, SerializerKind::MsgPack).await;
    let mut caller = join(&url, SerializerKind::Json).await;

    send(
        &mut callee,
        Message::Register(Register::new(1, Uri::new("com.example.add2").unwrap())),
    )
    .await;
    let Message::Registered(_) = recv(&mut callee).await else {
        panic!("expected REGISTERED")
    };
    let args = Payload::encode_args(SerializerKind::Json, &(2, 3)).unwrap();
    send(
        &mut caller,
        Message::Call(Call::new(7, Uri::new("com.example.add2").unwrap(), args)),
    )
    .await;
    let Message::Invocation(inv) = recv(&mut callee).await else {
        panic!("expected INVOCATION")
    };
    let (a, b): (i64, i64) = inv.payload.args().unwrap();
    let result = Payload::encode_args(SerializerKind::MsgPack, &[a + b]).unwrap();
    send(
        &mut callee,
        Message::Yield(Yield {
            request: inv.request,
            options: Default::default(),
            payload: result,
        }),
    )
    .await;
    match recv(&mut caller).await {
        Message::Result(r) => {
            assert_eq!(r.request, 7);
            assert_eq!(r.payload.args::<(i64,)>().unwrap(), (5,));
        }
        other => panic!("expected RESULT, got {other:?}"),
    }

    // SAFETY: plain kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    for t in [&mut caller, &mut callee] {
        match recv(t).await {
            Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.system_shutdown"),
            other => panic!("expected GOODBYE, got {other:?}"),
        }
    }
    let status =
        tokio::task::spawn_blocking(move || wait_exit(&mut child, Duration::from_secs(15)))
            .await
            .unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn unknown_key_fails_with_its_name() {
    let config = write_config(
        "standalone-bad.toml",
        "[[realm]]\nname = \"realm1\"\nmax_sessions = 3\n",
    );
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("max_sessions"), "{stderr}");
    assert!(stderr.contains("realm[0]"), "{stderr}");
    assert!(stderr.contains("standalone-bad.toml"), "{stderr}");
}

#[tokio::test]
async fn applies_connections_per_listener_and_keepalive_from_the_config() {
    let config = write_config(
        "standalone-limits.toml",
        "[limits]\nconnections_per_listener = 1\n\n[keepalive]\ninterval_secs = 0.2\ntimeout_secs = 0.2\n\n[[listener]]\naddress = \"127.0.0.1:1\"\n\n[[realm]]\nname = \"realm1\"\n",
    );
    let (child, addr) = start(&config);
    let mut guard = KillOnDrop(Some(child));
    let url = format!("ws://{addr}/ws");
    let silent = join(&url, SerializerKind::Json).await;
    // The one place is taken: ABORT naming the limit.
    let mut over = connect(
        &url,
        &ClientOptions::with_serializers([SerializerKind::Json]),
    )
    .await
    .unwrap();
    send(
        &mut over,
        Message::Hello(Hello {
            realm: Uri::new("realm1").unwrap(),
            details: HelloDetails::default(),
        }),
    )
    .await;
    match recv(&mut over).await {
        Message::Abort(a) => assert_eq!(a.reason, "wamp.error.limit_exceeded"),
        other => panic!("expected ABORT, got {other:?}"),
    }
    // The first session never reads, so it answers no ping: keepalive drops it
    // and its place is free again.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut again = loop {
        let mut t = connect(
            &url,
            &ClientOptions::with_serializers([SerializerKind::Json]),
        )
        .await
        .unwrap();
        let roles = Roles::default().with(Role::Caller, RoleDetails::default());
        send(
            &mut t,
            Message::Hello(Hello {
                realm: Uri::new("realm1").unwrap(),
                details: HelloDetails {
                    roles: Some(roles),
                    ..HelloDetails::default()
                },
            }),
        )
        .await;
        match recv(&mut t).await {
            Message::Welcome(_) => break t,
            Message::Abort(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("expected WELCOME once the silent peer is dropped, got {other:?}"),
        }
    };
    drop(silent);
    let mut child = guard.0.take().unwrap();
    // SAFETY: plain kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    match recv(&mut again).await {
        Message::Goodbye(g) => assert_eq!(g.reason, "wamp.close.system_shutdown"),
        other => panic!("expected GOODBYE, got {other:?}"),
    }
    let status =
        tokio::task::spawn_blocking(move || wait_exit(&mut child, Duration::from_secs(15)))
            .await
            .unwrap();
    assert!(status.success(), "exit status {status:?}");
}

/// Kills the router if the test fails before it is shut down.
struct KillOnDrop(Option<Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `wamp-router hash-ticket` with `stdin`; its status and stdout.
fn hash_ticket(stdin: &str) -> (bool, String) {
    let mut child = Command::new(BIN)
        .arg("hash-ticket")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap().trim_end().to_owned(),
    )
}

/// Logs in to `realm1` as `svc` with `ticket`: WELCOME or ABORT.
async fn login(addr: &str, ticket: &str) -> Message {
    let mut t = connect(
        &format!("ws://{addr}/ws"),
        &ClientOptions::with_serializers([SerializerKind::Json]),
    )
    .await
    .unwrap();
    let details = HelloDetails {
        roles: Some(Roles::default().with(Role::Caller, RoleDetails::default())),
        authmethods: Some(vec!["ticket".into()]),
        authid: Some("svc".into()),
        ..HelloDetails::default()
    };
    let realm = Uri::new("realm1").unwrap();
    send(&mut t, Message::Hello(Hello { realm, details })).await;
    match recv(&mut t).await {
        Message::Challenge(c) => assert_eq!(c.authmethod, "ticket"),
        other => panic!("expected CHALLENGE, got {other:?}"),
    }
    let authenticate = Authenticate {
        signature: ticket.into(),
        extra: Default::default(),
    };
    send(&mut t, Message::Authenticate(authenticate)).await;
    recv(&mut t).await
}

#[tokio::test]
async fn a_hashed_ticket_logs_in_with_its_ticket_only() {
    let (ok, hash) = hash_ticket("s3cret-ticket\n");
    assert!(ok);
    assert!(hash.starts_with("$pbkdf2-sha256$i="), "{hash}");
    assert!(!hash.contains("s3cret"), "{hash}");
    assert!(!hash_ticket("").0, "an empty ticket is refused");

    let text = format!(
        "[[realm]]\nname = \"realm1\"\n\n[[realm.auth.ticket]]\nauthid = \"svc\"\nticket_hash = \"{hash}\"\nrole = \"service\"\n"
    );
    let config = write_config("hash-ticket.toml", &text);
    let (mut child, addr) = start(&config);
    match login(&addr, "s3cret-ticket").await {
        Message::Welcome(w) => {
            assert_eq!(w.details.authid.as_deref(), Some("svc"));
            assert_eq!(w.details.authrole.as_deref(), Some("service"));
        }
        other => panic!("expected WELCOME, got {other:?}"),
    }
    match login(&addr, "s3cret-tickeT").await {
        Message::Abort(a) => assert_eq!(a.reason, "wamp.error.not_authorized"),
        other => panic!("expected ABORT, got {other:?}"),
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// SIGTERM: GOODBYE `wamp.close.system_shutdown`, then a WebSocket close
/// with 1001 (going away), as a raw tokio-tungstenite client sees it.
#[tokio::test]
async fn sigterm_says_goodbye_then_closes_with_1001() {
    let config = write_config("close-codes.toml", "[[realm]]\nname = \"realm1\"\n");
    let (mut child, addr) = start(&config);

    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("wamp.2.json"),
    );
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut ws, _) = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::client_async(request, tcp),
    )
    .await
    .unwrap()
    .unwrap();
    ws.send(WsMessage::text(r#"[1,"realm1",{"roles":{"caller":{}}}]"#))
        .await
        .unwrap();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap()
    };
    match next().await {
        Some(Ok(WsMessage::Text(t))) => assert!(t.starts_with("[2,"), "expected WELCOME: {t}"),
        other => panic!("expected WELCOME, got {other:?}"),
    }

    // SAFETY: plain kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);
    match next().await {
        Some(Ok(WsMessage::Text(t))) => {
            assert!(
                t.contains("wamp.close.system_shutdown"),
                "expected GOODBYE: {t}"
            )
        }
        other => panic!("expected GOODBYE, got {other:?}"),
    }
    match next().await {
        Some(Ok(WsMessage::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1001),
        other => panic!("expected a close frame with 1001, got {other:?}"),
    }

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the router did not exit in time");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "exit status {status:?}");
}
