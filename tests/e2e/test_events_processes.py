"""Events out against real `omnichannel serve` processes: one delivery per event with two processes, a
process killed mid-delivery, and subscribers losing nothing while Redis is down."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import websockets

from omnichannel.domain.webhooks import WebhookPolicy
from tests.orders_support import PLACE_ORDER, new_variant, pickup_input, store_gid
from tests.webhook_support import Receiver
from tests.ws_support import TRANSPORT_WS, GraphQLSocket, WebsocketsSocket

from .servers import OMNICHANNEL, free_port, server_env, wait_ready

pytestmark = pytest.mark.e2e

CREATE = """mutation($url: String!) { createWebhook(input: {url: $url, eventTypes: ["order.created"]}) {
  webhook { id } secret userErrors { code } } }"""
DELETE = "mutation($id: ID!) { deleteWebhook(input: {webhookId: $id}) { userErrors { code } } }"
DELIVERIES = """query($id: ID!) { node(id: $id) { ... on Webhook {
  deliveries(first: 50) { edges { node { attempt status } } } } } }"""
STORE_FEED = """subscription($s: ID!, $after: String) {
  storeOrders(storeId: $s, afterCursor: $after) { kind cursor order { number } } }"""


@contextlib.contextmanager
def server(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`omnichannel serve` on a free port: (base URL, process); stopped (if still alive) afterwards."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="omnichannel-events-", suffix=".log")[1])
    with log.open("wb") as output:
        process = subprocess.Popen(
            [OMNICHANNEL, "serve", "--port", str(port)],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, 60, log)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        log.unlink(missing_ok=True)


def webhook_server_env(database_url: str, redis_url: str, namespace: str) -> dict[str, str]:
    return server_env(
        database_url,
        redis_url,
        namespace,
        OMNICHANNEL_DB_POOL_SIZE="10",
        OMNICHANNEL_WEBHOOK_PRIVATE_TARGETS="allow",
        OMNICHANNEL_WEBHOOK_RETRY_BASE="0.2",
    )


@pytest_asyncio.fixture
async def only_servers_deliver(app) -> AsyncIterator[None]:
    """The test process's own app stops delivering webhooks, so only the server processes do."""
    deliverer = app.state.deliverer
    services = app.state.services
    previous = services.webhooks
    await deliverer.stop()
    services.webhooks = WebhookPolicy(allow_private_targets=True, retry_base=0.2)
    try:
        yield
    finally:
        services.webhooks = previous
        await deliverer.start()


async def graphql(client: httpx.AsyncClient, base: str, query: str, variables: dict, bearer: str) -> dict:
    answer = await client.post(
        f"{base}/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {bearer}"}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_each_event_reaches_a_webhook_once_with_two_server_processes(
    database_url, redis_url, broker_namespace, token, only_servers_deliver
):
    hq, members = await token("HQ_ADMIN"), [await token("MEMBER", member=f"M00{n}") for n in range(10, 20)]
    variant = await new_variant({"S12": 100})
    request = {"input": pickup_input(variant, await store_gid("S12"))}
    env = webhook_server_env(database_url, redis_url, broker_namespace)
    async with Receiver(delay=0.02) as receiver, httpx.AsyncClient(timeout=30) as client:
        with server(env) as (a, _), server(env) as (b, _):
            made = (await graphql(client, a, CREATE, {"url": receiver.url}, hq))["data"]["createWebhook"]
            placed = await asyncio.gather(
                *(graphql(client, (a, b)[i % 2], PLACE_ORDER, request, members[i % 10]) for i in range(40))
            )
            numbers = {p["data"]["placeOrder"]["order"]["number"] for p in placed}
            assert len(numbers) == 40
            await receiver.wait_for(40, within=60)
            await asyncio.sleep(1.5)  # time for any second delivery to show up
            ids = [r.headers["omnichannel-event-id"] for r in receiver.received]
            delivered = {r.body for r in receiver.received}
            assert len(ids) == 40 and len(set(ids)) == 40, "every event exactly once"
            assert {n for n in numbers if any(n.encode() in body for body in delivered)} == numbers
            await graphql(client, a, DELETE, {"id": made["webhook"]["id"]}, hq)


