"""placeOrder's refusals and promises: whole-order OUT_OF_STOCK, idempotency, clerk attribution, hooks."""

from __future__ import annotations

import asyncio

from omnichannel.persistence import db
from tests.orders_support import (
    PLACE_ORDER,
    errors_of,
    gid,
    ledger_mismatches,
    level,
    new_variant,
    pickup_input,
    store_gid,
)


async def test_pickup_is_refused_whole_naming_every_short_line_and_stores_that_have_it(gql, token):
    plenty = await new_variant({"S04": 10, "S10": 10})
    scarce = await new_variant({"S04": 1, "S10": 5, "S09": 5})
    missing = await new_variant({"S10": 5})
    s04 = await store_gid("S04")
    request = pickup_input(plenty, s04, 2)
    request["lines"] += [
        {"variantId": gid("Variant", scarce), "quantity": 3},
        {"variantId": gid("Variant", missing), "quantity": 1},
    ]
    result = (await gql(PLACE_ORDER, {"input": request}, token=await token("MEMBER", member="M0008")))["data"]
    payload = result["placeOrder"]
    assert payload["order"] is None
    assert errors_of(payload) == ["OUT_OF_STOCK", "OUT_OF_STOCK"]
    assert [e["field"] for e in payload["userErrors"]] == [["lines", "1"], ["lines", "2"]]
    assert "3 wanted, 1 available" in payload["userErrors"][0]["message"]
    assert "S10" in payload["userErrors"][0]["message"] and "S09" in payload["userErrors"][0]["message"]
    assert [s["code"] for s in payload["alternativeStores"]] == ["S10"]  # the only one with everything
    assert payload["alternativeStores"][0]["distanceKm"] > 0
    for variant in (plenty, scarce, missing):  # nothing was held
        assert (await level(variant, "S04"))["reserved"] == 0


async def test_safety_stock_is_never_promised(gql, token):
    variant = await new_variant({"S05": 5}, safety=2)
    s05 = await store_gid("S05")
    member = await token("MEMBER", member="M0009")
    refused = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s05, 4)}, token=member))["data"]["placeOrder"]
    assert errors_of(refused) == ["OUT_OF_STOCK"]
    ok = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s05, 3)}, token=member))["data"]["placeOrder"]
    assert ok["userErrors"] == []


async def test_a_retry_with_the_same_key_returns_the_same_order_even_after_stock_ran_out(gql, token):
    variant = await new_variant({"S06": 1})
    s06 = await store_gid("S06")
    member = await token("MEMBER", member="M0010")
    request = {"input": pickup_input(variant, s06, 1, idempotencyKey="retry-me")}
    first = (await gql(PLACE_ORDER, request, token=member))["data"]["placeOrder"]["order"]
    again = (await gql(PLACE_ORDER, request, token=member))["data"]["placeOrder"]
    assert again["userErrors"] == [] and again["order"]["id"] == first["id"]
    other = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s06, 1)}, token=member))["data"]["placeOrder"]
    assert errors_of(other) == ["OUT_OF_STOCK"]  # without the key it is a second order, and there is none left

    changed = {"input": pickup_input(variant, s06, 2, idempotencyKey="retry-me")}
    reused = (await gql(PLACE_ORDER, changed, token=member))["data"]["placeOrder"]
    assert errors_of(reused) == ["IDEMPOTENCY_KEY_REUSED"]

    # keys are per caller: another member's identical key is theirs alone
    someone_else = await token("MEMBER", member="M0011")
    own = (await gql(PLACE_ORDER, request, token=someone_else))["data"]["placeOrder"]
    assert errors_of(own) == ["OUT_OF_STOCK"]


async def test_a_hundred_concurrent_requests_with_one_key_create_exactly_one_order(gql, token):
    variant = await new_variant({"S07": 500})
    s07 = await store_gid("S07")
    member = await token("MEMBER", member="M0012")
    request = {"input": pickup_input(variant, s07, 1, idempotencyKey="one-order-please")}
    results = await asyncio.gather(*(gql(PLACE_ORDER, request, token=member) for _ in range(100)))
    payloads = [r["data"]["placeOrder"] for r in results]
    assert all(p["userErrors"] == [] for p in payloads), [p["userErrors"] for p in payloads if p["userErrors"]]
    assert len({p["order"]["id"] for p in payloads}) == 1
    assert (await level(variant, "S07"))["reserved"] == 1
    rows = await db.fetch("SELECT count(*) AS n FROM fulfillment_line WHERE variant_id = $1", [variant])
    assert rows[0]["n"] == 1
    assert await ledger_mismatches([variant]) == []


