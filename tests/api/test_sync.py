"""The ERP's bulk sync: counted stock and the product master, per-row refusals, idempotent batches."""

from __future__ import annotations

import asyncio

import pytest

from omnichannel.persistence import db
from tests.orders_support import (
    CANCEL_ORDER,
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    ledger_mismatches,
    pickup_input,
    store_gid,
)

from .catalogue_support import retire_new_products
from .sync_support import LOCATIONS, SYNC_PRODUCTS, SYNC_STOCK, product_rows, sync, tag
from .test_response_cache import _post, _until, cached

pytestmark = pytest.mark.usefixtures("retire_new_products")
__all__ = ["cached", "retire_new_products"]


async def _variant_ids(prefix: str) -> dict[str, int]:
    rows = await db.fetch("SELECT sku, id FROM variant WHERE sku LIKE $1", [f"{prefix}-%"])
    return {r["sku"]: r["id"] for r in rows}


async def _levels(variant_ids: list[int]) -> dict[tuple[str, int], tuple[int, int]]:
    rows = await db.fetch(
        "SELECT l.code, s.variant_id, s.on_hand, s.reserved FROM stock_level s JOIN location l ON l.id = s.location_id "
        "WHERE s.variant_id = ANY($1::int[])",
        [variant_ids],
    )
    return {(r["code"], r["variant_id"]): (r["on_hand"], r["reserved"]) for r in rows}


async def test_product_master_creates_updates_and_replays(gql, token):
    service = await token("SERVICE")
    prefix = f"PM{tag()}"
    rows = product_rows(prefix, 3, 2)
    first = await sync(gql, SYNC_PRODUCTS, service, f"{prefix}-1", rows)
    assert (first["applied"], first["unchanged"], first["rejected"], first["replayed"]) == (6, 0, [], False)
    products = await db.fetch(
        "SELECT p.code, p.title, p.active, c.name, (SELECT count(*) FROM variant v WHERE v.product_id = p.id) AS n "
        "FROM product p LEFT JOIN category c ON c.id = p.category_id WHERE p.code LIKE $1 ORDER BY p.code",
        [f"{prefix}-%"],
    )
    assert [(p["title"], p["active"], p["name"], p["n"]) for p in products] == [
        (f"Sync {prefix} 0", True, f"Sync {prefix} 0", 2),
        (f"Sync {prefix} 1", True, f"Sync {prefix} 1", 2),
        (f"Sync {prefix} 2", True, f"Sync {prefix} 2", 2),
    ]
    listed = await gql(
        "query($s: String!) { variant(sku: $s) { listPrice { amount } product { categories { name } } } }",
        {"s": f"{prefix}-P0001-V1"},
    )
    assert listed["data"]["variant"] == {
        "listPrice": {"amount": "59.90"},
        "product": {"categories": [{"name": f"Sync {prefix} 1"}]},
    }
    again = await sync(gql, SYNC_PRODUCTS, service, f"{prefix}-1", rows)
    assert again == {**first, "replayed": True}
    changed = [dict(r) for r in rows]
    changed[1]["listPrice"] = "49.90"
    changed[4]["variantTitle"] = "Renamed"
    second = await sync(gql, SYNC_PRODUCTS, service, f"{prefix}-2", changed)
    assert (second["applied"], second["unchanged"], second["rejected"]) == (2, 4, [])
    price = await db.fetch("SELECT list_price, title FROM variant WHERE sku = $1", [changed[1]["sku"]])
    assert str(price[0]["list_price"]) == "49.90"


