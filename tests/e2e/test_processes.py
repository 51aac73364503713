"""Real server processes: events cross processes through Redis; the demo runs on the embedded database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess

import httpx
import pytest
import websockets

from omnichannel.embedded import stop_embedded_database

from .servers import OMNICHANNEL, serve

pytestmark = pytest.mark.e2e

SUBSCRIBE = "subscription($s: [ID!]) { stockChanged(storeIds: $s) { store { code } onHand reason } }"
ADJUST = """mutation($s: ID!, $v: ID!) { adjustStock(input: {storeId: $s, variantId: $v, delta: 4, reason: "e2e"}) {
  stockLevel { onHand } userErrors { code } } }"""


async def _store_id(base: str, code: str) -> str:
    async with httpx.AsyncClient() as http:
        data = await http.post(
            f"{base}/graphql", json={"query": "{ stores(first: 50) { edges { node { id code } } } }"}
        )
        return next(e["node"]["id"] for e in data.json()["data"]["stores"]["edges"] if e["node"]["code"] == code)


async def _next_result(ws, timeout: float) -> dict:
    """The next subscription result, skipping keep-alives (legacy 'ka', transport-ws 'ping')."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
        elif message["type"] not in ("ka", "pong"):
            return message


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_a_subscriber_on_one_process_hears_a_mutation_on_another(server_env, token, protocol):
    admin = await token("HQ_ADMIN")
    with serve(server_env) as first, serve(server_env) as second:
        s06 = await _store_id(first, "S06")
        ws_url = first.replace("http", "ws") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=[protocol]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {admin}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            start = "subscribe" if protocol == "graphql-transport-ws" else "start"
            await ws.send(
                json.dumps({"id": "1", "type": start, "payload": {"query": SUBSCRIBE, "variables": {"s": [s06]}}})
            )
            async with httpx.AsyncClient(headers={"Authorization": f"Bearer {admin}"}) as http:
                # the subscription goes live asynchronously: repeat the change until one is heard
                for _ in range(20):
                    await http.post(
                        f"{second}/graphql", json={"query": ADJUST, "variables": {"s": s06, "v": "VmFyaWFudDo0MA"}}
                    )
                    try:
                        message = await _next_result(ws, 0.5)
                        break
                    except TimeoutError:
                        continue
                else:
                    raise AssertionError("no event crossed the processes")
            assert message["type"] in ("next", "data")
            event = message["payload"]["data"]["stockChanged"]
            assert event["store"]["code"] == "S06" and event["reason"] == "ADJUSTMENT"


async def test_demo_server_on_the_embedded_database_seeds_once(tmp_path):
    env = {
        "DATABASE_URL": None,
        "REDIS_URL": None,
        "OMNICHANNEL_JWT_SECRET": None,
        "OMNICHANNEL_HOME": str(tmp_path / "home"),
        "OMNICHANNEL_LOG_LEVEL": "WARNING",
    }
    query = {
        "query": "{ products(first: 100) { edges { node { id } } } stores(first: 100) { edges { node { code } } }"
        " __schema { queryType { name } } }"
    }
    counts = []
    postmaster = tmp_path / "home" / "pgdata" / "postmaster.pid"
    try:
        for _ in range(2):
            with serve(env, "--demo", cwd=str(tmp_path), timeout=120) as base:
                async with httpx.AsyncClient() as http:
                    data = (await http.post(f"{base}/graphql", json=query)).json()["data"]
                    counts.append((len(data["products"]["edges"]), len(data["stores"]["edges"])))
                    assert data["__schema"]["queryType"]["name"] == "Query"  # demo mode opens introspection
                    assert (await http.get(f"{base}/graphql", headers={"Accept": "text/html"})).status_code == 200
                    # a second process shares the running database and leaves it running when it exits
                    token = await asyncio.create_subprocess_exec(
                        OMNICHANNEL,
                        "token",
                        "--role",
                        "HQ_ADMIN",
                        env=_env(env),
                        cwd=str(tmp_path),
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                    )
                    printed, _ = await asyncio.wait_for(token.communicate(), 60)
                    assert token.returncode == 0 and printed.strip()
                    assert (await http.get(f"{base}/readyz")).status_code == 200
            # issue 14 item 13: the last process using the embedded database stopped it (SIGTERM here)
            assert not postmaster.exists(), "the embedded PostgreSQL outlived every process using it"
    finally:
        stop_embedded_database(tmp_path / "home")
    assert counts == [(64, 14), (64, 14)]
    assert (tmp_path / "home" / "pgdata").is_dir() and (tmp_path / "home" / "jwt-secret").is_file()


def _env(overrides: dict[str, str | None]) -> dict[str, str]:
    merged = {**os.environ, **overrides}
    return {k: v for k, v in merged.items() if v is not None}
