"""Who may do what with orders: every operation and feed against every kind of caller.

Each cell runs against orders made for it (an unpaid order of M0001 at S01, or a paid one), so an
allowed action never disturbs another cell. Refusals are the one standard authorisation error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from omnichannel.domain.errors import AccessDenied
from omnichannel.persistence import db
from tests.orders_support import (
    CANCEL_ORDER,
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    PLACE_ORDER,
    gid,
    new_variant,
    pickup_input,
    store_gid,
)
from tests.ws_support import TRANSPORT_WS, in_process_sockets

# wrong codes and passwords lock people out: the counters go back after every test, pass or fail
pytestmark = pytest.mark.usefixtures("lift_lockouts")

CALLERS = {
    "anonymous": None,
    "owner": ("MEMBER", {"member": "M0001"}),
    "other member": ("MEMBER", {"member": "M0002"}),
    "clerk S01": ("CLERK", {"store": "S01"}),
    "clerk S02": ("CLERK", {"store": "S02"}),
    "manager S01": ("STORE_MANAGER", {"store": "S01"}),
    "head office": ("HQ_ADMIN", {}),
    "analyst": ("ANALYST", {}),
    "service": ("SERVICE", {}),
}
OK, DENIED, SIGN_IN = "ok", "FORBIDDEN", "UNAUTHENTICATED"
# an order the caller may not see does not exist for it (issue 14 item 13): the NOT_FOUND userError
# an unknown order gets, never a FORBIDDEN that would confirm it exists
HIDDEN = "NOT_FOUND"


class World:
    """Makes orders for the cells: each call a new one, so cells never share state."""

    def __init__(self, gql: Any, token: Any) -> None:
        self.gql, self.token = gql, token

    async def bearer(self, caller: str) -> str | None:
        spec = CALLERS[caller]
        return None if spec is None else await self.token(spec[0], **spec[1])

    async def order(self, *, paid: bool = False, channel: str = "MINI_PROGRAM", by: str = "owner") -> dict:
        variant = await new_variant({"S01": 3})
        request = pickup_input(variant, await store_gid("S01"), 1, channel=channel)
        if by != "owner":
            request["memberId"] = gid("Member", 1)
        placed = await self.gql(PLACE_ORDER, {"input": request}, token=await self.bearer(by))
        order = placed["data"]["placeOrder"]["order"]
        if paid:
            pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"m-{order['number']}"}
            await self.gql(CONFIRM_PAYMENT, {"input": pay}, token=await self.token("SERVICE"))
        return order


Operation = Callable[[World, str | None], Awaitable[dict]]


async def place(world: World, bearer: str | None, channel: str) -> dict:
    variant = await new_variant({"S01": 3})
    return await world.gql(
        PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S01"), 1, channel=channel)}, token=bearer
    )


async def pay(world: World, bearer: str | None) -> dict:
    order = await world.order()
    body = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"a-{order['number']}"}
    return await world.gql(CONFIRM_PAYMENT, {"input": body}, token=bearer)


async def pay_till_order(world: World, bearer: str | None) -> dict:
    order = await world.order(channel="STORE_POS", by="manager S01")
    body = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"t-{order['number']}"}
    return await world.gql(CONFIRM_PAYMENT, {"input": body}, token=bearer)


async def cancel(world: World, bearer: str | None) -> dict:
    order = await world.order()
    return await world.gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=bearer)


def fulfillment_action(name: str) -> Operation:
    async def run(world: World, bearer: str | None) -> dict:
        order = await world.order(paid=True)
        return await world.gql(FULFILLMENT_ACTION % name, {"id": order["fulfillments"][0]["id"]}, token=bearer)

    return run


async def hand_over(world: World, bearer: str | None) -> dict:
    result = await world.gql(COMPLETE_PICKUP, {"store": await store_gid("S01"), "code": "0000-0000"}, token=bearer)
    await db.execute("DELETE FROM throttle WHERE key LIKE 'pickup:%'")  # the wrong code must not lock later cells
    return result


MATRIX: dict[str, tuple[Operation, dict[str, str]]] = {
    "placeOrder (app)": (
        lambda w, b: place(w, b, "MINI_PROGRAM"),
        {
            "anonymous": SIGN_IN,
            "owner": OK,
            "other member": OK,
            "clerk S01": DENIED,
            "head office": DENIED,
            "analyst": DENIED,
            "service": DENIED,
        },
    ),
    "placeOrder (clerk pad)": (
        lambda w, b: place(w, b, "CLERK_PAD"),
        {
            "anonymous": SIGN_IN,
            "owner": DENIED,
            "clerk S01": OK,
            "clerk S02": OK,
            "manager S01": OK,
            "head office": DENIED,
            "analyst": DENIED,
            "service": DENIED,
        },
    ),
    "confirmPayment": (
        pay,
        {
            "anonymous": SIGN_IN,
            "owner": DENIED,
            "other member": HIDDEN,
            "clerk S01": DENIED,
            "clerk S02": HIDDEN,
            "head office": DENIED,
            "analyst": DENIED,
            "service": OK,
        },
    ),
    "confirmPayment (till order)": (
        pay_till_order,
        {"owner": DENIED, "clerk S01": OK, "clerk S02": HIDDEN, "manager S01": OK, "service": OK},
    ),
    "cancelOrder": (
        cancel,
        {
            "anonymous": SIGN_IN,
            "owner": OK,
            "other member": HIDDEN,
            "clerk S01": OK,
            "clerk S02": HIDDEN,
            "manager S01": OK,
            "head office": OK,
            "analyst": DENIED,
            "service": DENIED,
        },
    ),
    "startPicking": (
        fulfillment_action("startPicking"),
        {
            "anonymous": SIGN_IN,
            "owner": DENIED,
            "clerk S01": OK,
            "clerk S02": DENIED,
            "manager S01": OK,
            "head office": DENIED,
            "analyst": DENIED,
            "service": DENIED,
        },
    ),
    "markReadyForPickup": (
        fulfillment_action("markReadyForPickup"),
        {
            "anonymous": SIGN_IN,
            "owner": DENIED,
            "other member": DENIED,
            "clerk S01": OK,
            "clerk S02": DENIED,
            "manager S01": OK,
            "head office": DENIED,
            "analyst": DENIED,
            "service": DENIED,
        },
    ),
    "markShipped": (
        fulfillment_action("markShipped"),
        {"anonymous": SIGN_IN, "owner": DENIED, "clerk S01": OK, "clerk S02": DENIED, "service": DENIED},
    ),
    "confirmDelivery": (
        fulfillment_action("confirmDelivery"),
        {
            "anonymous": SIGN_IN,
            "owner": DENIED,
            "clerk S01": DENIED,
            "head office": OK,
            "analyst": DENIED,
            "service": OK,
        },
    ),
    "completePickup": (
        hand_over,
        {
            "anonymous": SIGN_IN,
            "owner": DENIED,
            "clerk S01": OK,
            "clerk S02": DENIED,
            "manager S01": OK,
            "head office": DENIED,
            "analyst": DENIED,
            "service": DENIED,
        },
    ),
}
CELLS = [(op, caller, expected) for op, (_, row) in MATRIX.items() for caller, expected in row.items()]


@pytest.mark.parametrize(("operation", "caller", "expected"), CELLS, ids=[f"{o} by {c}" for o, c, _ in CELLS])
async def test_mutation_access(gql, token, operation, caller, expected):
    world = World(gql, token)
    run, _ = MATRIX[operation]
    result = await run(world, await world.bearer(caller))
    if expected == OK:
        assert "errors" not in result, result
        return
    if expected == HIDDEN:
        payload = next(iter(result["data"].values()))
        assert payload["order"] is None and [e["code"] for e in payload["userErrors"]] == [HIDDEN], result
        return
    assert result["data"] is None, result
    error = result["errors"][0]
    assert error["extensions"]["code"] == expected
    if expected == DENIED:
        assert error["message"] == AccessDenied.MESSAGE


READ = "query($id: ID!) { order(id: $id) { number pickupCode } node(id: $id) { id } }"
READ_FULFILLMENT = "query($id: ID!) { node(id: $id) { ... on Fulfillment { status } } }"
# caller: (sees the order, sees its pickup code)
VISIBILITY = {
    "owner": (True, True),
    "other member": (False, False),
    "clerk S01": (True, False),
    "clerk S02": (False, False),
    "manager S01": (True, False),
    "head office": (True, True),
    "analyst": (True, False),
    "service": (True, False),
}


async def test_who_sees_an_order_and_its_pickup_code(gql, token):
    world = World(gql, token)
    order = await world.order(paid=True)
    fulfillment = order["fulfillments"][0]["id"]
    anonymous = await gql(READ, {"id": order["id"]})
    assert anonymous["errors"][0]["extensions"]["code"] == SIGN_IN
    assert (await gql(READ_FULFILLMENT, {"id": fulfillment}))["data"]["node"] is None
    for caller, (sees, sees_code) in VISIBILITY.items():
        result = (await gql(READ, {"id": order["id"]}, token=await world.bearer(caller)))["data"]
        assert (result["order"] is not None, result["node"] is not None) == (sees, sees), caller
        if sees:
            assert (result["order"]["pickupCode"] is not None) == sees_code, caller
        node = (await gql(READ_FULFILLMENT, {"id": fulfillment}, token=await world.bearer(caller)))["data"]["node"]
        assert (node is not None) == sees, caller


LIST = "query($s: ID) { orders(storeId: $s, first: 50) { edges { node { number member { memberNumber } } } } }"


async def test_order_lists_show_each_caller_only_their_share(gql, token):
    world = World(gql, token)
    mine = await world.order()
    s01, s02 = await store_gid("S01"), await store_gid("S02")
    assert (await gql(LIST, {}))["errors"][0]["extensions"]["code"] == SIGN_IN

    owner = (await gql(LIST, {}, token=await world.bearer("owner")))["data"]["orders"]["edges"]
    assert mine["number"] in [e["node"]["number"] for e in owner]
    assert {e["node"]["member"]["memberNumber"] for e in owner} == {"M0001"}
    other = (await gql(LIST, {}, token=await world.bearer("other member")))["data"]["orders"]["edges"]
    assert mine["number"] not in [e["node"]["number"] for e in other]

    clerk = await world.bearer("clerk S01")
    own_store = (await gql(LIST, {}, token=clerk))["data"]["orders"]["edges"]
    assert mine["number"] in [e["node"]["number"] for e in own_store]
    assert (await gql(LIST, {"s": s02}, token=clerk))["errors"][0]["extensions"]["code"] == DENIED
    elsewhere = (await gql(LIST, {}, token=await world.bearer("clerk S02")))["data"]["orders"]["edges"]
    assert mine["number"] not in [e["node"]["number"] for e in elsewhere]
    office = (await gql(LIST, {"s": s01}, token=await world.bearer("head office")))["data"]["orders"]["edges"]
    assert mine["number"] in [e["node"]["number"] for e in office]

    member_orders = (
        "query($m: ID!) { node(id: $m) { ... on Member { orders(first: 50) { edges { node { number } } } } } }"
    )
    seen = (await gql(member_orders, {"m": gid("Member", 1)}, token=await world.bearer("owner")))["data"]["node"]
    assert mine["number"] in [e["node"]["number"] for e in seen["orders"]["edges"]]
    by_other_store = await gql(member_orders, {"m": gid("Member", 1)}, token=await world.bearer("clerk S02"))
    numbers = [e["node"]["number"] for e in by_other_store["data"]["node"]["orders"]["edges"]]
    assert mine["number"] not in numbers  # S02 sees only what S02 handled
    hidden = await gql(member_orders, {"m": gid("Member", 1)}, token=await world.bearer("other member"))
    assert hidden["data"]["node"] is None


STORE_FEED = "subscription($s: ID!) { storeOrders(storeId: $s) { kind } }"
PICKUP_FEED = "subscription($o: ID) { pickupReady(orderId: $o) { readyAt } }"
FEEDS = {
    # caller: (may watch S01's feed, may follow the owner's order)
    "anonymous": (SIGN_IN, SIGN_IN),
    "owner": (DENIED, OK),
    "other member": (DENIED, DENIED),
    "clerk S01": (OK, DENIED),
    "clerk S02": (DENIED, DENIED),
    "manager S01": (OK, DENIED),
    "head office": (OK, DENIED),
    "analyst": (DENIED, DENIED),
    "service": (DENIED, DENIED),
}


async def test_who_may_subscribe_to_which_feed(app, gql, token):
    world = World(gql, token)
    order = await world.order()
    s01 = await store_gid("S01")
    for caller, expectations in FEEDS.items():
        for (query, variables), expected in zip(
            ((STORE_FEED, {"s": s01}), (PICKUP_FEED, {"o": order["id"]})), expectations, strict=True
        ):
            async with in_process_sockets(app, TRANSPORT_WS) as (socket,):
                await socket.init(await world.bearer(caller))
                await socket.subscribe("1", query, variables)
                if expected == OK:
                    await socket.nothing_for(0.2)  # accepted: no error, and no events that are not theirs
                else:
                    errors = await socket.next_error()
                    assert errors[0]["extensions"]["code"] == expected, (caller, query)
