//! The built `wamp-router` binary serving a Unix socket listener from its
//! TOML (`path`, `mode`): the file gets the mode, sessions join over
//! RawSocket and WebSocket with every serializer, and the file is removed
//! when the router exits on SIGINT. Root ignores file permissions, so the
//! access control is checked through the mode bits.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use wamp::SerializerKind;
use wamp::protocol::options::HelloDetails;
use wamp::protocol::roles::{Role, RoleDetails, Roles};
use wamp::protocol::*;
use wamp::transport::{ClientOptions, Transport, TransportKind, connect};

const BIN: &str = env!("CARGO_BIN_EXE_wamp-router");

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
    let roles = Roles::default().with(Role::Caller, RoleDetails::default());
    let hello = Message::Hello(Hello {
        realm: Uri::new("realm1").unwrap(),
        details: HelloDetails {
            roles: Some(roles),
            ..HelloDetails::default()
        },
    });
    let frame = t.serializer.encode(&hello).unwrap();
    t.sink.send(frame).await.unwrap();
    match recv(&mut t).await {
        Message::Welcome(_) => t,
        other => panic!("expected WELCOME, got {other:?}"),
    }
}

#[tokio::test]
async fn serves_a_unix_socket_from_its_config() {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("router.sock");
    let config = dir.join("router.toml");
    std::fs::write(
        &config,
        format!(
            "[[realm]]\nname = \"realm1\"\n\n[[listener]]\npath = \"{}\"\nmode = 0o640\n",
            socket.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["--log", "wamp=debug,info"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    assert_eq!(
        line.trim_end(),
        format!(
            "listening on unix:{p}: ws+unix://{p} rs+unix://{p}",
            p = socket.display()
        )
    );

    let meta = std::fs::metadata(&socket).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);

    let p = socket.display();
    for (scheme, kind) in [
        ("rs+unix", TransportKind::UnixRawSocket),
        ("ws+unix", TransportKind::UnixWebSocket),
    ] {
        for serializer in SerializerKind::ALL {
            let t = join(&format!("{scheme}://{p}"), serializer).await;
            assert_eq!(t.details.kind, kind);
        }
    }

    // SAFETY: plain kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the router did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(!socket.exists(), "the socket file outlived the router");
    let _ = std::fs::remove_dir_all(&dir);
}
