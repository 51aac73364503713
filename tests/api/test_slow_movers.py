"""Sales kept per level as they happen (sales_day), slowMovers and transferProposals reading them.

The kept aggregate equals the raw figure computed from the orders; slowMovers equals an oracle
computed here from the stock levels and that aggregate; a sale counts in the request that made it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from omnichannel.domain.sales_history import SHANGHAI
from omnichannel.persistence import db
from omnichannel.persistence.repositories import sales_history as sales_repo
from tests.orders_support import (
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    gid,
    location_id,
    new_variant,
    pickup_input,
    store_gid,
)

pytestmark = pytest.mark.usefixtures("lift_lockouts", "keep_routing_rules")

SLOW = """
query($s: ID, $w: Int, $c: Float, $f: Int) {
  slowMovers(storeId: $s, windowDays: $w, minDaysOfCover: $c, first: $f) {
    store { code } variant { id } onHand dailySales daysOfCover lastSoldAt
  }
}"""
PROPOSALS = """
query($s: ID, $f: Int) {
  transferProposals(storeId: $s, first: $f) { variant { id } from { code } to { code } quantity distanceKm reason }
}"""


async def far_store() -> str:
    """A store of its own far from Shanghai (no other test sees its stock, no plan reaches it), with a
    clerk and a manager: its slow movers are only what a test puts there."""
    code = f"T{secrets.token_hex(2).upper()}"
    rows = await db.fetch(
        "INSERT INTO location (code, name, kind, lat, lng, modes, delivery_radius_km, opening_hours, city, address, "
        "active) VALUES ($1, $2, 'STORE', 43.8, 87.6, 'PICKUP', 0, '10:00-22:00', 'Urumqi', '1 Test Road', true) "
        "RETURNING id",
        [code, f"Test store {code}"],
    )
    for role in ("CLERK", "STORE_MANAGER"):
        await db.execute(
            "INSERT INTO staff (email, name, role, location_id, password_hash) VALUES ($1, $2, $3, $4, 'x')",
            [f"{role.lower()}.{code.lower()}@test.example", f"{role} {code}", role, rows[0]["id"]],
        )
    return code


async def sell_at_pickup(gql: Any, token: Any, variant: int, code: str, quantity: int, member: str) -> None:
    """Place, pay, ready and hand over a pickup order: the units leave the store."""
    store = await store_gid(code)
    buyer = await token("MEMBER", member=member)
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, store, quantity)}, token=buyer))["data"][
        "placeOrder"
    ]["order"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"s-{order['number']}"}
    assert (await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE")))["data"]["confirmPayment"][
        "userErrors"
    ] == []
    clerk = await token("CLERK", store=code)
    await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": order["fulfillments"][0]["id"]}, token=clerk)
    code_ = (await gql(ORDER, {"id": order["id"]}, token=buyer))["data"]["order"]["pickupCode"]
    done = await gql(COMPLETE_PICKUP, {"store": store, "code": code_}, token=clerk)
    assert done["data"]["completePickup"]["userErrors"] == []


async def oracle(code: str, window: int, cover: float) -> list[tuple[str, float | None]]:
    """slowMovers computed here from the raw stock levels and the kept per-day sales."""
    loc = await location_id(code)
    since = datetime.now(UTC).astimezone(SHANGHAI).date() - timedelta(days=window - 1)
    levels = await db.fetch("SELECT variant_id, on_hand FROM stock_level WHERE location_id = $1 AND on_hand > 0", [loc])
    sold = {
        r["variant_id"]: int(r["units"])
        for r in await db.fetch(
            "SELECT variant_id, sum(units) AS units FROM sales_day WHERE location_id = $1 AND day >= $2 "
            "GROUP BY variant_id",
            [loc, since],
        )
    }
    rows = []
    for level in levels:
        units = sold.get(level["variant_id"], 0)
        days = level["on_hand"] / (units / window) if units else None
        if days is None or days >= cover:
            rows.append((units > 0, -(days or 0) if units else -level["on_hand"], level["variant_id"], days))
    rows.sort()
    return [(gid("Variant", variant), days) for _, _, variant, days in rows]


async def test_a_sale_counts_when_it_is_handed_over_and_slow_movers_follow(gql, token):
    code = await far_store()
    v, w = await new_variant({code: 9000}), await new_variant({code: 50})
    manager = await token("STORE_MANAGER", store=code)
    store = await store_gid(code)
    before = (await gql(SLOW, {"s": store, "f": 100}, token=manager))["data"]["slowMovers"]
    assert [(m["variant"]["id"], m["onHand"], m["dailySales"], m["daysOfCover"], m["lastSoldAt"]) for m in before] == [
        (gid("Variant", v), 9000, 0.0, None, None),  # sold nothing: most on hand first
        (gid("Variant", w), 50, 0.0, None, None),
    ]

    await sell_at_pickup(gql, token, v, code, 3, "M0010")
    kept = await db.fetch("SELECT day, units FROM sales_day WHERE variant_id = $1", [v])
    assert [(r["day"], r["units"]) for r in kept] == [(datetime.now(UTC).astimezone(SHANGHAI).date(), 3)]
    after = (await gql(SLOW, {"s": store, "f": 100, "w": 30, "c": 60.0}, token=manager))["data"]["slowMovers"]
    assert [m["variant"]["id"] for m in after] == [gid("Variant", w), gid("Variant", v)]  # sold nothing first
    row = after[1]
    assert row["onHand"] == 8997 and row["dailySales"] == pytest.approx(0.1)
    assert row["daysOfCover"] == pytest.approx(89970.0) and row["lastSoldAt"] is not None
    assert (await gql(SLOW, {"s": store, "c": 90000.0}, token=manager))["data"]["slowMovers"][1:] == []
    assert await sales_repo.kept_units() == await sales_repo.raw_units_from_orders()


async def test_a_shipped_parcel_counts_when_it_ships_not_again_when_delivered(gql, token):
    from tests.api.test_order_delivery import delivery

    v = await new_variant({"S01": 5})
    member = await token("MEMBER", member="M0011")
    order = (await gql(PLACE_ORDER, {"input": delivery([(v, 2)])}, token=member))["data"]["placeOrder"]["order"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"x-{order['number']}"}
    await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
    parcel = order["fulfillments"][0]
    clerk = await token("CLERK", store=parcel["store"]["code"])
    await gql(FULFILLMENT_ACTION % "markShipped", {"id": parcel["id"]}, token=clerk)
    assert (await db.fetch("SELECT sum(units) AS n FROM sales_day WHERE variant_id = $1", [v]))[0]["n"] == 2
    await gql(FULFILLMENT_ACTION % "confirmDelivery", {"id": parcel["id"]}, token=await token("SERVICE"))
    assert (await db.fetch("SELECT sum(units) AS n FROM sales_day WHERE variant_id = $1", [v]))[0]["n"] == 2
    assert await sales_repo.kept_units() == await sales_repo.raw_units_from_orders()


@pytest.mark.parametrize(("window", "cover"), [(30, 60.0), (7, 0.0), (60, 10.0), (1, 365.0)])
async def test_slow_movers_equal_the_figures_computed_from_the_raw_tables(gql, token, window, cover):
    code = await far_store()
    made = [await new_variant({code: n}) for n in (40, 40, 7, 300, 2, 15)]
    for variant, units in zip(made, (1, 4, 5, 2, 0, 15), strict=True):
        if units:
            await sell_at_pickup(gql, token, variant, code, units, "M0012")
    await new_variant({"S06": 40})  # elsewhere: not in this store's list
    admin = await token("HQ_ADMIN")
    got = (await gql(SLOW, {"s": await store_gid(code), "w": window, "c": cover, "f": 100}, token=admin))["data"]
    expected = await oracle(code, window, cover)
    assert expected
    assert [m["variant"]["id"] for m in got["slowMovers"]] == [variant for variant, _ in expected]
    for row, (_, days) in zip(got["slowMovers"], expected, strict=True):
        assert row["daysOfCover"] == (pytest.approx(days, abs=0.06) if days is not None else None)
        assert row["store"]["code"] == code


async def test_transfer_proposals_send_slow_stock_where_it_sells_with_the_reason(gql, token):
    v = await new_variant({"S07": 100, "S08": 13, "S09": 30})
    for _ in range(3):
        await sell_at_pickup(gql, token, v, "S08", 4, "M0013")  # S08 sold 12 and holds 1
    await sell_at_pickup(gql, token, v, "S09", 1, "M0013")  # S09 sold 1 and holds 29: 870 days of cover
    manager = await token("STORE_MANAGER", store="S07")
    found = (await gql(PROPOSALS, {"s": await store_gid("S07"), "f": 100}, token=manager))["data"]["transferProposals"]
    mine = [p for p in found if p["variant"]["id"] == gid("Variant", v)]
    assert len(mine) == 1
    (proposal,) = mine
    assert (proposal["from"]["code"], proposal["to"]["code"]) == ("S07", "S08")
    assert proposal["quantity"] == 11  # 30 days of S08's 0.4 a day = 12, less the 1 it holds
    assert proposal["reason"] == "S08 sold 12 in 30 days and holds 1; S07 holds 100 and sold none"
    assert proposal["distanceKm"] > 0
    hq = (await gql(PROPOSALS, {"f": 100}, token=await token("HQ_ADMIN")))["data"]["transferProposals"]
    assert all(p["from"]["code"] and p["quantity"] >= 1 for p in hq)


async def test_a_proposal_never_takes_the_sources_own_month(gql, token):
    v = await new_variant({"S10": 20, "S11": 8})
    await sell_at_pickup(gql, token, v, "S11", 6, "M0014")  # S11: 0.2 a day, holds 2 -> needs 4
    await sell_at_pickup(gql, token, v, "S10", 1, "M0014")  # S10: holds 19, sold 1: keeps 1 for its month
    admin = await token("HQ_ADMIN")
    found = (await gql(PROPOSALS, {"s": await store_gid("S10"), "f": 100}, token=admin))["data"]["transferProposals"]
    (proposal,) = [p for p in found if p["variant"]["id"] == gid("Variant", v)]
    assert (proposal["to"]["code"], proposal["quantity"]) == ("S11", 4)
    assert proposal["reason"] == "S11 sold 6 in 30 days and holds 2; S10 holds 19 and sold 1 in 30 days"


async def test_who_may_read_and_bad_arguments(gql, token):
    s02 = await store_gid("S02")
    other = await token("STORE_MANAGER", store="S03")
    assert (await gql(SLOW, {"s": s02}, token=other))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(PROPOSALS, {"s": s02}, token=other))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    clerk = await token("CLERK", store="S02")
    assert (await gql(SLOW, {"s": s02}, token=clerk))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(SLOW, {"s": s02}))["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")
    own = (await gql(SLOW, {"f": 5}, token=await token("STORE_MANAGER", store="S02")))["data"]["slowMovers"]
    assert {m["store"]["code"] for m in own} <= {"S02"}
    admin = await token("HQ_ADMIN")
    for variables in ({"w": 0}, {"w": 366}, {"c": -1.0}, {"f": 101}):
        result = await gql(SLOW, {"s": s02, **variables}, token=admin)
        assert result["errors"][0]["extensions"]["code"] in ("INVALID_INPUT", "BAD_USER_INPUT"), result
    missing = await gql(SLOW, {"s": gid("Store", 2_000_000_000)}, token=admin)
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_the_demo_has_sixty_days_of_history_and_nothing_reserved(gql, token):
    seeded = await db.fetch(
        "SELECT status, count(*) AS n, min(created_at) AS first FROM customer_order WHERE placed_by = 'seed:history' "
        "GROUP BY status"
    )
    assert {r["status"] for r in seeded} == {"COMPLETED", "CANCELLED"}
    first = min(r["first"] for r in seeded)
    assert timedelta(days=58) < datetime.now(UTC) - first < timedelta(days=61)
    held = await db.fetch(
        "SELECT count(*) AS n FROM customer_order WHERE placed_by = 'seed:history' AND status NOT IN "
        "('COMPLETED', 'CANCELLED')"
    )
    assert held[0]["n"] == 0
    admin = await token("HQ_ADMIN")
    slow = (await gql(SLOW, {"s": await store_gid("S01"), "f": 100}, token=admin))["data"]["slowMovers"]
    assert slow and all(m["store"]["code"] == "S01" for m in slow)
    stores_selling = await db.fetch(
        "SELECT count(DISTINCT location_id) AS n FROM sales_day WHERE day >= current_date - 30"
    )
    assert stores_selling[0]["n"] >= 12  # every demo store sold something lately
    proposals = [
        p
        for code in ("S01", "S02", "S03", "S04")
        for p in (await gql(PROPOSALS, {"s": await store_gid(code), "f": 20}, token=admin))["data"]["transferProposals"]
    ]
    assert proposals and all(p["quantity"] >= 1 and " holds " in p["reason"] for p in proposals)
    assert await sales_repo.kept_units() == await sales_repo.raw_units_from_orders()
