//! Interop of dynamic authentication and WAMP-SCRAM (issue 16):
//! an Autobahn|Python authenticator procedure and Autobahn|Python clients
//! against OUR router, and our client and Rust authenticator procedure
//! against Crossbar.io's dynamic authentication and SCRAM. Fails (does not
//! skip) when the peers are missing.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value as J, json};
use wamp::auth::scram::{self, Kdf};
use wamp::auth::{Scram, Ticket, WampCra};
use wamp::client::{JoinConfig, procedure};
use wamp::protocol::{Dict, Value};
use wamp::router::{
    AuthConfig, DynamicAuthenticator, DynamicAuthorizer, Permission, RealmConfig, RoleConfig,
    Router, ScramPrincipal,
};
use wamp::transport::ClientOptions;
use wamp::{CallResult, Error, RegisterOptions, SerializerKind, Session};
use wamp_tests::interop::{
    Checks, Proc, free_port, interop_dir, python_peer, require_peers, scratch, spec_dir,
    wait_for_port,
};

const PEER: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(10);
const AUTHENTICATOR: &str = "com.example.authenticate";

fn secured(name: &str, auth: AuthConfig) -> RealmConfig {
    RealmConfig {
        name: name.into(),
        roles: vec![RoleConfig {
            name: "user".into(),
            permissions: vec![Permission::all()],
        }],
        auth,
        store: Default::default(),
    }
}

async fn join(url: &str, config: JoinConfig) -> Result<Session, Error> {
    let transport = wamp::transport::connect(
        url,
        &ClientOptions::with_serializers([SerializerKind::MsgPack]),
    )
    .await
    .unwrap();
    Session::join(transport, config).await
}

