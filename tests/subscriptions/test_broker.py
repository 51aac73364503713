"""The broker: in-process and Redis backends behave the same; Redis crosses processes and survives restarts."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
from datetime import UTC, datetime

import pytest

from omnichannel.domain.events import StockChanged
from omnichannel.subscriptions import codec
from omnichannel.subscriptions.broker import InMemoryBroker, RedisBroker


async def _next(subscription, timeout=3.0):
    return await asyncio.wait_for(subscription.__anext__(), timeout)


def test_codec_round_trips_events():
    event = StockChanged(1, 2, 10, 3, 1, "ADJUSTMENT", datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    decoded = codec.loads(codec.dumps(event))
    assert decoded == event and decoded.available == 6


@pytest.fixture(params=["memory", "redis"])
async def brokers(request, redis_url, broker_namespace):
    """Two brokers sharing one backend: like two server processes."""
    if request.param == "memory":
        one = InMemoryBroker()
        pair = (one, one)
    else:
        pair = (RedisBroker(redis_url, f"{broker_namespace}-b"), RedisBroker(redis_url, f"{broker_namespace}-b"))
    for broker in set(pair):
        await broker.connect()
    yield pair
    for broker in set(pair):
        await broker.disconnect()


async def test_subscribers_get_only_their_topics_in_order(brokers):
    publisher, listener = brokers
    async with listener.subscribe(["a"]) as on_a, listener.subscribe(["b", "a"]) as on_ab:
        for i in range(5):
            await publisher.publish("a", f"a{i}".encode())
        await publisher.publish("b", b"b0")
        await publisher.publish("c", b"c0")
        assert [(await _next(on_a)).data for _ in range(5)] == [f"a{i}".encode() for i in range(5)]
        received = [(await _next(on_ab)).data for _ in range(6)]
        assert received == [*(f"a{i}".encode() for i in range(5)), b"b0"]
        with pytest.raises(TimeoutError):
            await _next(on_a, timeout=0.3)
    assert listener.subscriber_count == 0


async def test_slow_consumers_lose_events_instead_of_stalling_everyone():
    broker = InMemoryBroker()
    async with broker.subscribe(["t"]) as slow, broker.subscribe(["t"]) as fast:
        for i in range(1100):
            await broker.publish("t", str(i).encode())
            if i % 100 == 0:
                while not fast.queue.empty():
                    fast.queue.get_nowait()
        assert slow.dropped == 100 and fast.dropped == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs a redis-server binary")
async def test_redis_broker_survives_a_redis_restart(tmp_path):
    port = _free_port()
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        await asyncio.sleep(0.3)
        url = f"redis://127.0.0.1:{port}/0"
        publisher, listener = RedisBroker(url, "restart"), RedisBroker(url, "restart")
        await publisher.connect()
        await listener.connect()
        async with listener.subscribe(["x"]) as subscription:
            await publisher.publish("x", b"before")
            assert (await _next(subscription)).data == b"before"
            server.terminate()
            server.wait(5)
            await asyncio.sleep(0.5)
            server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            for _ in range(100):  # publish until the listener has resubscribed
                with contextlib.suppress(Exception):
                    await publisher.publish("x", b"after")
                    got = await _next(subscription, timeout=0.2)
                    if got.data == b"after":
                        break
            else:
                raise AssertionError("no event after the restart")
        assert await listener.ping()
        await publisher.disconnect()
        await listener.disconnect()
    finally:
        server.terminate()
        server.wait(5)
