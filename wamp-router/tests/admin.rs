//! The `wamp-router` binary with `[admin]` enabled: it prints the admin
//! address, serves `/healthz`, `/readyz` and `/metrics` (counting a session
//! that joined) behind the configured token, and refuses requests without it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use wamp::Session;
use wamp::client::JoinConfig;
use wamp::transport::ClientOptions;

const BIN: &str = env!("CARGO_BIN_EXE_wamp-router");

const CONFIG: &str = r#"
[[realm]]
name = "realm1"

[admin]
enabled = true
listen = "127.0.0.1:0"
token = "admin-token"
"#;

/// Kills the router when the test ends, whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the router; the admin address and the WAMP address it printed.
fn start() -> (Running, String, String) {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("admin-router.toml");
    std::fs::write(&path, CONFIG).unwrap();
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&path)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let running = Running(child);
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    // "admin on http://127.0.0.1:PORT/ (/metrics /healthz /readyz)"
    let admin = line
        .strip_prefix("admin on http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    line.clear();
    stdout.read_line(&mut line).unwrap();
    let wamp = line
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(": ").next())
        .unwrap_or_else(|| panic!("unexpected second line: {line:?}"))
        .to_owned();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (running, admin, wamp)
}

/// `GET path` with an optional bearer token: (status, body).
fn get(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    tcp.read_to_string(&mut raw).unwrap();
    let status = raw[9..12].parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_listener_serves_health_and_metrics_behind_its_token() {
    let (_router, admin, wamp) = start();
    let token = Some("admin-token");
    let a = admin.clone();
    let (health, ready) = tokio::task::spawn_blocking(move || {
        (get(&a, "/healthz", token), get(&a, "/readyz", token))
    })
    .await
    .unwrap();
    assert_eq!(health, (200, "ok\n".to_owned()));
    assert_eq!(ready.0, 200, "{}", ready.1);

    let transport = wamp::transport::connect(&format!("ws://{wamp}/ws"), &ClientOptions::default())
        .await
        .unwrap();
    let session = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();

    let a = admin.clone();
    let (status, text) = tokio::task::spawn_blocking(move || get(&a, "/metrics", token))
        .await
        .unwrap();
    assert_eq!(status, 200, "{text}");
    let joins = text
        .lines()
        .find(|l| l.starts_with("wamp_router_joins_total{") && l.contains("realm=\"realm1\""))
        .unwrap_or_else(|| panic!("no joins counted:\n{text}"));
    assert!(joins.ends_with(" 1"), "{joins}");
    assert!(
        text.contains("wamp_router_transport_received_bytes_total{transport=\"websocket\"}"),
        "{text}"
    );

    let a = admin.clone();
    let refused = tokio::task::spawn_blocking(move || {
        ["/healthz", "/metrics", "/readyz"].map(|p| get(&a, p, None).0)
    })
    .await
    .unwrap();
    assert_eq!(refused, [401, 401, 401]);

    session.leave().await;
    // The live page is served too.
    let (status, page) = tokio::task::spawn_blocking(move || get(&admin, "/", token))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("api/state"));
}
