//! The `wamp-router` binary with dynamic authentication and SCRAM read from
//! its TOML: a Rust component registers the authenticator procedure on the
//! `auth` realm, clients join `secure` through it (allowed, refused with
//! the authenticator's error), and a static SCRAM principal logs in.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use wamp::auth::scram::{self, Kdf};
use wamp::auth::{Scram, Ticket};
use wamp::client::{JoinConfig, procedure};
use wamp::protocol::{Dict, Value};
use wamp::transport::{ClientOptions, connect};
use wamp::{CallResult, Error, RegisterOptions, Session};

const BIN: &str = env!("CARGO_BIN_EXE_wamp-router");

/// Kills the router when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(config: &str) -> (Running, String) {
    start_named(config, "dynamic-auth.toml")
}

fn start_named(config: &str, name: &str) -> (Running, String) {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, config).unwrap();
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&path)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let addr = line
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(": ").next())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (Running(child), format!("ws://{addr}/ws"))
}

async fn join(url: &str, config: JoinConfig) -> Result<Session, Error> {
    let transport = connect(url, &ClientOptions::default()).await.unwrap();
    Session::join(transport, config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toml_dynamic_ticket_and_static_scram() {
    let kdf = Kdf::Pbkdf2 { iterations: 1000 };
    let c = scram::derive_credential("sam-pass", b"toml-salt-16byte", kdf).unwrap();
    let config = format!(
        r#"
[[realm]]
name = "auth"

[[realm]]
name = "secure"
[[realm.role]]
name = "user"
[[realm.role.permission]]
uri = ""
match = "prefix"
call = true
register = true
publish = true
subscribe = true

[realm.auth.dynamic.ticket]
authenticator = "com.example.authenticate"
authenticator-realm = "auth"
timeout-ms = 2000

[[realm.auth.scram]]
authid = "sam"
role = "user"
kdf = "pbkdf2"
iterations = 1000
salt = "{}"
stored-key = "{}"
server-key = "{}"
"#,
        hex::encode(&c.salt),
        hex::encode(&c.stored_key),
        hex::encode(&c.server_key)
    );
    let (_router, url) = start(&config);
    let component = join(&url, JoinConfig::new("auth")).await.unwrap();
    component
        .register(
            "com.example.authenticate",
            RegisterOptions::default(),
            procedure(|inv| async move {
                let (realm, authid, details): (String, String, Dict) = inv.payload.args()?;
                let ticket = details.get("ticket").and_then(Value::as_str);
                if realm == "secure" && authid == "tom" && ticket == Some("t1ck3t") {
                    Ok(CallResult::value(&"user")?)
                } else {
                    Err(Error::message(
                        "wamp.error.not_authorized",
                        "no such ticket",
                    ))
                }
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
    assert_eq!(tom.details().authrole.as_deref(), Some("user"));
    assert_eq!(tom.details().authprovider.as_deref(), Some("dynamic"));
    tom.leave().await;
    let e = join(
        &url,
        JoinConfig::new("secure").auth(Ticket::new("tom", "nope")),
    )
    .await
    .expect_err("refused");
    assert!(e.is("wamp.error.not_authorized"), "{e:?}");
    assert!(e.to_string().contains("no such ticket"), "{e}");

    let sam = join(
        &url,
        JoinConfig::new("secure").auth(Scram::new("sam", "sam-pass")),
    )
    .await
    .unwrap();
    assert_eq!(sam.details().authmethod.as_deref(), Some("scram"));
    sam.leave().await;
    let e = join(
        &url,
        JoinConfig::new("secure").auth(Scram::new("sam", "wrong")),
    )
    .await
    .expect_err("refused");
    assert!(e.is("wamp.error.authentication_failed"), "{e:?}");

    // Without the component the authenticator is gone: a clear ABORT.
    component.leave().await;
    let e = join(
        &url,
        JoinConfig::new("secure").auth(Ticket::new("tom", "t1ck3t")),
    )
    .await
    .expect_err("refused");
    assert!(e.is("wamp.error.authentication_failed"), "{e:?}");
    assert!(e.to_string().contains("is not registered"), "{e}");
}

/// `tls_client_ca` on a TLS listener and a `[[realm.auth.tls]]` principal:
/// the client certificate logs in over wss://, a client without one is
/// refused with a clear ABORT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toml_tls_client_certificate() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use sha2::Digest;
    use wamp::auth::TlsCertificate;
    use wamp::transport::tls;

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tls-client-cert");
    std::fs::create_dir_all(&dir).unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["alice".to_owned()])
        .unwrap()
        .signed_by(&client_key, &ca)
        .unwrap();
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let ca_path = write("ca.pem", ca.pem());
    let cert_path = write("cert.pem", server.cert.pem());
    let key_path = write("key.pem", server.signing_key.serialize_pem());
    let fingerprint = hex::encode(sha2::Sha256::digest(client.der().as_ref()));
    let config = format!(
        r#"
[[listener]]
address = "127.0.0.1:0"
tls_cert = "{cert_path}"
tls_key = "{key_path}"
tls_client_ca = "{ca_path}"

[[realm]]
name = "secure"
[[realm.role]]
name = "user"
[[realm.role.permission]]
uri = ""
match = "prefix"
call = true

[[realm.auth.tls]]
authid = "alice"
role = "user"
fingerprint = "{fingerprint}"
"#
    );
    let (_router, url) = start_named(&config, "tls-client-cert.toml");
    let url = url.replace("ws://", "wss://");
    let server_cert = server.cert.der().clone();
    let with_cert = tls::client_config_with_certificate(
        [server_cert.clone()],
        vec![client.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(client_key.serialize_der())),
    )
    .unwrap();
    let options = ClientOptions {
        tls: Some(with_cert),
        ..ClientOptions::default()
    };
    let transport = connect(&url, &options).await.unwrap();
    let alice = Session::join(
        transport,
        JoinConfig::new("secure").auth(TlsCertificate::new(None)),
    )
    .await
    .unwrap();
    assert_eq!(alice.details().authid.as_deref(), Some("alice"));
    assert_eq!(alice.details().authmethod.as_deref(), Some("tls"));
    alice.leave().await;
    let options = ClientOptions {
        tls: Some(tls::client_config_trusting([server_cert]).unwrap()),
        ..ClientOptions::default()
    };
    let transport = connect(&url, &options).await.unwrap();
    let e = Session::join(
        transport,
        JoinConfig::new("secure").auth(TlsCertificate::new(None)),
    )
    .await
    .expect_err("no certificate");
    assert!(e.is("wamp.error.authentication_failed"), "{e:?}");
    assert!(e.to_string().contains("presented no certificate"), "{e}");
}