async def test_a_clerk_orders_for_a_member_on_the_pad_and_gets_the_credit(gql, token):
    variant = await new_variant({"S08": 3})
    s08 = await store_gid("S08")
    clerk = await token("CLERK", store="S08")
    request = pickup_input(variant, s08, 1, channel="CLERK_PAD", memberId=gid("Member", 13))
    order = (await gql(PLACE_ORDER, {"input": request}, token=clerk))["data"]["placeOrder"]["order"]
    assert order["channel"] == "CLERK_PAD"
    assert order["member"]["memberNumber"] == "M0013"
    assert order["attributedClerk"]["name"] == "Century Park Clerk"
    seen_by_member = await gql(
        "query($id: ID!) { order(id: $id) { id attributedClerk { name } member { memberNumber } } }",
        {"id": order["id"]},
        token=await token("MEMBER", member="M0013"),
    )
    assert seen_by_member["data"]["order"]["member"]["memberNumber"] == "M0013"

    unknown = pickup_input(variant, s08, 1, channel="CLERK_PAD", memberId=gid("Member", 99999))
    refused = (await gql(PLACE_ORDER, {"input": unknown}, token=clerk))["data"]["placeOrder"]
    assert errors_of(refused) == ["NOT_FOUND"]


async def test_coupons_and_points_are_refused_clearly_until_they_are_supported(gql, token):
    variant = await new_variant({"S09": 3})
    s09 = await store_gid("S09")
    member = await token("MEMBER", member="M0014")
    coupon = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s09, 1, couponCodes=["SAVE10"])}, token=member))[
        "data"
    ]["placeOrder"]
    assert errors_of(coupon) == ["NOT_SUPPORTED"] and coupon["userErrors"][0]["field"] == ["couponCodes"]
    points = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s09, 1, pointsToRedeem=100)}, token=member))[
        "data"
    ]["placeOrder"]
    assert errors_of(points) == ["NOT_SUPPORTED"] and points["userErrors"][0]["field"] == ["pointsToRedeem"]
    assert (await level(variant, "S09"))["reserved"] == 0
    none = (
        await gql(PLACE_ORDER, {"input": pickup_input(variant, s09, 1, couponCodes=[], pointsToRedeem=0)}, token=member)
    )["data"]["placeOrder"]
    assert none["userErrors"] == []


async def test_bad_requests_get_clear_user_errors(gql, token):
    variant = await new_variant({"S01": 3})
    s01, s12 = await store_gid("S01"), await store_gid("S12")
    w01 = await store_gid("W01")
    member = await token("MEMBER", member="M0015")

    async def codes(request: dict) -> list[str]:
        return errors_of((await gql(PLACE_ORDER, {"input": request}, token=member))["data"]["placeOrder"])

    assert await codes(pickup_input(variant, s01, 0)) == ["INVALID_INPUT"]
    assert await codes(pickup_input(variant, s01, 1000)) == ["INVALID_INPUT"]
    assert await codes({**pickup_input(variant, s01), "lines": []}) == ["INVALID_INPUT"]
    assert await codes({**pickup_input(variant, s01), "pickupStoreId": None}) == ["INVALID_INPUT"]
    assert await codes(pickup_input(variant, w01)) == ["MODE_NOT_OFFERED"]  # a warehouse has no counter
    assert await codes(pickup_input(variant, gid("Store", 99999))) == ["NOT_FOUND"]
    assert await codes(
        {**pickup_input(variant, s01), "lines": [{"variantId": gid("Variant", 999999), "quantity": 1}]}
    ) == ["NOT_FOUND"]
    assert await codes(pickup_input(variant, s01, 1, idempotencyKey="")) == ["INVALID_INPUT"]
    assert await codes(pickup_input(variant, s12, 1)) == ["OUT_OF_STOCK"]  # not stocked there at all
    garbled = await gql(PLACE_ORDER, {"input": pickup_input(variant, "not-an-id")}, token=member)
    assert garbled["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_same_variant_on_two_lines_is_one_line_of_both_quantities(gql, token):
    variant = await new_variant({"S02": 5})
    request = pickup_input(variant, await store_gid("S02"), 2)
    request["lines"].append({"variantId": gid("Variant", variant), "quantity": 1})
    order = (await gql(PLACE_ORDER, {"input": request}, token=await token("MEMBER", member="M0016")))["data"][
        "placeOrder"
    ]["order"]
    assert [line["quantity"] for line in order["lines"]] == [3]
    assert (await level(variant, "S02"))["reserved"] == 3
