//! A `Component` never stalls silently (issue 12, problem 1), over real
//! sockets with the embedded router: a registration held by another instance
//! keeps the session joined and serving the rest, is reported (status,
//! `on_error`, a warn log naming the URI) and taken over one retry step after
//! the holder is gone; `force_reregister` (builder and macro) takes over at
//! once when the authids match; a router that goes silent is noticed by the
//! client keepalive, and the component joins again; a component that gives up
//! makes `wamp::run` fail.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use wamp::auth::Ticket;
use wamp::client::{
    ComponentError, ComponentStatus, JoinConfig, RetryPolicy, Stage, TransportConfig,
    typed_procedure,
};
use wamp::protocol::uris;
use wamp::router::{AuthConfig, Permission, RealmConfig, RoleConfig, Router, TicketPrincipal};
use wamp::transport::{ClientOptions, Keepalive};
use wamp::{Component, RegisterOptions, Session};

/// Bound for steps that must happen (liveness, not speed).
const WAIT: Duration = Duration::from_secs(10);

/// Procedures with `force_reregister` from the macro.
#[wamp::register("com.resilience.macro.takeover", force_reregister = true)]
fn macro_takeover() -> String {
    "macro".into()
}

/// Everything logged by the test binary (one global subscriber: per-thread
/// ones miss events whose callsite interest another test's thread cached).
/// Tests tell their lines apart by component name.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn capture() -> &'static Logs {
        static LOGS: OnceLock<Logs> = OnceLock::new();
        LOGS.get_or_init(|| {
            let logs = Logs::default();
            let writer = logs.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::INFO)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .init();
            logs
        })
    }

    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

async fn open_router() -> (Router, String) {
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    (router, format!("ws://{addr}/ws"))
}

/// A realm where the ticket principals `svc` and `other` may do anything.
async fn ticket_router() -> (Router, String) {
    let realm = RealmConfig {
        name: "secure".into(),
        roles: vec![RoleConfig {
            name: "service".into(),
            permissions: vec![Permission::all()],
        }],
        auth: AuthConfig {
            ticket: vec![
                TicketPrincipal::new("svc", "svc-ticket", "service"),
                TicketPrincipal::new("other", "other-ticket", "service"),
            ],
            ..AuthConfig::default()
        },
        store: Default::default(),
    };
    let (router, addr) = Router::builder()
        .realm(realm)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    (router, format!("ws://{addr}/ws"))
}

async fn join(url: &str, config: JoinConfig) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::default())
        .await
        .unwrap();
    Session::join(transport, config).await.unwrap()
}

async fn call(caller: &Session, procedure: &str) -> Result<String, wamp::Error> {
    caller
        .call(procedure, &())
        .timeout(WAIT)
        .await?
        .get::<String>()
        .map_err(|e| wamp::Error::message(uris::INVALID_ARGUMENT, e.to_string()))
}

/// A transport to `url` retrying every 50 ms.
fn quick(url: &str) -> TransportConfig {
    TransportConfig::url(url, ClientOptions::default())
        .retry(RetryPolicy::fixed(Duration::from_millis(50)))
}

fn answering(text: &'static str) -> wamp::client::ProcedureHandler {
    typed_procedure(move |(): ()| async move { Ok(text.to_owned()) })
}

async fn wait_status(
    status: &mut watch::Receiver<ComponentStatus>,
    what: &str,
    ok: impl FnMut(&ComponentStatus) -> bool,
) -> ComponentStatus {
    let reached = match tokio::time::timeout(WAIT, status.wait_for(ok)).await {
        Ok(Ok(s)) => Some(s.clone()),
        _ => None,
    };
    reached.unwrap_or_else(|| panic!("status never became {what}; last: {:?}", *status.borrow()))
}

fn errors() -> (
    mpsc::UnboundedReceiver<ComponentError>,
    impl Fn(&ComponentError) + Send + Sync + 'static,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    (rx, move |e: &ComponentError| {
        let _ = tx.send(e.clone());
    })
}