async def test_a_server_killed_mid_delivery_leaves_the_event_to_another(
    database_url, redis_url, broker_namespace, token, only_servers_deliver
):
    hq, member = await token("HQ_ADMIN"), await token("MEMBER", member="M0012")
    variant = await new_variant({"S12": 5})
    env = webhook_server_env(database_url, redis_url, broker_namespace)
    hold = asyncio.Event()
    async with Receiver(hold=hold) as receiver, httpx.AsyncClient(timeout=30) as client:
        with server(env) as (a, process_a):
            made = (await graphql(client, a, CREATE, {"url": receiver.url}, hq))["data"]["createWebhook"]
            request = {"input": pickup_input(variant, await store_gid("S12"))}
            placed = await graphql(client, a, PLACE_ORDER, request, member)
            number = placed["data"]["placeOrder"]["order"]["number"]
            (first,) = await receiver.wait_for(1)  # A is posting it and holds its claim
            process_a.send_signal(signal.SIGKILL)
            process_a.wait(10)
        receiver.hold = None
        hold.set()
        with server(env) as (b, _):
            received = await receiver.wait_for(2, within=30)
            second = received[1]
            assert second.headers["omnichannel-event-id"] == first.headers["omnichannel-event-id"]
            assert number.encode() in second.body and second.body == first.body

            async def settled() -> list[dict]:
                page = await graphql(client, b, DELIVERIES, {"id": made["webhook"]["id"]}, hq)
                return [e["node"] for e in page["data"]["node"]["deliveries"]["edges"]]

            deadline = time.monotonic() + 20
            while (found := await settled()) != [{"attempt": 1, "status": "DELIVERED"}]:
                assert time.monotonic() < deadline, found
                await asyncio.sleep(0.1)
            await graphql(client, b, DELETE, {"id": made["webhook"]["id"]}, hq)


@contextlib.contextmanager
def private_redis(port: int) -> Iterator[subprocess.Popen[bytes]]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        with contextlib.suppress(OSError):
            import socket

            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        assert time.monotonic() < deadline, "private redis did not start"
        time.sleep(0.05)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


async def _socket(base: str, bearer: str, stack: contextlib.AsyncExitStack) -> GraphQLSocket:
    connection = await stack.enter_async_context(
        websockets.connect(base.replace("http", "ws") + "/graphql", subprotocols=[TRANSPORT_WS])
    )
    socket = GraphQLSocket(WebsocketsSocket(connection), TRANSPORT_WS)
    assert (await socket.init(bearer))["type"] == "connection_ack"
    return socket


async def test_nothing_is_lost_for_subscribers_while_redis_is_down(database_url, broker_namespace, token):
    member, clerk = await token("MEMBER", member="M0013"), await token("CLERK", store="S10")
    variant = await new_variant({"S10": 50})
    s10 = await store_gid("S10")
    request = {"input": pickup_input(variant, s10)}
    port = free_port()
    env = webhook_server_env(database_url, f"redis://127.0.0.1:{port}/0", broker_namespace)
    with private_redis(port) as redis_process, server(env) as (base, _):
        async with httpx.AsyncClient(timeout=30) as client:

            async def place() -> str:
                answer = await graphql(client, base, PLACE_ORDER, request, member)
                return str(answer["data"]["placeOrder"]["order"]["number"])

            async with contextlib.AsyncExitStack() as away_stack:  # B hears one order, then goes away
                away = await _socket(base, clerk, away_stack)
                await away.subscribe("1", STORE_FEED, {"s": s10})
                await asyncio.sleep(0.5)
                before = await place()
                heard = (await away.next_data(within=10))["storeOrders"]
                assert heard["order"]["number"] == before
                cursor = heard["cursor"]

            async with contextlib.AsyncExitStack() as stack:
                live = await _socket(base, clerk, stack)  # A stays connected through the outage
                await live.subscribe("1", STORE_FEED, {"s": s10})
                await asyncio.sleep(0.5)
                redis_process.terminate()
                redis_process.wait(10)
                during = [await place() for _ in range(3)]  # orders still go through
                heard_live = [(await live.next_data(within=15))["storeOrders"] for _ in range(3)]
                assert [h["order"]["number"] for h in heard_live] == during
                with private_redis(port):  # Redis is back on the same port
                    after = await place()
                    assert (await live.next_data(within=15))["storeOrders"]["order"]["number"] == after
                    back = await _socket(base, clerk, stack)  # B comes back and catches up
                    await back.subscribe("1", STORE_FEED, {"s": s10, "after": cursor})
                    caught = [(await back.next_data(within=15))["storeOrders"] for _ in range(4)]
                    assert [c["order"]["number"] for c in caught] == [*during, after]
                    assert len({c["cursor"] for c in caught} | {cursor}) == 5
                    await back.nothing_for(0.5)
                    await live.nothing_for(0.2)
