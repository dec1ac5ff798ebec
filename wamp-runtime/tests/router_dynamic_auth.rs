//! Dynamic authentication (an authenticator procedure registered by a
//! component) and WAMP-SCRAM against the embedded router over real sockets:
//! every method allowed and denied, an authenticator that raises, times out
//! or is not registered, and the router serving others meanwhile.

#![cfg(all(feature = "client", feature = "router"))]

use std::sync::Arc;
use std::time::Duration;

use wamp::auth::scram::{self, Kdf};
use wamp::auth::{CryptoSign, Scram, Ticket, WampCra, cryptosign};
use wamp::client::{JoinConfig, procedure};
use wamp::protocol::{Dict, Value};
use wamp::router::{
    AuthConfig, DynamicAuthenticator, Permission, RealmConfig, RoleConfig, Router, ScramPrincipal,
};
use wamp::transport::ClientOptions;
use wamp::{CallResult, Error, RegisterOptions, SerializerKind, Session};

const AUTHENTICATOR: &str = "com.example.authenticate";

fn dynamic(methods: &[&str], procedure: &str) -> AuthConfig {
    let mut auth = AuthConfig::default();
    for m in methods {
        let mut d = DynamicAuthenticator::new(procedure);
        d.authenticator_realm = Some("auth".into());
        d.timeout_ms = 400;
        auth.dynamic.insert((*m).into(), d);
    }
    auth
}

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
        &ClientOptions::with_serializers([SerializerKind::Json]),
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

/// The authenticator: Crossbar's `(realm, authid, details)` in, a role or
/// a principal out.
async fn authenticate(
    key_hex: String,
    scram: scram::ScramCredential,
    args: (String, Option<String>, Dict),
) -> Result<CallResult, Error> {
    let (realm, authid, details) = args;
    assert_eq!(realm, "secure");
    assert!(details.get("session").and_then(Value::as_u64).is_some());
    assert_eq!(
        text(
            details.get("transport").and_then(Value::as_dict).unwrap(),
            "type"
        ),
        "websocket"
    );
    let authid = authid.unwrap_or_default();
    match (text(&details, "authmethod").as_str(), authid.as_str()) {
        ("ticket", "tom") if text(&details, "ticket") == "t1ck3t" => {
            Ok(CallResult::value(&"user")?)
        }
        ("ticket", "ann") => Ok(CallResult::value(&serde_json::json!({
            "role": "user", "authid": "ann@example.com", "extra": {"tier": "gold"}
        }))?),
        ("ticket", "ghost") => Ok(CallResult::value(&"no-such-role")?),
        ("ticket", "slow") => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Ok(CallResult::value(&"user")?)
        }
        ("ticket", "crash") => Err(Error::new("com.example.database_down")),
        ("ticket", _) => Err(Error::message(
            "wamp.error.not_authorized",
            "bad ticket, go away",
        )),
        ("wampcra", "carl") => Ok(CallResult::value(
            &serde_json::json!({"role": "user", "secret": "s3cret"}),
        )?),
        ("wampcra", "sally") => Ok(CallResult::value(&serde_json::json!({
            "role": "user", "secret": "salty", "salt": "cra-salt", "iterations": 100, "keylen": 32
        }))?),
        ("cryptosign", _) => {
            let pubkey = text(
                details.get("authextra").and_then(Value::as_dict).unwrap(),
                "pubkey",
            );
            assert_eq!(pubkey, key_hex);
            Ok(CallResult::value(
                &serde_json::json!({"role": "user", "authid": "cris", "pubkey": key_hex}),
            )?)
        }
        ("scram", "sam") => Ok(CallResult::value(&serde_json::json!({
            "role": "user",
            "kdf": scram.kdf.name(),
            "iterations": scram.kdf.iterations(),
            "memory": scram.kdf.memory(),
            "salt": hex::encode(&scram.salt),
            "stored-key": hex::encode(&scram.stored_key),
            "server-key": hex::encode(&scram.server_key),
        }))?),
        _ => Err(Error::message(
            "wamp.error.not_authorized",
            "unknown principal",
        )),
    }
}

