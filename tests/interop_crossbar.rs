//! Interop with Crossbar.io 26.10.1, Autobahn|Python 26.10.2 and autobahn-js
//! 22.11.1 / wampy 8.0.2 (issue 5, scenarios 1–4 and 6). Every process a test
//! starts is killed when its guard drops, also when the test fails.

use std::time::Duration;

use futures_util::StreamExt;
use serde_bytes::ByteBuf;
use serde_json::{Value as J, json};
use tokio::sync::mpsc;
use wamp::auth::{CryptoSign, Ticket, WampCra, cryptosign};
use wamp::client::{JoinConfig, MatchPolicy, event_handler};
use wamp::transport::ClientOptions;
use wamp::{Error, SerializerKind, Session, SubscribeOptions};
use wamp_tests::api::{Report, check_common, next_report, rust_api_component};
use wamp_tests::interop::{Checks, Crossbar, node_peer, python_peer, scratch, serializer_name};

const PEER: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(10);
const DAVE_SEED: &str = "0b0de32f45e893e4126b2315dee6981a78a92bbcdd30293e7d31fd3a901952f6";

async fn join(url: &str, serializer: SerializerKind, config: JoinConfig) -> Result<Session, Error> {
    let transport = wamp::transport::connect(url, &ClientOptions::with_serializers([serializer]))
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    Session::join(transport, config).await
}

/// Scenarios 1–4 against one Crossbar.io node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossbar_scenarios() {
    let dir = scratch();
    let cb = Crossbar::start(dir.path());
    let mut checks = Checks::new("crossbar_scenarios");

    rust_component_called_by_python_and_js(&cb, dir.path(), &mut checks).await;
    python_called_and_subscribed_from_rust(&cb, dir.path(), &mut checks).await;
    serializers_and_transports(&cb, dir.path(), &mut checks).await;
    authentication(&cb, &mut checks).await;
    rust_client_features(&cb, &mut checks).await;
}

/// Client features the Python peers do not exercise, against Crossbar.io:
/// retained events, publisher exclusion, wildcard subscriptions, caller
/// disclosure set by the router role, the session meta API and kill.
async fn rust_client_features(cb: &Crossbar, checks: &mut Checks) {
    let publisher = join(&cb.ws(), SerializerKind::Cbor, JoinConfig::new("realm1"))
        .await
        .unwrap();
    let subscriber = join(&cb.rs(), SerializerKind::Json, JoinConfig::new("realm1"))
        .await
        .unwrap();

    let payload = wamp::Payload::encode_args(publisher.serializer(), &["kept"]).unwrap();
    publisher
        .publish_with(
            "com.features.retained",
            payload,
            wamp::PublishOptions::default().acknowledge().retain(),
        )
        .await
        .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler = move |tx: mpsc::UnboundedSender<_>| {
        event_handler(move |ev| {
            let tx = tx.clone();
            async move {
                let (text,): (String,) = ev.payload.args()?;
                tx.send((text, ev.details)).unwrap();
                Ok(())
            }
        })
    };
    let _retained = subscriber
        .subscribe(
            "com.features.retained",
            SubscribeOptions::default().get_retained(),
            handler(tx.clone()),
        )
        .await
        .unwrap();
    let (text, details) = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    checks.eq(
        "crossbar retained event",
        (text.as_str(), details.retained),
        ("kept", true),
    );

    let _wild = subscriber
        .subscribe(
            "com..wild",
            SubscribeOptions::default().match_policy(MatchPolicy::Wildcard),
            handler(tx.clone()),
        )
        .await
        .unwrap();
    let publication = publisher
        .publish_with(
            "com.x.wild",
            wamp::Payload::encode_args(publisher.serializer(), &["w"]).unwrap(),
            wamp::PublishOptions::default().acknowledge(),
        )
        .await
        .unwrap();
    let (text, details) = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    checks.eq(
        "crossbar wildcard subscription",
        (
            text.as_str(),
            details.topic.as_str(),
            Some(details.publication),
        ),
        ("w", "com.x.wild", publication),
    );
    checks.eq(
        "crossbar publisher disclosure (role config)",
        details.publisher,
        Some(publisher.id()),
    );

    // exclude_me = false: the publisher gets its own event.
    let (own_tx, mut own_rx) = mpsc::unbounded_channel();
    let _own = publisher
        .subscribe(
            "com.features.own",
            SubscribeOptions::default(),
            handler(own_tx),
        )
        .await
        .unwrap();
    publisher
        .publish_with(
            "com.features.own",
            wamp::Payload::encode_args(publisher.serializer(), &["me too"]).unwrap(),
            wamp::PublishOptions::default()
                .acknowledge()
                .exclude_me(false),
        )
        .await
        .unwrap();
    let (text, _) = tokio::time::timeout(WAIT, own_rx.recv())
        .await
        .unwrap()
        .unwrap();
    checks.eq("crossbar exclude_me=false", text.as_str(), "me too");

    // Session meta API and kill: the killed session learns why.
    let count: u64 = publisher
        .call("wamp.session.count", &())
        .await
        .unwrap()
        .get()
        .unwrap();
    checks.ok("crossbar wamp.session.count", count >= 2);
    let info: J = publisher
        .call("wamp.session.get", &(subscriber.id(),))
        .await
        .unwrap()
        .get()
        .unwrap();
    checks.eq(
        "crossbar wamp.session.get",
        (&info["session"], &info["authrole"]),
        (&json!(subscriber.id()), &json!("anonymous")),
    );
    publisher
        .call("wamp.session.kill", &(subscriber.id(),))
        .kwargs(&json!({"reason": "com.features.kicked", "message": "bye"}))
        .await
        .unwrap();
    let reason = tokio::time::timeout(WAIT, subscriber.closed())
        .await
        .unwrap();
    checks.eq(
        "crossbar kill reason reaches the session",
        (reason.reason.as_str(), reason.message.as_deref()),
        ("com.features.kicked", Some("bye")),
    );
    publisher.leave().await;
}

