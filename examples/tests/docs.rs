//! The docs of the example service (`examples/math_service.rs`): catalog
//! snapshots from the binary's `--print-schema`, `--write-docs`, AsyncAPI,
//! a round trip that validates real call arguments and results against the
//! emitted JSON Schemas with the `jsonschema` crate through the embedded
//! router, and the reflection API answering from the schemas the component
//! sent. Set `UPDATE_SNAPSHOTS=1` to rewrite the snapshots after a reviewed
//! change.

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../math_service.rs"]
mod math_service;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value as Json, json};
use wamp::client::JoinConfig;
use wamp::router::{RealmConfig, Router};
use wamp::{Component, Session};

const BIN: &str = env!("CARGO_BIN_EXE_math_service");

fn print_schema(format: &str) -> String {
    let out = Command::new(BIN)
        .args(["--print-schema", format])
        .output()
        .expect("run math_service");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn catalog() -> Json {
    serde_json::from_str(&print_schema("json")).expect("catalog is JSON")
}

fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_SNAPSHOTS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output at line {}:\n  expected: {:?}\n  actual:   {:?}\n(UPDATE_SNAPSHOTS=1 rewrites it after review)",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn catalog_json_snapshot() {
    snapshot("math_service.catalog.json", &print_schema("json"));
}

#[test]
fn catalog_markdown_snapshot() {
    snapshot("math_service.catalog.md", &print_schema("md"));
}

#[test]
fn asyncapi_snapshot() {
    let text = print_schema("asyncapi");
    let doc: Json = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["asyncapi"], "3.0.0");
    assert_eq!(
        doc["channels"]["com_math_announcement"]["address"],
        "com.math.announcement"
    );
    assert_eq!(
        doc["operations"]["receive_com_math_announcement"]["action"],
        "receive"
    );
    assert_eq!(
        doc["components"]["messages"]["com_math_announcement_event"]["payload"]["properties"]["args"]
            ["prefixItems"][0]["$ref"],
        "#/components/schemas/Announcement"
    );
    assert!(doc["components"]["schemas"]["Announcement"].is_object());
    assert!(
        !text.contains("#/$defs/"),
        "every $ref points into components"
    );
    snapshot("math_service.asyncapi.json", &text);
}

#[test]
fn catalog_document_shape() {
    let doc = catalog();
    assert_eq!(doc["format"], "wamp-catalog");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["info"]["title"], "Math service");
    let uris: Vec<&str> = doc["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "com.math.add",
            "com.math.count_to",
            "com.math.divide",
            "com.math.round",
            "com.math.stats"
        ]
    );
    let stats = &doc["procedures"][4];
    assert_eq!(stats["result"]["$ref"], "#/$defs/Stats");
    assert_eq!(stats["errors"], json!(["com.math.error.empty_series"]));
    assert_eq!(
        doc["$defs"]["Stats"]["properties"]["mean"]["description"],
        "Their arithmetic mean."
    );
    assert_eq!(doc["procedures"][1]["progress"]["format"], "uint32");
    assert_eq!(doc["topics"][0]["uri"], "com.math.announcement");
}

