//! `wamp` against Crossbar.io (no reflection API) with Autobahn|Python peers:
//! call a Python callee, publish to a Python subscriber, subscribe, serve a
//! procedure from a shell command to a Python caller, the meta API and
//! authentication. The peers come from `WAMP_INTEROP_DIR` (or `.interop/`);
//! missing peers fail the test, as in `tests/interop_crossbar.rs`.

mod support;

use std::time::Duration;

use predicates::prelude::*;
use serde_json::{Value as Json, json};
use support::{spawn_wamp, stderr_of, stdout_of, wait_for_text, wamp};
use wamp_tests::interop::{Checks, Crossbar, interop_dir, python_peer, scratch};

const PEER: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(20);
const DAVE_SEED: &str = "0b0de32f45e893e4126b2315dee6981a78a92bbcdd30293e7d31fd3a901952f6";

#[test]
fn wamp_against_crossbar_and_python() {
    let dir = scratch();
    let cb = Crossbar::start(dir.path());
    let mut checks = Checks::new("wamp_cli_crossbar");
    let url = cb.ws();

    // Call a Python callee: no reflection here, so the call goes out unchecked.
    let mut callee = python_peer(dir.path(), &["callee", "--url", &url, "--prefix", "com.py"]);
    callee.ready(PEER);
    let out = wamp(&url, &["call", "com.py.add2", "2", "3"])
        .assert()
        .success();
    checks.eq(
        "call a Python procedure",
        stdout_of(out.get_output()),
        "5\n".to_owned(),
    );
    checks.eq(
        "no warning without reflection",
        stderr_of(out.get_output()),
        String::new(),
    );
    let out = wamp(
        &cb.rs(),
        &[
            "--serializer",
            "cbor",
            "call",
            "--json",
            "com.py.progress",
            "3",
        ],
    )
    .assert()
    .success();
    checks.eq(
        "progressive results from Python, as they arrive",
        stdout_of(out.get_output()),
        "0\n1\n2\n\"done\"\n".to_owned(),
    );
    let out = wamp(
        &url,
        &["call", "--json", "com.py.echo", "1", "two", "--kw", "k=v"],
    )
    .assert()
    .success();
    checks.eq(
        "keyword arguments and results",
        serde_json::from_str::<Json>(&stdout_of(out.get_output())).unwrap(),
        json!({"args": [1, "two"], "kwargs": {"k": "v"}}),
    );
    let out = wamp(&url, &["call", "com.py.fail"]).assert().code(1);
    let err = stderr_of(out.get_output());
    checks.ok(
        "a Python error: URI and message",
        err.starts_with("wamp: com.example.error.custom: bad\n"),
    );
    let out = wamp(&url, &["call", "com.py.nothing"]).assert().code(1);
    let err = stderr_of(out.get_output());
    checks.ok(
        "no such procedure, and where to look without reflection",
        err.contains("wamp.error.no_such_procedure") && err.contains("`wamp registrations`"),
    );

    // Publish to a Python subscriber.
    let mut py_sub = python_peer(
        dir.path(),
        &[
            "subscriber",
            "--url",
            &url,
            "--topic",
            "com.cli.to_python",
            "--count",
            "1",
        ],
    );
    py_sub.ready(PEER);
    wamp(
        &url,
        &[
            "publish",
            "com.cli.to_python",
            "hello",
            "--kw",
            "n=1",
            "--acknowledge",
        ],
    )
    .assert()
    .success()
    .stdout(predicate::str::is_match(r"^\d+\n$").unwrap());
    let event = py_sub.json_line(WAIT);
    checks.eq(
        "Python got the event",
        (&event["args"], &event["kwargs"]),
        (&json!(["hello"]), &json!({"n": 1})),
    );

    // Subscribe with wamp; a Python procedure publishes.
    let (mut sub, log) = spawn_wamp(
        dir.path(),
        "subscriber",
        &url,
        &[
            "subscribe",
            "com.cli.from_python",
            "--match",
            "prefix",
            "--count",
            "2",
        ],
    );
    wait_for_text(&log, "subscribed to com.cli.from_python");
    wamp(
        &url,
        &["call", "com.py.publish", "com.cli.from_python.x", "2"],
    )
    .assert()
    .success()
    .stdout("2\n");
    for i in 0..2 {
        let line = sub.json_line(WAIT);
        checks.eq(
            "event from Python: args",
            &line["args"],
            &json!([i, format!("\0{}", if i == 0 { "AP8=" } else { "Af8=" })]),
        );
        checks.eq(
            "event from Python: kwargs",
            &line["kwargs"],
            &json!({"i": i}),
        );
        checks.eq(
            "event from Python: topic",
            &line["details"]["topic"],
            &json!("com.cli.from_python.x"),
        );
    }
    checks.ok("subscriber exits after --count", sub.wait(WAIT).success());

    // Serve procedures from shell commands to a Python caller.
    let python = interop_dir().join("venv/bin/python");
    let python = python.to_str().unwrap();
    let (_add2, log) = spawn_wamp(
        dir.path(),
        "add2",
        &url,
        &[
            "register",
            "com.cli.add2",
            "--",
            python,
            "-c",
            "import json, sys; print(sum(json.load(sys.stdin)['args']))",
        ],
    );
    wait_for_text(&log, "registered com.cli.add2");
    let (_echo, log) = spawn_wamp(
        dir.path(),
        "echo",
        &url,
        &["register", "com.cli.echo", "--", "cat"],
    );
    wait_for_text(&log, "registered com.cli.echo");
    let (_fail, log) = spawn_wamp(
        dir.path(),
        "fail",
        &url,
        &[
            "register",
            "com.cli.fail",
            "--",
            "sh",
            "-c",
            "echo broken >&2; exit 1",
        ],
    );
    wait_for_text(&log, "registered com.cli.fail");
    let results = python_peer(
        dir.path(),
        &[
            "caller",
            "--url",
            &url,
            "--prefix",
            "com.cli",
            "--checks",
            "add2,echo,fail",
        ],
    )
    .results(PEER);
    checks.eq(
        "Python calls a shell command: add2",
        &results["add2"]["value"],
        &json!(5),
    );
    let echo = &results["echo"]["value"];
    checks.eq(
        "Python calls a shell command: arguments on stdin",
        (&echo["args"], &echo["kwargs"]),
        (
            &json!([1, "two", [3.5, true, null]]),
            &json!({"k": "v", "n": {"x": 1}}),
        ),
    );
    checks.eq(
        "Python calls a failing command: error URI",
        &results["fail"]["error"],
        &json!("wamp.error.runtime_error"),
    );

    // The meta API.
    let out = wamp(&url, &["registrations"]).assert().success();
    let table = stdout_of(out.get_output());
    checks.ok(
        "registrations from Crossbar's meta API",
        ["com.cli.add2 ", "com.cli.echo ", "com.py.add2 "]
            .iter()
            .all(|uri| table.lines().any(|l| l.starts_with(uri))),
    );
    let out = wamp(&url, &["sessions", "--json"]).assert().success();
    let sessions: Json = serde_json::from_str(&stdout_of(out.get_output())).unwrap();
    checks.ok(
        "sessions from Crossbar's meta API",
        sessions
            .as_array()
            .is_some_and(|s| s.len() >= 4 && s.iter().all(|d| d["session"].is_u64())),
    );
    // No reflection: a clear answer.
    let out = wamp(&url, &["list"]).assert().code(1);
    checks.ok(
        "list without reflection says so",
        stderr_of(out.get_output()).contains("does not offer the reflection API"),
    );

    // Authentication, with the secrets in the environment.
    let auth = cb.ws_auth();
    let out = wamp(&auth, &["call", "com.py.add2", "1", "1"])
        .assert()
        .code(3);
    let err = stderr_of(out.get_output());
    checks.ok(
        "anonymous refused: says to give credentials",
        err.contains("not allowed to join realm \"realm1\" anonymously")
            && err.contains("WAMP_TICKET"),
    );
    let out = wamp(&auth, &["call", "com.py.add2", "1", "1"])
        .env("WAMP_AUTHID", "alice")
        .env("WAMP_TICKET", "secret123")
        .assert()
        .success();
    checks.eq(
        "ticket from WAMP_TICKET",
        stdout_of(out.get_output()),
        "2\n".to_owned(),
    );
    let out = wamp(
        &auth,
        &["--authid", "alice", "call", "com.py.add2", "1", "1"],
    )
    .env("WAMP_TICKET", "wrong")
    .assert()
    .code(3);
    checks.ok(
        "wrong ticket: says to check it",
        stderr_of(out.get_output()).contains("check the authentication ID and the secret"),
    );
    let out = wamp(&auth, &["--authid", "bob", "call", "com.py.add2", "2", "2"])
        .env("WAMP_WAMPCRA_SECRET", "bobsecret")
        .assert()
        .success();
    checks.eq(
        "WAMP-CRA from WAMP_WAMPCRA_SECRET",
        stdout_of(out.get_output()),
        "4\n".to_owned(),
    );
    let out = wamp(
        &cb.rs_auth(),
        &["--authid", "dave", "call", "com.py.add2", "3", "3"],
    )
    .env("WAMP_CRYPTOSIGN_KEY", DAVE_SEED)
    .assert()
    .success();
    checks.eq(
        "cryptosign from WAMP_CRYPTOSIGN_KEY",
        stdout_of(out.get_output()),
        "6\n".to_owned(),
    );
    let out = wamp(
        &auth,
        &[
            "--authid",
            "mallory",
            "publish",
            "com.cli.x",
            "1",
            "--acknowledge",
        ],
    )
    .env("WAMP_TICKET", "limited123")
    .assert()
    .code(1);
    let err = stderr_of(out.get_output());
    checks.ok(
        "not authorized to publish: says so",
        err.contains("wamp.error.not_authorized")
            && err.contains("your role may not publish to com.cli.x"),
    );
    drop(callee);
}