#[tokio::test(flavor = "current_thread")]
async fn a_registration_held_elsewhere_is_reported_the_rest_is_served_and_it_is_taken_over() {
    let logs = Logs::capture();
    let (_router, ws) = open_router().await;
    let first = Component::builder("realm1")
        .name("first")
        .transport_config(quick(&ws))
        .procedure(
            "com.svc.shared",
            RegisterOptions::default(),
            answering("first"),
        )
        .build();
    let (stop_first, first_task) = first.start();
    wait_status(
        &mut first.watch(),
        "joined",
        ComponentStatus::is_serving_all,
    )
    .await;

    let (mut refused, on_error) = errors();
    let retry_step = Duration::from_millis(300);
    let second = Component::builder("realm1")
        .name("second")
        .transport_config(quick(&ws))
        .register_retry(RetryPolicy::fixed(retry_step))
        .procedure(
            "com.svc.shared",
            RegisterOptions::default(),
            answering("second"),
        )
        .procedure("com.svc.own", RegisterOptions::default(), answering("own"))
        .on_error(on_error)
        .build();
    let mut status = second.watch();
    let (stop_second, second_task) = second.start();

    // Joined, serving what it could, the held procedure listed as missing.
    let joined = wait_status(&mut status, "joined", |s| s.session().is_some()).await;
    let ComponentStatus::Joined {
        session, missing, ..
    } = joined
    else {
        unreachable!()
    };
    assert_eq!(missing, vec!["com.svc.shared".to_owned()]);
    // Reported to the program, naming the stage, the URI, the error and the next attempt.
    let e = tokio::time::timeout(WAIT, refused.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        e.stage,
        Stage::Register {
            procedure: "com.svc.shared".into()
        }
    );
    assert_eq!(e.error.uri(), uris::PROCEDURE_ALREADY_EXISTS);
    assert_eq!(e.retry_in, Some(retry_step));
    assert_eq!(e.component, "second");
    // And logged at warn, with the URI and what to do.
    let warn = logs
        .lines()
        .into_iter()
        .find(|l| l.contains("WARN") && l.contains("component=second"))
        .unwrap_or_else(|| panic!("no warn log naming the procedure: {:#?}", logs.lines()));
    assert!(warn.contains("force_reregister"), "{warn}");
    assert!(warn.contains(uris::PROCEDURE_ALREADY_EXISTS), "{warn}");

    let caller = join(&ws, JoinConfig::new("realm1")).await;
    assert_eq!(call(&caller, "com.svc.own").await.unwrap(), "own");
    assert_eq!(call(&caller, "com.svc.shared").await.unwrap(), "first");
    // Still the same session: it was not torn down to retry.
    assert_eq!(status.borrow().session(), Some(session));

    // The first instance goes away: the second takes over within a retry step.
    stop_first.stop();
    first_task.await.unwrap().unwrap();
    let gone = Instant::now();
    let now = wait_status(&mut status, "serving all", ComponentStatus::is_serving_all).await;
    assert_eq!(
        now.session(),
        Some(session),
        "same session, only the registration retried"
    );
    assert!(
        gone.elapsed() < retry_step + Duration::from_secs(5),
        "took {:?}",
        gone.elapsed()
    );
    assert_eq!(call(&caller, "com.svc.shared").await.unwrap(), "second");
    assert!(
        logs.lines().iter().any(|l| l.contains("INFO")
            && l.contains("component=second")
            && l.contains("registered com.svc.shared")),
        "the takeover is logged"
    );

    stop_second.stop();
    second_task.await.unwrap().unwrap();
    assert!(matches!(
        *status.borrow(),
        ComponentStatus::Stopped { error: None }
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn force_reregister_from_the_builder_takes_over_when_the_authid_matches() {
    let (_router, ws) = ticket_router().await;
    let holder = Component::builder("secure")
        .transport_config(quick(&ws))
        .auth(Ticket::new("svc", "svc-ticket"))
        .procedure("com.svc.take", RegisterOptions::default(), answering("old"))
        .build();
    let (_stop_holder, _holder_task) = holder.start();
    let mut holder_status = holder.watch();
    wait_status(
        &mut holder_status,
        "joined",
        ComponentStatus::is_serving_all,
    )
    .await;
    let caller = join(
        &ws,
        JoinConfig::new("secure").auth(Ticket::new("other", "other-ticket")),
    )
    .await;
    assert_eq!(call(&caller, "com.svc.take").await.unwrap(), "old");

    // Another authid cannot take it over, even with force_reregister.
    let (mut refused, on_error) = errors();
    let stranger = Component::builder("secure")
        .transport_config(quick(&ws))
        .auth(Ticket::new("other", "other-ticket"))
        .force_reregister(true)
        .register_retry(RetryPolicy::fixed(Duration::from_secs(60)))
        .procedure(
            "com.svc.take",
            RegisterOptions::default(),
            answering("stranger"),
        )
        .on_error(on_error)
        .build();
    let (stop_stranger, stranger_task) = stranger.start();
    let e = tokio::time::timeout(WAIT, refused.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.error.uri(), uris::PROCEDURE_ALREADY_EXISTS);
    assert_eq!(call(&caller, "com.svc.take").await.unwrap(), "old");
    stop_stranger.stop();
    stranger_task.await.unwrap().unwrap();

    // The same authid takes it over at once: nothing missing on the first join.
    let (mut errors_rx, on_error) = errors();
    let replacement = Component::builder("secure")
        .transport_config(quick(&ws))
        .auth(Ticket::new("svc", "svc-ticket"))
        .force_reregister(true)
        .procedure("com.svc.take", RegisterOptions::default(), answering("new"))
        .on_error(on_error)
        .build();
    let mut status = replacement.watch();
    let (_stop, _task) = replacement.start();
    let joined = wait_status(&mut status, "joined", |s| s.session().is_some()).await;
    assert!(joined.is_serving_all(), "{joined:?}");
    assert!(errors_rx.try_recv().is_err(), "no failure reported");
    assert_eq!(call(&caller, "com.svc.take").await.unwrap(), "new");
    // The old instance is told, shows it, and does not take it back.
    let lost = wait_status(
        &mut holder_status,
        "revoked",
        |s| matches!(s, ComponentStatus::Joined { revoked, .. } if !revoked.is_empty()),
    )
    .await;
    let ComponentStatus::Joined { revoked, .. } = lost else {
        unreachable!()
    };
    assert_eq!(revoked, vec!["com.svc.take".to_owned()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(call(&caller, "com.svc.take").await.unwrap(), "new");
}

#[tokio::test(flavor = "current_thread")]
async fn force_reregister_from_the_macro_takes_over_when_the_authid_matches() {
    let entry = wamp::client::collect::all()
        .into_iter()
        .find(|c| c.uri == "com.resilience.macro.takeover")
        .unwrap();
    assert!(entry.register_options().unwrap().force_reregister);

    let (_router, ws) = ticket_router().await;
    let holder = Component::builder("secure")
        .transport_config(quick(&ws))
        .auth(Ticket::new("svc", "svc-ticket"))
        .procedure(
            "com.resilience.macro.takeover",
            RegisterOptions::default(),
            answering("old"),
        )
        .build();
    let (_stop_holder, _holder_task) = holder.start();
    wait_status(
        &mut holder.watch(),
        "joined",
        ComponentStatus::is_serving_all,
    )
    .await;

    let replacement = Component::builder("secure")
        .transport_config(quick(&ws))
        .auth(Ticket::new("svc", "svc-ticket"))
        .collected_prefix("com.resilience.macro.")
        .build();
    let mut status = replacement.watch();
    let (_stop, _task) = replacement.start();
    let joined = wait_status(&mut status, "joined", |s| s.session().is_some()).await;
    assert!(joined.is_serving_all(), "{joined:?}");
    let caller = join(
        &ws,
        JoinConfig::new("secure").auth(Ticket::new("other", "other-ticket")),
    )
    .await;
    assert_eq!(
        call(&caller, "com.resilience.macro.takeover")
            .await
            .unwrap(),
        "macro"
    );
}

/// A TCP relay whose current connections can be frozen: bytes stop flowing
/// both ways but the sockets stay open, as with a router (or a peer) that hangs.
/// Connections made after the freeze flow normally.
struct Relay {
    addr: std::net::SocketAddr,
    frozen: Arc<Mutex<Vec<Arc<AtomicBool>>>>,
}

impl Relay {
    async fn start(target: std::net::SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let frozen: Arc<Mutex<Vec<Arc<AtomicBool>>>> = Arc::default();
        let flags = frozen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect(target).await.unwrap();
                let flag = Arc::new(AtomicBool::new(false));
                flags.lock().unwrap().push(flag.clone());
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pipe(cr, sw, flag.clone()));
                tokio::spawn(pipe(sr, cw, flag));
            }
        });
        Relay { addr, frozen }
    }

    fn freeze(&self) {
        for flag in self.frozen.lock().unwrap().iter() {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if frozen.load(Ordering::SeqCst) {
            // Hang with both sockets open.
            std::future::pending::<()>().await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_silent_router_is_noticed_by_the_keepalive_and_the_component_joins_again_websocket() {
    silent_router("ws").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_silent_router_is_noticed_by_the_keepalive_and_the_component_joins_again_rawsocket() {
    silent_router("rs").await;
}

async fn silent_router(scheme: &str) {
    let keepalive = Keepalive {
        interval: Duration::from_millis(200),
        timeout: Duration::from_millis(300),
    };
    // The router drops the half-open session too, freeing its registration.
    let (_router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .keepalive(Some(keepalive))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let relay = Relay::start(addr).await;
    let options = ClientOptions {
        keepalive: Some(keepalive),
        rawsocket_keepalive: true,
        ..ClientOptions::default()
    };
    let url = match scheme {
        "ws" => format!("ws://{}/ws", relay.addr),
        _ => format!("rs://{}", relay.addr),
    };
    let (mut failures, on_error) = errors();
    let component = Component::builder("realm1")
        .transport_config(
            TransportConfig::url(url, options)
                .retry(RetryPolicy::fixed(Duration::from_millis(100))),
        )
        .register_retry(RetryPolicy::fixed(Duration::from_millis(100)))
        .procedure(
            "com.ka.echo",
            RegisterOptions::default(),
            answering("alive"),
        )
        .on_error(on_error)
        .build();
    let mut status = component.watch();
    let (_stop, _task) = component.start();
    let first = wait_status(&mut status, "joined", ComponentStatus::is_serving_all)
        .await
        .session()
        .unwrap();

    relay.freeze();
    let frozen = Instant::now();
    let lost = loop {
        let e = tokio::time::timeout(WAIT, failures.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(e.stage, Stage::Lost { .. }) {
            break e;
        }
    };
    // Noticed within the documented bound (2 × interval + timeout), plus slack.
    let bound = keepalive.interval * 2 + keepalive.timeout;
    assert!(
        frozen.elapsed() < bound + Duration::from_secs(3),
        "noticed after {:?}",
        frozen.elapsed()
    );
    assert_eq!(lost.stage, Stage::Lost { session: first });
    assert_eq!(lost.error.uri(), uris::TRANSPORT_LOST);

    // Back on a new session, serving again.
    let again = wait_status(&mut status, "serving on a new session", |s| {
        s.is_serving_all() && s.session() != Some(first)
    })
    .await;
    assert_ne!(again.session(), Some(first));
    let caller = join(&format!("ws://{addr}/ws"), JoinConfig::new("realm1")).await;
    assert_eq!(call(&caller, "com.ka.echo").await.unwrap(), "alive");
}

#[test]
fn the_client_keepalive_is_on_by_default() {
    let keepalive = ClientOptions::default().keepalive.expect("keepalive on");
    assert_eq!(keepalive, ClientOptions::DEFAULT_KEEPALIVE);
    assert_eq!(keepalive.interval, Duration::from_secs(10));
    assert_eq!(keepalive.timeout, Duration::from_secs(5));
    // Crossbar and Autobahn|Python (Twisted) break on RawSocket PINGs.
    assert!(!ClientOptions::default().rawsocket_keepalive);
}

#[tokio::test(flavor = "current_thread")]
async fn run_fails_and_logs_when_a_component_gives_up() {
    let logs = Logs::capture();
    // Nothing listens on this port any more.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("ws://127.0.0.1:{port}/ws");
    let component = Component::builder("realm1")
        .name("doomed")
        .transport_config(
            TransportConfig::url(&url, ClientOptions::default()).retry(RetryPolicy {
                max_retries: Some(1),
                ..RetryPolicy::fixed(Duration::from_millis(10))
            }),
        )
        .build();
    let mut status = component.watch();
    let err = tokio::time::timeout(WAIT, wamp::run(vec![component]))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("every transport ran out of retries"),
        "{err}"
    );
    let ComponentStatus::Stopped { error: Some(e) } = status.borrow_and_update().clone() else {
        panic!("not stopped with an error: {:?}", *status.borrow());
    };
    assert_eq!(
        e.stage,
        Stage::Connect {
            transport: url.clone()
        }
    );
    assert_eq!(e.retry_in, None);
    let lines = logs.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("ERROR") && l.contains("doomed") && l.contains("gave up")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("WARN") && l.contains(&url)),
        "the failed attempt is logged: {lines:#?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_registration_that_runs_out_of_retries_stops_the_component() {
    let (_router, ws) = open_router().await;
    let holder = join(&ws, JoinConfig::new("realm1")).await;
    holder
        .register(
            "com.svc.busy",
            RegisterOptions::default(),
            answering("holder"),
        )
        .await
        .unwrap();
    let component = Component::builder("realm1")
        .transport_config(quick(&ws))
        .register_retry(RetryPolicy {
            max_retries: Some(1),
            ..RetryPolicy::fixed(Duration::from_millis(20))
        })
        .procedure(
            "com.svc.busy",
            RegisterOptions::default(),
            answering("late"),
        )
        .build();
    let err = tokio::time::timeout(WAIT, component.run(wamp::client::StopHandle::new()))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.uri(), uris::PROCEDURE_ALREADY_EXISTS);
    assert!(
        err.to_string().contains("registering com.svc.busy"),
        "{err}"
    );
}