async def test_product_rows_are_refused_one_by_one(gql, token):
    hq = await token("HQ_ADMIN")
    prefix = f"PR{tag()}"
    taken = (await db.fetch("SELECT barcode FROM variant WHERE barcode IS NOT NULL AND sku NOT LIKE 'PR%' LIMIT 1"))[0]
    rows = product_rows(prefix, 2, 2)
    rows[1] = {**rows[1], "listPrice": "0"}
    rows[2] = {**rows[2], "sku": rows[0]["sku"]}
    rows[3] = {**rows[3], "barcode": taken["barcode"]}
    rows.append({**product_rows(prefix, 1, 1)[0], "sku": f"{prefix}-X", "barcode": None, "productTitle": "Other"})
    result = await sync(gql, SYNC_PRODUCTS, hq, f"{prefix}-1", rows)
    assert [(e["row"], e["code"]) for e in result["rejected"]] == [
        (1, "INVALID_INPUT"),
        (2, "DUPLICATE_ROW"),
        (3, "BARCODE_TAKEN"),
        (4, "INVALID_INPUT"),
    ]
    assert result["applied"] == 1
    assert set(await _variant_ids(prefix)) == {rows[0]["sku"]}


async def test_counts_set_on_hand_with_a_sync_movement_and_refuse_bad_rows(gql, token):
    service = await token("SERVICE")
    prefix = f"ST{tag()}"
    await sync(gql, SYNC_PRODUCTS, service, f"{prefix}-products", product_rows(prefix, 2, 1))
    ids = await _variant_ids(prefix)
    a, b = sorted(ids)
    rows = [
        {"storeCode": "S01", "sku": a, "onHand": 7},
        {"storeCode": "S99", "sku": a, "onHand": 1},
        {"storeCode": "S01", "sku": f"{prefix}-NOPE", "onHand": 1},
        {"storeCode": "S03", "sku": b, "onHand": -2},
        {"storeCode": "S01", "sku": a, "onHand": 9},
        {"storeCode": "W01", "sku": b, "onHand": 12},
        {"storeCode": "S02", "sku": b, "onHand": 0},
    ]
    batch = f"{prefix}-count-1"
    result = await sync(gql, SYNC_STOCK, service, batch, rows)
    assert [(e["row"], e["code"]) for e in result["rejected"]] == [
        (1, "UNKNOWN_STORE"),
        (2, "UNKNOWN_SKU"),
        (3, "NEGATIVE_QUANTITY"),
        (4, "DUPLICATE_ROW"),
    ]
    assert (result["applied"], result["unchanged"], result["replayed"]) == (2, 1, False)
    assert await _levels(list(ids.values())) == {("S01", ids[a]): (7, 0), ("W01", ids[b]): (12, 0)}
    movements = await db.fetch(
        "SELECT reason, on_hand_delta, on_hand_after, reference FROM stock_movement WHERE variant_id = ANY($1::int[]) "
        "ORDER BY id",
        [list(ids.values())],
    )
    assert [tuple(m.values()) for m in movements] == [("SYNC", 7, 7, batch), ("SYNC", 12, 12, batch)]
    events = await db.fetch(
        "SELECT payload->>'onHand' AS on_hand FROM event_log WHERE type = 'stock.changed' "
        "AND variant_id = ANY($1::int[]) ORDER BY id",
        [list(ids.values())],
    )
    assert sorted(int(e["on_hand"]) for e in events) == [7, 12]
    # a recount: one changed, one the same; then the same batch again changes nothing
    recount = [{"storeCode": "S01", "sku": a, "onHand": 4}, {"storeCode": "W01", "sku": b, "onHand": 12}]
    second = await sync(gql, SYNC_STOCK, service, f"{prefix}-count-2", recount)
    assert (second["applied"], second["unchanged"]) == (1, 1)
    replay = await sync(gql, SYNC_STOCK, service, f"{prefix}-count-2", [{"storeCode": "S01", "sku": a, "onHand": 99}])
    assert replay == {**second, "replayed": True}
    assert (await _levels([ids[a]]))[("S01", ids[a])] == (4, 0)
    assert await ledger_mismatches(list(ids.values())) == []


