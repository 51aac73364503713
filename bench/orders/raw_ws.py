"""A minimal graphql-transport-ws subscriber on a raw asyncio connection, for measuring fan-out.

A thousand subscribers in one Python process must cost the client as little as possible, or the
client's own work shows up as server latency. This one does the HTTP upgrade and sends masked text
frames itself, then only timestamps what arrives: each frame's arrival time is taken when its
bytes reach the protocol, before any JSON is parsed. No compression is offered.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import struct
import time
from datetime import datetime

AT = re.compile(rb'"at":"([^"]+)"')


def _frame(text: str) -> bytes:
    """A masked, final text frame (clients must mask)."""
    payload = text.encode()
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, 0x80 | size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x81, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 0x80 | 127, size)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class Subscriber(asyncio.Protocol):
    """Collects (arrival time - event.at) for every `next` message of its subscription."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        self.acked = asyncio.get_running_loop().create_future()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.handshake_done = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        arrived = time.time()
        self.buffer += data
        if not self.handshake_done:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self.buffer[: self.buffer.find(b"\r\n")]
            self.buffer = self.buffer[end + 4 :]
            self.handshake_done = True
            if b" 101 " not in status:
                self.upgraded.set_exception(RuntimeError(status.decode()))
                return
            self.upgraded.set_result(None)
        while len(self.buffer) >= 2:
            length = self.buffer[1] & 0x7F
            offset = 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                (length,) = struct.unpack("!H", self.buffer[2:4])
                offset = 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                (length,) = struct.unpack("!Q", self.buffer[2:10])
                offset = 10
            if len(self.buffer) < offset + length:
                return
            opcode = self.buffer[0] & 0x0F
            payload = self.buffer[offset : offset + length]
            self.buffer = self.buffer[offset + length :]
            self._message(opcode, payload, arrived)

    def _message(self, opcode: int, payload: bytes, arrived: float) -> None:
        if opcode == 0x9:  # ping frame: answer with pong
            assert self.transport is not None
            self.transport.write(struct.pack("!BB", 0x8A, 0x80) + os.urandom(4))
            return
        if opcode != 0x1:
            return
        if b'"type":"next"' in payload:
            match = AT.search(payload)
            if match:
                self.latencies.append(arrived - datetime.fromisoformat(match.group(1).decode()).timestamp())
        elif b'"type":"connection_ack"' in payload and not self.acked.done():
            self.acked.set_result(None)
        elif b'"type":"ping"' in payload:
            self.send({"type": "pong"})
        elif b'"type":"error"' in payload or b'"type":"complete"' in payload:
            self.errors.append(payload.decode())

    def send(self, message: dict[str, object]) -> None:
        assert self.transport is not None
        self.transport.write(_frame(json.dumps(message)))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def subscribe(host: str, port: int, token: str, query: str, variables: dict[str, object]) -> Subscriber:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(Subscriber, host, port)
    assert protocol.transport is not None
    key = base64.b64encode(os.urandom(16)).decode()
    protocol.transport.write(
        (
            f"GET /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        ).encode()
    )
    await asyncio.wait_for(protocol.upgraded, 10)
    protocol.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    await asyncio.wait_for(protocol.acked, 10)
    protocol.send({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}})
    return protocol
