//! Call re-routing through the core: `wamp.error.unavailable` passes the call
//! to the next callee by policy; none left → `wamp.error.no_available_callee`.

use std::time::Duration;

use crate::protocol::id::Id;
use crate::protocol::options::{InvokePolicy, WireCallOptions, WireRegisterOptions};
use crate::protocol::uris;
use crate::protocol::{ErrorMessage, Message, MessageType, Payload, Uri, Yield};

use super::harness::*;

fn invoke(policy: InvokePolicy) -> WireRegisterOptions {
    WireRegisterOptions {
        invoke: Some(policy),
        ..Default::default()
    }
}

fn decline(h: &mut Harness, callee: Id, request: Id) {
    h.route(
        callee,
        Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request,
            details: Default::default(),
            error: Uri::from_trusted(uris::UNAVAILABLE),
            payload: Payload::empty(),
        }),
    );
}

/// Callees registered in order under `policy`.
fn shared(h: &mut Harness, n: usize, policy: InvokePolicy) -> Vec<Id> {
    (0..n)
        .map(|_| {
            let c = h.join();
            h.register(c, "com.app.shared", invoke(policy));
            c
        })
        .collect()
}

/// Which callee got the one INVOCATION; its request ID and arguments checked.
fn invoked(h: &mut Harness, callees: &[Id]) -> (Id, Id) {
    let mut found = None;
    for &c in callees {
        for m in h.take(c) {
            let inv = invocation(m);
            assert_eq!(
                args_of(&inv.payload),
                vec![value(7)],
                "the call's arguments"
            );
            assert!(found.is_none(), "two INVOCATIONs");
            found = Some((c, inv.request));
        }
    }
    found.expect("an INVOCATION")
}

#[test]
fn unavailable_goes_to_the_next_callee_then_no_available_callee() {
    for policy in [
        InvokePolicy::RoundRobin,
        InvokePolicy::Random,
        InvokePolicy::First,
        InvokePolicy::Last,
    ] {
        let mut h = Harness::open();
        let callees = shared(&mut h, 3, policy);
        let caller = h.join();
        h.call(
            caller,
            5,
            "com.app.shared",
            WireCallOptions::default(),
            args(&[7]),
        );
        let mut declined = Vec::new();
        for _ in 0..3 {
            let (callee, request) = invoked(&mut h, &callees);
            assert!(
                !declined.contains(&callee),
                "{policy:?}: invoked a callee that declined"
            );
            declined.push(callee);
            h.nothing(caller);
            decline(&mut h, callee, request);
        }
        assert_error(
            h.one(caller),
            MessageType::Call,
            5,
            uris::NO_AVAILABLE_CALLEE,
        );
        for c in &callees {
            h.nothing(*c);
        }
        let (_, dealer, _) = h.core.parts();
        assert_eq!(
            (dealer.calls.len(), dealer.reroutes.len()),
            (0, 0),
            "{policy:?}: nothing kept"
        );
    }
}

#[test]
fn first_and_last_follow_registration_order() {
    let mut h = Harness::open();
    let callees = shared(&mut h, 3, InvokePolicy::Last);
    let caller = h.join();
    h.call(
        caller,
        1,
        "com.app.shared",
        WireCallOptions::default(),
        args(&[7]),
    );
    let (c, r) = invoked(&mut h, &callees);
    assert_eq!(c, callees[2]);
    decline(&mut h, c, r);
    assert_eq!(
        invoked(&mut h, &callees).0,
        callees[1],
        "last: the one registered before"
    );
}

#[test]
fn the_next_callee_answers_the_caller() {
    let mut h = Harness::open();
    let callees = shared(&mut h, 2, InvokePolicy::RoundRobin);
    let caller = h.join();
    h.call(
        caller,
        9,
        "com.app.shared",
        WireCallOptions::default(),
        args(&[7]),
    );
    let (first, r) = invoked(&mut h, &callees);
    decline(&mut h, first, r);
    let (second, r2) = invoked(&mut h, &callees);
    assert_ne!(first, second);
    h.route(
        second,
        Message::Yield(Yield {
            request: r2,
            options: Default::default(),
            payload: args(&["done"]),
        }),
    );
    let res = result(h.one(caller));
    assert_eq!(
        (res.request, args_of(&res.payload)),
        (9, vec![value("done")])
    );
}

#[test]
fn a_single_callee_that_is_unavailable_ends_the_call() {
    let mut h = Harness::open();
    let callee = h.join();
    h.register(callee, "com.app.one", WireRegisterOptions::default());
    let caller = h.join();
    h.call(
        caller,
        3,
        "com.app.one",
        WireCallOptions::default(),
        args(&[7]),
    );
    let r = invocation(h.one(callee)).request;
    decline(&mut h, callee, r);
    assert_error(
        h.one(caller),
        MessageType::Call,
        3,
        uris::NO_AVAILABLE_CALLEE,
    );
    // Unknown and repeated ERRORs are discarded, the realm still serves.
    decline(&mut h, callee, r);
    decline(&mut h, callee, 4242);
    h.nothing(caller);
    h.call(
        caller,
        4,
        "com.app.one",
        WireCallOptions::default(),
        args(&[7]),
    );
    assert!(matches!(h.one(callee), Message::Invocation(_)));
}

#[test]
fn a_rerouted_call_keeps_its_timeout() {
    let mut h = Harness::open();
    let callees = shared(&mut h, 2, InvokePolicy::RoundRobin);
    let caller = h.join();
    let options = WireCallOptions {
        timeout: Some(1000),
        ..Default::default()
    };
    h.call(caller, 2, "com.app.shared", options, args(&[7]));
    let (c, r) = invoked(&mut h, &callees);
    decline(&mut h, c, r);
    let _ = invoked(&mut h, &callees);
    h.advance(Duration::from_millis(1500));
    assert_error(h.one(caller), MessageType::Call, 2, uris::TIMEOUT);
}
