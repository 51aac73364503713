"""pickList: what a store's paid, unready fulfilments need; recordTryOn and Member.tryOns."""

from __future__ import annotations

import asyncio

from omnichannel.persistence import db
from tests.floor_support import paid_pickup_order
from tests.orders_support import FULFILLMENT_ACTION, PLACE_ORDER, gid, new_member, new_variant, pickup_input, store_gid

PICK_LIST = """
query($store: ID!) { pickList(storeId: $store) { quantity variant { id sku } orders { id number status } } }
"""

RECORD = """
mutation($input: RecordTryOnInput!) {
  recordTryOn(input: $input) {
    tryOns { id source purchased at store { code } variant { id } member { memberNumber } }
    userErrors { field message code }
  }
}"""

TRY_ONS = """
query($id: ID!) { node(id: $id) { ... on Member { tryOns(first: 10) { id purchased source variant { id } } } } }
"""


def _lines_of(result: dict, variants: set[str]) -> dict[str, dict]:
    return {line["variant"]["id"]: line for line in result["data"]["pickList"] if line["variant"]["id"] in variants}


async def test_the_pick_list_sums_paid_unready_fulfilments_by_variant_with_their_orders(gql, token):
    store = await store_gid("S07")
    a, b = await new_variant({"S07": 20}), await new_variant({"S07": 20})
    first = await paid_pickup_order(gql, token, a, store, 2, member="M0002")
    second = await paid_pickup_order(gql, token, a, store, 3, member="M0003")
    third = await paid_pickup_order(gql, token, b, store, 1, member="M0004")
    unpaid = (
        await gql(PLACE_ORDER, {"input": pickup_input(a, store, 4)}, token=await token("MEMBER", member="M0005"))
    )["data"]["placeOrder"]["order"]
    clerk = await token("CLERK", store="S07")

    lines = _lines_of(await gql(PICK_LIST, {"store": store}, token=clerk), {gid("Variant", a), gid("Variant", b)})
    assert lines[gid("Variant", a)]["quantity"] == 5  # the unpaid order is not on it
    assert [o["number"] for o in lines[gid("Variant", a)]["orders"]] == [first["number"], second["number"]]
    assert [o["number"] for o in lines[gid("Variant", b)]["orders"]] == [third["number"]]
    assert unpaid["number"] not in {o["number"] for line in lines.values() for o in line["orders"]}

    picking = first["fulfillments"][0]["id"]
    await gql(FULFILLMENT_ACTION % "startPicking", {"id": picking}, token=clerk)  # still to pick: stays
    ready = second["fulfillments"][0]["id"]
    moved = await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": ready}, token=clerk)
    assert moved["data"]["markReadyForPickup"]["userErrors"] == []
    lines = _lines_of(await gql(PICK_LIST, {"store": store}, token=clerk), {gid("Variant", a), gid("Variant", b)})
    assert lines[gid("Variant", a)]["quantity"] == 2
    assert [o["number"] for o in lines[gid("Variant", a)]["orders"]] == [first["number"]]


