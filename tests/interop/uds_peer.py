"""Autobahn|Python (asyncio) over a Unix domain socket, addressed with its own
URL form for RawSocket (`rs://unix:/path`) and a `unix` endpoint for WebSocket: joins realm1 with the given
transport type and serializer, calls com.unix.add(2, 3), publishes
(acknowledged) to com.unix.news, prints one JSON line and exits."""
import asyncio
import json
import sys

from autobahn.asyncio.component import Component, run
from autobahn.wamp.types import PublishOptions

path, kind, serializer = sys.argv[1:4]
transport = {"type": kind, "max_retries": 0}
if kind == "rawsocket":
    transport.update(url=f"rs://unix:{path}", serializer=serializer)
else:
    # Autobahn|Python's `ws://unix:/path` form fails in its websocket
    # component ("invalid type str for port"), so the endpoint is explicit.
    transport.update(url="ws://localhost/ws", endpoint={"type": "unix", "path": path},
                     serializers=[serializer])
component = Component(transports=[transport], realm="realm1")


@component.on_join
async def joined(session, details):
    result = {"kind": kind, "serializer": serializer}
    try:
        result["sum"] = await session.call("com.unix.add", 2, 3)
        await session.publish("com.unix.news", f"{kind}/{serializer}",
                              options=PublishOptions(acknowledge=True, exclude_me=False))
        result["ok"] = True
    except Exception as e:  # reported to the Rust test
        result["error"] = repr(e)
    print(json.dumps(result), flush=True)
    await session.leave()


if __name__ == "__main__":
    run([component], log_level="warn")
