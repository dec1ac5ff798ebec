//! Identity spoofing: a client cannot pick its own authid or authrole, and
//! `force_reregister` cannot take over another authid's procedure.

use std::net::SocketAddr;

use wamp::SerializerKind;
use wamp::protocol::options::*;
use wamp::protocol::uris;
use wamp::protocol::*;
use wamp::router::{
    AnonymousConfig, AuthConfig, AuthFuture, AuthProvider, AuthRequest, AuthStep, Identity,
    RealmConfig, Router, TicketPrincipal,
};

use crate::peer::{Peer, args};

/// PBKDF2-SHA256 (1000 rounds, salt "0123456789abcdef") of "svc-ticket".
const SVC_TICKET_HASH: &str =
    "$pbkdf2-sha256$i=1000,l=32$MDEyMzQ1Njc4OWFiY2RlZg$f1mJajAjLSinCqcNhM7SnDTc27oXoDhKB+uc4/L+4OE";

/// A router whose realm `realm1` takes anonymous sessions (role `guest`) and
/// the ticket principal `svc` (configured with a hash only).
async fn router() -> (Router, SocketAddr) {
    let mut realm = RealmConfig::open("realm1");
    realm.auth = AuthConfig {
        anonymous: Some(AnonymousConfig {
            role: "guest".into(),
        }),
        ticket: vec![TicketPrincipal::hashed("svc", SVC_TICKET_HASH, "service")],
        ..Default::default()
    };
    let router = Router::builder().realm(realm).build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    (router, addr)
}

/// Joins `realm1` with a HELLO claiming `authid` and `authrole`; returns the
/// peer and its WELCOME.
async fn join_claiming(addr: SocketAddr, authid: &str, authrole: &str) -> (Peer, Welcome) {
    let mut p = Peer::connect(&format!("ws://{addr}/ws"), SerializerKind::Json).await;
    let details = HelloDetails {
        authid: Some(authid.into()),
        authrole: Some(authrole.into()),
        ..Default::default()
    };
    p.hello("realm1", details).await;
    match p.recv().await {
        Message::Welcome(w) => {
            p.session = w.session;
            p.welcome = Some(w.clone());
            (p, w)
        }
        other => panic!("expected WELCOME, got {other:?}"),
    }
}

/// Joins `realm1` as the ticket principal `svc`.
async fn join_svc(addr: SocketAddr, ticket: &str) -> Result<Peer, Abort> {
    let mut p = Peer::connect(&format!("ws://{addr}/ws"), SerializerKind::MsgPack).await;
    let details = HelloDetails {
        authmethods: Some(vec!["ticket".into()]),
        authid: Some("svc".into()),
        ..Default::default()
    };
    p.hello("realm1", details).await;
    match p.recv().await {
        Message::Challenge(c) => assert_eq!(c.authmethod, "ticket"),
        other => panic!("expected CHALLENGE, got {other:?}"),
    }
    p.send(Message::Authenticate(Authenticate {
        signature: ticket.into(),
        extra: Default::default(),
    }))
    .await;
    match p.recv().await {
        Message::Welcome(w) => {
            p.session = w.session;
            p.welcome = Some(w);
            Ok(p)
        }
        Message::Abort(a) => Err(a),
        other => panic!("expected WELCOME or ABORT, got {other:?}"),
    }
}

