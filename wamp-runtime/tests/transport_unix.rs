//! Unix domain sockets: the router's `listen_unix` and the client's
//! `rs+unix://` / `unix://` / `ws+unix://` URLs. Call and publish over both
//! wire protocols with every serializer; the socket file's mode; a stale
//! socket replaced, a regular file left alone; the file removed on shutdown.
//!
//! Root ignores file permissions, so the access control is checked through
//! the mode bits the file gets and, when the tests run as root, by a client
//! running as `nobody` (through `setpriv` and `python3`); not as root, that
//! last check cannot be made and is said to be skipped on stderr.
#![cfg(unix)]

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;
use wamp::client::{JoinConfig, event_handler, typed_procedure};
use wamp::router::{RealmConfig, Router};
use wamp::transport::{Acceptor, ClientOptions, ServerOptions, TransportKind, connect};
use wamp::{RegisterOptions, SerializerKind, Session, SubscribeOptions};

const WAIT: Duration = Duration::from_secs(5);

fn router() -> Router {
    Router::builder().realm(RealmConfig::open("realm1")).build()
}

fn socket_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("wamp.sock")
}

async fn join(url: &str, serializer: SerializerKind) -> Session {
    let transport = tokio::time::timeout(
        WAIT,
        connect(url, &ClientOptions::with_serializers([serializer])),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(transport.serializer, serializer);
    assert!(
        transport.details.kind.is_unix(),
        "{:?}",
        transport.details.kind
    );
    assert_eq!(transport.details.peer, None);
    Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_and_publish_over_both_protocols_and_every_serializer() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    let router = router();
    router.listen_unix(&path).await.unwrap();
    let p = path.display();

    let callee = join(&format!("rs+unix://{p}"), SerializerKind::MsgPack).await;
    callee
        .register(
            "com.math.add",
            RegisterOptions::default(),
            typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
        )
        .await
        .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler = event_handler(move |ev| {
        let tx = tx.clone();
        async move {
            let (n,): (i64,) = ev.payload.args()?;
            tx.send(n).unwrap();
            Ok(())
        }
    });
    let _sub = callee
        .subscribe("com.news", SubscribeOptions::default(), handler)
        .await
        .unwrap();

    let mut n = 0;
    for (scheme, kind) in [
        ("rs+unix://", TransportKind::UnixRawSocket),
        ("unix://", TransportKind::UnixRawSocket),
        ("ws+unix://", TransportKind::UnixWebSocket),
        // Autobahn|Python's forms.
        ("rs://unix:", TransportKind::UnixRawSocket),
        ("ws://unix:", TransportKind::UnixWebSocket),
    ] {
        for serializer in SerializerKind::ALL {
            let url = format!("{scheme}{p}");
            let t = connect(&url, &ClientOptions::with_serializers([serializer]))
                .await
                .unwrap();
            assert_eq!(t.details.kind, kind, "{url}");
            let session = Session::join(t, JoinConfig::new("realm1")).await.unwrap();
            n += 1;
            let sum: i64 = session
                .call("com.math.add", &(n, 1))
                .await
                .unwrap()
                .get()
                .unwrap();
            assert_eq!(sum, n + 1, "{url} {serializer}");
            let payload = wamp::Payload::encode_args(session.serializer(), &[n]).unwrap();
            session
                .publish_with("com.news", payload, Default::default())
                .await
                .unwrap();
            let got = tokio::time::timeout(WAIT, rx.recv())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got, n, "{url} {serializer}");

            // The meta API tells the transport kind and that the peer is local.
            let info: serde_json::Value = session
                .call("wamp.session.get", &(session.id(),))
                .await
                .unwrap()
                .get()
                .unwrap();
            let expected = if kind == TransportKind::UnixWebSocket {
                "websocket"
            } else {
                "rawsocket"
            };
            assert_eq!(info["transport"]["type"], expected, "{info}");
            assert_eq!(info["transport"]["peer"], "unix", "{info}");
            session.leave().await;
        }
    }
    router.shutdown();
}

#[tokio::test]
async fn socket_file_gets_the_configured_mode() {
    let dir = tempfile::tempdir().unwrap();
    let default = dir.path().join("default.sock");
    let group = dir.path().join("group.sock");
    let router = router();
    router.listen_unix(&default).await.unwrap();
    router
        .listen_unix_with(
            &group,
            0o660,
            Acceptor::new(ServerOptions::with_serializers(SerializerKind::ALL)),
        )
        .await
        .unwrap();
    assert!(std::fs::metadata(&default).unwrap().file_type().is_socket());
    assert_eq!(mode(&default), 0o600);
    assert_eq!(mode(&group), 0o660);
    assert_eq!(wamp::transport::DEFAULT_SOCKET_MODE, 0o600);
    // No temporary file is left beside the sockets.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // Both serve.
    join(&format!("unix://{}", group.display()), SerializerKind::Json).await;
    router.shutdown();
}