async def test_two_copies_of_a_batch_at_once_apply_it_once(gql, token):
    service = await token("SERVICE")
    prefix = f"CC{tag()}"
    await sync(gql, SYNC_PRODUCTS, service, f"{prefix}-products", product_rows(prefix, 5, 2))
    ids = await _variant_ids(prefix)
    rows = [{"storeCode": code, "sku": sku, "onHand": 3} for code in LOCATIONS for sku in sorted(ids)]
    results = await asyncio.gather(*(sync(gql, SYNC_STOCK, service, f"{prefix}-count", rows) for _ in range(4)))
    assert sorted(r["replayed"] for r in results) == [False, True, True, True]
    assert {(r["applied"], r["unchanged"]) for r in results} == {(len(rows), 0)}
    count = await db.fetch(
        "SELECT count(*) AS n FROM stock_movement WHERE variant_id = ANY($1::int[]) AND reason = 'SYNC'",
        [list(ids.values())],
    )
    assert count[0]["n"] == len(rows)
    assert await ledger_mismatches(list(ids.values())) == []


async def test_a_count_below_what_is_reserved_leaves_available_at_zero_and_keeps_the_order(gql, token):
    service = await token("SERVICE")
    member = await token("MEMBER", member="M0003")
    prefix = f"RS{tag()}"
    await sync(gql, SYNC_PRODUCTS, service, f"{prefix}-products", product_rows(prefix, 1, 1))
    ((sku, variant_id),) = (await _variant_ids(prefix)).items()
    await sync(gql, SYNC_STOCK, service, f"{prefix}-1", [{"storeCode": "S01", "sku": sku, "onHand": 5}])
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant_id, await store_gid("S01"), 3)}, token=member))[
        "data"
    ]["placeOrder"]["order"]
    await sync(gql, SYNC_STOCK, service, f"{prefix}-2", [{"storeCode": "S01", "sku": sku, "onHand": 1}])
    assert (await _levels([variant_id]))[("S01", variant_id)] == (1, 3)
    stock = await gql(
        "query($s: String!) { variant(sku: $s) { stock { onHand reserved available } } }", {"s": sku}, token=member
    )
    assert stock["data"]["variant"]["stock"] == [{"onHand": 1, "reserved": 3, "available": 0}]
    status = await db.fetch("SELECT status FROM customer_order WHERE number = $1", [order["number"]])
    assert status[0]["status"] == "PENDING_PAYMENT"
    cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=member)
    assert cancelled["data"]["cancelOrder"]["userErrors"] == []
    assert (await _levels([variant_id]))[("S01", variant_id)] == (1, 0)
    assert await ledger_mismatches([variant_id]) == []


async def test_only_the_erp_and_head_office_sync(gql, token):
    rows = [{"storeCode": "S01", "sku": "NOPE", "onHand": 1}]
    for role, store in (("CLERK", "S01"), ("STORE_MANAGER", "S01"), ("ANALYST", None)):
        answer = await gql(SYNC_STOCK, {"input": {"batchId": "x", "rows": rows}}, token=await token(role, store=store))
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
    bad_batch = await gql(SYNC_STOCK, {"input": {"batchId": " ", "rows": rows}}, token=await token("SERVICE"))
    assert [(e["code"], e["field"]) for e in bad_batch["data"]["syncStock"]["userErrors"]] == [
        ("INVALID_INPUT", ["batchId"])
    ]


async def test_ten_thousand_rows_in_one_batch(gql, token):
    """10,000 counted figures over HTTP as the ERP sends them: every level set, one movement each."""
    service = await token("SERVICE")
    prefix = f"TK{tag()}"
    products = await sync(gql, SYNC_PRODUCTS, service, f"{prefix}-products", product_rows(prefix, 715, 1))
    assert products["applied"] == 715
    skus = sorted(await _variant_ids(prefix))
    rows = [
        {"storeCode": code, "sku": sku, "onHand": 1 + n % 40}
        for n, (code, sku) in enumerate((code, sku) for sku in skus for code in LOCATIONS)
    ][:10_000]
    result = await sync(gql, SYNC_STOCK, service, f"{prefix}-count", rows)
    assert (result["applied"], result["unchanged"], result["rejected"]) == (10_000, 0, [])
    totals = await db.fetch(
        "SELECT count(*) AS levels, sum(on_hand) AS units FROM stock_level s JOIN variant v ON v.id = s.variant_id "
        "WHERE v.sku LIKE $1",
        [f"{prefix}-%"],
    )
    assert (totals[0]["levels"], totals[0]["units"]) == (10_000, sum(r["onHand"] for r in rows))
    moved = await db.fetch(
        "SELECT count(*) AS n FROM stock_movement WHERE reference = $1 AND reason = 'SYNC'", [f"{prefix}-count"]
    )
    assert moved[0]["n"] == 10_000