/// Crossbar-style generated authid: six groups of four of [A-Z0-9].
fn is_generated(authid: &str) -> bool {
    let groups: Vec<&str> = authid.split('-').collect();
    groups.len() == 6
        && groups.iter().all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

#[tokio::test]
async fn hello_authid_and_authrole_are_not_trusted_on_an_anonymous_realm() {
    let (_router, addr) = router().await;
    let (_p, w) = join_claiming(addr, "admin", "admin").await;
    let authid = w.details.authid.clone().unwrap_or_default();
    assert_ne!(authid, "admin");
    assert!(is_generated(&authid), "authid {authid:?}");
    assert_eq!(w.details.authrole.as_deref(), Some("guest"));
    assert_eq!(w.details.authmethod.as_deref(), Some("anonymous"));
    // Two anonymous sessions do not share an authid.
    let (_q, w2) = join_claiming(addr, "admin", "admin").await;
    assert_ne!(w2.details.authid, w.details.authid);
}

#[tokio::test]
async fn a_callee_sees_the_generated_caller_authid() {
    let (_router, addr) = router().await;
    let (mut callee, _) = join_claiming(addr, "callee", "guest").await;
    let (mut caller, w) = join_claiming(addr, "admin", "admin").await;
    callee
        .register_with(
            "com.app.whoami",
            WireRegisterOptions {
                disclose_caller: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let request = caller.call("com.app.whoami", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    assert_eq!(inv.details.caller, Some(caller.session));
    assert_eq!(inv.details.caller_authid, w.details.authid);
    assert_ne!(inv.details.caller_authid.as_deref(), Some("admin"));
    assert_eq!(inv.details.caller_authrole.as_deref(), Some("guest"));
    callee.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(request).await;
}

#[tokio::test]
async fn kill_by_authid_of_a_claimed_authid_kills_nothing() {
    let (_router, addr) = router().await;
    let (mut spoofer, _) = join_claiming(addr, "admin", "admin").await;
    let (mut admin_tool, _) = join_claiming(addr, "tool", "guest").await;
    let killed = admin_tool
        .meta("wamp.session.kill_by_authid", vec!["admin".into()])
        .await
        .unwrap();
    assert_eq!(killed, vec![Value::List(vec![])]);
    // The spoofer is alive and well.
    let count = spoofer.meta("wamp.session.count", vec![]).await.unwrap();
    assert_eq!(count, vec![Value::UInt(2)]);
}

#[tokio::test]
async fn the_ticket_authid_is_the_verified_principal_and_a_hash_can_be_configured() {
    let (_router, addr) = router().await;
    let svc = join_svc(addr, "svc-ticket").await.unwrap();
    let w = svc.welcome.as_ref().unwrap();
    assert_eq!(w.details.authid.as_deref(), Some("svc"));
    assert_eq!(w.details.authrole.as_deref(), Some("service"));
    let Err(refused) = join_svc(addr, "svc-ticket-wrong").await else {
        panic!("a wrong ticket was accepted");
    };
    assert_eq!(refused.reason, uris::NOT_AUTHORIZED);
}

#[tokio::test]
async fn force_reregister_across_authids_is_refused() {
    let (_router, addr) = router().await;
    let (mut owner, _) = join_claiming(addr, "me", "guest").await;
    let (mut intruder, _) = join_claiming(addr, "me", "guest").await;
    let (mut caller, _) = join_claiming(addr, "caller", "guest").await;
    let reg = owner.register("com.app.svc").await;
    let forced = WireRegisterOptions {
        force_reregister: Some(true),
        ..Default::default()
    };
    // Both claimed "me", but anonymous sessions get distinct authids.
    let refused = intruder
        .register_with("com.app.svc", forced)
        .await
        .unwrap_err();
    assert_eq!(refused.error, uris::PROCEDURE_ALREADY_EXISTS);
    assert!(owner.quiet(200).await, "the owner keeps its registration");
    let request = caller
        .call("com.app.svc", args(SerializerKind::Json, &[1]))
        .await;
    let inv = owner.expect_invocation().await;
    assert_eq!(inv.registration, reg);
    owner.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(request).await;
}

#[tokio::test]
async fn force_reregister_of_the_same_authid_takes_over() {
    let (_router, addr) = router().await;
    let mut first = join_svc(addr, "svc-ticket").await.unwrap();
    let mut second = join_svc(addr, "svc-ticket").await.unwrap();
    let (mut caller, _) = join_claiming(addr, "caller", "guest").await;
    let old = first.register("com.app.svc").await;
    let forced = WireRegisterOptions {
        force_reregister: Some(true),
        ..Default::default()
    };
    let new = second.register_with("com.app.svc", forced).await.unwrap();
    assert_ne!(new, old);
    match first.recv().await {
        Message::Unregistered(u) => {
            assert_eq!(u.request, 0);
            assert_eq!(u.details.and_then(|d| d.registration), Some(old));
        }
        other => panic!("expected UNREGISTERED revocation, got {other:?}"),
    }
    let request = caller
        .call("com.app.svc", args(SerializerKind::Json, &[1]))
        .await;
    let inv = second.expect_invocation().await;
    assert_eq!(inv.registration, new);
    second.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(request).await;
}

/// An authenticator for method `token` that welcomes at once: as `carol`
/// for HELLO authextra `{"token": "carol-token"}`, and with no authid for
/// `{"token": "nameless"}`.
struct Tokens;

impl AuthProvider for Tokens {
    fn handles(&self, _realm: &str, method: &str) -> bool {
        method == "token"
    }
    fn hello<'a>(&'a self, request: AuthRequest<'a>) -> AuthFuture<'a> {
        Box::pin(async move {
            let token = request
                .details
                .authextra
                .as_ref()
                .and_then(|e| e.get("token"))
                .and_then(Value::as_str);
            let authid = match token {
                Some("carol-token") => "carol",
                Some("nameless") => "",
                _ => {
                    return AuthStep::Deny {
                        reason: uris::NOT_AUTHORIZED.into(),
                        message: "bad token".into(),
                    };
                }
            };
            AuthStep::Welcome(Identity {
                authid: authid.into(),
                authrole: "user".into(),
                authmethod: "token".into(),
                authprovider: "tokens".into(),
                authextra: Default::default(),
            })
        })
    }
    fn authenticate<'a>(
        &'a self,
        _request: AuthRequest<'a>,
        _state: Dict,
        _reply: &'a Authenticate,
    ) -> AuthFuture<'a> {
        Box::pin(async { unreachable!("no challenge") })
    }
}

#[tokio::test]
async fn an_auth_providers_identity_wins_over_the_hello_claim() {
    let router = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .auth_provider(Tokens)
        .build();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    let welcome = |token: &'static str| async move {
        let mut p = Peer::connect(&format!("ws://{addr}/ws"), SerializerKind::Json).await;
        let mut authextra = Dict::new();
        authextra.insert("token".into(), Value::String(token.into()));
        let details = HelloDetails {
            authmethods: Some(vec!["token".into()]),
            authid: Some("admin".into()),
            authrole: Some("admin".into()),
            authextra: Some(authextra),
            ..Default::default()
        };
        p.hello("realm1", details).await;
        match p.recv().await {
            Message::Welcome(w) => w,
            other => panic!("expected WELCOME, got {other:?}"),
        }
    };
    let carol = welcome("carol-token").await;
    assert_eq!(carol.details.authid.as_deref(), Some("carol"));
    assert_eq!(carol.details.authrole.as_deref(), Some("user"));
    let nameless = welcome("nameless").await;
    let authid = nameless.details.authid.unwrap_or_default();
    assert!(is_generated(&authid), "authid {authid:?}");
}
