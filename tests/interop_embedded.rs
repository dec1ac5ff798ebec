//! Interop of Autobahn|Python 26.10.2, autobahn-js 22.11.1 and wampy 8.0.2
//! with OUR embedded router (issue 5, scenario 5): RPC, pub/sub, every
//! serializer on both transports, every auth method, and the meta API calls
//! the peers make. Every process a test starts is killed when its guard drops.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value as J, json};
use tokio::sync::mpsc;
use wamp::client::{JoinConfig, TransportConfig};
use wamp::router::{
    AnonymousConfig, AuthConfig, CraPrincipal, CryptosignPrincipal, Permission, RealmConfig,
    RoleConfig, Router, TicketPrincipal,
};
use wamp::transport::ClientOptions;
use wamp::{Component, SerializerKind, Session};
use wamp_tests::api::{Report, check_common, next_report, rust_api_component};
use wamp_tests::interop::{
    Checks, Proc, node_peer, python_peer, require_peers, scratch, serializer_name,
};

const PEER: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(10);
const DAVE_SEED: &str = "0b0de32f45e893e4126b2315dee6981a78a92bbcdd30293e7d31fd3a901952f6";
const DAVE_PUBKEY: &str = "1811a3515ffd4772c81a814217d688449067c53651e218ea5972167426bcfc76";

/// The same realm, roles and principals as our Crossbar config.
fn realm() -> RealmConfig {
    let everything = Permission {
        disclose_caller: true,
        disclose_publisher: true,
        ..Permission::all()
    };
    RealmConfig {
        name: "realm1".into(),
        roles: ["anonymous", "user"]
            .into_iter()
            .map(|name| RoleConfig {
                name: name.into(),
                permissions: vec![everything.clone()],
            })
            .collect(),
        auth: AuthConfig {
            anonymous: Some(AnonymousConfig {
                role: "anonymous".into(),
            }),
            ticket: vec![TicketPrincipal::new("alice", "secret123", "user")],
            wampcra: vec![
                CraPrincipal {
                    authid: "bob".into(),
                    secret: "bobsecret".into(),
                    role: "user".into(),
                    salt: None,
                    iterations: 1000,
                    keylen: 32,
                },
                CraPrincipal {
                    authid: "carol".into(),
                    secret: "carolsecret".into(),
                    role: "user".into(),
                    salt: Some("salt123".into()),
                    iterations: 1000,
                    keylen: 32,
                },
            ],
            cryptosign: vec![CryptosignPrincipal {
                authid: "dave".into(),
                authorized_keys: vec![DAVE_PUBKEY.into()],
                role: "user".into(),
            }],
            ..AuthConfig::default()
        },
        store: Default::default(),
    }
}

const KINDS: [SerializerKind; 3] = [
    SerializerKind::Json,
    SerializerKind::MsgPack,
    SerializerKind::Cbor,
];

