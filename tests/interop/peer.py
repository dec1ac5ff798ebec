#!/usr/bin/env python3
"""Autobahn|Python test peer of the interop tests (driven by tests/interop_*.rs).

One process joins one realm with one serializer over one transport and plays
one role:

  callee      registers the test API under --prefix (see CALLEE API below) and
              prints {"ready": true, "session": id}; runs until killed.
  caller      runs the --checks against the API under --prefix, one JSON line
              per check ({"check": name, ...}), then {"done": true}; exit 0.
  subscriber  subscribes to --topic (--match exact|prefix|wildcard), prints
              {"ready": true}, then one JSON line per event; exits after --count.
  join        joins, prints the session details, leaves (auth tests).
  authenticator  registers a dynamic authenticator as --prefix (the URI),
              see AUTHENTICATOR below, and with --topic an authorizer there
              (allows URIs starting "com.allowed.", caches them; denies the
              rest); prints {"ready": true}; runs until killed.

--cryptobox KEY (any role) sets an Autobahn cryptobox KeyRing with KEY (base64
private key) as its default key: every payload the peer sends is encrypted.

Bytes are printed as {"hex": "..."}; errors as {"error": uri, "args", "kwargs"}.

CALLEE API (the Rust, Python and JavaScript callees of the tests implement it):
  P.add2(a, b)           -> a + b
  P.echo(*args, **kw)    -> the same args and kwargs
  P.binary(b)            -> the bytes reversed
  P.progress(n)          -> progressive results 0..n-1, then "done"
  P.fail()               -> error com.example.error.custom ["bad", 42] {"reason": "because"}
  P.slow()               -> waits until canceled (prints {"event": "started"}, then {"event": "interrupted"})
  P.sleep(ms)            -> "slept" after ms milliseconds
  P.publish(topic, n)    -> publishes n events [i, bytes([i, 255])] {"i": i} (acknowledged), returns n
  P.whoami()             -> the caller's session ID as disclosed by the router
  P.five()               -> the integer 5 (a typed Rust caller reads it as a float)
  (Rust callee only: P.pattern.* (prefix) and P..wild (wildcard) return the called URI)

AUTHENTICATOR (Crossbar's dynamic authenticator, called (realm, authid, details)):
  ticket pyuser/py-ticket -> {"role": "user", "extra": {"by": "python"}}
  ticket pyslow           -> "user" after 5 s (a timeout test)
  other tickets           -> raises wamp.error.not_authorized "python says no to <authid>"
  wampcra pycra           -> {"role": "user", "secret": "py-secret"}
  scram pysam             -> the credential of password "py-pass" (argon2id-13, t=2, m=64)

NUMBERS API (Rust callees of interop_embedded.rs only, typed parameters):
  P.half(x: f64)         -> x / 2 (checks half: called with the integer 3)
  P.double(n: i64)       -> 2 n   (checks double_whole: 4.0; double_fraction: 2.5, refused)
"""

import argparse
import asyncio
import json
import sys

from autobahn.asyncio.component import Component
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import (
    CallOptions,
    CallResult,
    PublishOptions,
    RegisterOptions,
    SubscribeOptions,
)


def jsonable(value):
    if isinstance(value, (bytes, bytearray)):
        return {"hex": bytes(value).hex()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def emit(obj):
    print(json.dumps(jsonable(obj)), flush=True)


def error_obj(e):
    return {"error": e.error, "args": list(e.args), "kwargs": e.kwargs or {}}


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["callee", "caller", "subscriber", "join", "authenticator"])
    p.add_argument("--url", required=True, help="ws://host:port/ws or rs://host:port")
    p.add_argument("--realm", default="realm1")
    p.add_argument("--serializer", default="json", choices=["json", "msgpack", "cbor"])
    p.add_argument("--prefix", default="com.py")
    p.add_argument("--checks", default="")
    p.add_argument("--topic", default="")
    p.add_argument("--match", default="exact")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--auth", default="", help="ticket:ID:TICKET | wampcra:ID:SECRET | cryptosign:ID:SEEDHEX | scram:ID:PASSWORD")
    p.add_argument("--cryptobox", default="", help="base64 private key: encrypt every payload (cryptobox KeyRing default key)")
    return p.parse_args()