async fn setup() -> (Router, String, cryptosign::SigningKey, Session) {
    let key = cryptosign::SigningKey::generate();
    let router = Router::builder()
        .realm(RealmConfig::open("auth"))
        .realm(secured(
            "secure",
            dynamic(&["ticket", "wampcra", "cryptosign", "scram"], AUTHENTICATOR),
        ))
        .realm(secured(
            "unregistered",
            dynamic(&["ticket"], "com.example.nobody"),
        ))
        .build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    let ws = format!("ws://{addr}/ws");
    let component = join(&ws, JoinConfig::new("auth")).await.unwrap();
    let scram =
        scram::derive_credential("pa55", b"scram-salt-16byt", Kdf::Pbkdf2 { iterations: 100 })
            .unwrap();
    let key_hex = key.public_key_hex();
    component
        .register(
            AUTHENTICATOR,
            RegisterOptions::default(),
            procedure(move |inv| {
                let (key_hex, scram) = (key_hex.clone(), scram.clone());
                async move {
                    let args = inv.payload.args()?;
                    authenticate(key_hex, scram, args).await
                }
            }),
        )
        .await
        .unwrap();
    (router, ws, key, component)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_through_an_authenticator_procedure() {
    let (_router, ws, key, _component) = setup().await;
    let scram = Arc::new(Scram::new("sam", "pa55"));
    let cases: Vec<(JoinConfig, &str, &str)> = vec![
        (
            JoinConfig::new("secure").auth(Ticket::new("tom", "t1ck3t")),
            "tom",
            "ticket",
        ),
        (
            JoinConfig::new("secure").auth(Ticket::new("ann", "x")),
            "ann@example.com",
            "ticket",
        ),
        (
            JoinConfig::new("secure").auth(WampCra::new("carl", "s3cret")),
            "carl",
            "wampcra",
        ),
        (
            JoinConfig::new("secure").auth(WampCra::new("sally", "salty")),
            "sally",
            "wampcra",
        ),
        (
            JoinConfig::new("secure").auth(CryptoSign::new(key.clone())),
            "cris",
            "cryptosign",
        ),
        (
            JoinConfig::new("secure").auth(scram.clone()),
            "sam",
            "scram",
        ),
    ];
    for (config, authid, method) in cases {
        let session = join(&ws, config)
            .await
            .unwrap_or_else(|e| panic!("{method} {authid}: {e}"));
        let d = session.details();
        assert_eq!(d.authid.as_deref(), Some(authid));
        assert_eq!(d.authrole.as_deref(), Some("user"));
        assert_eq!(d.authmethod.as_deref(), Some(method));
        assert_eq!(d.authprovider.as_deref(), Some("dynamic"));
        if authid == "ann@example.com" {
            assert_eq!(text(&d.authextra, "tier"), "gold");
        }
        if method == "scram" {
            let signature = text(&d.authextra, "scram_server_signature");
            assert!(
                scram.verify_server_signature(&signature),
                "server signature {signature}"
            );
            assert!(!scram.verify_server_signature("AAAA"));
        }
        session.leave().await;
    }
}

async fn refused(ws: &str, config: JoinConfig) -> Error {
    match join(ws, config).await {
        Ok(s) => panic!("joined as {:?}", s.details().authid),
        Err(e) => e,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_of_the_authenticator_and_its_failures() {
    let (_router, ws, _key, _component) = setup().await;
    let e = refused(
        &ws,
        JoinConfig::new("secure").auth(Ticket::new("tom", "wrong")),
    )
    .await;
    assert!(e.is("wamp.error.not_authorized"), "{e:?}");
    assert!(e.to_string().contains("bad ticket, go away"), "{e}");
    let e = refused(
        &ws,
        JoinConfig::new("secure").auth(Ticket::new("crash", "x")),
    )
    .await;
    assert!(e.is("com.example.database_down"), "{e:?}");
    let e = refused(
        &ws,
        JoinConfig::new("secure").auth(Ticket::new("ghost", "x")),
    )
    .await;
    assert!(e.is("wamp.error.no_such_role"), "{e:?}");
    let e = refused(
        &ws,
        JoinConfig::new("secure").auth(WampCra::new("carl", "wrong")),
    )
    .await;
    assert!(e.is("wamp.error.not_authorized"), "{e:?}");
    let e = refused(
        &ws,
        JoinConfig::new("secure").auth(Scram::new("sam", "wrong")),
    )
    .await;
    assert!(e.is("wamp.error.authentication_failed"), "{e:?}");
    assert!(
        e.to_string().contains("SCRAM client proof is invalid"),
        "{e}"
    );
    let e = refused(
        &ws,
        JoinConfig::new("unregistered").auth(Ticket::new("tom", "t1ck3t")),
    )
    .await;
    assert!(e.is("wamp.error.authentication_failed"), "{e:?}");
    assert!(
        e.to_string()
            .contains("'com.example.nobody' is not registered on realm 'auth'"),
        "{e}"
    );

    // A slow authenticator times out (400 ms here); others join meanwhile.
    let slow = tokio::spawn({
        let ws = ws.clone();
        async move {
            refused(
                &ws,
                JoinConfig::new("secure").auth(Ticket::new("slow", "x")),
            )
            .await
        }
    });
    let fast = join(
        &ws,
        JoinConfig::new("secure").auth(Ticket::new("tom", "t1ck3t")),
    )
    .await
    .unwrap();
    assert_eq!(fast.details().authid.as_deref(), Some("tom"));
    let e = slow.await.unwrap();
    assert!(e.is("wamp.error.authentication_failed"), "{e:?}");
    assert!(
        e.to_string()
            .contains("did not answer within its timeout of 400 ms"),
        "{e}"
    );
    // The router still serves the authenticator realm and the secured one.
    let again = join(&ws, JoinConfig::new("secure").auth(Ticket::new("ann", "x")))
        .await
        .unwrap();
    again.leave().await;
    fast.leave().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_scram_principals_with_argon2id_and_pbkdf2() {
    let argon = Kdf::Argon2id13 {
        iterations: 2,
        memory: 64,
    };
    let pbkdf2 = Kdf::Pbkdf2 { iterations: 1000 };
    let auth = AuthConfig {
        scram: vec![
            ScramPrincipal::from_password("ada", "argon-pass", "user", argon).unwrap(),
            ScramPrincipal::from_password("bob", "pbkdf2-pass", "user", pbkdf2).unwrap(),
        ],
        ..AuthConfig::default()
    };
    let (_router, addr) = Router::builder()
        .realm(secured("secure", auth))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let ws = format!("ws://{addr}/ws");
    for (authid, password) in [("ada", "argon-pass"), ("bob", "pbkdf2-pass")] {
        let client = Arc::new(Scram::new(authid, password));
        let session = join(&ws, JoinConfig::new("secure").auth(client.clone()))
            .await
            .unwrap();
        let d = session.details();
        assert_eq!(d.authid.as_deref(), Some(authid));
        assert_eq!(d.authprovider.as_deref(), Some("static"));
        assert!(client.verify_server_signature(&text(&d.authextra, "scram_server_signature")));
        session.leave().await;
        let e = refused(
            &ws,
            JoinConfig::new("secure").auth(Scram::new(authid, "wrong")),
        )
        .await;
        assert!(e.is("wamp.error.authentication_failed"), "{e:?}");
    }
    let e = refused(
        &ws,
        JoinConfig::new("secure").auth(Scram::new("nobody", "x")),
    )
    .await;
    assert!(e.is("wamp.error.no_such_principal"), "{e:?}");
}

/// The authorizer: Crossbar's `(session, uri, action, options)` in, a
/// boolean or `{allow, disclose, cache}` out; it counts its calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_authorization_with_cache_errors_and_timeout() {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use wamp::SubscribeOptions;
    use wamp::client::event_handler;
    use wamp::router::{DynamicAuthorizer, TicketPrincipal};

    let mut auth = AuthConfig {
        ticket: vec![TicketPrincipal::new("tom", "t1ck3t", "user")],
        ..AuthConfig::default()
    };
    let mut a = DynamicAuthorizer::new("com.example.authorize");
    a.authorizer_realm = Some("auth".into());
    a.timeout_ms = 400;
    auth.authorizer.insert("user".into(), a);
    let mut realm = secured("authz", auth);
    realm.roles[0].permissions.clear(); // the authorizer decides, not the permissions
    let (_router, addr) = Router::builder()
        .realm(RealmConfig::open("auth"))
        .realm(realm)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let ws = format!("ws://{addr}/ws");
    let asked: Arc<Mutex<HashMap<(String, String), usize>>> = Arc::default();
    let component = join(&ws, JoinConfig::new("auth")).await.unwrap();
    let seen = asked.clone();
    component
        .register(
            "com.example.authorize",
            RegisterOptions::default(),
            procedure(move |inv| {
                let seen = seen.clone();
                async move {
                    let (session, uri, action, _options): (Dict, String, String, Dict) =
                        inv.payload.args()?;
                    assert_eq!(text(&session, "authid"), "tom");
                    assert_eq!(text(&session, "authrole"), "user");
                    *seen
                        .lock()
                        .unwrap()
                        .entry((uri.clone(), action.clone()))
                        .or_default() += 1;
                    let value = match uri.split('.').nth(1).unwrap_or_default() {
                        "allowed" => {
                            serde_json::json!({"allow": true, "disclose": true, "cache": true})
                        }
                        "nocache" => serde_json::json!(true),
                        "denied" => serde_json::json!(false),
                        "raise" => return Err(Error::message("com.example.authz_down", "db down")),
                        "slow" => {
                            tokio::time::sleep(Duration::from_secs(2)).await;
                            serde_json::json!(true)
                        }
                        _ => serde_json::json!("yes"),
                    };
                    Ok(CallResult::value(&value)?)
                }
            }),
        )
        .await
        .unwrap();
    let tom = join(
        &ws,
        JoinConfig::new("authz").auth(Ticket::new("tom", "t1ck3t")),
    )
    .await
    .unwrap();
    tom.register(
        "com.allowed.proc",
        RegisterOptions::default(),
        procedure(|inv| async move {
            // The authorizer's `disclose: true` disclosed the caller.
            assert_eq!(inv.details.caller_authid.as_deref(), Some("tom"));
            Ok(CallResult::value(&7)?)
        }),
    )
    .await
    .unwrap();
    for _ in 0..2 {
        let r = tom.call("com.allowed.proc", &()).await.unwrap();
        assert_eq!(r.args_as::<(i64,)>().unwrap().0, 7);
    }
    let nothing = || event_handler(|_| async { Ok(()) });
    for _ in 0..2 {
        tom.subscribe("com.nocache.t", SubscribeOptions::default(), nothing())
            .await
            .unwrap();
    }
    let e = tom
        .subscribe("com.denied.t", SubscribeOptions::default(), nothing())
        .await
        .unwrap_err();
    assert!(e.is("wamp.error.not_authorized"), "{e:?}");
    assert!(
        e.text()
            .unwrap()
            .contains("authorizer 'com.example.authorize'"),
        "{e:?}"
    );
    let e = tom
        .subscribe("com.raise.t", SubscribeOptions::default(), nothing())
        .await
        .unwrap_err();
    assert!(e.is("wamp.error.authorization_failed"), "{e:?}");
    assert!(
        e.text()
            .unwrap()
            .contains("com.example.authz_down: db down"),
        "{e:?}"
    );
    let e = tom
        .subscribe("com.slow.t", SubscribeOptions::default(), nothing())
        .await
        .unwrap_err();
    assert!(e.is("wamp.error.authorization_failed"), "{e:?}");
    assert!(e.text().unwrap().contains("timeout of 400 ms"), "{e:?}");
    let e = tom
        .subscribe("com.weird.t", SubscribeOptions::default(), nothing())
        .await
        .unwrap_err();
    assert!(e.text().unwrap().contains("returned string"), "{e:?}");
    let asked = asked.lock().unwrap().clone();
    let n = |uri: &str, action: &str| asked.get(&(uri.to_owned(), action.to_owned())).copied();
    assert_eq!(n("com.allowed.proc", "register"), Some(1));
    assert_eq!(
        n("com.allowed.proc", "call"),
        Some(1),
        "cached after the first call: {asked:?}"
    );
    assert_eq!(
        n("com.nocache.t", "subscribe"),
        Some(2),
        "not cached: {asked:?}"
    );
    // The session still works after all that.
    let r = tom.call("com.allowed.proc", &()).await.unwrap();
    assert_eq!(r.args_as::<(i64,)>().unwrap().0, 7);
    tom.leave().await;
}
