"""Raw-socket clients for the attack tests (test_attack_*.py): what a library client would
refuse to send, and measurements of the server process (memory, CPU time, descriptors)."""
from __future__ import annotations

import json
import os
import socket
import struct
import time
from dataclasses import dataclass


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def exchange(port: int, payload: bytes, timeout: float = 5) -> tuple[list[RawResponse], bool]:
    """Sends `payload` on one connection and reads until the server closes it or `timeout`
    passes; returns the responses read and whether the server closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        data, closed = b"", False
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
        return parse_responses(data), closed


def parse_responses(data: bytes) -> list[RawResponse]:
    """Every complete `Content-Length` response in a byte stream, in order."""
    responses = []
    while data.startswith(b"HTTP/1."):
        head, separator, rest = data.partition(b"\r\n\r\n")
        if not separator:
            break
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        responses.append(RawResponse(int(lines[0].split()[1]), headers, rest[:length]))
        data = rest[length:]
    return responses


def request(port: int, method: str, path: str, body=None, headers: dict | None = None,
            host: str = "127.0.0.1") -> bytes:
    """One well-formed request's bytes."""
    data = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


# --- WebSocket ----------------------------------------------------------------------------

UPGRADE = (b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def silent_websocket(port: int, receive_buffer: int = 4096) -> socket.socket:
    """A WebSocket client that upgrades and then never reads, with a tiny receive window."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(UPGRADE)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise AssertionError(f"upgrade refused: {head!r}")
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


def client_frame(opcode: int, payload: bytes = b"", mask: bytes = b"\x01\x02\x03\x04") -> bytes:
    """One masked client frame (payload under 126 bytes)."""
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + masked


# --- The server process -------------------------------------------------------------------

def status_kib(pid: int, field: str) -> int:
    """A `/proc/<pid>/status` figure in KiB (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


class PeakMemory:
    """The growth of a process's resident memory over a block: the kernel's peak (VmHWM), reset
    at the start by writing 5 to clear_refs, minus the resident size at the start."""

    def __init__(self, pid: int):
        self.pid = pid

    def __enter__(self) -> "PeakMemory":
        with open(f"/proc/{self.pid}/clear_refs", "w") as f:
            f.write("5")
        self.start_kib = status_kib(self.pid, "VmRSS")
        self.growth_mib = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.growth_mib = (status_kib(self.pid, "VmHWM") - self.start_kib) / 1024


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def soft_descriptor_limit(pid: int) -> int:
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise KeyError("Max open files")
