//! `wamp-router hash-ticket`: the hash it prints, used as `ticket_hash` in a
//! config, lets the ticket (and only it) log in.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use wamp::SerializerKind;
use wamp::protocol::options::HelloDetails;
use wamp::protocol::roles::{Role, RoleDetails, Roles};
use wamp::protocol::*;
use wamp::transport::{ClientOptions, Transport, connect};

const BIN: &str = env!("CARGO_BIN_EXE_wamp-router");

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

/// Starts the router and returns it with the address it printed.
fn start(config: &PathBuf) -> (Child, String) {
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(["--listen", "127.0.0.1:0", "--log", "warn"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
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
    let frame = tokio::time::timeout(Duration::from_secs(30), t.stream.next())
        .await
        .expect("timed out waiting for a message")
        .expect("transport closed")
        .expect("transport error");
    t.serializer.decode(frame).unwrap()
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

    let config = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hash-ticket.toml");
    let text = format!(
        "[[realm]]\nname = \"realm1\"\n\n[[realm.auth.ticket]]\nauthid = \"svc\"\nticket_hash = \"{hash}\"\nrole = \"service\"\n"
    );
    std::fs::write(&config, text).unwrap();
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