#[tokio::test]
async fn stale_socket_is_replaced_and_file_removed_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    // A stale socket file: bound by a listener that is gone.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_socket()
    );
    let refused = connect(
        &format!("unix://{}", path.display()),
        &ClientOptions::default(),
    )
    .await;
    assert!(refused.is_err());

    let router = router();
    router.listen_unix(&path).await.unwrap();
    join(
        &format!("rs+unix://{}", path.display()),
        SerializerKind::Cbor,
    )
    .await;

    router.shutdown();
    let deadline = tokio::time::Instant::now() + WAIT;
    while path.exists() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "socket file still there after shutdown"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn regular_file_at_the_path_is_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    std::fs::write(&path, b"precious").unwrap();
    let router = router();
    let err = router.listen_unix(&path).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert!(err.to_string().contains("not a socket"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    // Nothing else was left in the directory.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn bad_unix_urls_are_refused_clearly() {
    let err = connect("rs+unix://relative.sock", &ClientOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("absolute path"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.sock");
    let err = connect(
        &format!("ws+unix://{}", missing.display()),
        &ClientOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(!err.to_string().is_empty());
}

#[tokio::test]
async fn connections_per_listener_applies_to_a_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    let limits = wamp::router::Limits {
        connections_per_listener: 1,
        ..Default::default()
    };
    let router = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .limits(limits)
        .build();
    router.listen_unix(&path).await.unwrap();
    let url = format!("rs+unix://{}", path.display());
    let held = join(&url, SerializerKind::Json).await;
    let t = connect(
        &url,
        &ClientOptions::with_serializers([SerializerKind::Json]),
    )
    .await
    .unwrap();
    let err = Session::join(t, JoinConfig::new("realm1"))
        .await
        .expect_err("a second connection over the limit must be refused");
    assert!(
        err.to_string().contains("wamp.error.limit_exceeded"),
        "{err}"
    );
    drop(held);
    router.shutdown();
}

/// Whether a client running as `nobody` can connect to the socket at `path`
/// (`None` when that cannot be tried: not root, or no `setpriv`/`python3`).
async fn nobody_can_connect(path: &Path) -> Option<bool> {
    let uid = std::process::Command::new("id").arg("-u").output().ok()?;
    let tools = ["/usr/bin/setpriv", "/usr/bin/python3"];
    if String::from_utf8_lossy(&uid.stdout).trim() != "0"
        || tools.iter().any(|t| !Path::new(t).exists())
    {
        return None;
    }
    let script = "import socket, sys\n\
        s = socket.socket(socket.AF_UNIX)\n\
        try:\n    s.connect(sys.argv[1])\n\
        except PermissionError:\n    sys.exit(13)\n";
    let status = tokio::process::Command::new(tools[0])
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", tools[1]])
        .args(["-c", script])
        .arg(path)
        .status()
        .await
        .unwrap();
    match status.code() {
        Some(0) => Some(true),
        Some(13) => Some(false),
        _ => panic!("the client as nobody failed otherwise: {status}"),
    }
}

#[tokio::test]
async fn another_user_cannot_connect_to_an_owner_only_socket() {
    let dir = tempfile::tempdir().unwrap();
    // The directory may be traversed by all: only the socket's mode decides.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let private = dir.path().join("private.sock");
    let public = dir.path().join("public.sock");
    let router = router();
    router.listen_unix(&private).await.unwrap();
    router
        .listen_unix_with(
            &public,
            0o666,
            Acceptor::new(ServerOptions::with_serializers(SerializerKind::ALL)),
        )
        .await
        .unwrap();
    match nobody_can_connect(&private).await {
        Some(allowed) => {
            assert!(!allowed, "nobody connected to a 0o600 socket");
            assert_eq!(nobody_can_connect(&public).await, Some(true));
        }
        // Not root (the owner always may connect): the mode bits are checked
        // by `socket_file_gets_the_configured_mode`.
        None => eprintln!("not root or no setpriv/python3: connecting as another user not tried"),
    }
    router.shutdown();
}
