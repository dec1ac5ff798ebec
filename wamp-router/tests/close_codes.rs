//! The standalone router closes WebSocket connections with 1001 (going
//! away) when it stops on SIGTERM, after GOODBYE `wamp.close.system_shutdown`,
//! as seen by a raw tokio-tungstenite client.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const BIN: &str = env!("CARGO_BIN_EXE_wamp-router");
const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn sigterm_says_goodbye_then_closes_with_1001() {
    let config = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("close-codes.toml");
    std::fs::write(&config, "[[realm]]\nname = \"realm1\"\n").unwrap();
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    // "listening on 127.0.0.1:PORT: ws://127.0.0.1:PORT/ws rs://127.0.0.1:PORT"
    let addr = line
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(": ").next())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();

    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("wamp.2.json"),
    );
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::client_async(request, tcp))
        .await
        .unwrap()
        .unwrap();
    ws.send(Message::text(r#"[1,"realm1",{"roles":{"caller":{}}}]"#))
        .await
        .unwrap();
    let mut next = async || tokio::time::timeout(WAIT, ws.next()).await.unwrap();
    match next().await {
        Some(Ok(Message::Text(t))) => assert!(t.starts_with("[2,"), "expected WELCOME: {t}"),
        other => panic!("expected WELCOME, got {other:?}"),
    }

    // SAFETY: plain kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);
    match next().await {
        Some(Ok(Message::Text(t))) => {
            assert!(
                t.contains("wamp.close.system_shutdown"),
                "expected GOODBYE: {t}"
            )
        }
        other => panic!("expected GOODBYE, got {other:?}"),
    }
    match next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1001),
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