async def test_held_units_sold_after_a_short_count_leave_on_hand_at_zero_and_the_ledger_whole(gql, token):
    service = await token("SERVICE")
    member = await token("MEMBER", member="M0004")
    clerk = await token("CLERK", store="S01")
    prefix = f"SC{tag()}"
    await sync(gql, SYNC_PRODUCTS, service, f"{prefix}-products", product_rows(prefix, 1, 1, price="10.00"))
    ((sku, variant_id),) = (await _variant_ids(prefix)).items()
    await sync(gql, SYNC_STOCK, service, f"{prefix}-1", [{"storeCode": "S01", "sku": sku, "onHand": 5}])
    s01 = await store_gid("S01")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant_id, s01, 3)}, token=member))["data"]["placeOrder"][
        "order"
    ]
    await sync(gql, SYNC_STOCK, service, f"{prefix}-2", [{"storeCode": "S01", "sku": sku, "onHand": 2}])
    pay = {"input": {"orderId": order["id"], "amount": "30.00", "reference": f"pay-{order['number']}"}}
    assert (await gql(CONFIRM_PAYMENT, pay, token=service))["data"]["confirmPayment"]["userErrors"] == []
    code = (await gql(ORDER, {"id": order["id"]}, token=member))["data"]["order"]["pickupCode"]
    ready = FULFILLMENT_ACTION % "markReadyForPickup"
    marked = await gql(ready, {"id": order["fulfillments"][0]["id"]}, token=clerk)
    assert marked["data"]["markReadyForPickup"]["fulfillment"]["status"] == "READY_FOR_PICKUP"
    done = (await gql(COMPLETE_PICKUP, {"store": s01, "code": code}, token=clerk))["data"]["completePickup"]
    assert done["userErrors"] == [] and done["order"]["status"] == "COMPLETED"
    assert (await _levels([variant_id]))[("S01", variant_id)] == (0, 0)
    assert await ledger_mismatches([variant_id]) == []
    reasons = await db.fetch(
        "SELECT reason, on_hand_delta FROM stock_movement WHERE variant_id = $1 ORDER BY id", [variant_id]
    )
    assert [tuple(r.values()) for r in reasons][-2:] == [("ADJUSTMENT", 1), ("SALE", -3)]


async def test_a_stock_sync_and_a_product_sync_empty_the_response_cache(cached, gql, token):
    http, cache = cached
    service = await token("SERVICE")
    prefix = f"RC{tag()}"
    page = "{ products(first: 2) { edges { node { title } } } }"
    await _post(http, page)
    assert (await _post(http, page)).headers["x-omnichannel-cache"] == "hit"
    generation = cache.generation
    await sync(gql, SYNC_PRODUCTS, service, f"{prefix}-products", product_rows(prefix, 1, 1))
    await _until(lambda: cache.generation > generation)
    assert (await _post(http, page)).headers["x-omnichannel-cache"] == "miss"
    assert (await _post(http, page)).headers["x-omnichannel-cache"] == "hit"
    generation = cache.generation
    rows = [{"storeCode": code, "sku": f"{prefix}-P0000-V0", "onHand": 2} for code in LOCATIONS]
    await sync(gql, SYNC_STOCK, service, f"{prefix}-count", rows)
    await _until(lambda: cache.generation > generation)
    assert (await _post(http, page)).headers["x-omnichannel-cache"] == "miss"