def authentication(spec):
    if not spec:
        return None
    method, authid, secret = spec.split(":", 2)
    if method == "ticket":
        return {"ticket": {"authid": authid, "ticket": secret}}
    if method == "wampcra":
        return {"wampcra": {"authid": authid, "secret": secret}}
    if method == "cryptosign":
        return {"cryptosign": {"authid": authid, "privkey": secret}}
    if method == "scram":
        return {"scram": {"authid": authid, "password": secret}}
    raise SystemExit(f"unknown auth method {method}")


def transport(url, serializer):
    if url.startswith("rs://"):
        return {"type": "rawsocket", "url": url, "serializer": serializer, "max_retries": 0}
    return {"type": "websocket", "url": url, "serializers": [serializer], "max_retries": 0}


async def register_api(session, p):
    async def add2(a, b):
        return a + b

    def echo(*args, **kwargs):
        return CallResult(*args, **kwargs)

    def binary(b):
        if not isinstance(b, bytes):
            raise ApplicationError("wamp.error.invalid_argument", f"expected bytes, got {type(b).__name__}")
        return b[::-1]

    async def progress(n, details=None):
        for i in range(n):
            if details is not None and details.progress:
                details.progress(i)
            await asyncio.sleep(0.01)
        return "done"

    def fail():
        raise ApplicationError("com.example.error.custom", "bad", 42, reason="because")

    async def slow():
        emit({"event": "started"})
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            emit({"event": "interrupted"})
            raise
        return "not canceled"

    async def sleep(ms):
        await asyncio.sleep(ms / 1000)
        return "slept"

    async def publish(topic, n):
        for i in range(n):
            await session.publish(topic, i, bytes([i, 255]), i=i, options=PublishOptions(acknowledge=True))
        return n

    def whoami(details=None):
        return details.caller

    def five():
        return 5

    with_details = RegisterOptions(details_arg="details")
    await session.register(add2, f"{p}.add2")
    await session.register(echo, f"{p}.echo")
    await session.register(binary, f"{p}.binary")
    await session.register(progress, f"{p}.progress", options=with_details)
    await session.register(fail, f"{p}.fail")
    await session.register(slow, f"{p}.slow")
    await session.register(sleep, f"{p}.sleep")
    await session.register(publish, f"{p}.publish")
    await session.register(whoami, f"{p}.whoami", options=with_details)
    await session.register(five, f"{p}.five")