async fn results(proc: Proc) -> std::collections::HashMap<String, J> {
    tokio::task::spawn_blocking(move || proc.results(PEER))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_against_the_embedded_router() {
    require_peers();
    let dir = scratch();
    let (_router, addr) = Router::builder()
        .realm(realm())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let ws = format!("ws://{addr}/ws");
    let rs = format!("rs://{addr}");
    let mut checks = Checks::new("peers_against_the_embedded_router");

    python_rpc_and_pubsub(dir.path(), &ws, &rs, &mut checks).await;
    javascript_peers(dir.path(), &ws, &rs, &mut checks).await;
    rust_component_called_by_python(dir.path(), &ws, &mut checks).await;
    authentication(dir.path(), &ws, &rs, &mut checks);
}

/// Python callees and callers on every serializer and both transports, each
/// caller on another serializer than its callee; a Python subscriber gets
/// every event the callers publish.
async fn python_rpc_and_pubsub(dir: &Path, ws: &str, rs: &str, checks: &mut Checks) {
    let mut subscriber = python_peer(
        dir,
        &[
            "subscriber",
            "--url",
            rs,
            "--serializer",
            "cbor",
            "--topic",
            "com.py",
            "--match",
            "prefix",
            "--count",
            "18",
        ],
    );
    tokio::task::block_in_place(|| subscriber.ready(PEER));

    let mut callees = Vec::new();
    for (i, kind) in KINDS.iter().enumerate() {
        let url = if i % 2 == 0 { ws } else { rs };
        let name = serializer_name(*kind);
        let prefix = format!("com.py.{name}");
        let mut p = python_peer(
            dir,
            &[
                "callee",
                "--url",
                url,
                "--serializer",
                name,
                "--prefix",
                &prefix,
            ],
        );
        tokio::task::block_in_place(|| p.ready(PEER));
        callees.push((p, prefix));
    }

    let mut publishers = Vec::new();
    for (k, kind) in KINDS.iter().enumerate() {
        for url in [ws, rs] {
            let name = serializer_name(*kind);
            let prefix = callees[(k + 1) % 3].1.clone();
            let caller = python_peer(
                dir,
                &[
                    "caller",
                    "--url",
                    url,
                    "--serializer",
                    name,
                    "--prefix",
                    &prefix,
                    "--checks",
                    "add2,echo,binary,progress,fail,no_such_procedure,cancel,timeout,whoami,publish,meta,meta_pattern",
                ],
            );
            let r = results(caller).await;
            let who = format!("python {name} on {url} -> python {prefix}");
            check_common(checks, &who, &prefix, &r);
            checks.eq(
                &format!("{who}: meta API"),
                &r["meta"]["value"],
                &json!({"count_ok": true, "me": true, "registered": true, "callees": 1}),
            );
            checks.eq(
                &format!("{who}: pattern lookups in the meta API"),
                &r["meta_pattern"]["value"],
                &json!({"positional": true, "exact": null, "match": true, "subscribers": 1}),
            );
            // CALL.Options.timeout is in milliseconds (Crossbar reads seconds).
            checks.eq(
                &format!("{who}: timeout"),
                &r["timeout"]["error"],
                &json!("wamp.error.timeout"),
            );
            checks.eq(&format!("{who}: all checks ran"), r.len(), 12);
            publishers.push((prefix, r["whoami"]["session"].as_u64().unwrap()));
        }
    }
    // Each callee was interrupted twice per caller: cancel and timeout.
    for (callee, prefix) in &mut callees {
        for _ in 0..4 {
            let line = tokio::task::block_in_place(|| callee.json_line_after_start(WAIT));
            checks.eq(
                &format!("{prefix}: interrupted"),
                line,
                json!({"event": "interrupted"}),
            );
        }
    }
    for (prefix, session) in publishers {
        for i in 0..3 {
            let ev = tokio::task::block_in_place(|| subscriber.json_line(WAIT));
            checks.eq(
                "python event through the embedded router",
                ev,
                json!({
                    "topic": format!("{prefix}.topic"),
                    "args": [i, {"hex": format!("{i:02x}ff")}],
                    "kwargs": {"i": i},
                    "publisher": session,
                }),
            );
        }
    }
    let status = tokio::task::block_in_place(|| subscriber.wait(WAIT));
    checks.ok("python subscriber left after its events", status.success());
}

/// autobahn-js callers on every serializer (and RawSocket) against a Python
/// callee, a Python caller against an autobahn-js callee, wampy callers.
async fn javascript_peers(dir: &Path, ws: &str, rs: &str, checks: &mut Checks) {
    let mut py = python_peer(
        dir,
        &[
            "callee",
            "--url",
            ws,
            "--serializer",
            "msgpack",
            "--prefix",
            "com.pyjs",
        ],
    );
    tokio::task::block_in_place(|| py.ready(PEER));
    let mut js = node_peer(
        dir,
        &[
            "callee",
            "--url",
            ws,
            "--serializer",
            "cbor",
            "--prefix",
            "com.js",
        ],
    );
    tokio::task::block_in_place(|| js.ready(PEER));

    let mut runs: Vec<(String, String)> = KINDS
        .iter()
        .map(|k| (ws.to_owned(), serializer_name(*k).to_owned()))
        .collect();
    runs.push((rs.to_owned(), "json".to_owned())); // autobahn-js RawSocket speaks JSON
    for (url, serializer) in &runs {
        let caller = node_peer(
            dir,
            &[
                "caller",
                "--url",
                url,
                "--serializer",
                serializer,
                "--prefix",
                "com.pyjs",
                "--checks",
                "add2,echo,progress,fail,no_such_procedure,meta",
            ],
        );
        let r = results(caller).await;
        let who = format!("autobahn-js {serializer} on {url} -> python");
        check_common(checks, &who, "com.pyjs", &r);
        checks.eq(
            &format!("{who}: meta API"),
            &r["meta"]["value"],
            &json!({"count_ok": true, "registered": true}),
        );
        checks.eq(&format!("{who}: all checks ran"), r.len(), 6);
    }
    for url in [ws, rs] {
        let caller = python_peer(
            dir,
            &[
                "caller",
                "--url",
                url,
                "--serializer",
                "json",
                "--prefix",
                "com.js",
                "--checks",
                "add2,echo,progress,fail",
            ],
        );
        let r = results(caller).await;
        let who = format!("python json on {url} -> autobahn-js");
        check_common(checks, &who, "com.js", &r);
        checks.eq(&format!("{who}: all checks ran"), r.len(), 4);
    }
    for kind in KINDS {
        let name = serializer_name(kind);
        let caller = node_peer(
            dir,
            &[
                "caller",
                "--client",
                "wampy",
                "--url",
                ws,
                "--serializer",
                name,
                "--prefix",
                "com.pyjs",
                "--checks",
                "add2,fail",
            ],
        );
        let r = results(caller).await;
        let who = format!("wampy {name} -> python");
        check_common(checks, &who, "com.pyjs", &r);
        checks.eq(&format!("{who}: all checks ran"), r.len(), 2);
    }
}

/// The Rust test API component on the embedded router, called by Python.
async fn rust_component_called_by_python(dir: &Path, ws: &str, checks: &mut Checks) {
    let (component, mut reports) = rust_api_component(ws, SerializerKind::Json, "com.rust");
    let (stop, task) = component.start();
    assert!(matches!(
        next_report(&mut reports, WAIT).await,
        Report::Joined(_)
    ));
    let caller = python_peer(
        dir,
        &[
            "caller",
            "--url",
            ws,
            "--serializer",
            "cbor",
            "--prefix",
            "com.rust",
            "--checks",
            "add2,echo,binary,progress,fail,invalid_argument,no_such_procedure,cancel,pattern,wildcard,whoami",
        ],
    );
    let r = results(caller).await;
    check_common(checks, "python -> rust (embedded router)", "com.rust", &r);
    checks.eq(
        "python -> rust (embedded router): all checks ran",
        r.len(),
        11,
    );
    match next_report(&mut reports, WAIT).await {
        Report::Interrupted => checks.ok("rust handler canceled by python", true),
        other => panic!("expected the interrupt, got {other:?}"),
    }
    let list = "add2,echo,binary,progress,fail,no_such_procedure,cancel_kill,pattern,wildcard";
    let caller = node_peer(
        dir,
        &[
            "caller",
            "--url",
            ws,
            "--serializer",
            "msgpack",
            "--prefix",
            "com.rust",
            "--checks",
            list,
        ],
    );
    let r = results(caller).await;
    check_common(
        checks,
        "autobahn-js -> rust (embedded router)",
        "com.rust",
        &r,
    );
    checks.eq(
        "autobahn-js -> rust (embedded router): all checks ran",
        r.len(),
        list.split(',').count(),
    );
    match next_report(&mut reports, WAIT).await {
        Report::Interrupted => checks.ok("rust handler canceled by autobahn-js", true),
        other => panic!("expected the interrupt, got {other:?}"),
    }
    stop.stop();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// Python and autobahn-js join with every auth method; wrong secrets are refused.
fn authentication(dir: &Path, ws: &str, rs: &str, checks: &mut Checks) {
    let ok = [
        ("ticket:alice:secret123", "alice", "ticket"),
        ("wampcra:bob:bobsecret", "bob", "wampcra"),
        ("wampcra:carol:carolsecret", "carol", "wampcra"),
        (
            &*format!("cryptosign:dave:{DAVE_SEED}"),
            "dave",
            "cryptosign",
        ),
    ]
    .map(|(a, id, m)| (a.to_owned(), id, m));
    let join = |peer: &str, url: &str, serializer: &str, auth: &str| -> J {
        let args = [
            "join",
            "--url",
            url,
            "--serializer",
            serializer,
            "--auth",
            auth,
        ];
        let mut p = if peer == "python" {
            python_peer(dir, &args)
        } else {
            node_peer(dir, &args)
        };
        let line = tokio::task::block_in_place(|| p.json_line(PEER));
        tokio::task::block_in_place(|| p.wait(WAIT));
        line
    };
    for (peer, url, serializer) in [
        ("python", ws, "json"),
        ("python", rs, "msgpack"),
        ("node", ws, "cbor"),
        ("node", ws, "json"),
    ] {
        for (auth, authid, method) in &ok {
            let line = join(peer, url, serializer, auth);
            checks.eq(
                &format!("{peer} {serializer} on {url}: {auth}"),
                line,
                json!({"joined": true, "authid": authid, "authrole": "user", "authmethod": method}),
            );
        }
        // Crossbar answers an unknown authid with not_authorized; our router
        // with Autobahn's wamp.error.no_such_principal.
        for (bad, uri) in [
            ("ticket:alice:wrong", "wamp.error.not_authorized"),
            ("wampcra:bob:wrong", "wamp.error.not_authorized"),
            ("wampcra:carol:wrong", "wamp.error.not_authorized"),
            ("ticket:nobody:x", "wamp.error.no_such_principal"),
        ] {
            let line = join(peer, url, serializer, bad);
            checks.eq(
                &format!("{peer} {serializer} on {url}: {bad} refused"),
                &line["abort"],
                &json!(uri),
            );
        }
    }
}

/// After a clean leave (GOODBYE, then autobahn-js closes the WebSocket
/// without a status code), autobahn-js with auto-reconnect on reports the
/// connection as `closed`, not `lost`: our router answers the close with
/// 1000, as Crossbar does. And it does not connect again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autobahn_js_reports_a_clean_leave_as_closed() {
    require_peers();
    let dir = scratch();
    let (_router, addr) = Router::builder()
        .realm(realm())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let ws = format!("ws://{addr}/ws");
    let mut checks = Checks::new("autobahn_js_reports_a_clean_leave_as_closed");
    for serializer in ["json", "cbor"] {
        let mut peer = node_peer(
            dir.path(),
            &["leave", "--url", &ws, "--serializer", serializer],
        );
        let lines: Vec<J> =
            tokio::task::block_in_place(|| (0..3).map(|_| peer.json_line(PEER)).collect());
        checks.eq(
            &format!("{serializer}: joined"),
            &lines[0],
            &json!({"joined": true}),
        );
        checks.eq(
            &format!("{serializer}: onclose reason after GOODBYE"),
            &lines[1]["closed"],
            &json!("closed"),
        );
        checks.eq(
            &format!("{serializer}: no reconnect after a clean leave"),
            &lines[2],
            &json!({"opens": 1}),
        );
        tokio::task::block_in_place(|| peer.wait(WAIT));
    }
}

/// Halves a float (Python calls it with an integer).
#[wamp::register("interop.numbers.half")]
fn half(x: f64) -> f64 {
    x / 2.0
}

/// Doubles an integer (Python calls it with whole and fractional floats).
#[wamp::register("interop.numbers.double")]
fn double(n: i64) -> i64 {
    2 * n
}

/// Typed decoding of numbers with Autobahn|Python, in every serializer and
/// on both transports, with no transcoding in between (the Rust side uses the
/// Python side's serializer): Python's ints into Rust `f64` parameters,
/// Python's whole floats into `i64` (fractions refused), and a Python
/// callee's int read by a Rust caller with `CallResult::get::<f64>()`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_decode_alike_with_python_in_every_serializer() {
    require_peers();
    let dir = scratch();
    let (_router, addr) = Router::builder()
        .realm(realm())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let ws = format!("ws://{addr}/ws");
    let rs = format!("rs://{addr}");
    let mut checks = Checks::new("numbers_decode_alike_with_python_in_every_serializer");

    for (k, kind) in KINDS.into_iter().enumerate() {
        let name = serializer_name(kind);
        // Python calls a Rust component of its own serializer.
        let prefix = format!("com.rnum.{name}");
        let (joined_tx, mut joined) = mpsc::unbounded_channel();
        let component = Component::builder("realm1")
            .transport_config(TransportConfig::url(
                ws.clone(),
                ClientOptions::with_serializers([kind]),
            ))
            .collected_renamed("interop.numbers.", &format!("{prefix}."))
            .on_join(move |_| {
                let joined = joined_tx.clone();
                async move {
                    let _ = joined.send(());
                }
            })
            .build();
        let (stop, task) = component.start();
        tokio::time::timeout(WAIT, joined.recv())
            .await
            .expect("the Rust component joins")
            .unwrap();
        for url in [&ws, &rs] {
            let caller = python_peer(
                dir.path(),
                &[
                    "caller",
                    "--url",
                    url,
                    "--serializer",
                    name,
                    "--prefix",
                    &prefix,
                    "--checks",
                    "half,double_whole,double_fraction",
                ],
            );
            let r = results(caller).await;
            let who = format!("python {name} on {url} -> rust {name}");
            checks.eq(
                &format!("{who}: an int into f64"),
                &r["half"],
                &json!({"check": "half", "value": 1.5}),
            );
            checks.eq(
                &format!("{who}: a whole float into i64"),
                &r["double_whole"],
                &json!({"check": "double_whole", "value": 8}),
            );
            checks.eq(
                &format!("{who}: a fraction into i64 is refused"),
                &r["double_fraction"]["error"],
                &json!("wamp.error.invalid_argument"),
            );
            let message = r["double_fraction"]["args"][0].as_str().unwrap_or_default();
            checks.ok(
                &format!("{who}: the refusal names the value and the type ({message})"),
                message.contains("argument 0 (n)")
                    && message.contains("floating point `2.5`, expected i64"),
            );
        }
        stop.stop();
        tokio::time::timeout(WAIT, task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();

        // A Rust caller reads a Python callee's int as a float.
        let url = if k % 2 == 0 { &ws } else { &rs };
        let py_prefix = format!("com.pynum.{name}");
        let mut callee = python_peer(
            dir.path(),
            &[
                "callee",
                "--url",
                url,
                "--serializer",
                name,
                "--prefix",
                &py_prefix,
            ],
        );
        tokio::task::block_in_place(|| callee.ready(PEER));
        let transport = wamp::transport::connect(url, &ClientOptions::with_serializers([kind]))
            .await
            .unwrap();
        let caller = Session::join(transport, JoinConfig::new("realm1"))
            .await
            .unwrap();
        let r = tokio::time::timeout(WAIT, caller.call(&format!("{py_prefix}.five"), &[0u8; 0]))
            .await
            .expect("the call ends")
            .unwrap();
        let who = format!("rust {name} on {url} -> python {name}");
        checks.eq(
            &format!("{who}: an int read as f64"),
            r.get::<f64>().map_err(|e| e.to_string()),
            Ok(5.0),
        );
        checks.eq(
            &format!("{who}: an int read as i64"),
            r.get::<i64>().map_err(|e| e.to_string()),
            Ok(5),
        );
        let _ = caller.leave().await;
    }
    let ran = checks.count();
    checks.eq("numbers: every check ran", ran, 3 * (2 * 4 + 2));
}
