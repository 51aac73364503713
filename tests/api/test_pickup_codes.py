"""Pickup codes cannot be guessed at the counter: wrong codes are counted and lock the clerk and the store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnichannel.domain.pickup import PER_STORE
from omnichannel.persistence import db
from omnichannel.persistence.repositories import throttles as throttle
from tests.orders_support import (
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    errors_of,
    location_id,
    new_variant,
    pickup_input,
    store_gid,
)

# wrong codes and passwords lock people out: the counters go back after every test, pass or fail
pytestmark = pytest.mark.usefixtures("lift_lockouts")


async def _ready_order(gql, token, store: str, member_number: str) -> tuple[dict, str]:
    variant = await new_variant({store: 3})
    member = await token("MEMBER", member=member_number)
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid(store), 1)}, token=member))["data"][
        "placeOrder"
    ]["order"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"p-{order['number']}"}
    await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
    await gql(
        FULFILLMENT_ACTION % "markReadyForPickup",
        {"id": order["fulfillments"][0]["id"]},
        token=await token("CLERK", store=store),
    )
    code = (await gql(ORDER, {"id": order["id"]}, token=member))["data"]["order"]["pickupCode"]
    return order, code


GUESSES = """mutation($s: ID!) {
  %s
}"""


async def test_aliases_batching_guesses_count_one_by_one_and_the_clerk_is_locked_out(gql, token):
    _, code = await _ready_order(gql, token, "S08", "M0005")
    s08 = await store_gid("S08")
    clerk = await token("CLERK", store="S08")
    batch = "\n".join(
        f'g{i}: completePickup(input: {{storeId: $s, pickupCode: "{i:04d}ZZZZ"}}) '
        "{ userErrors { code retryAfterSeconds } }"
        for i in range(8)
    )
    result = (await gql(GUESSES % batch, {"s": s08}, token=clerk))["data"]
    codes = [result[f"g{i}"]["userErrors"][0]["code"] for i in range(8)]
    assert codes == ["INVALID_PICKUP_CODE"] * 5 + ["TOO_MANY_ATTEMPTS"] * 3
    # every throttled refusal says when to try again (issue 14 item 8); a wrong code does not
    waits = [result[f"g{i}"]["userErrors"][0]["retryAfterSeconds"] for i in range(8)]
    assert waits[:5] == [None] * 5 and all(0 < w <= 15 * 60 + 1 for w in waits[5:])

    # locked out: even the right code is refused for this clerk now ...
    locked = (await gql(COMPLETE_PICKUP, {"store": s08, "code": code}, token=clerk))["data"]["completePickup"]
    assert errors_of(locked) == ["TOO_MANY_ATTEMPTS"]
    # ... while the store manager (another person, same store) still hands the order over
    manager = await token("STORE_MANAGER", store="S08")
    done = (await gql(COMPLETE_PICKUP, {"store": s08, "code": code}, token=manager))["data"]["completePickup"]
    assert done["userErrors"] == [] and done["order"]["status"] == "COMPLETED"
    state = await throttle.state(f"pickup:staff:{await _staff_id('clerk.s08@demo.omnichannel.cn')}")
    assert state is not None and state.failures == 5


async def test_wrong_codes_from_several_people_lock_the_store(gql, token):
    _, code = await _ready_order(gql, token, "S09", "M0006")
    s09 = await store_gid("S09")
    clerk, manager = await token("CLERK", store="S09"), await token("STORE_MANAGER", store="S09")
    # 4 wrong codes each from the clerk and the manager, then the rest of the store's allowance
    for person in (clerk, manager):
        for i in range(4):
            wrong = (await gql(COMPLETE_PICKUP, {"store": s09, "code": f"{i:04d}YYYY"}, token=person))["data"]
            assert errors_of(wrong["completePickup"]) == ["INVALID_PICKUP_CODE"]
    key = f"pickup:store:{await location_id('S09')}"
    for _ in range(PER_STORE.max_failures - 8):
        await throttle.record_failure(key, PER_STORE, datetime.now(UTC))
    refused = (await gql(COMPLETE_PICKUP, {"store": s09, "code": code}, token=clerk))["data"]["completePickup"]
    assert errors_of(refused) == ["TOO_MANY_ATTEMPTS"]
    other_store = await store_gid("S10")
    other_clerk = await token("CLERK", store="S10")
    unaffected = await gql(COMPLETE_PICKUP, {"store": other_store, "code": "0000AAAA"}, token=other_clerk)
    assert errors_of(unaffected["data"]["completePickup"]) == ["INVALID_PICKUP_CODE"]


async def test_a_code_only_opens_its_own_store(gql, token):
    _, code = await _ready_order(gql, token, "S10", "M0007")
    elsewhere = await gql(
        COMPLETE_PICKUP, {"store": await store_gid("S11"), "code": code}, token=await token("CLERK", store="S11")
    )
    assert errors_of(elsewhere["data"]["completePickup"]) == ["INVALID_PICKUP_CODE"]
    scanned = await gql(
        COMPLETE_PICKUP,
        {"store": await store_gid("S10"), "code": f"PICKUP:{code.replace('-', '')}"},
        token=await token("CLERK", store="S10"),
    )
    assert scanned["data"]["completePickup"]["order"]["status"] == "COMPLETED"


async def _staff_id(email: str) -> int:
    rows = await db.fetch("SELECT id FROM staff WHERE email = $1", [email])
    return int(rows[0]["id"])
