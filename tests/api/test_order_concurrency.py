"""Many orders at once over the same stock: no oversell, no deadlock reaching a client, a consistent ledger."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from omnichannel.persistence import db
from tests.orders_support import PLACE_ORDER, gid, ledger_mismatches, level, new_variant, store_gid


async def _deadlocks() -> int:
    rows = await db.fetch("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
    return int(rows[0]["deadlocks"])


async def test_multi_line_orders_in_opposite_line_order_never_deadlock(gql, token):
    first = await new_variant({"S11": 1000}, price="10.00")
    second = await new_variant({"S11": 1000}, price="32.50")
    s11 = await store_gid("S11")
    members = [await token("MEMBER", member=f"M{n:04d}") for n in range(1, 21)]
    deadlocks_before = await _deadlocks()

    def request(order: list[int]) -> dict:
        return {
            "input": {
                "channel": "APP",
                "fulfillmentMode": "PICKUP",
                "pickupStoreId": s11,
                "lines": [{"variantId": gid("Variant", v), "quantity": 2} for v in order],
            }
        }

    calls = []
    for i in range(100):
        calls.append(gql(PLACE_ORDER, request([first, second]), token=members[i % 20]))
        calls.append(gql(PLACE_ORDER, request([second, first]), token=members[(i + 7) % 20]))
    results = await asyncio.gather(*calls)

    assert all("errors" not in r for r in results), [r["errors"] for r in results if "errors" in r][:3]
    payloads = [r["data"]["placeOrder"] for r in results]
    assert all(p["userErrors"] == [] for p in payloads)
    assert {p["order"]["total"]["amount"] for p in payloads} == {"85.00"}  # 2 x 10.00 + 2 x 32.50
    assert sum(Decimal(p["order"]["total"]["amount"]) for p in payloads) == Decimal("17000.00")
    assert (await level(first, "S11"))["reserved"] == 400
    assert (await level(second, "S11"))["reserved"] == 400
    assert await ledger_mismatches([first, second]) == []
    await asyncio.sleep(1.5)  # let PostgreSQL flush its statistics
    assert await _deadlocks() == deadlocks_before  # locks taken in one order: none even retried


async def test_concurrent_orders_for_the_last_units_never_oversell(gql, token):
    variant = await new_variant({"S12": 20})
    s12 = await store_gid("S12")
    members = [await token("MEMBER", member=f"M{n:04d}") for n in range(1, 21)]
    request = {
        "input": {
            "channel": "MINI_PROGRAM",
            "fulfillmentMode": "PICKUP",
            "pickupStoreId": s12,
            "lines": [{"variantId": gid("Variant", variant), "quantity": 1}],
        }
    }
    results = await asyncio.gather(*(gql(PLACE_ORDER, request, token=members[i % 20]) for i in range(150)))
    payloads = [r["data"]["placeOrder"] for r in results]
    placed = [p for p in payloads if p["order"] is not None]
    refused = [p for p in payloads if p["order"] is None]
    assert len(placed) == 20
    assert {e["code"] for p in refused for e in p["userErrors"]} == {"OUT_OF_STOCK"}
    assert await level(variant, "S12") == {"on_hand": 20, "reserved": 20, "safety_stock": 0}
    assert await ledger_mismatches([variant]) == []
