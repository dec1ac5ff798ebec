//! The dealer through the core: registration lookup and invocation policies,
//! concurrency, progressive results and invocations, cancellation, timeouts,
//! caller disclosure, sessions leaving with calls in flight, revocation and
//! authorization.

use std::collections::HashSet;
use std::time::Duration;

use crate::protocol::id::Id;
use crate::protocol::options::{
    CancelMode, CancelOptions, ErrorDetails, InterruptOptions, InvokePolicy, MatchPolicy,
    UnregisteredDetails, WireCallOptions, WireRegisterOptions, YieldOptions,
};
use crate::protocol::uris;
use crate::protocol::{
    Call, Cancel, ErrorMessage, Interrupt, Message, MessageType, Payload, Unregister, Unregistered,
    Value, Yield,
};
use crate::router::config::{Permission, RealmConfig, RoleConfig};

use super::harness::*;

fn exact() -> WireRegisterOptions {
    WireRegisterOptions::default()
}

fn matching(policy: MatchPolicy) -> WireRegisterOptions {
    WireRegisterOptions {
        match_: Some(policy),
        ..Default::default()
    }
}

fn invoke(policy: InvokePolicy) -> WireRegisterOptions {
    WireRegisterOptions {
        invoke: Some(policy),
        ..Default::default()
    }
}

fn plain() -> WireCallOptions {
    WireCallOptions::default()
}

fn yield_(h: &mut Harness, callee: Id, request: Id, payload: Payload) {
    h.route(
        callee,
        Message::Yield(Yield {
            request,
            options: YieldOptions::default(),
            payload,
        }),
    );
}

fn yield_progress(h: &mut Harness, callee: Id, request: Id, payload: Payload) {
    h.route(
        callee,
        Message::Yield(Yield {
            request,
            options: YieldOptions {
                progress: Some(true),
                ..Default::default()
            },
            payload,
        }),
    );
}

fn cancel(h: &mut Harness, caller: Id, request: Id, mode: Option<CancelMode>) {
    h.route(
        caller,
        Message::Cancel(Cancel {
            request,
            options: CancelOptions {
                mode,
                ..Default::default()
            },
        }),
    );
}

/// The INTERRUPT a callee gets for invocation `request`.
fn interrupt_of(request: Id, mode: CancelMode, reason: &str) -> Message {
    Message::Interrupt(Interrupt {
        request,
        options: InterruptOptions {
            mode: Some(mode),
            reason: Some(reason.into()),
            ..Default::default()
        },
    })
}

/// Calls `procedure` and returns the INVOCATION `callee` got.
#[track_caller]
fn call_reaches(h: &mut Harness, caller: Id, request: Id, procedure: &str, callee: Id) -> Message {
    h.call(caller, request, procedure, plain(), args(&[request]));
    h.nothing(caller);
    h.one(callee)
}

#[test]
fn exact_then_longest_prefix_then_best_wildcard() {
    let mut h = Harness::open();
    let caller = h.join();
    let (e, p_short, p_long, w_loose, w_tight) = (h.join(), h.join(), h.join(), h.join(), h.join());
    let wild_loose = h.register(w_loose, "com.app..run", matching(MatchPolicy::Wildcard));
    let wild_tight = h.register(w_tight, "com.app.x.", matching(MatchPolicy::Wildcard));
    let short = h.register(p_short, "com.app.", matching(MatchPolicy::Prefix));
    let long = h.register(p_long, "com.app.x", matching(MatchPolicy::Prefix));
    let exact_id = h.register(e, "com.app.x.run", exact());

    // Exact: no `procedure` in the details.
    let inv = invocation(call_reaches(&mut h, caller, 1, "com.app.x.run", e));
    assert_eq!(inv.registration, exact_id);
    assert_eq!(inv.request, 1);
    assert_eq!(inv.details.procedure, None);
    assert_eq!(args_of(&inv.payload), vec![Value::UInt(1)]);

    // The longest prefix beats a shorter one and every wildcard.
    let inv = invocation(call_reaches(&mut h, caller, 2, "com.app.xy.run", p_long));
    assert_eq!(inv.registration, long);
    assert_eq!(inv.details.procedure.as_deref(), Some("com.app.xy.run"));
    let inv = invocation(call_reaches(&mut h, caller, 3, "com.app.y.run", p_short));
    assert_eq!(inv.registration, short);
    assert_eq!(inv.details.procedure.as_deref(), Some("com.app.y.run"));

    // Without prefixes, the wildcard with the longer concrete lead wins.
    for (id, who) in [(long, p_long), (short, p_short)] {
        h.route(
            who,
            Message::Unregister(Unregister {
                request: 9,
                registration: id,
            }),
        );
        h.one(who);
    }
    let inv = invocation(call_reaches(&mut h, caller, 4, "com.app.x.run", e));
    assert_eq!(inv.registration, exact_id);
    h.route(
        e,
        Message::Unregister(Unregister {
            request: 9,
            registration: exact_id,
        }),
    );
    h.one(e);
    // Both wildcards match; "com.app.x." has the longer concrete lead.
    let inv = invocation(call_reaches(&mut h, caller, 5, "com.app.x.run", w_tight));
    assert_eq!(inv.registration, wild_tight);
    assert_eq!(inv.details.procedure.as_deref(), Some("com.app.x.run"));
    let inv = invocation(call_reaches(&mut h, caller, 6, "com.app.y.run", w_loose));
    assert_eq!(inv.registration, wild_loose);
    assert_eq!(inv.details.procedure.as_deref(), Some("com.app.y.run"));

    // Nothing matches: no_such_procedure; a wildcard needs as many components.
    h.call(caller, 7, "com.app.y.run.now", plain(), Payload::empty());
    assert_error(h.one(caller), MessageType::Call, 7, uris::NO_SUCH_PROCEDURE);
    h.call(caller, 8, "org.other", plain(), Payload::empty());
    assert_error(h.one(caller), MessageType::Call, 8, uris::NO_SUCH_PROCEDURE);
}