async def test_the_pick_list_is_for_the_stores_staff_and_head_office(gql, token):
    store = await store_gid("S07")
    assert "errors" not in await gql(PICK_LIST, {"store": store}, token=await token("STORE_MANAGER", store="S07"))
    assert "errors" not in await gql(PICK_LIST, {"store": store}, token=await token("HQ_ADMIN"))
    for bearer, code in (
        (await token("CLERK", store="S01"), "FORBIDDEN"),
        (await token("MEMBER", member="M0001"), "FORBIDDEN"),
        (await token("ANALYST"), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ):
        result = await gql(PICK_LIST, {"store": store}, token=bearer)
        assert result["errors"][0]["extensions"]["code"] == code
    assert (await gql(PICK_LIST, {"store": gid("Store", 99999)}, token=await token("HQ_ADMIN")))["data"] == {
        "pickList": []
    }


async def test_try_ons_are_recorded_once_within_ten_minutes_and_turn_purchased_when_paid(gql, token):
    member_id, number = await new_member()
    store = await store_gid("S02")
    a, b = await new_variant({"S02": 5}), await new_variant({"S02": 5})
    clerk = await token("CLERK", store="S02")
    request = {
        "storeId": store,
        "memberId": gid("Member", member_id),
        "variantIds": [gid("Variant", a), gid("Variant", b), gid("Variant", a)],
        "source": "RFID",
    }
    first = (await gql(RECORD, {"input": request}, token=clerk))["data"]["recordTryOn"]
    assert first["userErrors"] == []
    assert [t["variant"]["id"] for t in first["tryOns"]] == [gid("Variant", a), gid("Variant", b)]
    assert {t["store"]["code"] for t in first["tryOns"]} == {"S02"}
    assert {t["member"]["memberNumber"] for t in first["tryOns"]} == {number}
    again = (await gql(RECORD, {"input": {**request, "source": "SCAN"}}, token=clerk))["data"]["recordTryOn"]
    assert [t["id"] for t in again["tryOns"]] == [t["id"] for t in first["tryOns"]]  # the same records
    rows = await db.fetch("SELECT count(*) AS n FROM try_on WHERE member_id = $1", [member_id])
    assert rows[0]["n"] == 2

    # eleven minutes later the same garment is a new try-on
    await db.execute("UPDATE try_on SET at = at - interval '11 minutes' WHERE member_id = $1", [member_id])
    later = (await gql(RECORD, {"input": {**request, "variantIds": [gid("Variant", a)]}}, token=clerk))["data"]
    assert later["recordTryOn"]["tryOns"][0]["id"] not in {t["id"] for t in first["tryOns"]}

    member_token = await token("MEMBER", member=number)
    mine = (await gql(TRY_ONS, {"id": gid("Member", member_id)}, token=member_token))["data"]["node"]["tryOns"]
    assert len(mine) == 3 and not any(t["purchased"] for t in mine)
    await paid_pickup_order(gql, token, b, store, 1, member=number)
    mine = (await gql(TRY_ONS, {"id": gid("Member", member_id)}, token=clerk))["data"]["node"]["tryOns"]
    assert {t["variant"]["id"]: t["purchased"] for t in mine} == {gid("Variant", a): False, gid("Variant", b): True}


async def test_concurrent_reads_of_the_same_tag_record_one_try_on(gql, token):
    member_id, _ = await new_member()
    variant = await new_variant({"S02": 1})
    clerk = await token("CLERK", store="S02")
    request = {
        "storeId": await store_gid("S02"),
        "memberId": gid("Member", member_id),
        "variantIds": [gid("Variant", variant)],
        "source": "RFID",
    }
    results = await asyncio.gather(*(gql(RECORD, {"input": request}, token=clerk) for _ in range(8)))
    assert len({r["data"]["recordTryOn"]["tryOns"][0]["id"] for r in results}) == 1
    rows = await db.fetch("SELECT count(*) AS n FROM try_on WHERE member_id = $1", [member_id])
    assert rows[0]["n"] == 1


async def test_recording_try_ons_refuses_bad_input_and_other_stores(gql, token):
    member_id, number = await new_member()
    variant = await new_variant({})
    base = {
        "storeId": await store_gid("S02"),
        "memberId": gid("Member", member_id),
        "variantIds": [gid("Variant", variant)],
        "source": "SCAN",
    }
    clerk = await token("CLERK", store="S02")

    async def errors(overrides: dict, bearer: str | None = clerk) -> list[str]:
        result = await gql(RECORD, {"input": {**base, **overrides}}, token=bearer)
        if result.get("errors"):
            return [result["errors"][0]["extensions"]["code"]]
        return [e["code"] for e in result["data"]["recordTryOn"]["userErrors"]]

    assert await errors({"variantIds": []}) == ["INVALID_INPUT"]
    assert await errors({"variantIds": [gid("Variant", variant)] * 51}) == ["INVALID_INPUT"]
    assert await errors({"variantIds": [gid("Variant", 987654)]}) == ["NOT_FOUND"]
    assert await errors({"memberId": gid("Member", 987654)}) == ["NOT_FOUND"]
    assert await errors({"memberId": "bm9wZQ"}) == ["BAD_USER_INPUT"]
    assert await errors({}, await token("CLERK", store="S01")) == ["FORBIDDEN"]
    assert await errors({}, await token("HQ_ADMIN")) == ["FORBIDDEN"]
    assert await errors({}, await token("MEMBER", member=number)) == ["FORBIDDEN"]
    assert await errors({}, None) == ["UNAUTHENTICATED"]
    rows = await db.fetch("SELECT count(*) AS n FROM try_on WHERE member_id = $1", [member_id])
    assert rows[0]["n"] == 0


async def test_try_ons_are_seen_by_the_member_and_store_staff_only(gql, token):
    member_id, number = await new_member()
    variant = await new_variant({})
    request = {
        "storeId": await store_gid("S02"),
        "memberId": gid("Member", member_id),
        "variantIds": [gid("Variant", variant)],
        "source": "SCAN",
    }
    recorded = (await gql(RECORD, {"input": request}, token=await token("CLERK", store="S02")))["data"]
    try_on_id = recorded["recordTryOn"]["tryOns"][0]["id"]
    node = "query($id: ID!) { node(id: $id) { ... on TryOn { id variant { id } } } }"
    for bearer in (await token("MEMBER", member=number), await token("CLERK", store="S09"), await token("HQ_ADMIN")):
        assert (await gql(node, {"id": try_on_id}, token=bearer))["data"]["node"]["id"] == try_on_id
    other = await token("MEMBER", member="M0001")
    assert (await gql(node, {"id": try_on_id}, token=other))["data"]["node"] is None
    assert (await gql(node, {"id": try_on_id}, token=await token("ANALYST")))["data"]["node"] is None
    service = (await gql(TRY_ONS, {"id": gid("Member", member_id)}, token=await token("SERVICE")))["data"]
    assert service["node"]["tryOns"] == []