/// Scenario 1 (with hand-written handlers instead of the macros): a Rust
/// component serves the test API through Crossbar.io; Autobahn|Python and
/// autobahn-js call it and publish to it.
async fn rust_component_called_by_python_and_js(
    cb: &Crossbar,
    dir: &std::path::Path,
    checks: &mut Checks,
) {
    let (component, mut reports) = rust_api_component(&cb.rs(), SerializerKind::Cbor, "com.rust");
    let (stop, task) = component.start();
    assert!(matches!(
        next_report(&mut reports, WAIT).await,
        Report::Joined(_)
    ));

    let py = python_peer(
        dir,
        &[
            "caller",
            "--url",
            &cb.ws(),
            "--serializer",
            "json",
            "--prefix",
            "com.rust",
            "--checks",
            "add2,echo,binary,progress,fail,invalid_argument,no_such_procedure,cancel,pattern,wildcard,whoami,publish,meta_pattern",
        ],
    );
    let py_session;
    {
        let results = tokio::task::spawn_blocking(move || py.results(PEER))
            .await
            .unwrap();
        check_common(checks, "python -> rust", "com.rust", &results);
        checks.eq(
            "python on crossbar: pattern lookups in the meta API",
            &results["meta_pattern"]["value"],
            &json!({"positional": true, "exact": null, "match": true, "subscribers": 1}),
        );
        checks.eq("python -> rust: all checks ran", results.len(), 13);
        py_session = results["whoami"]["session"].as_u64().unwrap();
    }
    // The cancel check: the Rust handler saw the INTERRUPT.
    // The publish check: three events reached the Rust prefix subscription.
    let mut interrupted = 0;
    let mut events = Vec::new();
    while interrupted < 1 || events.len() < 3 {
        match next_report(&mut reports, WAIT).await {
            Report::Interrupted => interrupted += 1,
            Report::Event(topic, args, kwargs, publisher) => {
                events.push((topic, args, kwargs, publisher))
            }
            Report::Joined(_) => panic!("the component rejoined"),
        }
    }
    checks.eq("rust handler canceled by python", interrupted, 1);
    for (i, (topic, args, kwargs, publisher)) in events.iter().enumerate() {
        checks.eq("python event topic", topic.as_str(), "com.rust.topic");
        checks.eq(
            "python event args (int, binary)",
            args,
            &json!([i, format!("{i:02x}ff")]),
        );
        checks.eq("python event kwargs", kwargs, &json!({"i": i}));
        checks.eq("python publisher disclosed", *publisher, Some(py_session));
    }

    for serializer in ["json", "msgpack", "cbor"] {
        // autobahn-js' JSON serializer has no binary convention.
        let list = if serializer == "json" {
            "add2,echo,progress,fail,no_such_procedure,cancel_kill,pattern,wildcard,publish"
        } else {
            "add2,echo,binary,progress,fail,no_such_procedure,cancel_kill,pattern,wildcard,publish"
        };
        let js = node_peer(
            dir,
            &[
                "caller",
                "--url",
                &cb.ws(),
                "--serializer",
                serializer,
                "--prefix",
                "com.rust",
                "--checks",
                list,
            ],
        );
        let results = tokio::task::spawn_blocking(move || js.results(PEER))
            .await
            .unwrap();
        let who = format!("autobahn-js ({serializer}) -> rust");
        check_common(checks, &who, "com.rust", &results);
        checks.eq(
            &format!("{who}: all checks ran"),
            results.len(),
            list.split(',').count(),
        );
        let mut events = Vec::new();
        let mut interrupted = 0;
        while events.len() < 3 || interrupted < 1 {
            match next_report(&mut reports, WAIT).await {
                Report::Event(topic, args, kwargs, _) => events.push((topic, args, kwargs)),
                Report::Interrupted => interrupted += 1,
                other => panic!("{who}: unexpected {other:?}"),
            }
        }
        checks.eq(&format!("{who}: rust handler canceled"), interrupted, 1);
        for (i, event) in events.into_iter().enumerate() {
            checks.eq(
                &format!("{who}: event"),
                event,
                ("com.rust.topic".to_owned(), json!([i]), json!({"i": i})),
            );
        }
    }

    for serializer in ["json", "msgpack", "cbor"] {
        let wampy = node_peer(
            dir,
            &[
                "caller",
                "--client",
                "wampy",
                "--url",
                &cb.ws(),
                "--serializer",
                serializer,
                "--prefix",
                "com.rust",
                "--checks",
                "add2,fail",
            ],
        );
        let results = tokio::task::spawn_blocking(move || wampy.results(PEER))
            .await
            .unwrap();
        let who = format!("wampy ({serializer}) -> rust");
        check_common(checks, &who, "com.rust", &results);
        checks.eq(&format!("{who}: all checks ran"), results.len(), 2);
    }

    stop.stop();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// Scenario 2: Autobahn|Python procedures and publishers called and subscribed from Rust.
async fn python_called_and_subscribed_from_rust(
    cb: &Crossbar,
    dir: &std::path::Path,
    checks: &mut Checks,
) {
    let mut callee = python_peer(
        dir,
        &[
            "callee",
            "--url",
            &cb.ws(),
            "--serializer",
            "json",
            "--prefix",
            "com.py",
        ],
    );
    let ready = tokio::task::block_in_place(|| callee.ready(PEER));
    let py_session = ready["session"].as_u64().unwrap();
    let s = join(&cb.rs(), SerializerKind::MsgPack, JoinConfig::new("realm1"))
        .await
        .unwrap();

    let sum: i64 = s.call("com.py.add2", &(2, 3)).await.unwrap().get().unwrap();
    checks.eq("rust -> python: add2", sum, 5);

    let r = s
        .call("com.py.echo", &(1, "two"))
        .kwargs(&json!({"k": "v", "n": {"x": 1}}))
        .await
        .unwrap();
    checks.eq(
        "rust -> python: echo args",
        r.args_as::<J>().unwrap(),
        json!([1, "two"]),
    );
    checks.eq(
        "rust -> python: echo kwargs",
        r.kwargs_as::<J>().unwrap(),
        json!({"k": "v", "n": {"x": 1}}),
    );

    let b: ByteBuf = s
        .call(
            "com.py.binary",
            &(ByteBuf::from(vec![0u8, 1, 2, 254, 255]),),
        )
        .await
        .unwrap()
        .get()
        .unwrap();
    checks.eq(
        "rust -> python: binary",
        b.into_vec(),
        vec![255, 254, 2, 1, 0],
    );

    let mut stream = s
        .call("com.py.progress", &(3,))
        .progressive()
        .await
        .unwrap();
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        let item = item.unwrap();
        items.push((item.is_progress(), item.args_as::<J>().unwrap()));
    }
    checks.eq(
        "rust -> python: progressive results",
        items,
        vec![
            (true, json!([0])),
            (true, json!([1])),
            (true, json!([2])),
            (false, json!(["done"])),
        ],
    );

    let err = s.call("com.py.fail", &()).await.unwrap_err();
    checks.eq(
        "rust -> python: error uri",
        err.uri(),
        "com.example.error.custom",
    );
    checks.eq(
        "rust -> python: error args",
        err.args::<J>().unwrap(),
        json!(["bad", 42]),
    );
    checks.eq(
        "rust -> python: error kwargs",
        err.kwargs::<J>().unwrap(),
        json!({"reason": "because"}),
    );

    let err = s.call("com.py.nothing", &()).await.unwrap_err();
    checks.eq(
        "rust -> python: no such procedure",
        err.uri(),
        "wamp.error.no_such_procedure",
    );

    // Cancel: dropping the pending call sends CANCEL; Python sees the INTERRUPT.
    let pending = s.call("com.py.slow", &()).start().await.unwrap();
    let line = tokio::task::block_in_place(|| callee.json_line(WAIT));
    checks.eq("python handler started", line, json!({"event": "started"}));
    pending.cancel(wamp::client::CancelMode::KillNoWait);
    let err = tokio::time::timeout(WAIT, pending)
        .await
        .unwrap()
        .unwrap_err();
    checks.eq(
        "rust -> python: cancel error",
        err.uri(),
        "wamp.error.canceled",
    );
    let line = tokio::task::block_in_place(|| callee.json_line(WAIT));
    checks.eq(
        "python handler interrupted by cancel",
        line,
        json!({"event": "interrupted"}),
    );

    // Dropping a pending call cancels it with the router's default mode.
    let pending = s.call("com.py.slow", &()).start().await.unwrap();
    let line = tokio::task::block_in_place(|| callee.json_line(WAIT));
    checks.eq("python handler started", line, json!({"event": "started"}));
    drop(pending);
    let line = tokio::task::block_in_place(|| callee.json_line(WAIT));
    checks.eq(
        "python handler interrupted by a dropped call",
        line,
        json!({"event": "interrupted"}),
    );

    // Mode kill: the error comes from the interrupted callee, through Crossbar.
    let pending = s.call("com.py.slow", &()).start().await.unwrap();
    let line = tokio::task::block_in_place(|| callee.json_line(WAIT));
    checks.eq("python handler started", line, json!({"event": "started"}));
    pending.cancel(wamp::client::CancelMode::Kill);
    let err = tokio::time::timeout(WAIT, pending)
        .await
        .unwrap()
        .unwrap_err();
    checks.eq(
        "rust -> python: kill error",
        err.uri(),
        "wamp.error.canceled",
    );
    let line = tokio::task::block_in_place(|| callee.json_line(WAIT));
    checks.eq(
        "python handler interrupted by kill",
        line,
        json!({"event": "interrupted"}),
    );

    // Timeout: Crossbar reads CALL.Options.timeout as seconds (spec: ms), so the
    // local deadline of our client ends the call and cancels it.
    let err = s
        .call("com.py.slow", &())
        .timeout(Duration::from_secs(1))
        .await
        .unwrap_err();
    checks.ok(
        &format!("rust -> python: timeout ({err})"),
        err.is_timeout() || err.is_canceled(),
    );
    let line = tokio::task::block_in_place(|| callee.json_line(WAIT));
    checks.eq("python handler started", line, json!({"event": "started"}));
    let line = tokio::task::block_in_place(|| callee.json_line(WAIT));
    checks.eq(
        "python handler interrupted by timeout",
        line,
        json!({"event": "interrupted"}),
    );
    let slept: String = s
        .call("com.py.sleep", &(100,))
        .timeout(Duration::from_secs(5))
        .await
        .unwrap()
        .get()
        .unwrap();
    checks.eq(
        "rust -> python: call within its timeout",
        slept.as_str(),
        "slept",
    );

    // Events published by Python, received by a Rust pattern subscription.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _sub = s
        .subscribe(
            "com.py.events",
            SubscribeOptions::default().match_policy(MatchPolicy::Prefix),
            event_handler(move |ev| {
                let tx = tx.clone();
                async move {
                    let (i, b): (u8, ByteBuf) = ev.payload.args()?;
                    let kw: J = ev.payload.kwargs()?;
                    tx.send((ev.details.topic, i, b.into_vec(), kw, ev.details.publisher))
                        .unwrap();
                    Ok(())
                }
            }),
        )
        .await
        .unwrap();
    let n: u32 = s
        .call("com.py.publish", &("com.py.events.x", 3))
        .await
        .unwrap()
        .get()
        .unwrap();
    checks.eq("python published", n, 3);
    for i in 0..3u8 {
        let ev = tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
        checks.eq(
            "python event received in rust",
            ev,
            (
                "com.py.events.x".to_owned(),
                i,
                vec![i, 255],
                json!({"i": i}),
                Some(py_session),
            ),
        );
    }
    s.leave().await;
}

