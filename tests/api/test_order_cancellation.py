"""cancelOrder: who may cancel when, and the stock comes back through the ledger."""

from __future__ import annotations

from tests.orders_support import (
    CANCEL_ORDER,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    PLACE_ORDER,
    errors_of,
    ledger_mismatches,
    level,
    new_variant,
    pickup_input,
    store_gid,
)


async def _paid_order(gql, token, variant: int, store: str, member: str) -> dict:
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid(store), 2)}, token=member))["data"][
        "placeOrder"
    ]["order"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"c-{order['number']}"}
    await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
    return order


async def test_a_member_cancels_before_picking_and_the_stock_is_released(gql, token):
    variant = await new_variant({"S04": 6})
    member = await token("MEMBER", member="M0001")
    unpaid = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S04"), 1)}, token=member))[
        "data"
    ]["placeOrder"]["order"]
    paid = await _paid_order(gql, token, variant, "S04", member)
    assert (await level(variant, "S04"))["reserved"] == 3

    cancelled = (await gql(CANCEL_ORDER, {"input": {"orderId": unpaid["id"]}}, token=member))["data"]["cancelOrder"]
    assert cancelled["order"]["status"] == "CANCELLED"
    reason = {"orderId": paid["id"], "reason": "  changed my mind  "}
    cancelled = (await gql(CANCEL_ORDER, {"input": reason}, token=member))["data"]["cancelOrder"]
    assert cancelled["userErrors"] == []
    assert cancelled["order"]["status"] == "CANCELLED"
    assert cancelled["order"]["fulfillments"][0]["status"] == "CANCELLED"
    assert await level(variant, "S04") == {"on_hand": 6, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([variant]) == []

    again = (await gql(CANCEL_ORDER, {"input": {"orderId": paid["id"]}}, token=member))["data"]["cancelOrder"]
    assert errors_of(again) == ["ORDER_NOT_CANCELLABLE"]


async def test_once_picking_started_only_the_store_or_head_office_cancel(gql, token):
    variant = await new_variant({"S05": 6})
    member = await token("MEMBER", member="M0002")
    clerk = await token("CLERK", store="S05")
    first = await _paid_order(gql, token, variant, "S05", member)
    second = await _paid_order(gql, token, variant, "S05", member)
    for order in (first, second):
        await gql(FULFILLMENT_ACTION % "startPicking", {"id": order["fulfillments"][0]["id"]}, token=clerk)

    refused = (await gql(CANCEL_ORDER, {"input": {"orderId": first["id"]}}, token=member))["data"]["cancelOrder"]
    assert errors_of(refused) == ["ORDER_NOT_CANCELLABLE"]
    assert "ask the store" in refused["userErrors"][0]["message"]

    by_store = (await gql(CANCEL_ORDER, {"input": {"orderId": first["id"]}}, token=clerk))["data"]["cancelOrder"]
    assert by_store["order"]["status"] == "CANCELLED"
    by_hq = (await gql(CANCEL_ORDER, {"input": {"orderId": second["id"]}}, token=await token("HQ_ADMIN")))["data"]
    assert by_hq["cancelOrder"]["order"]["status"] == "CANCELLED"
    assert (await level(variant, "S05"))["reserved"] == 0
    assert await ledger_mismatches([variant]) == []


async def test_a_cancelled_order_cannot_be_paid_or_prepared(gql, token):
    variant = await new_variant({"S06": 2})
    member = await token("MEMBER", member="M0003")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S06"), 1)}, token=member))["data"][
        "placeOrder"
    ]["order"]
    await gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=member)
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"x-{order['number']}"}
    late = (await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE")))["data"]["confirmPayment"]
    assert errors_of(late) == ["ORDER_CANCELLED"]
    ready = await gql(
        FULFILLMENT_ACTION % "markReadyForPickup",
        {"id": order["fulfillments"][0]["id"]},
        token=await token("CLERK", store="S06"),
    )
    assert errors_of(ready["data"]["markReadyForPickup"]) == ["ORDER_CANCELLED"]


async def test_unpaid_orders_cannot_be_prepared_and_pickup_orders_are_not_shipped(gql, token):
    variant = await new_variant({"S07": 2})
    member = await token("MEMBER", member="M0004")
    clerk = await token("CLERK", store="S07")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S07"), 1)}, token=member))["data"][
        "placeOrder"
    ]["order"]
    fulfillment = order["fulfillments"][0]["id"]
    early = await gql(FULFILLMENT_ACTION % "startPicking", {"id": fulfillment}, token=clerk)
    assert errors_of(early["data"]["startPicking"]) == ["ORDER_NOT_PAID"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"s-{order['number']}"}
    await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
    shipped = await gql(FULFILLMENT_ACTION % "markShipped", {"id": fulfillment}, token=clerk)
    assert errors_of(shipped["data"]["markShipped"]) == ["INVALID_TRANSITION"]
    await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": fulfillment}, token=clerk)
    back = await gql(FULFILLMENT_ACTION % "startPicking", {"id": fulfillment}, token=clerk)
    assert errors_of(back["data"]["startPicking"]) == ["INVALID_TRANSITION"]  # ready cannot go back to picking