fn text(d: &Dict, key: &str) -> String {
    d.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A Python `join` peer's one output line.
fn python_join(dir: &Path, url: &str, realm: &str, auth: &str) -> J {
    let mut p = python_peer(
        dir,
        &["join", "--url", url, "--realm", realm, "--auth", auth],
    );
    let line = tokio::task::block_in_place(|| p.json_line(PEER));
    tokio::task::block_in_place(|| p.wait(WAIT));
    line
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_authenticator_and_clients_against_our_router() {
    require_peers();
    let dir = scratch();
    let mut auth = AuthConfig::default();
    for method in ["ticket", "wampcra", "scram"] {
        let mut d = DynamicAuthenticator::new(AUTHENTICATOR);
        d.authenticator_realm = Some("auth".into());
        d.timeout_ms = 1500;
        auth.dynamic.insert(method.into(), d);
    }
    let fixed = AuthConfig {
        scram: vec![
            ScramPrincipal::from_password(
                "ada",
                "argon-pass",
                "user",
                Kdf::Argon2id13 {
                    iterations: 2,
                    memory: 64,
                },
            )
            .unwrap(),
        ],
        ..AuthConfig::default()
    };
    let mut authz = secured(
        "authz",
        AuthConfig {
            dynamic: auth.dynamic.clone(),
            ..AuthConfig::default()
        },
    );
    let mut authorizer = DynamicAuthorizer::new("com.example.authorize");
    authorizer.authorizer_realm = Some("auth".into());
    authorizer.timeout_ms = 1500;
    authz.auth.authorizer.insert("user".into(), authorizer);
    authz.roles[0].permissions.clear();
    let (_router, addr) = Router::builder()
        .realm(RealmConfig::open("auth"))
        .realm(authz)
        .realm(secured("secure", auth))
        .realm(secured("static", fixed))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let ws = format!("ws://{addr}/ws");
    let rs = format!("rs://{addr}");
    let mut checks = Checks::new("python_authenticator_and_clients_against_our_router");

    let mut authenticator = python_peer(
        dir.path(),
        &[
            "authenticator",
            "--url",
            &ws,
            "--realm",
            "auth",
            "--prefix",
            AUTHENTICATOR,
            "--topic",
            "com.example.authorize",
        ],
    );
    tokio::task::block_in_place(|| authenticator.ready(PEER));

    let joined = |authid: &str, method: &str| json!({"joined": true, "authid": authid, "authrole": "user", "authmethod": method});
    for url in [&ws, &rs] {
        let d = dir.path();
        checks.eq(
            &format!("{url} python ticket through the python authenticator"),
            python_join(d, url, "secure", "ticket:pyuser:py-ticket"),
            joined("pyuser", "ticket"),
        );
        checks.eq(
            &format!("{url} python WAMP-CRA through the python authenticator"),
            python_join(d, url, "secure", "wampcra:pycra:py-secret"),
            joined("pycra", "wampcra"),
        );
        checks.eq(
            &format!("{url} python SCRAM through the python authenticator (server signature checked by Autobahn)"),
            python_join(d, url, "secure", "scram:pysam:py-pass"),
            joined("pysam", "scram"),
        );
        checks.eq(
            &format!("{url} python SCRAM with a static principal"),
            python_join(d, url, "static", "scram:ada:argon-pass"),
            joined("ada", "scram"),
        );
        let refused = python_join(d, url, "secure", "ticket:pyuser:wrong");
        checks.eq(
            &format!("{url} the authenticator's error"),
            (&refused["abort"], &refused["message"]),
            (
                &json!("wamp.error.not_authorized"),
                &json!("python says no to pyuser"),
            ),
        );
        let refused = python_join(d, url, "secure", "scram:pysam:wrong");
        checks.eq(
            &format!("{url} a wrong SCRAM proof"),
            &refused["abort"],
            &json!("wamp.error.authentication_failed"),
        );
        let refused = python_join(d, url, "static", "scram:ada:wrong");
        checks.eq(
            &format!("{url} a wrong SCRAM proof (static)"),
            &refused["abort"],
            &json!("wamp.error.authentication_failed"),
        );
    }
    // Our client through the Python authenticator.
    let client = Arc::new(Scram::new("pysam", "py-pass"));
    let session = join(&ws, JoinConfig::new("secure").auth(client.clone()))
        .await
        .unwrap();
    checks.eq(
        "our SCRAM client through the python authenticator",
        (
            session.details().authid.as_deref(),
            session.details().authprovider.as_deref(),
        ),
        (Some("pysam"), Some("dynamic")),
    );
    checks.ok(
        "our client checks the server signature",
        client.verify_server_signature(&text(
            &session.details().authextra,
            "scram_server_signature",
        )),
    );
    session.leave().await;
    let session = join(
        &ws,
        JoinConfig::new("secure").auth(Ticket::new("pyuser", "py-ticket")),
    )
    .await
    .unwrap();
    checks.eq(
        "the python principal's extra reaches WELCOME",
        text(&session.details().authextra, "by"),
        "python".to_owned(),
    );
    session.leave().await;
    // The Python authorizer decides for role "user" of realm "authz".
    let tom = join(
        &ws,
        JoinConfig::new("authz").auth(Ticket::new("pyuser", "py-ticket")),
    )
    .await
    .unwrap();
    let nothing = || wamp::client::event_handler(|_| async { Ok(()) });
    let allowed = tom
        .subscribe(
            "com.allowed.topic",
            wamp::SubscribeOptions::default(),
            nothing(),
        )
        .await;
    checks.ok(
        &format!("the python authorizer allows: {:?}", allowed.as_ref().err()),
        allowed.is_ok(),
    );
    let denied = tom
        .subscribe(
            "com.other.topic",
            wamp::SubscribeOptions::default(),
            nothing(),
        )
        .await
        .expect_err("denied");
    checks.ok(
        &format!("the python authorizer denies: {denied}"),
        denied.is("wamp.error.not_authorized"),
    );
    let broken = tom
        .subscribe(
            "com.raise.topic",
            wamp::SubscribeOptions::default(),
            nothing(),
        )
        .await
        .expect_err("failed");
    checks.ok(
        &format!("the python authorizer's error: {broken:?}"),
        broken.is("wamp.error.authorization_failed")
            && broken
                .text()
                .is_some_and(|t| t.contains("cannot decide subscribe on com.raise.topic")),
    );
    tom.leave().await;
    let slow = join(
        &ws,
        JoinConfig::new("secure").auth(Ticket::new("pyslow", "x")),
    )
    .await;
    let e = slow.expect_err("a slow authenticator times out");
    checks.ok(
        &format!("a python authenticator past its timeout: {e}"),
        e.is("wamp.error.authentication_failed") && e.to_string().contains("1500 ms"),
    );
    authenticator.stop(Duration::from_secs(5));
    assert!(checks.count() >= 18);
}

/// Crossbar.io with `tests/interop/crossbar-auth.json` on a free port.
fn crossbar(dir: &Path, scram_principal: &J) -> (Proc, u16) {
    let port = free_port();
    let cbdir = dir.join("crossbar-auth");
    std::fs::create_dir_all(&cbdir).unwrap();
    let config = std::fs::read_to_string(spec_dir().join("crossbar-auth.json"))
        .unwrap()
        .replace("${PORT}", &port.to_string())
        .replace("${SCRAM_PRINCIPAL}", &scram_principal.to_string());
    std::fs::write(cbdir.join("config.json"), config).unwrap();
    let mut cmd = Command::new(interop_dir().join("venv/bin/crossbar"));
    cmd.arg("start")
        .arg("--cbdir")
        .arg(&cbdir)
        .arg("--loglevel")
        .arg("warn");
    let mut proc = Proc::spawn("crossbar (auth)", cmd, &cbdir.join("crossbar.log"));
    if !wait_for_port(port, Duration::from_secs(90)) {
        let tail = proc.stderr_tail();
        proc.stop(Duration::from_secs(5));
        panic!("crossbar did not listen on port {port} within 90 s:\n{tail}");
    }
    (proc, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_and_authenticator_against_crossbar() {
    require_peers();
    let dir = scratch();
    let credential = scram::derive_credential(
        "sam-pass",
        b"crossbar-salt-16",
        Kdf::Argon2id13 {
            iterations: 2,
            memory: 64,
        },
    )
    .unwrap();
    let principal = json!({
        "kdf": "argon2id-13",
        "iterations": 2,
        "memory": 64,
        "salt": hex::encode(&credential.salt),
        "stored-key": hex::encode(&credential.stored_key),
        "server-key": hex::encode(&credential.server_key),
        "role": "user",
    });
    let (mut node, port) = tokio::task::block_in_place(|| crossbar(dir.path(), &principal));
    let url = format!("ws://127.0.0.1:{port}/ws");
    let mut checks = Checks::new("our_client_and_authenticator_against_crossbar");

    // Our Rust component is Crossbar's authenticator.
    let component = join(&url, JoinConfig::new("auth")).await.unwrap();
    component
        .register(
            AUTHENTICATOR,
            RegisterOptions::default(),
            procedure(|inv| async move {
                let (_realm, authid, details): (String, Option<String>, Dict) =
                    inv.payload.args()?;
                match (text(&details, "authmethod").as_str(), authid.as_deref()) {
                    ("ticket", Some("tom")) if text(&details, "ticket") == "t1ck3t" => {
                        Ok(CallResult::value(&"user")?)
                    }
                    ("ticket", Some("svc")) if text(&details, "ticket") == "svc-ticket" => {
                        Ok(CallResult::value(&"service")?)
                    }
                    ("wampcra", Some("carl")) => Ok(CallResult::value(
                        &json!({"role": "user", "secret": "s3cret"}),
                    )?),
                    _ => Err(Error::message("wamp.error.not_authorized", "rust says no")),
                }
            }),
        )
        .await
        .unwrap();

    // Our Rust authorizer on "secure" decides for Crossbar's role "user".
    let service = join(
        &url,
        JoinConfig::new("secure").auth(Ticket::new("svc", "svc-ticket")),
    )
    .await
    .unwrap();
    service
        .register(
            "com.example.authorize",
            RegisterOptions::default(),
            procedure(|inv| async move {
                let (_session, uri, _action, _options): (Dict, String, String, Dict) =
                    inv.payload.args()?;
                let allow = uri.starts_with("com.allowed.");
                Ok(CallResult::value(
                    &json!({"allow": allow, "disclose": false, "cache": true}),
                )?)
            }),
        )
        .await
        .unwrap();
    let tom = join(
        &url,
        JoinConfig::new("secure").auth(Ticket::new("tom", "t1ck3t")),
    )
    .await
    .unwrap();
    let nothing = || wamp::client::event_handler(|_| async { Ok(()) });
    let allowed = tom
        .subscribe(
            "com.allowed.topic",
            wamp::SubscribeOptions::default(),
            nothing(),
        )
        .await;
    checks.ok(
        &format!(
            "crossbar asks our authorizer, which allows: {:?}",
            allowed.as_ref().err()
        ),
        allowed.is_ok(),
    );
    let denied = tom
        .subscribe(
            "com.other.topic",
            wamp::SubscribeOptions::default(),
            nothing(),
        )
        .await
        .expect_err("denied");
    checks.ok(
        &format!("crossbar asks our authorizer, which denies: {denied}"),
        denied.is("wamp.error.not_authorized"),
    );
    tom.leave().await;
    service.leave().await;

    let ok = [
        (
            JoinConfig::new("secure").auth(Ticket::new("tom", "t1ck3t")),
            "tom",
            "ticket",
        ),
        (
            JoinConfig::new("secure").auth(WampCra::new("carl", "s3cret")),
            "carl",
            "wampcra",
        ),
    ];
    for (config, authid, method) in ok {
        match join(&url, config).await {
            Ok(s) => {
                checks.eq(
                    &format!("crossbar dynamic {method} through our authenticator"),
                    (
                        s.details().authid.as_deref(),
                        s.details().authprovider.as_deref(),
                    ),
                    (Some(authid), Some("dynamic")),
                );
                s.leave().await;
            }
            Err(e) => checks.ok(&format!("crossbar dynamic {method}: {e}"), false),
        }
    }
    let e = join(
        &url,
        JoinConfig::new("secure").auth(Ticket::new("tom", "wrong")),
    )
    .await
    .expect_err("refused");
    checks.ok(
        &format!("crossbar passes our authenticator's error on: {e}"),
        e.is("wamp.error.not_authorized") && e.to_string().contains("rust says no"),
    );

    let client = Arc::new(Scram::new("sam", "sam-pass"));
    match join(&url, JoinConfig::new("secure").auth(client.clone())).await {
        Ok(s) => {
            checks.eq(
                "our SCRAM client against crossbar",
                (
                    s.details().authid.as_deref(),
                    s.details().authmethod.as_deref(),
                ),
                (Some("sam"), Some("scram")),
            );
            checks.ok(
                "crossbar's SCRAM server signature verifies",
                client.verify_server_signature(&text(
                    &s.details().authextra,
                    "scram_server_signature",
                )),
            );
            s.leave().await;
        }
        Err(e) => checks.ok(&format!("our SCRAM client against crossbar: {e}"), false),
    }
    let e = join(
        &url,
        JoinConfig::new("secure").auth(Scram::new("sam", "wrong")),
    )
    .await
    .expect_err("refused");
    checks.ok(
        &format!("crossbar refuses a wrong SCRAM proof: {e}"),
        e.uri().starts_with("wamp.error."),
    );
    component.leave().await;
    tokio::task::block_in_place(|| node.stop(Duration::from_secs(15)));
    assert!(checks.count() >= 8);
}