/// Scenario 3: every serializer on both transports, mixed pairs included.
async fn serializers_and_transports(cb: &Crossbar, dir: &std::path::Path, checks: &mut Checks) {
    let kinds = [
        SerializerKind::Json,
        SerializerKind::MsgPack,
        SerializerKind::Cbor,
    ];
    // One Python callee per serializer, alternating transports.
    let mut callees = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let url = if i % 2 == 0 { cb.ws() } else { cb.rs() };
        let name = serializer_name(*kind);
        let prefix = format!("com.py.{name}");
        let mut p = python_peer(
            dir,
            &[
                "callee",
                "--url",
                &url,
                "--serializer",
                name,
                "--prefix",
                &prefix,
            ],
        );
        tokio::task::block_in_place(|| p.ready(PEER));
        callees.push((p, prefix));
    }
    for kind in kinds {
        for url in [cb.ws(), cb.rs()] {
            let s = join(&url, kind, JoinConfig::new("realm1")).await.unwrap();
            for (_, prefix) in &callees {
                let who = format!("rust {kind:?} on {url} -> python {prefix}");
                let sum: i64 = s
                    .call(&format!("{prefix}.add2"), &(20, 22))
                    .await
                    .unwrap()
                    .get()
                    .unwrap();
                checks.eq(&who, sum, 42);
                let b: ByteBuf = s
                    .call(
                        &format!("{prefix}.binary"),
                        &(ByteBuf::from(vec![0u8, 1, 2]),),
                    )
                    .await
                    .unwrap()
                    .get()
                    .unwrap();
                checks.eq(&who, b.into_vec(), vec![2, 1, 0]);
                let r = s
                    .call(&format!("{prefix}.echo"), &("x", 1.5, [true]))
                    .kwargs(&json!({"a": null}))
                    .await
                    .unwrap();
                checks.eq(
                    &who,
                    (r.args_as::<J>().unwrap(), r.kwargs_as::<J>().unwrap()),
                    (json!(["x", 1.5, [true]]), json!({"a": null})),
                );
            }
            s.leave().await;
        }
    }
    drop(callees);

    // Rust publishers on every serializer and transport, Python subscribers on
    // every serializer.
    let mut subscribers = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let url = if i % 2 == 0 { cb.rs() } else { cb.ws() };
        let name = serializer_name(*kind);
        let mut p = python_peer(
            dir,
            &[
                "subscriber",
                "--url",
                &url,
                "--serializer",
                name,
                "--topic",
                "com.rust.news",
                "--count",
                "6",
            ],
        );
        tokio::task::block_in_place(|| p.ready(PEER));
        subscribers.push((p, name));
    }
    let mut published = Vec::new();
    for (k, kind) in kinds.into_iter().enumerate() {
        for (t, url) in [cb.ws(), cb.rs()].into_iter().enumerate() {
            let s = join(&url, kind, JoinConfig::new("realm1")).await.unwrap();
            let n = (k * 2 + t) as u8;
            let payload = wamp::Payload::encode(
                kind,
                &(n, ByteBuf::from(vec![n, 0, 255])),
                &json!({"from": serializer_name(kind)}),
            )
            .unwrap();
            let publication = s
                .publish_with(
                    "com.rust.news",
                    payload,
                    wamp::PublishOptions::default().acknowledge(),
                )
                .await
                .unwrap();
            checks.ok("rust publish acknowledged", publication.is_some());
            published.push((n, serializer_name(kind), s.id()));
            s.leave().await;
        }
    }
    for (sub, name) in &mut subscribers {
        for (n, from, publisher) in &published {
            let line = tokio::task::block_in_place(|| sub.json_line(WAIT));
            checks.eq(
                &format!("rust {from} event received by python {name}"),
                line,
                json!({
                    "topic": "com.rust.news",
                    "args": [n, {"hex": format!("{n:02x}00ff")}],
                    "kwargs": {"from": from},
                    "publisher": publisher,
                }),
            );
        }
        let status = tokio::task::block_in_place(|| sub.wait(WAIT));
        checks.ok("python subscriber done", status.success());
    }

    // Python callers (each serializer, both transports) against a Rust callee
    // on another serializer.
    let (component, mut reports) =
        rust_api_component(&cb.ws(), SerializerKind::MsgPack, "com.rust.mixed");
    let (stop, task) = component.start();
    assert!(matches!(
        next_report(&mut reports, WAIT).await,
        Report::Joined(_)
    ));
    for kind in kinds {
        for url in [cb.ws(), cb.rs()] {
            let name = serializer_name(kind);
            let py = python_peer(
                dir,
                &[
                    "caller",
                    "--url",
                    &url,
                    "--serializer",
                    name,
                    "--prefix",
                    "com.rust.mixed",
                    "--checks",
                    "add2,echo,binary",
                ],
            );
            let results = tokio::task::spawn_blocking(move || py.results(PEER))
                .await
                .unwrap();
            let who = format!("python {name} on {url} -> rust msgpack");
            check_common(checks, &who, "com.rust.mixed", &results);
            checks.eq(&who, results.len(), 3);
        }
    }
    stop.stop();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// Scenario 4: the Rust client authenticates against Crossbar.io; failures
