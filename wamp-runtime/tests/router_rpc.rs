//! Router RPC over real loopback sockets: registration rules, routing,
//! pattern registrations, shared registrations, progressive results and
//! invocations, cancellation, timeouts, disclosure, callee/caller departure.

#[path = "router/peer.rs"]
mod peer;

use peer::*;
use wamp::SerializerKind::{Cbor, Json, MsgPack};
use wamp::protocol::options::*;
use wamp::protocol::*;

#[tokio::test]
async fn call_routes_through_callee_across_serializers_and_transports() {
    let (_router, addr) = router().await;
    let mut callee = Peer::join_url(&format!("rs://{addr}"), MsgPack).await;
    let mut caller = Peer::join(addr, Json).await;
    callee.register("com.math.add").await;

    let binary = Value::Bytes(vec![0, 1, 2, 254, 255]);
    let payload = Payload::from_values(
        vec![Value::UInt(2), Value::UInt(3), binary.clone()],
        Dict::new(),
    );
    let request = caller.call("com.math.add", payload).await;

    let inv = callee.expect_invocation().await;
    assert_eq!(inv.payload.serializer(), Some(MsgPack));
    let (a, b, bin): (i64, i64, serde_bytes::ByteBuf) = inv.payload.args().unwrap();
    assert_eq!((a, b, bin.as_ref()), (2, 3, &[0u8, 1, 2, 254, 255][..]));
    assert!(
        inv.details.caller.is_none(),
        "caller must not be disclosed by default"
    );
    assert!(
        inv.details.procedure.is_none(),
        "exact registrations get no procedure detail"
    );
    let kind = callee.kind();
    callee
        .yield_(
            inv.request,
            Payload::encode(
                kind,
                &(a + b, bin),
                &[("note", "sum")]
                    .into_iter()
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
            .unwrap(),
        )
        .await;

    let result = caller.expect_result(request).await;
    let values = result.payload.args_values().unwrap();
    assert_eq!(values, vec![Value::UInt(5), binary]);
    assert_eq!(
        result.payload.kwargs_values().unwrap()["note"],
        Value::String("sum".into())
    );
}

#[tokio::test]
async fn unknown_procedure_and_registration_conflicts() {
    let (_router, addr) = router().await;
    let mut a = Peer::join(addr, Json).await;
    let mut b = Peer::join(addr, Cbor).await;
    let request = a.call("com.nothing", Payload::empty()).await;
    assert_eq!(
        a.expect_error(request).await.error,
        "wamp.error.no_such_procedure"
    );

    a.register("com.single").await;
    let e = b
        .register_with("com.single", WireRegisterOptions::default())
        .await
        .err()
        .unwrap();
    assert_eq!(e.error, "wamp.error.procedure_already_exists");

    let rr = WireRegisterOptions {
        invoke: Some(InvokePolicy::RoundRobin),
        ..Default::default()
    };
    a.register_with("com.shared", rr.clone()).await.unwrap();
    let random = WireRegisterOptions {
        invoke: Some(InvokePolicy::Random),
        ..Default::default()
    };
    let e = b.register_with("com.shared", random).await.err().unwrap();
    assert_eq!(
        e.error,
        "wamp.error.procedure_exists_with_different_invocation_policy"
    );

    let e = a
        .register_with("wamp.session.count", WireRegisterOptions::default())
        .await
        .err()
        .unwrap();
    assert_eq!(e.error, "wamp.error.invalid_uri");

    // Unregister: own registration works, twice fails.
    let id = b.register("com.b").await;
    let request = b.next_id();
    b.send(Message::Unregister(Unregister {
        request,
        registration: id,
    }))
    .await;
    assert!(matches!(b.recv().await, Message::Unregistered(u) if u.request == request));
    let request = b.next_id();
    b.send(Message::Unregister(Unregister {
        request,
        registration: id,
    }))
    .await;
    assert_eq!(
        b.expect_error(request).await.error,
        "wamp.error.no_such_registration"
    );
}

#[tokio::test]
async fn pattern_registrations_pick_exact_then_longest_prefix_then_wildcard() {
    let (_router, addr) = router().await;
    let mut exact = Peer::join(addr, Json).await;
    let mut prefix_short = Peer::join(addr, Json).await;
    let mut prefix_long = Peer::join(addr, Json).await;
    let mut wildcard = Peer::join(addr, Json).await;
    let mut caller = Peer::join(addr, Json).await;
    exact.register("com.app.user.get").await;
    prefix_short
        .register_with(
            "com.app.",
            WireRegisterOptions {
                match_: Some(MatchPolicy::Prefix),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    prefix_long
        .register_with(
            "com.app.user.",
            WireRegisterOptions {
                match_: Some(MatchPolicy::Prefix),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    wildcard
        .register_with(
            "com..user.delete",
            WireRegisterOptions {
                match_: Some(MatchPolicy::Wildcard),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    for (procedure, which) in [
        ("com.app.user.get", 0),
        ("com.app.user.update", 2),
        ("com.app.order", 1),
        ("com.other.user.delete", 3),
    ] {
        let request = caller.call(procedure, Payload::empty()).await;
        let peer = match which {
            0 => &mut exact,
            1 => &mut prefix_short,
            2 => &mut prefix_long,
            _ => &mut wildcard,
        };
        let inv = peer.expect_invocation().await;
        if which == 0 {
            assert_eq!(inv.details.procedure, None);
        } else {
            assert_eq!(
                inv.details.procedure.as_deref(),
                Some(procedure),
                "concrete procedure in details"
            );
        }
        peer.yield_(inv.request, Payload::empty()).await;
        caller.expect_result(request).await;
    }
}

#[tokio::test]
async fn shared_registrations_follow_the_invoke_policy() {
    let (_router, addr) = router().await;
    let mut callees = Vec::new();
    for _ in 0..3 {
        callees.push(Peer::join(addr, MsgPack).await);
    }
    let mut caller = Peer::join(addr, Json).await;
    for policy in [
        InvokePolicy::RoundRobin,
        InvokePolicy::First,
        InvokePolicy::Last,
    ] {
        let procedure = format!("com.shared.{policy}");
        for c in callees.iter_mut() {
            c.register_with(
                &procedure,
                WireRegisterOptions {
                    invoke: Some(policy),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        let mut served = Vec::new();
        for _ in 0..6 {
            let request = caller.call(&procedure, Payload::empty()).await;
            let mut got = None;
            for (i, c) in callees.iter_mut().enumerate() {
                if let Ok(Some(Ok(frame))) = tokio::time::timeout(
                    std::time::Duration::from_millis(300),
                    futures_util::StreamExt::next(&mut c.t.stream),
                )
                .await
                {
                    let Message::Invocation(inv) = c.kind().decode(frame).unwrap() else {
                        panic!("expected INVOCATION")
                    };
                    c.yield_(inv.request, Payload::empty()).await;
                    got = Some(i);
                    break;
                }
            }
            served.push(got.expect("one callee got the call"));
            caller.expect_result(request).await;
        }
        let expected: Vec<usize> = match policy {
            InvokePolicy::RoundRobin => vec![0, 1, 2, 0, 1, 2],
            InvokePolicy::First => vec![0; 6],
            _ => vec![2; 6],
        };
        assert_eq!(served, expected, "{policy}");
    }
}

#[tokio::test]
async fn progressive_results_and_invocations() {
    let (_router, addr) = router().await;
    // Chunks go only to a callee announcing progressive_call_invocations.
    let mut callee = Peer::join_with_roles(addr, Cbor, peer::streaming_callee_roles()).await;
    let mut caller = Peer::join(addr, Json).await;
    callee.register("com.progress").await;
    let options = WireCallOptions {
        receive_progress: Some(true),
        progress: Some(true),
        ..Default::default()
    };
    let request = caller
        .call_with("com.progress", options, args(Json, &[1]))
        .await;
    let inv = callee.expect_invocation().await;
    assert_eq!(inv.details.receive_progress, Some(true));
    assert_eq!(inv.details.progress, Some(true));
    // A second chunk of the same call goes to the same invocation.
    let last = WireCallOptions {
        receive_progress: Some(true),
        ..Default::default()
    };
    caller
        .send(Message::Call(Call {
            request,
            options: last,
            procedure: uri("com.progress"),
            payload: args(Json, &[2]),
        }))
        .await;
    let chunk = callee.expect_invocation().await;
    assert_eq!(chunk.request, inv.request);
    assert_eq!(chunk.payload.args::<(i32,)>().unwrap(), (2,));
    assert_eq!(chunk.details.progress, None);

    for i in 0..3 {
        callee
            .send(Message::Yield(Yield {
                request: inv.request,
                options: YieldOptions {
                    progress: Some(true),
                    ..Default::default()
                },
                payload: args(Cbor, &[i]),
            }))
            .await;
    }
    callee.yield_(inv.request, args(Cbor, &["done"])).await;
    for i in 0..3 {
        let r = caller.expect_result(request).await;
        assert_eq!(r.details.progress, Some(true));
        assert_eq!(r.payload.args::<(i32,)>().unwrap(), (i,));
    }
    let r = caller.expect_result(request).await;
    assert_eq!(r.details.progress, None);
    assert_eq!(r.payload.args::<(String,)>().unwrap().0, "done");
}

#[tokio::test]
async fn cancel_modes() {
    let (_router, addr) = router().await;
    let mut callee = Peer::join(addr, Json).await;
    let mut caller = Peer::join(addr, Json).await;
    callee.register("com.slow").await;

    // skip: the caller gets the error now, the callee nothing.
    let request = caller.call("com.slow", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    caller
        .send(Message::Cancel(Cancel {
            request,
            options: CancelOptions {
                mode: Some(CancelMode::Skip),
                ..Default::default()
            },
        }))
        .await;
    assert_eq!(
        caller.expect_error(request).await.error,
        "wamp.error.canceled"
    );
    assert!(
        callee.quiet(100).await,
        "skip must not interrupt the callee"
    );
    callee.yield_(inv.request, Payload::empty()).await; // discarded
    assert!(
        caller.quiet(100).await,
        "a late YIELD after skip is discarded"
    );

    // killnowait: INTERRUPT and the error right away.
    let request = caller.call("com.slow", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    caller
        .send(Message::Cancel(Cancel {
            request,
            options: CancelOptions {
                mode: Some(CancelMode::KillNoWait),
                ..Default::default()
            },
        }))
        .await;
    assert_eq!(
        caller.expect_error(request).await.error,
        "wamp.error.canceled"
    );
    match callee.recv().await {
        Message::Interrupt(i) => {
            assert_eq!(i.request, inv.request);
            assert_eq!(i.options.mode, Some(CancelMode::KillNoWait));
        }
        other => panic!("expected INTERRUPT, got {other:?}"),
    }

    // kill: INTERRUPT now, the error once the callee answers.
    let request = caller.call("com.slow", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    caller
        .send(Message::Cancel(Cancel {
            request,
            options: CancelOptions {
                mode: Some(CancelMode::Kill),
                ..Default::default()
            },
        }))
        .await;
    assert!(
        matches!(callee.recv().await, Message::Interrupt(i) if i.options.mode == Some(CancelMode::Kill))
    );
    assert!(caller.quiet(100).await, "kill waits for the callee");
    callee
        .send(Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request: inv.request,
            details: Default::default(),
            error: uri("wamp.error.canceled"),
            payload: Payload::empty(),
        }))
        .await;
    assert_eq!(
        caller.expect_error(request).await.error,
        "wamp.error.canceled"
    );
}

#[tokio::test]
async fn call_timeout_is_in_milliseconds_and_answers_wamp_error_timeout() {
    let (_router, addr) = router().await;
    let mut callee = Peer::join(addr, Json).await;
    let mut caller = Peer::join(addr, MsgPack).await;
    callee.register("com.never").await;
    let started = std::time::Instant::now();
    let request = caller
        .call_with(
            "com.never",
            WireCallOptions {
                timeout: Some(150),
                ..Default::default()
            },
            Payload::empty(),
        )
        .await;
    let inv = callee.expect_invocation().await;
    let err = caller.expect_error(request).await;
    let elapsed = started.elapsed();
    assert_eq!(err.error, "wamp.error.timeout");
    assert!(
        elapsed >= std::time::Duration::from_millis(140),
        "fired after {elapsed:?}"
    );
    assert!(
        matches!(callee.recv().await, Message::Interrupt(i) if i.request == inv.request && i.options.reason.as_deref() == Some("wamp.error.timeout"))
    );
}

#[tokio::test]
async fn callee_leaving_cancels_calls_and_caller_leaving_interrupts() {
    let (_router, addr) = router().await;
    let mut callee = Peer::join(addr, Json).await;
    let mut caller = Peer::join(addr, Json).await;
    callee.register("com.work").await;
    let request = caller.call("com.work", Payload::empty()).await;
    callee.expect_invocation().await;
    drop(callee);
    let err = caller.expect_error(request).await;
    assert_eq!(err.error, "wamp.error.canceled");
    // The registration went with the callee.
    let request = caller.call("com.work", Payload::empty()).await;
    assert_eq!(
        caller.expect_error(request).await.error,
        "wamp.error.no_such_procedure"
    );

    let mut callee = Peer::join(addr, Json).await;
    callee.register("com.work").await;
    caller.call("com.work", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    caller.goodbye().await;
    match callee.recv().await {
        Message::Interrupt(i) => {
            assert_eq!(i.request, inv.request);
            assert_eq!(i.options.mode, Some(CancelMode::KillNoWait));
        }
        other => panic!("expected INTERRUPT, got {other:?}"),
    }
}

#[tokio::test]
async fn caller_disclosure_on_request() {
    let (_router, addr) = router().await;
    let mut callee = Peer::join(addr, Json).await;
    let mut caller = Peer::join(addr, Json).await;
    callee.register("com.who").await;
    let request = caller
        .call_with(
            "com.who",
            WireCallOptions {
                disclose_me: Some(true),
                ..Default::default()
            },
            Payload::empty(),
        )
        .await;
    let inv = callee.expect_invocation().await;
    assert_eq!(inv.details.caller, Some(caller.session));
    assert!(inv.details.caller_authid.is_some());
    assert_eq!(inv.details.caller_authrole.as_deref(), Some("anonymous"));
    callee.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(request).await;
}

#[tokio::test]
async fn callee_error_reaches_the_caller_with_args_and_kwargs() {
    let (_router, addr) = router().await;
    let mut callee = Peer::join(addr, MsgPack).await;
    let mut caller = Peer::join(addr, Json).await;
    callee.register("com.fail").await;
    let request = caller.call("com.fail", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    let payload = Payload::encode(
        MsgPack,
        &("bad", 7),
        &[("field", "name")]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .unwrap();
    callee
        .send(Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request: inv.request,
            details: Default::default(),
            error: uri("com.app.error.invalid"),
            payload,
        }))
        .await;
    let err = caller.expect_error(request).await;
    assert_eq!(err.request_type, MessageType::Call);
    assert_eq!(err.error, "com.app.error.invalid");
    assert_eq!(
        err.payload.args::<(String, i32)>().unwrap(),
        ("bad".into(), 7)
    );
    assert_eq!(
        err.payload.kwargs_values().unwrap()["field"],
        Value::String("name".into())
    );
}

#[tokio::test]
async fn concurrency_limit_is_respected() {
    let (_router, addr) = router().await;
    let mut callee = Peer::join(addr, Json).await;
    let mut caller = Peer::join(addr, Json).await;
    callee
        .register_with(
            "com.one",
            WireRegisterOptions {
                concurrency: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let first = caller.call("com.one", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    let second = caller.call("com.one", Payload::empty()).await;
    assert_eq!(
        caller.expect_error(second).await.error,
        "wamp.error.no_available_callee"
    );
    callee.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(first).await;
    let third = caller.call("com.one", Payload::empty()).await;
    let inv = callee.expect_invocation().await;
    callee.yield_(inv.request, Payload::empty()).await;
    caller.expect_result(third).await;
}
