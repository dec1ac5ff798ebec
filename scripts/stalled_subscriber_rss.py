#!/usr/bin/env python3
"""Router RSS growth with one stalled subscriber under a flood of large events.

Starts the standalone router (the binary given), joins a RawSocket/JSON
subscriber that subscribes and then never reads again (a 4 KiB receive
buffer), and floods the topic from a RawSocket/JSON publisher with N events
of SIZE bytes each. Prints the router's RSS before the flood and its peak
(VmHWM) after, and the growth.

    python3 scripts/stalled_subscriber_rss.py target/debug/wamp-router 65536 2000
    python3 scripts/stalled_subscriber_rss.py target/debug/wamp-router 1048576 1500

Standard library only; everything on 127.0.0.1.
"""

import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time


def status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    raise KeyError(key)


def rawsocket(port, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    s.sendall(bytes([0x7F, 0xF1, 0, 0]))  # 16 MiB, JSON
    reply = recv_exact(s, 4)
    assert reply[0] == 0x7F and reply[1] & 0x0F == 1, reply
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def send(s, msg):
    data = json.dumps(msg).encode()
    s.sendall(struct.pack(">I", len(data)) + data)


def recv(s):
    while True:
        header = recv_exact(s, 4)
        kind, length = header[0], int.from_bytes(header[1:], "big")
        body = recv_exact(s, length)
        if kind == 0:
            return json.loads(body)
        if kind == 1:  # PING: answer
            s.sendall(bytes([2]) + header[1:] + body)


def join(s):
    send(s, [1, "realm1", {"roles": {"subscriber": {}, "publisher": {}}}])
    welcome = recv(s)
    assert welcome[0] == 2, welcome


def main():
    binary, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as conf:
        conf.write(f'[[listener]]\naddress = "127.0.0.1:{port}"\n[[realm]]\nname = "realm1"\n')
    router = subprocess.Popen(
        [binary, "--config", conf.name],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RUST_LOG": "error"},
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        stalled = rawsocket(port, rcvbuf=4096)
        join(stalled)
        send(stalled, [32, 1, {}, "com.flood"])
        assert recv(stalled)[0] == 33
        publisher = rawsocket(port)
        join(publisher)
        time.sleep(0.3)
        before = status(router.pid, "VmRSS")
        payload = "x" * size
        start = time.time()
        sent = 0
        try:
            for i in range(count):
                send(publisher, [16, i + 1, {}, "com.flood", [payload]])
                sent += 1
        except OSError:
            pass
        elapsed = time.time() - start
        time.sleep(1.0)
        peak = status(router.pid, "VmHWM")
        after = status(router.pid, "VmRSS")
        print(
            f"events of {size} bytes: sent {sent} in {elapsed:.1f} s; router RSS before "
            f"{before / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB (growth "
            f"{(peak - before) / 1024:.1f} MiB), after {after / 1024:.1f} MiB"
        )
    finally:
        router.kill()
        router.wait()
        os.unlink(conf.name)


if __name__ == "__main__":
    main()
