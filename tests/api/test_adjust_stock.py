"""adjustStock: who may, what is refused, the ledger, concurrency."""

from __future__ import annotations

import asyncio

import pytest

from omnichannel.persistence.db import fetch

ADJUST = """
mutation($s: ID!, $v: ID!, $d: Int!, $r: String!) {
  adjustStock(input: {storeId: $s, variantId: $v, delta: $d, reason: $r}) {
    stockLevel { onHand reserved safetyStock available store { code } variant { sku } }
    userErrors { field message code }
  }
}
"""
STORE = {f"S{i:02d}": None for i in range(1, 13)}


async def store_id(gql, code: str) -> str:
    stores = (await gql("{ stores(first: 100) { edges { node { id code } } } }"))["data"]["stores"]["edges"]
    return next(e["node"]["id"] for e in stores if e["node"]["code"] == code)


def variant_id(pk: int) -> str:
    import base64

    return base64.urlsafe_b64encode(f"Variant:{pk}".encode()).decode().rstrip("=")


async def level(location_code: str, variant: int) -> tuple[int, int]:
    rows = await fetch(
        "SELECT s.on_hand, s.reserved FROM stock_level s JOIN location l ON l.id = s.location_id "
        "WHERE l.code = $1 AND s.variant_id = $2",
        [location_code, variant],
    )
    return (rows[0]["on_hand"], rows[0]["reserved"]) if rows else (0, 0)


async def ledger_sum(location_code: str, variant: int) -> int:
    rows = await fetch(
        "SELECT COALESCE(SUM(m.on_hand_delta), 0) AS total FROM stock_movement m "
        "JOIN location l ON l.id = m.location_id WHERE l.code = $1 AND m.variant_id = $2",
        [location_code, variant],
    )
    return int(rows[0]["total"])


async def test_manager_adjusts_own_store_and_the_ledger_records_it(gql, token):
    manager = await token("STORE_MANAGER", store="S02")
    s02 = await store_id(gql, "S02")
    before, _ = await level("S02", 20)
    result = (await gql(ADJUST, {"s": s02, "v": variant_id(20), "d": 7, "r": "delivery"}, token=manager))["data"]
    payload = result["adjustStock"]
    assert payload["userErrors"] == []
    assert payload["stockLevel"]["onHand"] == before + 7
    assert payload["stockLevel"]["store"]["code"] == "S02"
    assert await level("S02", 20) == (before + 7, 0)
    assert await ledger_sum("S02", 20) == before + 7
    movement = (
        await fetch(
            "SELECT reason, note, actor, on_hand_after FROM stock_movement m JOIN location l ON l.id = m.location_id "
            "WHERE l.code = 'S02' AND m.variant_id = 20 ORDER BY m.id DESC LIMIT 1"
        )
    )[0]
    assert (movement["reason"], movement["note"], movement["on_hand_after"]) == ("ADJUSTMENT", "delivery", before + 7)
    assert movement["actor"].startswith("STORE_MANAGER:manager.s02@")


async def test_negative_result_is_refused_and_nothing_is_written(gql, token):
    admin = await token("HQ_ADMIN")
    s03 = await store_id(gql, "S03")
    before = await level("S03", 21)
    mine = "SELECT count(*) AS n FROM stock_movement WHERE variant_id = $1"  # the session's server works beside us
    movements_before = (await fetch(mine, [21]))[0]["n"]
    result = await gql(ADJUST, {"s": s03, "v": variant_id(21), "d": -(before[0] + 1), "r": "shrinkage"}, token=admin)
    payload = result["data"]["adjustStock"]
    assert payload["stockLevel"] is None
    assert payload["userErrors"][0]["code"] == "NEGATIVE_STOCK" and payload["userErrors"][0]["field"] == ["delta"]
    assert await level("S03", 21) == before
    assert (await fetch(mine, [21]))[0]["n"] == movements_before


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"d": 0, "r": "x"}, "INVALID_INPUT", ["delta"]),
        ({"d": 1, "r": "   "}, "INVALID_INPUT", ["reason"]),
        ({"d": 1, "r": "x", "v": "VmFyaWFudDo5OTk5OTk"}, "NOT_FOUND", ["variantId"]),
        ({"d": 1, "r": "x", "s": "U3RvcmU6OTk5OTk"}, "NOT_FOUND", ["storeId"]),
    ],
)
async def test_bad_input_gets_a_user_error(gql, token, variables, code, field):
    admin = await token("HQ_ADMIN")
    base = {"s": await store_id(gql, "S04"), "v": variant_id(22)}
    payload = (await gql(ADJUST, {**base, **variables}, token=admin))["data"]["adjustStock"]
    assert payload["userErrors"][0]["code"] == code and payload["userErrors"][0]["field"] == field


@pytest.mark.parametrize(
    ("role", "kwargs", "allowed"),
    [
        ("STORE_MANAGER", {"store": "S05"}, True),
        ("STORE_MANAGER", {"store": "S06"}, False),  # another store's manager
        ("CLERK", {"store": "S05"}, False),
        ("HQ_ADMIN", {}, True),
        ("SERVICE", {}, True),
        ("ANALYST", {}, False),
        ("MEMBER", {"member": "M0003"}, False),
        (None, {}, False),
    ],
)
async def test_who_may_adjust_stock(gql, token, role, kwargs, allowed):
    caller = await token(role, **kwargs) if role else None
    s05 = await store_id(gql, "S05")
    result = await gql(ADJUST, {"s": s05, "v": variant_id(23), "d": 1, "r": "recount"}, token=caller)
    if allowed:
        assert result["data"]["adjustStock"]["userErrors"] == []
    else:
        error = result["errors"][0]
        expected = "UNAUTHENTICATED" if role is None else "FORBIDDEN"
        assert error["extensions"]["code"] == expected
        assert result["data"] is None


async def test_concurrent_adjustments_never_lose_an_update_or_go_negative(gql, token):
    admin = await token("HQ_ADMIN")
    s07 = await store_id(gql, "S07")
    on_hand, _ = await level("S07", 24)
    # bring it to exactly 30, then 60 concurrent -1s: exactly 30 succeed
    if on_hand != 30:
        await gql(ADJUST, {"s": s07, "v": variant_id(24), "d": 30 - on_hand, "r": "set up"}, token=admin)
    results = await asyncio.gather(
        *(gql(ADJUST, {"s": s07, "v": variant_id(24), "d": -1, "r": "sale"}, token=admin) for _ in range(60))
    )
    outcomes = [r["data"]["adjustStock"] for r in results]
    succeeded = [o for o in outcomes if not o["userErrors"]]
    refused = [o for o in outcomes if o["userErrors"]]
    assert len(succeeded) == 30 and len(refused) == 30
    assert {o["userErrors"][0]["code"] for o in refused} == {"NEGATIVE_STOCK"}
    assert sorted(o["stockLevel"]["onHand"] for o in succeeded) == list(range(30))
    assert await level("S07", 24) == (0, 0)
    assert await ledger_sum("S07", 24) == 0


async def test_the_database_itself_refuses_negative_stock(app):
    from omnichannel.persistence.db import execute

    with pytest.raises(Exception, match=r"stock_on_hand_non_negative|stock_reserved_within_on_hand"):
        await execute("UPDATE stock_level SET on_hand = -1 WHERE id = (SELECT min(id) FROM stock_level)")