/// carry Crossbar's error URI and message.
async fn authentication(cb: &Crossbar, checks: &mut Checks) {
    let dave = || CryptoSign::new(cryptosign::SigningKey::from_hex(DAVE_SEED).unwrap());
    let cases: Vec<(&str, JoinConfig, &str, &str)> = vec![
        (
            "ticket",
            JoinConfig::new("realm1").auth(Ticket::new("alice", "secret123")),
            "alice",
            "ticket",
        ),
        (
            "wampcra",
            JoinConfig::new("realm1").auth(WampCra::new("bob", "bobsecret")),
            "bob",
            "wampcra",
        ),
        (
            "salted wampcra",
            JoinConfig::new("realm1").auth(WampCra::new("carol", "carolsecret")),
            "carol",
            "wampcra",
        ),
        (
            "cryptosign",
            JoinConfig::new("realm1").auth(dave().with_authid("dave")),
            "dave",
            "cryptosign",
        ),
        (
            "cryptosign without authid",
            JoinConfig::new("realm1").auth(dave()),
            "dave",
            "cryptosign",
        ),
    ];
    for url in [cb.ws_auth(), cb.rs_auth()] {
        for (what, config, authid, method) in cases.iter().cloned() {
            let s = join(&url, SerializerKind::Json, config)
                .await
                .unwrap_or_else(|e| panic!("{what} on {url}: {e}"));
            checks.eq(
                &format!("{what} on {url}"),
                (
                    s.details().authid.as_deref(),
                    s.details().authrole.as_deref(),
                    s.details().authmethod.as_deref(),
                ),
                (Some(authid), Some("user"), Some(method)),
            );
            let count: u64 = s
                .call("wamp.session.count", &())
                .await
                .unwrap()
                .get()
                .unwrap();
            checks.ok(&format!("{what}: meta call after auth"), count >= 1);
            s.leave().await;
        }
    }

    let other_key = cryptosign::SigningKey::from_seed([7; 32]);
    let failures: Vec<(&str, JoinConfig, &str, &str)> = vec![
        (
            "wrong ticket",
            JoinConfig::new("realm1").auth(Ticket::new("alice", "wrong")),
            "wamp.error.not_authorized",
            "ticket in static WAMP-Ticket authentication is invalid",
        ),
        (
            "unknown authid",
            JoinConfig::new("realm1").auth(Ticket::new("nobody", "x")),
            "wamp.error.not_authorized",
            "no principal with authid \"nobody\" exists",
        ),
        (
            "wrong wampcra secret",
            JoinConfig::new("realm1").auth(WampCra::new("bob", "wrong")),
            "wamp.error.not_authorized",
            "WAMP-CRA client signature is invalid",
        ),
        (
            "wrong salted wampcra secret",
            JoinConfig::new("realm1").auth(WampCra::new("carol", "wrong")),
            "wamp.error.not_authorized",
            "WAMP-CRA client signature is invalid",
        ),
        (
            "wrong cryptosign key",
            JoinConfig::new("realm1").auth(CryptoSign::new(other_key).with_authid("dave")),
            "wamp.error.not_authorized",
            "extra.pubkey provided does not match any one of authorized_keys for the principal",
        ),
        (
            "anonymous on the auth transport",
            JoinConfig::new("realm1"),
            "wamp.error.no_auth_method",
            "",
        ),
    ];
    for (what, config, uri, message) in failures {
        let err = join(&cb.ws_auth(), SerializerKind::MsgPack, config)
            .await
            .err()
            .unwrap_or_else(|| panic!("{what}: joined"));
        checks.eq(&format!("{what}: error uri"), err.uri(), uri);
        if !message.is_empty() {
            checks.eq(
                &format!("{what}: message"),
                err.text().as_deref(),
                Some(message),
            );
        }
    }

    // Authorization: role `restricted` may only call com.example.add2.
    let s = join(
        &cb.ws_auth(),
        SerializerKind::Cbor,
        JoinConfig::new("realm1").auth(Ticket::new("mallory", "limited123")),
    )
    .await
    .unwrap();
    let err = s.call("com.py.add2", &(1, 2)).await.unwrap_err();
    checks.eq(
        "restricted call: error uri",
        err.uri(),
        "wamp.error.not_authorized",
    );
    let Err(err) = s
        .register(
            "com.example.add2",
            wamp::RegisterOptions::default(),
            wamp::client::typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
        )
        .await
    else {
        panic!("restricted register must fail")
    };
    checks.eq(
        "restricted register: error uri",
        err.uri(),
        "wamp.error.not_authorized",
    );
    s.leave().await;
}