#[test]
fn result_goes_back_to_the_caller_request() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.app.add", exact());
    h.call(caller, 42, "com.app.add", plain(), args(&(2, 3)));
    let inv = invocation(h.one(callee));
    assert_eq!(args_of(&inv.payload), vec![Value::UInt(2), Value::UInt(3)]);
    yield_(&mut h, callee, inv.request, args(&[5]));
    let res = result(h.one(caller));
    assert_eq!(res.request, 42);
    assert_eq!(res.details.progress, None);
    assert_eq!(args_of(&res.payload), vec![Value::UInt(5)]);
    h.nothing(callee);
    // A second YIELD for the same invocation goes nowhere.
    yield_(&mut h, callee, inv.request, args(&[6]));
    h.nothing(caller);
}

#[test]
fn single_policy_refuses_a_second_callee() {
    let mut h = Harness::open();
    let (a, b) = (h.join(), h.join());
    h.register(a, "com.app.one", exact());
    let reply = h.try_register(b, "com.app.one", exact());
    let e = error(reply);
    assert_eq!(e.request_type, MessageType::Register);
    assert_eq!(e.error.as_str(), uris::PROCEDURE_ALREADY_EXISTS);
    // Also when the second asks for a shared policy.
    let reply = h.try_register(b, "com.app.one", invoke(InvokePolicy::RoundRobin));
    assert_eq!(error(reply).error.as_str(), uris::PROCEDURE_ALREADY_EXISTS);
    // The same URI with another match policy is another registration.
    h.register(b, "com.app.one", matching(MatchPolicy::Prefix));
}

#[test]
fn shared_registration_refuses_a_different_policy_and_the_same_callee_twice() {
    let mut h = Harness::open();
    let (a, b) = (h.join(), h.join());
    h.register(a, "com.app.rr", invoke(InvokePolicy::RoundRobin));
    for other in [
        InvokePolicy::Random,
        InvokePolicy::First,
        InvokePolicy::Single,
    ] {
        let reply = h.try_register(b, "com.app.rr", invoke(other));
        assert_eq!(
            error(reply).error.as_str(),
            uris::PROCEDURE_EXISTS_WITH_DIFFERENT_POLICY,
            "{other}"
        );
    }
    let reply = h.try_register(a, "com.app.rr", invoke(InvokePolicy::RoundRobin));
    assert_eq!(error(reply).error.as_str(), uris::PROCEDURE_ALREADY_EXISTS);
}

#[test]
fn roundrobin_rotates_in_registration_order() {
    let mut h = Harness::open();
    let caller = h.join();
    let callees = [h.join(), h.join(), h.join()];
    let ids: Vec<Id> = callees
        .iter()
        .map(|c| h.register(*c, "com.app.rr", invoke(InvokePolicy::RoundRobin)))
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one registration: {ids:?}"
    );
    for (request, expected) in (1..=7).zip(callees.iter().cycle()) {
        let inv = invocation(call_reaches(
            &mut h,
            caller,
            request,
            "com.app.rr",
            *expected,
        ));
        assert_eq!(inv.registration, ids[0]);
        for other in callees.iter().filter(|c| *c != expected) {
            h.nothing(*other);
        }
    }
}

#[test]
fn first_and_last_pick_by_registration_order() {
    let mut h = Harness::open();
    let caller = h.join();
    let (a, b, c) = (h.join(), h.join(), h.join());
    for callee in [a, b, c] {
        h.register(callee, "com.app.first", invoke(InvokePolicy::First));
        h.register(callee, "com.app.last", invoke(InvokePolicy::Last));
    }
    for request in 1..=3 {
        call_reaches(&mut h, caller, request, "com.app.first", a);
        call_reaches(&mut h, caller, 10 + request, "com.app.last", c);
    }
    h.leave(a);
    h.leave(c);
    // The calls they were serving end.
    assert_eq!(h.take(caller).len(), 6);
    call_reaches(&mut h, caller, 21, "com.app.first", b);
    call_reaches(&mut h, caller, 22, "com.app.last", b);
}