#[test]
fn write_docs_writes_every_format() {
    let dir = std::env::temp_dir().join(format!("wamp-docs-{}", std::process::id()));
    let out = Command::new(BIN)
        .args(["--write-docs", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    for name in [
        "catalog.json",
        "catalog.md",
        "catalog.html",
        "asyncapi.json",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(text.contains("com.math."), "{name}");
    }
    let bad = Command::new(BIN)
        .args(["--print-schema", "pdf"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

/// A validator for `schema` (a part of the catalog), with the catalog's `$defs`.
fn validator(schema: &Json, defs: &Json) -> jsonschema::Validator {
    let mut root = match schema {
        Json::Object(m) => m.clone(),
        Json::Bool(true) => serde_json::Map::new(),
        other => panic!("unexpected schema {other}"),
    };
    root.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    root.insert("$defs".into(), defs.clone());
    jsonschema::validator_for(&Json::Object(root)).expect("a valid JSON Schema")
}

fn procedure<'a>(doc: &'a Json, uri: &str) -> &'a Json {
    doc["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["uri"] == uri)
        .unwrap_or_else(|| panic!("{uri} not in the catalog"))
}

async fn start() -> (Router, Session, wamp::client::StopHandle) {
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel();
    let service = Component::builder("realm1")
        .transport(&format!("rs://{addr}"))
        .collected_component("math")
        .on_join(move |_| {
            let ready_tx = ready_tx.clone();
            async move {
                let _ = ready_tx.send(());
            }
        })
        .build();
    let (stop, _running) = service.start();
    tokio::time::timeout(Duration::from_secs(10), ready.recv())
        .await
        .expect("the service joins");
    let transport = wamp::transport::connect(&format!("ws://{addr}/ws"), &Default::default())
        .await
        .unwrap();
    let client = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();
    (router, client, stop)
}

/// Calls with JSON args/kwargs; returns the first positional result (or the error URI).
async fn call(client: &Session, uri: &str, args: &Json, kwargs: &Json) -> Result<Json, String> {
    let payload = wamp::Payload::encode(
        client.serializer(),
        args.as_array().unwrap(),
        kwargs.as_object().unwrap(),
    )
    .unwrap();
    match client.call_payload(uri, payload).await {
        Ok(result) => Ok(result.get::<Json>().unwrap_or(Json::Null)),
        Err(e) => Err(e.uri().to_owned()),
    }
}

#[tokio::test]
async fn real_calls_round_trip_through_the_emitted_schemas() {
    let doc = catalog();
    let defs = doc["$defs"].clone();
    let (router, client, stop) = start().await;

    // The calls the example makes, the example calls of the catalog, and a few more.
    let mut cases: Vec<(String, Json, Json)> = vec![
        ("com.math.add".into(), json!([2, 3]), json!({})),
        ("com.math.stats".into(), json!([[1.0, 2.0, 6.0]]), json!({})),
        ("com.math.divide".into(), json!([1.0, 4.0]), json!({})),
        (
            "com.math.round".into(),
            json!([2.345]),
            json!({"digits": 2, "mode": "down"}),
        ),
        ("com.math.count_to".into(), json!([3]), json!({})),
    ];
    for p in doc["procedures"].as_array().unwrap() {
        cases.push((
            p["uri"].as_str().unwrap().into(),
            p["example"]["args"].clone(),
            p["example"]["kwargs"].clone(),
        ));
    }
    for (uri, args, kwargs) in &cases {
        let p = procedure(&doc, uri);
        let v = validator(&p["args"], &defs);
        let errors: Vec<String> = v.iter_errors(args).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{uri} args {args}: {errors:?}");
        let kv = validator(&p["kwargs"], &defs);
        assert!(kv.is_valid(kwargs), "{uri} kwargs {kwargs}");
        let result = call(&client, uri, args, kwargs)
            .await
            .unwrap_or_else(|e| panic!("{uri}{args} failed: {e}"));
        assert!(
            validator(&p["result"], &defs).is_valid(&result),
            "{uri} result {result} against {}",
            p["result"]
        );
    }

    // What the schema refuses, the service refuses too.
    for (uri, args, kwargs) in [
        ("com.math.add", json!([2, "three"]), json!({})),
        ("com.math.add", json!([2]), json!({})),
        ("com.math.add", json!([1, 2, 3]), json!({})),
        ("com.math.round", json!([1.5]), json!({"mode": "sideways"})),
        ("com.math.stats", json!([["x"]]), json!({})),
    ] {
        let p = procedure(&doc, uri);
        let valid = validator(&p["args"], &defs).is_valid(&args)
            && validator(&p["kwargs"], &defs).is_valid(&kwargs);
        assert!(!valid, "the schema of {uri} accepts {args} {kwargs}");
        assert_eq!(
            call(&client, uri, &args, &kwargs).await,
            Err("wamp.error.invalid_argument".to_owned()),
            "{uri} {args} {kwargs}"
        );
    }
    // Declared application errors.
    assert_eq!(
        call(&client, "com.math.divide", &json!([1.0, 0.0]), &json!({})).await,
        Err("com.math.error.division_by_zero".to_owned())
    );
    assert!(
        procedure(&doc, "com.math.divide")["errors"]
            .as_array()
            .unwrap()
            .contains(&json!("com.math.error.division_by_zero"))
    );

    let _ = client.leave().await;
    stop.stop();
    router.shutdown();
}

#[tokio::test]
async fn reflection_answers_from_the_registered_schemas() {
    let doc = catalog();
    let (router, client, stop) = start().await;
    let list: Vec<String> = client
        .call("wamp.reflection.procedure.list", &())
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(
        list,
        [
            "com.math.add",
            "com.math.count_to",
            "com.math.divide",
            "com.math.round",
            "com.math.stats"
        ]
    );
    let topics: Vec<String> = client
        .call("wamp.reflection.topic.list", &())
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(topics, ["com.math.announcement"]);

    let stats: Json = client
        .call("wamp.reflection.procedure.describe", &("com.math.stats",))
        .await
        .unwrap()
        .get()
        .unwrap();
    let expected = procedure(&doc, "com.math.stats");
    for key in ["doc", "args", "kwargs", "result", "errors", "options"] {
        assert_eq!(stats[key], expected[key], "{key}");
    }
    assert_eq!(stats["schema_known"], true);
    assert_eq!(stats["registration"]["uri"], "com.math.stats");
    // Its own $defs make the entry self-contained.
    assert_eq!(stats["$defs"]["Stats"], doc["$defs"]["Stats"]);

    let topic: Json = client
        .call(
            "wamp.reflection.topic.describe",
            &("com.math.announcement",),
        )
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(topic["args"], doc["topics"][0]["args"]);
    assert_eq!(topic["subscription"]["match"], "exact");

    // A registration made without a schema (a plain client) is still listed.
    client
        .register(
            "com.plain.echo",
            Default::default(),
            wamp::client::typed_procedure(|(s,): (String,)| async move { Ok(s) }),
        )
        .await
        .unwrap();
    let plain: Json = client
        .call("wamp.reflection.procedure.describe", &("com.plain.echo",))
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(plain["schema_known"], false);
    assert_eq!(plain["options"]["invoke"], "single");

    let missing = client
        .call("wamp.reflection.procedure.describe", &("com.nope",))
        .await
        .unwrap_err();
    assert_eq!(missing.uri(), "wamp.error.no_such_procedure");

    // The live catalog of the realm is a catalog document too.
    let live: Json = client
        .call("wamp.reflection.catalog", &())
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(live["format"], "wamp-catalog");
    assert_eq!(live["procedures"].as_array().unwrap().len(), 6);
    assert_eq!(live["$defs"]["Stats"], doc["$defs"]["Stats"]);

    let _ = client.leave().await;
    stop.stop();
    router.shutdown();
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    tcp.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn router_serves_the_live_docs_over_http() {
    let doc = catalog();
    let (router, client, stop) = start().await;
    let addr = router.serve_docs("127.0.0.1:0").await.unwrap();
    let json = http_get(addr, "/realm1/catalog.json").await;
    assert!(json.starts_with("HTTP/1.1 200 OK"), "{json}");
    let body = &json[json.find("\r\n\r\n").unwrap() + 4..];
    let live: Json = serde_json::from_str(body).unwrap();
    assert_eq!(live["procedures"].as_array().unwrap().len(), 5);
    assert_eq!(live["$defs"], doc["$defs"]);
    let html = http_get(addr, "/realm1/").await;
    assert!(html.contains("text/html"));
    for uri in ["com.math.add", "com.math.stats", "com.math.announcement"] {
        assert!(html.contains(&format!("data-uri=\"{uri}\"")), "{uri}");
    }
    assert!(http_get(addr, "/nope/").await.starts_with("HTTP/1.1 404"));
    let _ = client.leave().await;
    stop.stop();
    router.shutdown();
}

/// Sends `request` (ignoring a write cut short by the server) and reads
/// until the server closes; `None` if it did not close within `limit`.
async fn exchange(
    addr: std::net::SocketAddr,
    request: &[u8],
    limit: Duration,
) -> Option<(String, Duration)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = std::time::Instant::now();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = tcp.write_all(request).await;
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(limit, read).await.ok()?;
    Some((
        String::from_utf8_lossy(&out).into_owned(),
        started.elapsed(),
    ))
}

#[tokio::test]
async fn live_docs_cut_off_slow_oversized_and_wrong_requests() {
    let router = Router::builder().realm(RealmConfig::open("realm1")).build();
    let addr = router.serve_docs("127.0.0.1:0").await.unwrap();
    let quick = Duration::from_secs(3);

    // A request head that never ends is cut off after the header timeout (5 s).
    let (reply, took) = exchange(addr, b"GET /realm1/ HTTP/1.1\r\nHost: x\r\n", quick * 4)
        .await
        .expect("a slow request is cut off");
    assert!(took < quick * 3, "cut off after {took:?}");
    assert!(!reply.starts_with("HTTP/1.1 200"), "{reply}");

    // A head above the limit is refused at once.
    let big = format!(
        "GET /realm1/ HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let (reply, _) = exchange(addr, big.as_bytes(), quick)
        .await
        .expect("an oversized request is cut off");
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 431"),
        "{reply}"
    );

    // A body, or a method other than GET, is refused.
    let body = b"GET /realm1/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    let (reply, _) = exchange(addr, body, quick).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    let post = b"POST /realm1/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    let (reply, _) = exchange(addr, post, quick).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 405"), "{reply}");

    // A good request still works, with its content type; then shutdown stops the listener.
    let get = b"GET /realm1/catalog.md HTTP/1.1\r\nHost: x\r\n\r\n";
    let (reply, _) = exchange(addr, get, quick).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("text/markdown"), "{reply}");
    router.shutdown();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