/// Scenario 6: Crossbar.io stops and starts again while a Rust component runs;
/// the component comes back, registers again, and a Python caller's next call succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn component_survives_a_crossbar_restart() {
    let dir = scratch();
    let mut cb = Crossbar::start(dir.path());
    let mut checks = Checks::new("component_survives_a_crossbar_restart");

    let (component, mut reports) =
        rust_api_component(&cb.ws(), SerializerKind::MsgPack, "com.rust.back");
    let (stop, task) = component.start();
    let Report::Joined(first) = next_report(&mut reports, WAIT).await else {
        panic!("expected a join")
    };
    let call = |cb: &Crossbar| {
        python_peer(
            dir.path(),
            &[
                "caller",
                "--url",
                &cb.rs(),
                "--serializer",
                "cbor",
                "--prefix",
                "com.rust.back",
                "--checks",
                "add2,whoami",
            ],
        )
    };
    let py = call(&cb);
    let results = tokio::task::spawn_blocking(move || py.results(PEER))
        .await
        .unwrap();
    check_common(&mut checks, "before the restart", "com.rust.back", &results);
    checks.eq("before the restart: all checks", results.len(), 2);

    tokio::task::block_in_place(|| cb.stop());
    tokio::task::block_in_place(|| cb.restart());
    let second = match next_report(&mut reports, Duration::from_secs(60)).await {
        Report::Joined(id) => id,
        other => panic!("unexpected {other:?}"),
    };
    checks.ok("a new session after the restart", second != first);

    let py = call(&cb);
    let results = tokio::task::spawn_blocking(move || py.results(PEER))
        .await
        .unwrap();
    check_common(&mut checks, "after the restart", "com.rust.back", &results);
    checks.eq("after the restart: all checks", results.len(), 2);

    stop.stop();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
