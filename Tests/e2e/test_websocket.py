"""The live feed at /ws with a real third-party client (the `websockets` package)."""
import asyncio
import json
import socket
import struct
import time

import pytest
import websockets

TEST_JOBS = {"SPOOL_TEST_JOBS": "1"}


def enqueue(server, *payloads):
    return server.post("/api/test/jobs", {"jobs": list(payloads)}).json()["ids"]


async def receive_until(ws, predicate, timeout=15):
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=deadline - time.time()))
        seen.append(message)
        if predicate(message, seen):
            return seen
    raise AssertionError(f"not received; got {seen[-5:]}")


def test_events_of_a_running_job_then_replay_of_what_was_missed(spool_factory):
    server = spool_factory(env=TEST_JOBS)
    url = f"ws://127.0.0.1:{server.port}/ws"

    async def scenario():
        async with websockets.connect(url) as ws:
            (job,) = enqueue(server, {"seconds": 0.6})
            seen = await receive_until(ws, lambda m, _: m["type"] == "job.status" and m["data"]["status"] == "completed")
            statuses = [m["data"]["status"] for m in seen if m["type"] == "job.status" and m["data"]["id"] == job]
            assert statuses == ["pending", "running", "completed"]
            assert any(m["type"] == "job.progress" and m["data"]["id"] == job for m in seen)
            seqs = [m["seq"] for m in seen]
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
            last = seqs[-1]
        # Disconnected: these events happen while nobody listens.
        (missed,) = enqueue(server, {"seconds": 0.05, "outcome": "permanent"})
        server.wait_for(lambda: server.get(f"/api/jobs/{missed}").json()["status"] == "failed")
        async with websockets.connect(f"{url}?since={last}") as ws:
            replay = await receive_until(ws, lambda m, _: m["type"] == "job.status" and m["data"]["status"] == "failed")
            assert replay[0]["seq"] == last + 1
            assert [m["seq"] for m in replay] == list(range(last + 1, last + 1 + len(replay)))
        # A number the server never issued (it restarted): reset.
        async with websockets.connect(f"{url}?since=999999") as ws:
            assert json.loads(await ws.recv())["type"] == "reset"

    asyncio.run(scenario())


def raw_upgrade(port, extra=b"", headers=None):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    lines = headers or [b"GET /ws HTTP/1.1", b"Host: 127.0.0.1", b"Upgrade: websocket", b"Connection: keep-alive, Upgrade",
                        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", b"Sec-WebSocket-Version: 13"]
    s.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + extra)
    return s


def read_response_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def read_close_code(s, rest=b""):
    data = rest
    deadline = time.time() + 5
    while time.time() < deadline:
        while len(data) >= 2:
            opcode, length = data[0] & 0x0F, data[1] & 0x7F
            offset = 2
            if length == 126:
                length, offset = struct.unpack(">H", data[2:4])[0], 4
            if len(data) < offset + length:
                break
            payload, data = data[offset:offset + length], data[offset + length:]
            if opcode == 0x8:
                return struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
        chunk = s.recv(4096)
        if not chunk:
            return None
        data += chunk
    return None