#[test]
fn random_picks_only_free_callees() {
    let mut h = Harness::open();
    let caller = h.join();
    let callees = [h.join(), h.join(), h.join()];
    let options = WireRegisterOptions {
        invoke: Some(InvokePolicy::Random),
        concurrency: Some(1),
        ..Default::default()
    };
    for c in callees {
        h.register(c, "com.app.rnd", options.clone());
    }
    let mut busy = Vec::new();
    for request in 1..=3 {
        h.call(caller, request, "com.app.rnd", plain(), Payload::empty());
        let got: Vec<(Id, Id)> = callees
            .iter()
            .flat_map(|c| {
                h.take(*c)
                    .into_iter()
                    .map(|m| (*c, invocation(m).request))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(got.len(), 1, "one invocation per call: {got:?}");
        busy.push(got[0]);
    }
    let distinct: HashSet<Id> = busy.iter().map(|(c, _)| *c).collect();
    assert_eq!(distinct.len(), 3, "each callee got one call: {busy:?}");
    h.call(caller, 4, "com.app.rnd", plain(), Payload::empty());
    assert_error(
        h.one(caller),
        MessageType::Call,
        4,
        uris::NO_AVAILABLE_CALLEE,
    );

    // Only the callee that answered is free: every next call goes to it.
    let (freed, request) = busy[1];
    yield_(&mut h, freed, request, Payload::empty());
    assert_eq!(result(h.one(caller)).request, 2);
    for request in 5..=8 {
        let inv = invocation(call_reaches(&mut h, caller, request, "com.app.rnd", freed));
        yield_(&mut h, freed, inv.request, Payload::empty());
        assert_eq!(result(h.one(caller)).request, request);
    }
}

#[test]
fn random_spreads_calls_with_a_fixed_seed() {
    let run = |seed| {
        let mut h = Harness::with_config(RealmConfig::open("realm1"), seed);
        let caller = h.join();
        let callees = [h.join(), h.join(), h.join()];
        for c in callees {
            h.register(c, "com.app.rnd", invoke(InvokePolicy::Random));
        }
        let mut picks = Vec::new();
        for request in 1..=30 {
            h.call(caller, request, "com.app.rnd", plain(), Payload::empty());
            let who: Vec<usize> = (0..3).filter(|i| !h.take(callees[*i]).is_empty()).collect();
            assert_eq!(who.len(), 1);
            picks.push(who[0]);
        }
        picks
    };
    let picks = run(7);
    for i in 0..3 {
        assert!(picks.contains(&i), "callee {i} never picked: {picks:?}");
    }
    assert_eq!(run(7), picks, "the same seed makes the same choices");
}

#[test]
fn concurrency_limit_answers_no_available_callee_until_a_yield() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    let options = WireRegisterOptions {
        concurrency: Some(1),
        ..Default::default()
    };
    h.register(callee, "com.app.slow", options);
    let first = invocation(call_reaches(&mut h, caller, 1, "com.app.slow", callee));
    h.call(caller, 2, "com.app.slow", plain(), Payload::empty());
    assert_error(
        h.one(caller),
        MessageType::Call,
        2,
        uris::NO_AVAILABLE_CALLEE,
    );
    h.nothing(callee);
    yield_(&mut h, callee, first.request, Payload::empty());
    assert_eq!(result(h.one(caller)).request, 1);
    let second = invocation(call_reaches(&mut h, caller, 3, "com.app.slow", callee));
    // An ERROR frees the slot too.
    h.route(
        callee,
        Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request: second.request,
            details: ErrorDetails::default(),
            error: uri("com.app.error.failed"),
            payload: Payload::empty(),
        }),
    );
    assert_error(h.one(caller), MessageType::Call, 3, "com.app.error.failed");
    call_reaches(&mut h, caller, 4, "com.app.slow", callee);
}

#[test]
fn progressive_results_reach_a_caller_that_asked_from_a_callee_that_supports_them() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.app.stream", exact());
    let options = WireCallOptions {
        receive_progress: Some(true),
        ..Default::default()
    };
    h.call(caller, 5, "com.app.stream", options, Payload::empty());
    let inv = invocation(h.one(callee));
    assert_eq!(inv.details.receive_progress, Some(true));
    for chunk in 1..=2 {
        yield_progress(&mut h, callee, inv.request, args(&[chunk]));
        let res = result(h.one(caller));
        assert_eq!(res.request, 5);
        assert_eq!(res.details.progress, Some(true));
        assert_eq!(args_of(&res.payload), vec![Value::UInt(chunk)]);
    }
    yield_(&mut h, callee, inv.request, args(&["done"]));
    let res = result(h.one(caller));
    assert_eq!(res.details.progress, None);
    assert_eq!(args_of(&res.payload), vec![Value::from("done")]);
}

#[test]
fn progressive_results_are_dropped_unless_both_sides_take_part() {
    let mut h = Harness::open();
    let caller = h.join();
    let bare = h.join_as("bare", "anonymous", bare_roles());
    let full = h.join();
    h.register(bare, "com.app.bare", exact());
    h.register(full, "com.app.full", exact());
    let asking = WireCallOptions {
        receive_progress: Some(true),
        ..Default::default()
    };
    // The callee does not announce progressive results.
    h.call(caller, 1, "com.app.bare", asking, Payload::empty());
    let inv = invocation(h.one(bare));
    assert_eq!(inv.details.receive_progress, None);
    yield_progress(&mut h, bare, inv.request, args(&[1]));
    h.nothing(caller);
    yield_(&mut h, bare, inv.request, args(&[2]));
    let res = result(h.one(caller));
    assert_eq!((res.request, res.details.progress), (1, None));
    // The caller did not ask.
    h.call(caller, 2, "com.app.full", plain(), Payload::empty());
    let inv = invocation(h.one(full));
    assert_eq!(inv.details.receive_progress, None);
    yield_progress(&mut h, full, inv.request, args(&[1]));
    h.nothing(caller);
    yield_(&mut h, full, inv.request, args(&[2]));
    assert_eq!(
        args_of(&result(h.one(caller)).payload),
        vec![Value::UInt(2)]
    );
}

