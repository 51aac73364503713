"""The inventory centre against real processes: lowStock across two servers, `omnichannel check ledger`."""

from __future__ import annotations

import contextlib
import secrets
import subprocess

import httpx
import pytest

from omnichannel.persistence import db
from tests.conftest import JWT_SECRET, _server_url
from tests.orders_support import PLACE_ORDER, gid, new_variant, pickup_input, store_gid
from tests.ws_support import TRANSPORT_WS, wait_until

from .servers import OMNICHANNEL
from .test_orders_processes import Http, _open, _subscriptions, two_servers

pytestmark = pytest.mark.e2e

LOW_STOCK = """subscription($s: [ID!]) {
  lowStock(storeIds: $s) { id onHand reserved safetyStock store { code } variant { id } }
}"""
SET_SAFETY = """mutation($s: ID!, $v: ID!, $n: Int!) {
  setSafetyStock(input: {storeId: $s, variantId: $v, safetyStock: $n}) { userErrors { code } }
}"""


async def test_an_order_on_one_process_raises_an_alert_pushed_by_the_other(
    database_url, redis_url, broker_namespace, token
):
    variant = await new_variant({"S02": 5}, safety=2)
    s02, v = await store_gid("S02"), gid("Variant", variant)
    manager, admin, member = (
        await token("STORE_MANAGER", store="S02"),
        await token("HQ_ADMIN"),
        await token("MEMBER", member="M0002"),
    )
    with two_servers(database_url, redis_url, broker_namespace) as (a, b):
        async with contextlib.AsyncExitStack() as stack, httpx.AsyncClient(timeout=10) as client:
            http = Http(client)
            pad = await _open(a, TRANSPORT_WS, manager, stack)  # the store's pad on process A
            office = await _open(a, TRANSPORT_WS, admin, stack)  # head office, every store, on A too
            before = await _subscriptions(a)
            await pad.subscribe("1", LOW_STOCK, {})
            await office.subscribe("1", LOW_STOCK, {"s": [s02]})

            async def live() -> bool:
                return await _subscriptions(a) >= before + 2

            await wait_until(live, within=10)
            # process B: 2 units leave 3 free (above 2: no alert); 1 more reaches the safety stock
            first = await http(b, PLACE_ORDER, {"input": pickup_input(variant, s02, 2)}, member)
            assert first["data"]["placeOrder"]["userErrors"] == []
            await pad.nothing_for(0.5)
            second = await http(b, PLACE_ORDER, {"input": pickup_input(variant, s02, 1)}, member)
            assert second["data"]["placeOrder"]["userErrors"] == []
            pushed = (await pad.next_data(within=10))["lowStock"]
            assert (pushed["store"]["code"], pushed["variant"]["id"]) == ("S02", v)
            assert (pushed["onHand"], pushed["reserved"], pushed["safetyStock"]) == (5, 3, 2)
            assert (await office.next_data(within=10))["lowStock"]["id"] == pushed["id"]
            # no repeat while it is open: a safety stock raised further on process B says nothing new
            raised = await http(b, SET_SAFETY, {"s": s02, "v": v, "n": 3}, manager)
            assert raised["data"]["setSafetyStock"]["userErrors"] == []
            await pad.nothing_for(1.0)


def test_check_ledger_on_a_fresh_demo_database_and_after_a_stray_write(tmp_path):
    import asyncio

    url = db.with_database(_server_url(), f"omni_ledger_{secrets.token_hex(4)}")
    env = {"DATABASE_URL": url, "OMNICHANNEL_JWT_SECRET": JWT_SECRET, "OMNICHANNEL_HOME": str(tmp_path)}
    asyncio.run(db.create_database(url, exist_ok=False))
    try:
        seeded = subprocess.run([OMNICHANNEL, "seed", "--demo"], env={**_env(), **env}, capture_output=True, text=True,
                                timeout=180)  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr
        clean = subprocess.run([OMNICHANNEL, "check", "ledger"], env={**_env(), **env}, capture_output=True, text=True,
                               timeout=120)  # fmt: skip
        assert clean.returncode == 0, clean.stderr
        assert " 0 not explained" in clean.stderr and clean.stdout == ""

        async def stray_write() -> None:
            raw = await db._raw_connect(url)
            try:
                await raw.execute("UPDATE stock_level SET reserved = 1 WHERE id = (SELECT min(id) FROM stock_level "
                                  "WHERE on_hand > 0)")  # fmt: skip
            finally:
                await raw.close()

        asyncio.run(stray_write())
        broken = subprocess.run([OMNICHANNEL, "check", "ledger"], env={**_env(), **env}, capture_output=True, text=True,
                                timeout=120)  # fmt: skip
        assert broken.returncode == 1
        assert "reserved 1 (ledger 0)" in broken.stdout and " 1 not explained" in broken.stderr
    finally:
        asyncio.run(db.drop_database(url))


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