async def run_check(session, p, name):
    """One check against the callee API under prefix p; returns a dict for the output line."""
    try:
        if name == "add2":
            return {"value": await session.call(f"{p}.add2", 2, 3)}
        if name == "echo":
            r = await session.call(f"{p}.echo", 1, "two", [3.5, True, None], k="v", n={"x": 1})
            if isinstance(r, CallResult):
                return {"args": list(r.results), "kwargs": r.kwresults}
            return {"value": r}
        if name == "binary":
            return {"value": await session.call(f"{p}.binary", bytes([0, 1, 2, 254, 255]))}
        if name == "progress":
            seen = []
            final = await session.call(f"{p}.progress", 3, options=CallOptions(on_progress=lambda *a, **k: seen.append(list(a))))
            return {"progress": seen, "value": final}
        if name == "fail":
            await session.call(f"{p}.fail")
            return {"value": "no error"}
        if name == "invalid_argument":
            await session.call(f"{p}.add2", "x", {"not": "a number"})
            return {"value": "no error"}
        if name == "no_such_procedure":
            await session.call(f"{p}.does_not_exist")
            return {"value": "no error"}
        if name == "cancel":
            fut = asyncio.ensure_future(session.call(f"{p}.slow"))
            await asyncio.sleep(0.5)
            fut.cancel()
            try:
                await fut
                return {"value": "not canceled"}
            except asyncio.CancelledError:
                return {"value": "canceled"}
        if name == "timeout":
            await session.call(f"{p}.slow", options=CallOptions(timeout=500))
            return {"value": "no error"}
        if name == "pattern":
            return {"value": await session.call(f"{p}.pattern.one.two", "x")}
        if name == "wildcard":
            return {"value": await session.call(f"{p}.anything.wild")}
        if name == "whoami":
            return {"value": await session.call(f"{p}.whoami"), "session": session.session_id}
        if name == "publish":
            for i in range(3):
                await session.publish(f"{p}.topic", i, bytes([i, 255]), i=i, options=PublishOptions(acknowledge=True))
            return {"value": 3}
        if name == "meta":
            count = await session.call("wamp.session.count")
            me = await session.call("wamp.session.get", session.session_id)
            reg = await session.call("wamp.registration.lookup", f"{p}.add2")
            callees = await session.call("wamp.registration.count_callees", reg) if reg else None
            return {"value": {"count_ok": count >= 1, "me": me.get("session") == session.session_id,
                              "registered": reg is not None, "callees": callees}}
        if name == "meta_pattern":
            # Pattern lookups as Autobahn users write them: the options dict is a
            # positional argument (the `options=` keyword of call() is CallOptions).
            sub = await session.subscribe(lambda *a, **k: None, f"{p}.metatopic",
                                          options=SubscribeOptions(match="prefix"))
            positional = await session.call("wamp.subscription.lookup", f"{p}.metatopic", {"match": "prefix"})
            exact = await session.call("wamp.subscription.lookup", f"{p}.metatopic")
            matched = await session.call("wamp.subscription.match", f"{p}.metatopic.x")
            count = await session.call("wamp.subscription.count_subscribers", sub.id)
            await sub.unsubscribe()
            return {"value": {"positional": positional == sub.id,
                              "exact": exact, "match": sub.id in (matched or []), "subscribers": count}}
        if name == "half":
            # A Python int where Rust takes f64: the same in every serializer.
            return {"value": await session.call(f"{p}.half", 3)}
        if name == "double_whole":
            return {"value": await session.call(f"{p}.double", 4.0)}
        if name == "double_fraction":
            await session.call(f"{p}.double", 2.5)
            return {"value": "no error"}
        if name == "testament":
            # Published by the router on this session's behalf once it leaves.
            tid = await session.call("wamp.session.add_testament", f"{p}.testament", ["from python"], {"k": 1})
            return {"value": isinstance(tid, int)}
        if name == "testament_flush":
            await session.call("wamp.session.add_testament", f"{p}.flushed", ["flushed"], {}, scope="detached")
            await session.call("wamp.session.add_testament", f"{p}.flushed", ["flushed"], {}, scope="detached")
            flushed = await session.call("wamp.session.flush_testaments", scope="detached")
            try:
                await session.call("wamp.session.flush_testaments", scope="sometime")
                bad = "no error"
            except ApplicationError as e:
                bad = e.error
            return {"value": flushed, "bad_scope": bad}
        if name == "history":
            # Events published to P.history before this subscription exist in
            # the history the router keeps for that topic.
            sub = await session.subscribe(lambda *a, **k: None, f"{p}.history")
            events = await session.call("wamp.subscription.get_events", sub.id, 10)
            other = await session.subscribe(lambda *a, **k: None, f"{p}.nohistory")
            try:
                await session.call("wamp.subscription.get_events", other.id)
                missing = "no error"
            except ApplicationError as e:
                missing = e.error
            return {"value": [e["args"] for e in events],
                    "keys": sorted(events[0].keys()) if events else [], "unconfigured": missing}
        raise SystemExit(f"unknown check {name}")
    except ApplicationError as e:
        return error_obj(e)