#[test]
fn progressive_call_invocations_reuse_the_request() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    let options = WireRegisterOptions {
        concurrency: Some(1),
        ..Default::default()
    };
    let reg = h.register(callee, "com.app.upload", options);
    let progress = |p: Option<bool>| WireCallOptions {
        progress: p,
        ..Default::default()
    };
    h.call(
        caller,
        7,
        "com.app.upload",
        progress(Some(true)),
        args(&["a"]),
    );
    let first = invocation(h.one(callee));
    assert_eq!(first.details.progress, Some(true));
    assert_eq!(first.registration, reg);
    // Further chunks: same invocation, despite the concurrency limit of 1.
    h.call(
        caller,
        7,
        "com.app.upload",
        progress(Some(true)),
        args(&["b"]),
    );
    let second = invocation(h.one(callee));
    assert_eq!(
        (second.request, second.registration, second.details.progress),
        (first.request, reg, Some(true))
    );
    assert_eq!(args_of(&second.payload), vec![Value::from("b")]);
    h.call(caller, 7, "com.app.upload", progress(None), args(&["c"]));
    let last = invocation(h.one(callee));
    assert_eq!((last.request, last.details.progress), (first.request, None));
    assert_eq!(args_of(&last.payload), vec![Value::from("c")]);
    // After the last chunk, reusing the request ID is a protocol violation.
    let reuse = Call {
        request: 7,
        options: progress(Some(true)),
        procedure: uri("com.app.upload"),
        payload: args(&["d"]),
    };
    assert!(h.send(caller, Message::Call(reuse)).is_err());
    h.nothing(callee);
    h.nothing(caller);
    yield_(&mut h, callee, first.request, args(&[3]));
    assert_eq!(result(h.one(caller)).request, 7);
    // Then the ID is free again, for a new invocation.
    let next = invocation(call_reaches(&mut h, caller, 7, "com.app.upload", callee));
    assert_eq!(next.request, first.request + 1);
}

#[test]
fn a_call_reusing_an_id_in_flight_without_progress_is_a_protocol_violation() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.app.x", exact());
    let inv = invocation(call_reaches(&mut h, caller, 1, "com.app.x", callee));
    let reuse = Call::new(1, uri("com.app.x"), Payload::empty());
    let refused = h.send(caller, Message::Call(reuse)).unwrap_err();
    assert!(refused.0.contains("reuses request ID 1"), "{}", refused.0);
    h.nothing(callee);
    h.nothing(caller);
    yield_(&mut h, callee, inv.request, Payload::empty());
    assert_eq!(result(h.one(caller)).request, 1);
}

#[test]
fn a_progressive_chunk_naming_another_procedure_is_a_protocol_violation() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.app.x", exact());
    let mut first = Call::new(1, uri("com.app.x"), Payload::empty());
    first.options = WireCallOptions {
        progress: Some(true),
        ..Default::default()
    };
    h.route(caller, Message::Call(first));
    let inv = invocation(h.one(callee));
    // A chunk of call 1 that names a wamp.* URI is refused, neither given to
    // the callee nor to the meta API (which would answer request 1 a first
    // time).
    let chunk = Call::new(1, uri("wamp.session.count"), Payload::empty());
    let refused = h.send(caller, Message::Call(chunk)).unwrap_err();
    assert!(refused.0.contains("<wamp.session.count>"), "{}", refused.0);
    let chunk = Call::new(1, uri("com.app.y"), Payload::empty());
    let refused = h.send(caller, Message::Call(chunk)).unwrap_err();
    assert!(
        refused.0.contains("but the call is to <com.app.x>"),
        "{}",
        refused.0
    );
    h.nothing(callee);
    h.nothing(caller);
    yield_(&mut h, callee, inv.request, Payload::empty());
    assert_eq!(result(h.one(caller)).request, 1);
}

#[test]
fn a_progressive_call_to_a_callee_without_the_feature_is_not_supported() {
    let mut h = Harness::open();
    let caller = h.join();
    let callee = h.join_as("callee", "anonymous", bare_roles());
    h.register(callee, "com.app.x", exact());
    let mut first = Call::new(3, uri("com.app.x"), args(&["a"]));
    first.options = WireCallOptions {
        progress: Some(true),
        ..Default::default()
    };
    h.route(caller, Message::Call(first));
    assert_error(
        h.one(caller),
        MessageType::Call,
        3,
        uris::FEATURE_NOT_SUPPORTED,
    );
    h.nothing(callee);
    assert_eq!(h.core.parts().1.calls.len(), 0);
    // A plain call still reaches it.
    call_reaches(&mut h, caller, 4, "com.app.x", callee);
    // The spec also requires call_canceling from such a callee.
    use crate::protocol::roles::{Role, RoleDetails, Roles, feature};
    let half = Roles::default().with(
        Role::Callee,
        RoleDetails::with_features([feature::PROGRESSIVE_CALL_INVOCATIONS]),
    );
    let half = h.join_as("half", "anonymous", half);
    h.register(half, "com.app.half", exact());
    let mut c = Call::new(5, uri("com.app.half"), Payload::empty());
    c.options = WireCallOptions {
        progress: Some(true),
        ..Default::default()
    };
    h.route(caller, Message::Call(c));
    assert_error(
        h.one(caller),
        MessageType::Call,
        5,
        uris::FEATURE_NOT_SUPPORTED,
    );
    h.nothing(half);
}

#[test]
fn chunks_of_a_call_that_ended_early_are_answered_not_taken_for_a_new_call() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.app.x", exact());
    let chunk = |request, progress: Option<bool>, a: &str| {
        let mut c = Call::new(request, uri("com.app.x"), args(&[a]));
        c.options = WireCallOptions {
            progress,
            ..Default::default()
        };
        Message::Call(c)
    };
    h.route(caller, chunk(5, Some(true), "a"));
    let inv = invocation(h.one(callee));
    // The callee fails before the final chunk.
    h.route(
        callee,
        Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request: inv.request,
            details: Default::default(),
            error: uri("com.app.bad_input"),
            payload: Payload::empty(),
        }),
    );
    assert_error(h.one(caller), MessageType::Call, 5, "com.app.bad_input");
    // Further chunks, the final one included, get an error of their own.
    h.route(caller, chunk(5, Some(true), "b"));
    assert_error(h.one(caller), MessageType::Call, 5, uris::CANCELED);
    h.route(caller, chunk(5, None, "c"));
    assert_error(h.one(caller), MessageType::Call, 5, uris::CANCELED);
    h.nothing(callee);
    assert_eq!(h.core.parts().1.progressive.len(), 0);
    // After the final chunk the ID is free again.
    call_reaches(&mut h, caller, 5, "com.app.x", callee);
}