def masked(opcode, payload, fin=True, mask=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    key = b"\x01\x02\x03\x04"
    length = len(payload)
    if length < 126:
        head += bytes([(0x80 if mask else 0) | length])
    elif length < 65536:
        head += bytes([(0x80 if mask else 0) | 126]) + struct.pack(">H", length)
    else:
        head += bytes([(0x80 if mask else 0) | 127]) + struct.pack(">Q", length)
    if not mask:
        return head + payload
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


@pytest.mark.parametrize("frame, code", [
    (masked(0x1, b"hi", mask=False), 1002),                 # unmasked client frame
    (masked(0x1, b"\xff\xfe"), 1007),                        # invalid UTF-8 text
    (masked(0x3, b"x"), 1002),                               # unknown opcode
    (masked(0x8, struct.pack(">H", 1005)), 1002),            # a close code that must never be sent
    (masked(0x9, b"p" * 200), 1002),                         # control frame over 125 bytes
    (masked(0x2, b"x" * 70_000), 1009),                      # message over the limit
])
def test_bad_frames_get_the_right_close_code_and_others_are_served(spool, frame, code):
    s = raw_upgrade(spool.port, extra=frame)  # the frame arrives together with the handshake
    head, rest = read_response_head(s)
    assert head.startswith(b"HTTP/1.1 101")
    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
    assert read_close_code(s, rest) == code
    s.close()
    assert spool.get("/api/health").status == 200


def test_bad_handshakes_are_refused(spool):
    base = [b"GET /ws HTTP/1.1", b"Host: 127.0.0.1", b"Upgrade: websocket", b"Connection: Upgrade"]
    cases = [
        (base + [b"Sec-WebSocket-Version: 13"], b"400"),                                    # no key
        (base + [b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", b"Sec-WebSocket-Version: 8"], b"426"),
        (base + [b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", b"Sec-WebSocket-Version: 13",
                 b"Origin: http://evil.example"], b"403"),
    ]
    for lines, status in cases:
        s = raw_upgrade(spool.port, headers=lines)
        head, _ = read_response_head(s)
        assert head.split(b" ")[1] == status, head
        s.close()
    # A half-finished handshake neither blocks nor breaks the server.
    half = socket.create_connection(("127.0.0.1", spool.port))
    half.sendall(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n")
    assert spool.get("/api/health").status == 200
    half.close()


def test_a_thousand_clients_all_receive_a_broadcast(spool_factory):
    server = spool_factory(env=TEST_JOBS)
    url = f"ws://127.0.0.1:{server.port}/ws"

    async def scenario():
        clients = await asyncio.gather(*(websockets.connect(url, open_timeout=30) for _ in range(1000)))
        assert server.get("/api/health").json()["live"]["clients"] == 1000
        (job,) = enqueue(server, {"seconds": 0.01})
        async def until_done(ws):
            while True:
                m = json.loads(await ws.recv())
                if m["type"] == "job.status" and m["data"]["id"] == job and m["data"]["status"] == "completed":
                    return m["seq"]
        seqs = await asyncio.wait_for(asyncio.gather(*(until_done(ws) for ws in clients)), timeout=60)
        assert len(set(seqs)) == 1  # everyone got the same numbered event
        await asyncio.gather(*(ws.close() for ws in clients))

    asyncio.run(scenario())


def test_a_client_that_stops_reading_is_dropped_without_slowing_the_others(spool_factory):
    server = spool_factory(env={**TEST_JOBS, "WORKERS": "4"})
    url = f"ws://127.0.0.1:{server.port}/ws"

    async def scenario():
        readers = [await websockets.connect(url, max_queue=None) for _ in range(10)]
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a tiny window
        stalled.connect(("127.0.0.1", server.port))
        stalled.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        # The readers read from the start (the enqueuing runs on a thread, so it never blocks
        # this event loop): only the stalled client falls behind.
        failed = [set() for _ in readers]

        async def read(ws, seen):
            while True:
                m = json.loads(await ws.recv())
                if m["type"] == "job.status" and m["data"]["status"] == "failed":
                    seen.add(m["data"]["id"])

        def enqueue_all():
            ids = []
            for _ in range(50):  # batches of 50 are announced job by job
                ids += enqueue(server, *[{"seconds": 0.001, "outcome": "permanent"} for _ in range(50)])
            return ids

        reading = [asyncio.create_task(read(ws, seen)) for ws, seen in zip(readers, failed)]
        ids = await asyncio.to_thread(enqueue_all)
        deadline = time.monotonic() + 120
        while not all(ids[-1] in seen for seen in failed):
            assert time.monotonic() < deadline, [len(seen) for seen in failed]
            for task in reading:
                if task.done():
                    task.result()  # a reader that was dropped raises here
            await asyncio.sleep(0.1)
        for task in reading:
            task.cancel()
        for ws in readers:
            await ws.close()
        stalled.close()

    asyncio.run(scenario())
    live = server.get("/api/health").json()["live"]
    assert live["clients_dropped"] >= 1


def test_channel_changes_reach_other_clients(spool):
    """A source added or removed in one tab shows up in every other tab."""
    async def scenario():
        async with websockets.connect(f"ws://127.0.0.1:{spool.port}/ws") as ws:
            created = spool.post("/api/channels", {"url": "http://127.0.0.1:9/feed.xml"})
            assert created.status == 202, created.text
            channel_id = created.json()["id"]
            assert spool.delete(f"/api/channels/{channel_id}").status == 200
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if message["type"] == "source.deleted":
                    assert message["data"] == {"id": channel_id} and isinstance(message["seq"], int)
                    return
    asyncio.run(scenario())