def scram_credential(password, salt, iterations, memory):
    """Crossbar's stored SCRAM credential (Autobahn's argon2id-13 dialect)."""
    import hashlib
    import hmac

    from argon2.low_level import Type, hash_secret

    raw = hash_secret(secret=password.encode(), salt=salt, time_cost=iterations, memory_cost=memory,
                      parallelism=1, hash_len=32, type=Type.ID, version=19)
    salted = raw.split(b"$")[-1]
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return {"kdf": "argon2id-13", "iterations": iterations, "memory": memory, "salt": salt.hex(),
            "stored-key": hashlib.sha256(client_key).hexdigest(),
            "server-key": hmac.new(salted, b"Server Key", hashlib.sha256).hexdigest()}


async def py_authenticate(realm, authid, details):
    method = details.get("authmethod")
    if method == "ticket":
        if authid == "pyuser" and details.get("ticket") == "py-ticket":
            return {"role": "user", "extra": {"by": "python"}}
        if authid == "pyslow":
            await asyncio.sleep(5)
            return "user"
        raise ApplicationError("wamp.error.not_authorized", f"python says no to {authid}")
    if method == "wampcra" and authid == "pycra":
        return {"role": "user", "secret": "py-secret"}
    if method == "scram" and authid == "pysam":
        return dict(role="user", **scram_credential("py-pass", b"python-salt-1234", 2, 64))
    raise ApplicationError("wamp.error.not_authorized", f"unknown principal {authid}")


async def py_authorize(session, uri, action, options):
    if uri.startswith("com.allowed."):
        return {"allow": True, "disclose": False, "cache": True}
    if uri.startswith("com.raise."):
        raise ApplicationError("com.example.authorizer_broken", f"cannot decide {action} on {uri}")
    return False


def main():
    a = parse_args()
    comp = Component(transports=[transport(a.url, a.serializer)], realm=a.realm,
                     authentication=authentication(a.auth))
    state = {"exit": 0, "events": 0}

    @comp.on_join
    async def joined(session, details):
        if a.cryptobox:
            from autobahn.wamp.cryptobox import KeyRing
            session.set_payload_codec(KeyRing(a.cryptobox))
        if a.role == "join":
            emit({"joined": True, "authid": details.authid, "authrole": details.authrole,
                  "authmethod": details.authmethod})
            session.leave()
        elif a.role == "callee":
            await register_api(session, a.prefix)
            emit({"ready": True, "session": session.session_id})
        elif a.role == "caller":
            try:
                for name in [c for c in a.checks.split(",") if c]:
                    emit(dict(check=name, **(await run_check(session, a.prefix, name))))
                emit({"done": True})
            except BaseException as e:  # fail loudly instead of hanging
                emit({"failed": f"{type(e).__name__}: {e}"})
                state["exit"] = 1
            session.leave()
        elif a.role == "authenticator":
            await session.register(py_authenticate, a.prefix)
            if a.topic:
                await session.register(py_authorize, a.topic)
            emit({"ready": True, "session": session.session_id})
        elif a.role == "subscriber":
            def on_event(*args, details=None, **kwargs):
                emit({"topic": details.topic, "args": list(args), "kwargs": kwargs,
                      "publisher": details.publisher})
                state["events"] += 1
                if state["events"] >= a.count:
                    session.leave()
            await session.subscribe(on_event, a.topic, options=SubscribeOptions(match=a.match, details_arg="details"))
            emit({"ready": True, "session": session.session_id})

    @comp.on_connectfailure
    def failed(component, e):
        if state.get("left"):
            return  # the component noticing its own stop
        emit({"connect_failure": str(e)})
        state["exit"] = 2

    @comp.on_leave
    def left(session, details):
        state["left"] = True
        if a.role == "join" and details.reason != "wamp.close.normal":
            emit({"abort": details.reason, "message": details.message})
        comp.stop()

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(comp.start(loop=loop))
    except Exception as e:  # a failed join ends the component with an error
        emit({"failed": str(e)})
        state["exit"] = state["exit"] or 3
    sys.exit(state["exit"])


if __name__ == "__main__":
    main()