#[test]
fn ended_progressive_calls_are_remembered_boundedly_and_forgotten_with_the_caller() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.app.x", exact());
    for request in 1..=40 {
        let mut c = Call::new(request, uri("com.app.x"), Payload::empty());
        c.options = WireCallOptions {
            progress: Some(true),
            ..Default::default()
        };
        h.route(caller, Message::Call(c));
        let inv = invocation(h.one(callee));
        yield_(&mut h, callee, inv.request, Payload::empty());
        h.one(caller);
    }
    assert_eq!(
        h.core.parts().1.progressive.len(),
        crate::router::core::dealer::ENDED_PER_CALLER
    );
    h.leave(caller);
    assert_eq!(h.core.parts().1.progressive.len(), 0);
}

/// A caller, a callee with `roles`, and one call (request 1) in flight;
/// returns (caller, callee, invocation request).
fn one_call_in_flight(h: &mut Harness, roles: crate::protocol::roles::Roles) -> (Id, Id, Id) {
    let caller = h.join();
    let callee = h.join_as("callee", "anonymous", roles);
    h.register(callee, "com.app.long", exact());
    let inv = invocation(call_reaches(h, caller, 1, "com.app.long", callee));
    (caller, callee, inv.request)
}

#[test]
fn cancel_skip_answers_the_caller_and_leaves_the_callee_alone() {
    let mut h = Harness::open();
    let (caller, callee, request) = one_call_in_flight(&mut h, full_roles());
    cancel(&mut h, caller, 1, Some(CancelMode::Skip));
    assert_error(h.one(caller), MessageType::Call, 1, uris::CANCELED);
    h.nothing(callee);
    yield_(&mut h, callee, request, Payload::empty());
    h.nothing(caller);
}

#[test]
fn cancel_kill_interrupts_and_answers_when_the_callee_does() {
    let mut h = Harness::open();
    let (caller, callee, request) = one_call_in_flight(&mut h, full_roles());
    cancel(&mut h, caller, 1, Some(CancelMode::Kill));
    assert_eq!(
        h.one(callee),
        interrupt_of(request, CancelMode::Kill, uris::CANCELED)
    );
    h.nothing(caller);
    // Progressive results of a killed call are not forwarded.
    yield_progress(&mut h, callee, request, args(&[1]));
    h.nothing(caller);
    yield_(&mut h, callee, request, args(&["late"]));
    let e = error(h.one(caller));
    assert_eq!(
        (e.request_type, e.request, e.error.as_str()),
        (MessageType::Call, 1, uris::CANCELED)
    );
    // The callee's result is not passed on.
    assert_ne!(args_of(&e.payload), vec![Value::from("late")]);
}

#[test]
fn killed_call_answered_with_an_error_is_canceled_for_the_caller() {
    let mut h = Harness::open();
    let (caller, callee, request) = one_call_in_flight(&mut h, full_roles());
    cancel(&mut h, caller, 1, Some(CancelMode::Kill));
    h.one(callee);
    h.route(
        callee,
        Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request,
            details: ErrorDetails::default(),
            error: uri("com.app.error.interrupted"),
            payload: args(&["why"]),
        }),
    );
    let e = error(h.one(caller));
    assert_eq!((e.request, e.error.as_str()), (1, uris::CANCELED));
    assert!(e.payload.is_empty());
}

#[test]
fn cancel_killnowait_interrupts_and_answers_at_once() {
    for mode in [Some(CancelMode::KillNoWait), None] {
        let mut h = Harness::open();
        let (caller, callee, request) = one_call_in_flight(&mut h, full_roles());
        cancel(&mut h, caller, 1, mode);
        assert_eq!(
            h.one(callee),
            interrupt_of(request, CancelMode::KillNoWait, uris::CANCELED),
            "{mode:?}"
        );
        assert_error(h.one(caller), MessageType::Call, 1, uris::CANCELED);
        yield_(&mut h, callee, request, Payload::empty());
        h.nothing(caller);
        // The call is gone: a second CANCEL does nothing.
        cancel(&mut h, caller, 1, mode);
        h.nothing(caller);
        h.nothing(callee);
    }
}

#[test]
fn cancel_at_a_callee_without_call_canceling_is_skip() {
    for mode in [Some(CancelMode::Kill), Some(CancelMode::KillNoWait), None] {
        let mut h = Harness::open();
        let (caller, callee, request) = one_call_in_flight(&mut h, bare_roles());
        cancel(&mut h, caller, 1, mode);
        h.nothing(callee);
        assert_error(h.one(caller), MessageType::Call, 1, uris::CANCELED);
        yield_(&mut h, callee, request, Payload::empty());
        h.nothing(caller);
    }
}

#[test]
fn cancel_of_an_unknown_call_is_ignored() {
    let mut h = Harness::open();
    let (caller, callee, _) = one_call_in_flight(&mut h, full_roles());
    cancel(&mut h, caller, 99, Some(CancelMode::KillNoWait));
    h.nothing(caller);
    h.nothing(callee);
    // Another session cannot cancel the call by its request ID.
    let other = h.join();
    cancel(&mut h, other, 1, Some(CancelMode::KillNoWait));
    h.nothing(callee);
    h.nothing(other);
}

