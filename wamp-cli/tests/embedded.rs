//! `wamp` end to end against the embedded router serving the example service
//! (`examples/math_service.rs`) and a counting procedure: every subcommand,
//! its stdout, stderr and exit code; arguments refused by the schema are
//! never sent; `wamp describe` and `wamp list` as snapshots.

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../examples/math_service.rs"]
mod math_service;
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use predicates::prelude::*;
use serde_json::{Value as Json, json};
use support::{Service, spawn_wamp, stderr_of, stdout_of, wait_for_text, wamp};

const WAIT: Duration = Duration::from_secs(20);

/// How often `com.cli.counted_add` ran.
static COUNTED: AtomicUsize = AtomicUsize::new(0);

/// Adds two integers and counts its invocations (the schema tests check
/// that refused arguments never reach it).
#[wamp::register("com.cli.counted_add", component = "cli_test")]
fn counted_add(a: i64, b: i64) -> i64 {
    COUNTED.fetch_add(1, Ordering::SeqCst);
    a + b
}

fn math() -> Service {
    Service::start(&["math"])
}

#[test]
fn call_prints_results_and_fails_with_the_error_uri() {
    let s = math();
    wamp(&s.url, &["call", "com.math.add", "2", "3"])
        .assert()
        .success()
        .stdout("5\n")
        .stderr("");
    // RawSocket, MessagePack, negative numbers, keyword arguments.
    wamp(
        &s.rs_url,
        &[
            "--serializer",
            "msgpack",
            "call",
            "com.math.add",
            "-2",
            "-3",
        ],
    )
    .assert()
    .success()
    .stdout("-5\n");
    wamp(
        &s.url,
        &[
            "call",
            "com.math.round",
            "1.2345",
            "--kw",
            "digits=2",
            "--kw",
            "mode=up",
        ],
    )
    .assert()
    .success()
    .stdout("1.24\n");
    // Pretty by default, one line with --json.
    let out = wamp(&s.url, &["call", "com.math.stats", "[1, 2, 6]"])
        .assert()
        .success();
    let text = stdout_of(out.get_output());
    assert!(text.lines().count() > 1, "pretty JSON: {text}");
    let stats: Json = serde_json::from_str(&text).unwrap();
    assert_eq!(
        stats,
        json!({"count": 3, "mean": 3.0, "min": 1.0, "max": 6.0})
    );
    wamp(&s.url, &["call", "--json", "com.math.stats", "[1,2,6]"])
        .assert()
        .success()
        .stdout("{\"count\":3,\"max\":6.0,\"mean\":3.0,\"min\":1.0}\n");
    // Progressive results as they arrive, then the final one.
    wamp(&s.url, &["call", "com.math.count_to", "3", "--json"])
        .assert()
        .success()
        .stdout("1\n2\n3\n3\n");
    // An application error: its URI and message, exit 1.
    wamp(&s.url, &["call", "com.math.divide", "1", "0"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("wamp: com.math.error.division_by_zero: cannot divide by zero\n");
    // --timeout: the progressive results so far, then the timeout with a hint.
    let out = wamp(
        &s.url,
        &[
            "call",
            "--json",
            "--timeout",
            "0.3",
            "com.math.count_to",
            "1000000",
        ],
    )
    .assert()
    .code(1);
    let err = stderr_of(out.get_output());
    assert!(err.starts_with("wamp: wamp.error.timeout"), "{err}");
    assert!(
        err.contains("hint: no result within 0.3 s; --timeout SECONDS waits longer"),
        "{err}"
    );
    assert!(stdout_of(out.get_output()).starts_with("1\n2\n"));
    // No such procedure, with a suggestion from reflection.
    wamp(&s.url, &["call", "com.math.ad", "1", "2"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("wamp.error.no_such_procedure"))
        .stderr(predicate::str::contains("hint: did you mean com.math.add?"));
}

#[test]
fn publish_and_subscribe() {
    let s = math();
    let dir = wamp_tests::interop::scratch();
    let (mut sub, log) = spawn_wamp(
        dir.path(),
        "subscriber",
        &s.url,
        &["subscribe", "com.math", "--match", "prefix", "--count", "2"],
    );
    wait_for_text(&log, "subscribed to com.math");
    let out = wamp(
        &s.url,
        &[
            "publish",
            "com.math.announcement",
            r#"{"from": "me", "text": "hi"}"#,
            "--acknowledge",
        ],
    )
    .assert()
    .success();
    let publication: u64 = stdout_of(out.get_output())
        .trim()
        .parse()
        .expect("publication ID");
    wamp(
        &s.url,
        &["publish", "com.math.other", "1", "two", "--kw", "k=[3]"],
    )
    .assert()
    .success()
    .stdout("");
    let first = sub.json_line(WAIT);
    assert_eq!(first["args"], json!([{"from": "me", "text": "hi"}]));
    assert_eq!(first["kwargs"], json!({}));
    assert_eq!(first["details"]["topic"], json!("com.math.announcement"));
    assert_eq!(first["details"]["publication"], json!(publication));
    let second = sub.json_line(WAIT);
    assert_eq!(second["args"], json!([1, "two"]));
    assert_eq!(second["kwargs"], json!({"k": [3]}));
    assert_eq!(second["details"]["topic"], json!("com.math.other"));
    assert!(
        sub.wait(WAIT).success(),
        "subscriber exits 0 after --count events"
    );

    // A retained event reaches a later subscriber that asks for it.
    wamp(
        &s.url,
        &[
            "publish",
            "com.cli.state",
            "on",
            "--retain",
            "--acknowledge",
        ],
    )
    .assert()
    .success();
    let out = wamp(
        &s.url,
        &[
            "subscribe",
            "com.cli.state",
            "--get-retained",
            "--count",
            "1",
        ],
    )
    .assert()
    .success();
    let line: Json = serde_json::from_str(stdout_of(out.get_output()).trim()).unwrap();
    assert_eq!(line["args"], json!(["on"]));
    assert_eq!(line["details"]["retained"], json!(true));

    // Wildcard subscriptions.
    let (mut wild, log) = spawn_wamp(
        dir.path(),
        "wildcard",
        &s.url,
        &["subscribe", "com..w", "--match", "wildcard", "--count", "1"],
    );
    wait_for_text(&log, "subscribed to com..w");
    wamp(&s.url, &["publish", "com.x.v", "no"])
        .assert()
        .success();
    wamp(&s.url, &["publish", "com.x.w", "yes"])
        .assert()
        .success();
    let line = wild.json_line(WAIT);
    assert_eq!(
        (&line["args"], &line["details"]["topic"]),
        (&json!(["yes"]), &json!("com.x.w"))
    );
    assert!(wild.wait(WAIT).success());

    // Without --count it runs until Ctrl-C, then leaves and exits 0.
    let (mut sub, log) = spawn_wamp(
        dir.path(),
        "until-ctrl-c",
        &s.url,
        &["subscribe", "com.cli.t"],
    );
    wait_for_text(&log, "subscribed to com.cli.t");
    wamp(&s.url, &["publish", "com.cli.t", "1", "--acknowledge"])
        .assert()
        .success();
    assert_eq!(sub.json_line(WAIT)["args"], json!([1]));
    sub.signal(libc::SIGINT);
    assert!(
        sub.wait(WAIT).success(),
        "Ctrl-C ends wamp subscribe with 0"
    );
}

#[test]
fn register_serves_a_shell_command() {
    let s = math();
    let dir = wamp_tests::interop::scratch();
    let (_echo, log) = spawn_wamp(
        dir.path(),
        "echo",
        &s.url,
        &["register", "com.cli.echo", "--", "cat"],
    );
    wait_for_text(&log, "registered com.cli.echo");
    let (_fail, log) = spawn_wamp(
        dir.path(),
        "fail",
        &s.url,
        &[
            "register",
            "com.cli.fail",
            "--",
            "sh",
            "-c",
            "echo oops >&2; exit 3",
        ],
    );
    wait_for_text(&log, "registered com.cli.fail");
    // The command gets the arguments as JSON on stdin; its stdout is the result.
    let out = wamp(
        &s.url,
        &[
            "call",
            "--json",
            "com.cli.echo",
            "1",
            "two",
            "--kw",
            "k={\"x\":3}",
        ],
    )
    .assert()
    .success();
    let result: Json = serde_json::from_str(stdout_of(out.get_output()).trim()).unwrap();
    assert_eq!(
        result,
        json!({"args": [1, "two"], "kwargs": {"k": {"x": 3}}, "procedure": "com.cli.echo"})
    );
    // A failing command answers an error with its stderr.
    wamp(&s.url, &["call", "com.cli.fail"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("wamp.error.runtime_error"))
        .stderr(predicate::str::contains("exit status: 3"))
        .stderr(predicate::str::contains("oops"));

    // Reflection lists it without a schema; calls to it are not checked.
    wamp(&s.url, &["describe", "com.cli.echo"])
        .assert()
        .success()
        .stdout("com.cli.echo  (procedure)\n  (no schema: registered without one)\n");

    // The meta API sees them.
    let out = wamp(&s.url, &["registrations"]).assert().success();
    let table = stdout_of(out.get_output());
    assert!(table.starts_with("URI "), "{table}");
    let echo_row = table
        .lines()
        .find(|l| l.starts_with("com.cli.echo "))
        .expect(&table);
    assert_eq!(
        echo_row.split_whitespace().collect::<Vec<_>>()[1..4],
        ["exact", "single", "1"]
    );
    assert!(
        table.lines().any(|l| l.starts_with("com.math.add ")),
        "{table}"
    );
    let out = wamp(&s.url, &["registrations", "--json"])
        .assert()
        .success();
    let regs: Json = serde_json::from_str(&stdout_of(out.get_output())).unwrap();
    assert!(
        regs.as_array()
            .unwrap()
            .iter()
            .any(|r| r["uri"] == "com.cli.fail" && r["callees"] == 1)
    );

    let out = wamp(&s.url, &["sessions"]).assert().success();
    let table = stdout_of(out.get_output());
    // The service, the two callees and this session (and perhaps one that
    // is still leaving).
    let rows = table.lines().count() - 1;
    assert!(rows >= 4, "{table}");
    assert_eq!(
        table.lines().filter(|l| l.contains("(this)")).count(),
        1,
        "{table}"
    );
    let out = wamp(&s.url, &["sessions", "--json"]).assert().success();
    let sessions: Json = serde_json::from_str(&stdout_of(out.get_output())).unwrap();
    let sessions = sessions.as_array().unwrap();
    assert!(sessions.len() >= 4, "{sessions:?}");
    assert!(
        sessions
            .iter()
            .all(|d| d["session"].is_u64() && d["authrole"] == "anonymous")
    );
}

#[test]
fn arguments_are_checked_against_the_schema_before_sending() {
    let s = Service::start(&["math", "cli_test"]);
    let refused = |args: &[&str], message: &str| {
        let mut all = vec!["call"];
        all.extend_from_slice(args);
        let out = wamp(&s.url, &all).assert().code(2).stdout("");
        let err = stderr_of(out.get_output());
        assert!(
            err.starts_with(&format!("wamp: not called: {message}\n")),
            "{args:?}: {err}"
        );
        assert!(err.contains("--no-validate"), "{err}");
    };
    wamp(&s.url, &["call", "com.cli.counted_add", "2", "3"])
        .assert()
        .success()
        .stdout("5\n");
    assert_eq!(COUNTED.load(Ordering::SeqCst), 1);
    refused(
        &["com.cli.counted_add", "2", "two"],
        "argument b must be an integer, got \"two\"",
    );
    refused(
        &["com.cli.counted_add", "2.5", "1"],
        "argument a must be an integer, got 2.5",
    );
    refused(
        &["com.cli.counted_add", "2"],
        "missing argument b: com.cli.counted_add takes 2 arguments (a, b), got 1",
    );
    refused(
        &["com.cli.counted_add", "1", "2", "3"],
        "too many arguments: com.cli.counted_add takes 2 arguments (a, b), got 3",
    );
    refused(
        &["com.cli.counted_add", "1", "2", "--kw", "c=1"],
        "unknown keyword argument c: com.cli.counted_add takes keyword arguments a, b",
    );
    refused(
        &["com.cli.counted_add", "--kw", "a=1"],
        "missing argument b: com.cli.counted_add takes 2 arguments (a, b)",
    );
    assert_eq!(
        COUNTED.load(Ordering::SeqCst),
        1,
        "a refused call reached the callee"
    );
    // Keyword arguments for positional parameters are accepted by name.
    wamp(
        &s.url,
        &["call", "com.cli.counted_add", "--kw", "a=1", "--kw", "b=2"],
    )
    .assert()
    .success()
    .stdout("3\n");
    assert_eq!(COUNTED.load(Ordering::SeqCst), 2);
    // The example service: nested values, named enums.
    refused(
        &["com.math.stats", r#"[1, "x"]"#],
        "argument values[1] must be a number, got \"x\"",
    );
    refused(
        &["com.math.round", "1.5", "--kw", "mode=sideways"],
        "keyword argument mode must be \"nearest\" | \"down\" | \"up\" | null, got \"sideways\"",
    );
    refused(
        &["com.math.round", "1.5", "--kw", "digits=300"],
        "keyword argument digits must be at most 255, got 300",
    );
    // --no-validate sends it: the callee's own check answers.
    wamp(
        &s.url,
        &["call", "--no-validate", "com.cli.counted_add", "2", "two"],
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains("wamp.error.invalid_argument"));
    assert_eq!(
        COUNTED.load(Ordering::SeqCst),
        2,
        "the callee's decoding refuses it too"
    );
}

#[test]
fn describe_and_list_from_reflection() {
    let s = Service::start(&["math", "cli_test"]);
    let out = wamp(&s.url, &["describe", "com.math"])
        .assert()
        .success()
        .stderr("");
    insta::assert_snapshot!("describe_com_math", stdout_of(out.get_output()));
    let out = wamp(&s.url, &["list"]).assert().success().stderr("");
    insta::assert_snapshot!("list", stdout_of(out.get_output()));
    let out = wamp(&s.url, &["describe", "com.math.add"])
        .assert()
        .success();
    assert!(
        stdout_of(out.get_output())
            .starts_with("com.math.add  (procedure)\n  Adds two integers.\n")
    );
    wamp(&s.url, &["describe", "com.math.ad"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no procedure or topic on this realm is or starts with com.math.ad",
        ))
        .stderr(predicate::str::contains("did you mean com.math.add?"));
}

#[test]
fn connection_problems_say_what_to_do() {
    let s = math();
    let port = wamp_tests::interop::free_port();
    wamp(
        &format!("ws://127.0.0.1:{port}/ws"),
        &["call", "com.math.add", "1", "2"],
    )
    .assert()
    .code(3)
    .stderr(predicate::str::contains("cannot reach the router"))
    .stderr(predicate::str::contains("connection refused"))
    .stderr(predicate::str::contains("hint: is the router running"));
    wamp(&s.url, &["--realm", "nope", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("has no realm \"nope\""))
        .stderr(predicate::str::contains(
            "hint: check --realm (or WAMP_REALM)",
        ));
    wamp(&s.url, &["call", "com.math.add"])
        .env("WAMP_TICKET", "t")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--ticket needs an authentication ID",
        ));
    wamp("http://127.0.0.1:1/", &["list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unsupported scheme"));
    // The environment gives the connection.
    assert_cmd::Command::new(support::WAMP)
        .env("WAMP_URL", &s.url)
        .env("WAMP_REALM", "realm1")
        .args(["call", "com.math.add", "40", "2"])
        .assert()
        .success()
        .stdout("42\n");
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_wamp()"),
        ("zsh", "#compdef wamp"),
        ("fish", "complete -c wamp"),
    ] {
        assert_cmd::Command::new(support::WAMP)
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("describe"));
    }
}

#[test]
fn tls_with_a_ca_file() {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use wamp::transport::{Acceptor, ServerOptions, tls};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let dir = wamp_tests::interop::scratch();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, certified.cert.pem()).unwrap();
    let (_router, addr) = runtime.block_on(async {
        let router = wamp::router::Router::builder()
            .realm(wamp::router::RealmConfig::open("realm1"))
            .build();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let server = tls::server_config_from_der(vec![certified.cert.der().clone()], key).unwrap();
        let acceptor = Acceptor::new(ServerOptions::with_serializers(wamp::SerializerKind::ALL))
            .with_tls(server);
        let addr = router.listen_with("127.0.0.1:0", acceptor).await.unwrap();
        (router, addr)
    });
    let ca = ca.to_str().unwrap();
    for url in [format!("wss://{addr}/ws"), format!("rss://{addr}")] {
        wamp(&url, &["--ca-file", ca, "call", "wamp.session.count"])
            .assert()
            .success()
            .stdout("1\n");
        wamp(&url, &["call", "wamp.session.count"])
            .env("WAMP_CA_FILE", ca)
            .assert()
            .success();
        // Not trusted without it: the hint names the option.
        wamp(&url, &["call", "wamp.session.count"])
            .assert()
            .code(3)
            .stderr(predicate::str::contains(
                "hint: for a private CA or a self-signed certificate give --ca-file",
            ));
    }
}
