//! The generated Rust client against the example service running as a
//! process (`math_service --serve`, its embedded router on a free port):
//! plain calls, optional keyword parameters, errors, progressive results,
//! options, publishing and a typed subscription.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use futures_util::StreamExt as _;

use wamp::client::JoinConfig;
use wamp_codegen_client_test::math::{self, Announcement, Rounding, Stats};

/// Bound on waiting for a line of the service (not a timing assertion).
const WAIT: Duration = Duration::from_secs(30);

/// The service process, stopped on drop.
struct Service {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Service {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_codegen-math-service"))
            .arg("--serve")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the math service");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Service { child, lines }
    }

    /// Waits for a stdout line containing `text` and returns it.
    fn line(&self, text: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(WAIT)
                .unwrap_or_else(|e| panic!("no line containing {text:?}: {e}"));
            if line.contains(text) {
                return line;
            }
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_client_calls_the_running_service() {
    let service = tokio::task::spawn_blocking(|| {
        let service = Service::start();
        let router = service.line("router: ");
        service.line("serving");
        (service, router)
    });
    let (service, router) = service.await.unwrap();
    // "router: ws://ADDR/ws, realm1"
    let url = router
        .trim_start_matches("router: ")
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    let transport = wamp::transport::connect(&url, &Default::default())
        .await
        .unwrap();
    let session = wamp::Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();

    // Plain positional call, with an option.
    let sum: i64 = math::add::call(&session, 2, 3)
        .timeout(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(sum, 5);
    assert_eq!(math::add::URI, "com.math.add");

    // A struct result.
    let stats: Stats = math::stats::call(&session, vec![1.0, 2.0, 6.0])
        .await
        .unwrap();
    assert_eq!(
        stats,
        Stats {
            count: 3,
            mean: 3.0,
            min: 1.0,
            max: 6.0
        }
    );

    // Optional parameters left out, then given by name (an enum among them).
    let rounded = math::round::call(&session, 2.567).await.unwrap();
    assert_eq!(rounded, 3.0);
    let rounded = math::round::call(&session, 2.567)
        .digits(1)
        .mode(Rounding::Down)
        .await
        .unwrap();
    assert_eq!(rounded, 2.5);

    // Declared errors.
    assert_eq!(math::divide::call(&session, 1.0, 4.0).await.unwrap(), 0.25);
    let err = math::divide::call(&session, 1.0, 0.0).await.unwrap_err();
    assert!(
        err.is(math::divide::errors::DIVISION_BY_ZERO),
        "{}",
        err.uri()
    );
    let err = math::stats::call(&session, vec![]).await.unwrap_err();
    assert!(err.is(math::stats::errors::EMPTY_SERIES), "{}", err.uri());

    // Progressive results, then the final one; awaited directly, only the final one.
    let mut updates = Vec::new();
    let mut call = math::count_to::call(&session, 3).progressive();
    while let Some(update) = call.next().await {
        updates.push(update.unwrap());
    }
    use math::count_to::Update;
    assert!(
        matches!(
            updates.as_slice(),
            [
                Update::Progress(1),
                Update::Progress(2),
                Update::Progress(3),
                Update::Final(3)
            ]
        ),
        "{updates:?}"
    );
    assert_eq!(math::count_to::call(&session, 2).await.unwrap(), 2);

    // A typed subscription gets our own acknowledged publication...
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _sub = math::on_announcement::subscribe(&session, move |a: Announcement, details| {
        let tx = tx.clone();
        async move {
            let _ = tx.send((a, details.topic));
        }
    })
    .await
    .unwrap();
    let hello = Announcement {
        from: "codegen".into(),
        text: "hello".into(),
    };
    let id = math::on_announcement::publish(&session, &hello)
        .acknowledge()
        .exclude_me(false)
        .await
        .unwrap();
    assert!(id.is_some());
    let (got, topic) = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, hello);
    assert_eq!(topic, math::on_announcement::URI);
    // ...and the service's subscriber gets a plain publish (it prints it).
    let bye = Announcement {
        from: "codegen".into(),
        text: "plain publish".into(),
    };
    math::on_announcement::publish(&session, &bye)
        .await
        .unwrap();
    let printed = tokio::task::spawn_blocking(move || {
        [
            service.line("service: codegen announces"),
            service.line("service: codegen announces"),
        ]
    })
    .await
    .unwrap();
    assert_eq!(
        printed,
        [
            r#"service: codegen announces "hello""#,
            r#"service: codegen announces "plain publish""#
        ]
    );
    session.leave().await;
}