#[test]
fn timeout_fires_at_the_deadline_only() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.app.slow", exact());
    let options = WireCallOptions {
        timeout: Some(1000),
        ..Default::default()
    };
    h.call(caller, 3, "com.app.slow", options, Payload::empty());
    let inv = invocation(h.one(callee));
    assert_eq!(inv.details.timeout, None, "not forwarded by default");
    assert_eq!(
        h.core.next_deadline(),
        Some(h.now + Duration::from_millis(1000))
    );
    h.advance(Duration::from_millis(999));
    h.nothing(caller);
    h.nothing(callee);
    h.advance(Duration::from_millis(1));
    assert_error(h.one(caller), MessageType::Call, 3, uris::TIMEOUT);
    assert_eq!(
        h.one(callee),
        interrupt_of(inv.request, CancelMode::KillNoWait, uris::TIMEOUT)
    );
    assert_eq!(h.core.next_deadline(), None);
    yield_(&mut h, callee, inv.request, Payload::empty());
    h.nothing(caller);
    h.advance(Duration::from_secs(10));
    h.nothing(caller);
    h.nothing(callee);
}

#[test]
fn timeout_is_forwarded_to_a_callee_that_asked() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    let options = WireRegisterOptions {
        forward_timeout: Some(true),
        ..Default::default()
    };
    h.register(callee, "com.app.slow", options);
    let timeout = |ms| WireCallOptions {
        timeout: Some(ms),
        ..Default::default()
    };
    h.call(caller, 1, "com.app.slow", timeout(2500), Payload::empty());
    assert_eq!(invocation(h.one(callee)).details.timeout, Some(2500));
    // A timeout of 0 means none.
    h.call(caller, 2, "com.app.slow", timeout(0), Payload::empty());
    assert_eq!(invocation(h.one(callee)).details.timeout, None);
    h.call(caller, 3, "com.app.slow", plain(), Payload::empty());
    assert_eq!(invocation(h.one(callee)).details.timeout, None);
}

#[test]
fn answered_call_does_not_time_out() {
    let mut h = Harness::open();
    let caller = h.join();
    let bare = h.join_as("bare", "anonymous", bare_roles());
    h.register(bare, "com.app.slow", exact());
    let timeout = WireCallOptions {
        timeout: Some(100),
        ..Default::default()
    };
    h.call(caller, 1, "com.app.slow", timeout.clone(), Payload::empty());
    h.call(caller, 2, "com.app.slow", timeout, Payload::empty());
    let first = invocation(h.take(bare).remove(0));
    yield_(&mut h, bare, first.request, Payload::empty());
    assert_eq!(result(h.one(caller)).request, 1);
    h.advance(Duration::from_millis(100));
    // Only the unanswered one times out; a callee without call canceling
    // gets no INTERRUPT.
    assert_error(h.one(caller), MessageType::Call, 2, uris::TIMEOUT);
    h.nothing(bare);
}

#[test]
fn caller_is_disclosed_when_asked_by_caller_registration_or_role() {
    let mut config = RealmConfig::open("realm1");
    let disclosing = Permission {
        disclose_caller: true,
        ..Permission::all()
    };
    config.roles = vec![
        RoleConfig {
            name: "user".into(),
            permissions: vec![Permission::all()],
        },
        RoleConfig {
            name: "audited".into(),
            permissions: vec![Permission::all(), {
                let mut p = disclosing.clone();
                p.uri = "com.app.audit".into();
                p.match_ = MatchPolicy::Exact;
                p
            }],
        },
    ];
    let mut h = Harness::with_config(config, 1);
    let alice = h.join_as("alice", "user", full_roles());
    let bob = h.join_as("bob", "audited", full_roles());
    let callee = h.join_as("service", "user", full_roles());
    h.register(callee, "com.app.plain", exact());
    h.register(callee, "com.app.audit", exact());
    let told = WireRegisterOptions {
        disclose_caller: Some(true),
        ..Default::default()
    };
    h.register(callee, "com.app.told", told);
    let disclosed = |h: &mut Harness| {
        let d = invocation(h.one(callee)).details;
        (d.caller, d.caller_authid, d.caller_authrole)
    };
    let none = (None, None, None);
    let alice_seen = (Some(alice), Some("alice".into()), Some("user".into()));
    let bob_seen = (Some(bob), Some("bob".into()), Some("audited".into()));

    h.call(alice, 1, "com.app.plain", plain(), Payload::empty());
    assert_eq!(disclosed(&mut h), none);
    let me = WireCallOptions {
        disclose_me: Some(true),
        ..Default::default()
    };
    h.call(alice, 2, "com.app.plain", me, Payload::empty());
    assert_eq!(disclosed(&mut h), alice_seen);
    h.call(alice, 3, "com.app.told", plain(), Payload::empty());
    assert_eq!(disclosed(&mut h), alice_seen);
    // The role's permission for the URI decides, not another URI's.
    h.call(bob, 4, "com.app.audit", plain(), Payload::empty());
    assert_eq!(disclosed(&mut h), bob_seen);
    h.call(bob, 5, "com.app.plain", plain(), Payload::empty());
    assert_eq!(disclosed(&mut h), none);
    h.call(alice, 6, "com.app.audit", plain(), Payload::empty());
    assert_eq!(disclosed(&mut h), none);
}

#[test]
fn callee_leaving_cancels_its_calls_and_its_registrations() {
    let mut h = Harness::open();
    let (c1, c2, callee) = (h.join(), h.join(), h.join());
    h.register(callee, "com.app.x", exact());
    h.call(c1, 1, "com.app.x", plain(), Payload::empty());
    h.call(c2, 1, "com.app.x", plain(), Payload::empty());
    h.call(c2, 2, "com.app.x", plain(), Payload::empty());
    assert_eq!(h.take(callee).len(), 3);
    h.leave(callee);
    assert_error(h.one(c1), MessageType::Call, 1, uris::CANCELED);
    let mut got: Vec<Id> = h
        .take(c2)
        .into_iter()
        .map(|m| {
            let e = error(m);
            assert_eq!(e.error.as_str(), uris::CANCELED);
            e.request
        })
        .collect();
    got.sort();
    assert_eq!(got, vec![1, 2]);
    h.call(c1, 3, "com.app.x", plain(), Payload::empty());
    assert_error(h.one(c1), MessageType::Call, 3, uris::NO_SUCH_PROCEDURE);
    assert_eq!(h.core.parts().1.calls.len(), 0);
}

#[test]
fn caller_leaving_interrupts_callees_that_can_be_interrupted() {
    let mut h = Harness::open();
    let caller = h.join();
    let full = h.join();
    let bare = h.join_as("bare", "anonymous", bare_roles());
    h.register(full, "com.app.full", exact());
    h.register(bare, "com.app.bare", exact());
    let inv_full = invocation(call_reaches(&mut h, caller, 1, "com.app.full", full));
    let inv_bare = invocation(call_reaches(&mut h, caller, 2, "com.app.bare", bare));
    h.leave(caller);
    assert_eq!(
        h.one(full),
        interrupt_of(inv_full.request, CancelMode::KillNoWait, uris::CANCELED)
    );
    h.nothing(bare);
    yield_(&mut h, full, inv_full.request, Payload::empty());
    yield_(&mut h, bare, inv_bare.request, Payload::empty());
    assert_eq!(h.core.parts().1.calls.len(), 0);
    h.nothing(full);
    h.nothing(bare);
}

#[test]
fn callee_error_is_forwarded_to_the_caller() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.app.div", exact());
    let inv = invocation(call_reaches(&mut h, caller, 11, "com.app.div", callee));
    let details = ErrorDetails {
        callee: Some(callee),
        ..Default::default()
    };
    let payload = Payload::from_values(
        vec![Value::from("division by zero")],
        dict([("divisor", Value::UInt(0))]),
    );
    h.route(
        callee,
        Message::Error(ErrorMessage {
            request_type: MessageType::Invocation,
            request: inv.request,
            details: details.clone(),
            error: uri("com.app.error.div_by_zero"),
            payload: payload.clone(),
        }),
    );
    assert_eq!(
        h.one(caller),
        Message::Error(ErrorMessage {
            request_type: MessageType::Call,
            request: 11,
            details,
            error: uri("com.app.error.div_by_zero"),
            payload,
        })
    );
    // An ERROR of another request type from a client is not routable.
    let wrong = h.send(
        callee,
        Message::Error(ErrorMessage {
            request_type: MessageType::Call,
            request: 1,
            details: ErrorDetails::default(),
            error: uri("com.app.error.x"),
            payload: Payload::empty(),
        }),
    );
    assert!(wrong.is_err());
}

#[test]
fn force_reregister_cannot_take_over_another_authids_registration() {
    let mut h = Harness::open();
    let caller = h.join();
    let owner = h.join_as("owner", "anonymous", full_roles());
    let intruder = h.join_as("intruder", "anonymous", full_roles());
    let reg = h.register(owner, "com.app.svc", WireRegisterOptions::default());
    let forced = WireRegisterOptions {
        force_reregister: Some(true),
        ..Default::default()
    };
    let answer = h.try_register(intruder, "com.app.svc", forced.clone());
    let e = error(answer);
    assert_eq!(e.error.as_str(), uris::PROCEDURE_ALREADY_EXISTS);
    h.nothing(owner);
    // The owner still serves the procedure.
    let inv = invocation(call_reaches(&mut h, caller, 1, "com.app.svc", owner));
    assert_eq!(inv.registration, reg);

    // A shared registration with callees of two authids is not taken over:
    // a forced REGISTER of the same policy just joins it.
    let shared = invoke(InvokePolicy::RoundRobin);
    let mate = h.join_as("owner", "anonymous", full_roles());
    let r2 = h.register(owner, "com.app.shared", shared.clone());
    assert_eq!(h.register(intruder, "com.app.shared", shared), r2);
    let forced_shared = WireRegisterOptions {
        force_reregister: Some(true),
        invoke: Some(InvokePolicy::RoundRobin),
        ..Default::default()
    };
    assert_eq!(h.register(mate, "com.app.shared", forced_shared), r2);
    let reg = h.core.parts().1.registrations.get(r2).expect("kept");
    assert_eq!(reg.callees.len(), 3);
    h.nothing(owner);
    h.nothing(intruder);
}

#[test]
fn force_reregister_kicks_the_current_callees() {
    let mut h = Harness::open();
    let caller = h.join();
    let a = h.join();
    // Same authid as the newcomer ("someone"): force_reregister applies.
    let bare = h.join_as("someone", "anonymous", bare_roles());
    let newcomer = h.join();
    let shared = invoke(InvokePolicy::RoundRobin);
    let old = h.register(a, "com.app.svc", shared.clone());
    assert_eq!(h.register(bare, "com.app.svc", shared), old);
    let forced = WireRegisterOptions {
        force_reregister: Some(true),
        ..Default::default()
    };
    let new = h.register(newcomer, "com.app.svc", forced);
    assert_ne!(new, old);
    assert_eq!(
        h.one(a),
        Message::Unregistered(Unregistered {
            request: 0,
            details: Some(UnregisteredDetails {
                registration: Some(old),
                reason: Some("wamp.error.unregistered".into()),
                ..Default::default()
            }),
        })
    );
    h.nothing(bare);
    for request in 1..=3 {
        let inv = invocation(call_reaches(
            &mut h,
            caller,
            request,
            "com.app.svc",
            newcomer,
        ));
        assert_eq!(inv.registration, new);
    }
    h.nothing(a);
    h.nothing(bare);
    // The kicked callees no longer hold the old registration.
    h.route(
        a,
        Message::Unregister(Unregister {
            request: 5,
            registration: old,
        }),
    );
    assert_error(
        h.one(a),
        MessageType::Unregister,
        5,
        uris::NO_SUCH_REGISTRATION,
    );
}

#[test]
fn unregister_of_a_registration_not_held_is_refused() {
    let mut h = Harness::open();
    let (a, b, caller) = (h.join(), h.join(), h.join());
    let id = h.register(a, "com.app.x", exact());
    for (who, registration) in [(a, id + 100), (b, id)] {
        h.route(
            who,
            Message::Unregister(Unregister {
                request: 8,
                registration,
            }),
        );
        assert_error(
            h.one(who),
            MessageType::Unregister,
            8,
            uris::NO_SUCH_REGISTRATION,
        );
    }
    call_reaches(&mut h, caller, 1, "com.app.x", a);
    h.route(
        a,
        Message::Unregister(Unregister {
            request: 9,
            registration: id,
        }),
    );
    assert_eq!(
        h.one(a),
        Message::Unregistered(Unregistered {
            request: 9,
            details: None,
        })
    );
    h.call(caller, 2, "com.app.x", plain(), Payload::empty());
    assert_error(h.one(caller), MessageType::Call, 2, uris::NO_SUCH_PROCEDURE);
}

#[test]
fn register_and_call_need_permission_and_wamp_procedures_are_reserved() {
    let mut config = RealmConfig::open("realm1");
    config.roles = vec![
        RoleConfig {
            name: "caller".into(),
            permissions: vec![Permission {
                register: false,
                ..Permission::all()
            }],
        },
        RoleConfig {
            name: "callee".into(),
            permissions: vec![Permission {
                call: false,
                ..Permission::all()
            }],
        },
    ];
    let mut h = Harness::with_config(config, 1);
    let caller = h.join_as("c", "caller", full_roles());
    let callee = h.join_as("s", "callee", full_roles());
    let stranger = h.join_as("x", "nobody", full_roles());
    for who in [caller, stranger] {
        let e = error(h.try_register(who, "com.app.x", exact()));
        assert_eq!(
            (e.request_type, e.error.as_str()),
            (MessageType::Register, uris::NOT_AUTHORIZED)
        );
    }
    h.register(callee, "com.app.x", exact());
    for who in [callee, stranger] {
        h.call(who, 1, "com.app.x", plain(), Payload::empty());
        assert_error(h.one(who), MessageType::Call, 1, uris::NOT_AUTHORIZED);
    }
    h.nothing(callee);
    call_reaches(&mut h, caller, 2, "com.app.x", callee);
    let e = error(h.try_register(callee, "wamp.session.count", exact()));
    assert_eq!(e.error.as_str(), uris::INVALID_URI);
    let e = error(h.try_register(callee, "wamp.", matching(MatchPolicy::Prefix)));
    assert_eq!(e.error.as_str(), uris::INVALID_URI);
}

#[test]
fn invocation_ids_count_up_per_callee() {
    let mut h = Harness::open();
    let caller = h.join();
    let (a, b) = (h.join(), h.join());
    h.register(a, "com.app.a", exact());
    h.register(b, "com.app.b", exact());
    let ids = |h: &mut Harness, request, procedure, callee| {
        invocation(call_reaches(h, caller, request, procedure, callee)).request
    };
    assert_eq!(ids(&mut h, 1, "com.app.a", a), 1);
    assert_eq!(ids(&mut h, 2, "com.app.a", a), 2);
    assert_eq!(ids(&mut h, 3, "com.app.b", b), 1);
    assert_eq!(ids(&mut h, 4, "com.app.a", a), 3);
}

#[test]
fn a_call_with_a_timeout_asks_the_shell_to_rearm_its_timer() {
    let mut h = Harness::open();
    let (caller, callee) = (h.join(), h.join());
    h.register(callee, "com.app.slow", exact());
    let call = |request, timeout| {
        Message::Call(crate::protocol::Call {
            request,
            options: WireCallOptions {
                timeout,
                ..Default::default()
            },
            procedure: uri("com.app.slow"),
            payload: Payload::empty(),
        })
    };
    let out = h
        .core
        .handle(caller, call(1, None), h.now)
        .expect("routable");
    assert!(!out.rearm);
    let out = h
        .core
        .handle(caller, call(2, Some(50)), h.now)
        .expect("routable");
    assert!(out.rearm);
    assert_eq!(
        h.core.next_deadline(),
        Some(h.now + Duration::from_millis(50))
    );
    // The callee leaving ends the call and its deadline.
    h.absorb(out);
    h.leave(callee);
    assert_eq!(h.core.next_deadline(), None);
    assert_eq!(h.take(caller).len(), 2);
    h.advance(Duration::from_millis(50));
    h.nothing(caller);
}

#[test]
fn a_yield_from_another_session_is_discarded() {
    let mut h = Harness::open();
    let (caller, callee, intruder) = (h.join(), h.join(), h.join());
    h.register(callee, "com.app.x", exact());
    h.register(intruder, "com.app.y", exact());
    let inv = invocation(call_reaches(&mut h, caller, 1, "com.app.x", callee));
    yield_(&mut h, intruder, inv.request, args(&["forged"]));
    h.nothing(caller);
    yield_(&mut h, callee, inv.request, args(&["real"]));
    assert_eq!(
        args_of(&result(h.one(caller)).payload),
        vec![Value::from("real")]
    );
}
