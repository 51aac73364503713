"""`events(after, types, first)`: who may read the log, what an order's life writes, paging and refusals."""

from __future__ import annotations

import json

import pytest

from tests.orders_support import (
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    new_member,
    new_variant,
    pickup_input,
    store_gid,
)

EVENTS = """query($after: String, $types: [String!], $first: Int) {
  events(after: $after, types: $types, first: $first) { cursor hasMore events { id type payload at } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Event { type payload at } } }"
MERGE = """mutation($s: ID!, $d: ID!) { mergeMembers(input: {survivorId: $s, duplicateId: $d}) {
  userErrors { code } } }"""


async def head(gql, reader) -> str:
    """A cursor at the end of the log (paged through to the end)."""
    cursor = None
    while True:
        page = (await gql(EVENTS, {"after": cursor, "first": 500}, token=reader))["data"]["events"]
        cursor = page["cursor"]
        if not page["hasMore"]:
            return cursor


async def read_all(gql, reader, after: str, types: list[str] | None = None, first: int = 500) -> list[dict]:
    events, cursor = [], after
    while True:
        page = (await gql(EVENTS, {"after": cursor, "types": types, "first": first}, token=reader))["data"]["events"]
        events.extend(page["events"])
        cursor = page["cursor"]
        if not page["hasMore"]:
            return events


def of_order(events: list[dict], number: str) -> list[tuple[str, dict]]:
    found = []
    for event in events:
        payload = json.loads(event["payload"])
        if payload.get("order", {}).get("number") == number:
            found.append((event["type"], payload))
    return found


@pytest.mark.parametrize(
    ("role", "extra", "code"),
    [
        (None, {}, "UNAUTHENTICATED"),
        ("MEMBER", {"member": "M0001"}, "FORBIDDEN"),
        ("CLERK", {"store": "S01"}, "FORBIDDEN"),
        ("STORE_MANAGER", {"store": "S01"}, "FORBIDDEN"),
        ("ANALYST", {}, "FORBIDDEN"),
    ],
)
async def test_only_service_and_head_office_read_the_log(gql, token, role, extra, code):
    caller = await token(role, **extra) if role else None
    answer = await gql(EVENTS, {"first": 1}, token=caller)
    assert answer["errors"][0]["extensions"]["code"] == code
    for reader in ("SERVICE", "HQ_ADMIN"):
        assert "errors" not in await gql(EVENTS, {"first": 1}, token=await token(reader))


async def test_an_orders_life_is_in_the_log_with_its_business_keys(gql, token):
    service, hq = await token("SERVICE"), await token("HQ_ADMIN")
    member, clerk = await token("MEMBER", member="M0005"), await token("CLERK", store="S04")
    start = await head(gql, service)
    variant = await new_variant({"S04": 3}, price="19.90")
    s04 = await store_gid("S04")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s04, 2)}, token=member))["data"]["placeOrder"][
        "order"
    ]
    pay = {"orderId": order["id"], "amount": "39.80", "reference": f"log-{order['number']}"}
    await gql(CONFIRM_PAYMENT, {"input": pay}, token=service)
    await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": order["fulfillments"][0]["id"]}, token=clerk)
    code = (await gql(ORDER, {"id": order["id"]}, token=member))["data"]["order"]["pickupCode"]
    await gql(COMPLETE_PICKUP, {"store": s04, "code": code}, token=clerk)

    events = await read_all(gql, hq, start)
    life = of_order(events, order["number"])
    assert [t for t, _ in life] == [
        "order.created",
        "order.paid",
        "order.status_changed",  # the fulfilment is ready
        "order.ready_for_pickup",
        "order.status_changed",  # the fulfilment is handed over
        "order.completed",
    ]
    assert [p["fulfillment"]["status"] for t, p in life if t == "order.status_changed"] == [
        "READY_FOR_PICKUP",
        "COMPLETED",
    ]
    created = life[0][1]
    assert created["order"] == {
        "id": order["id"],
        "number": order["number"],
        "status": "PENDING_PAYMENT",
        "channel": "MINI_PROGRAM",
        "mode": "PICKUP",
        "total": "39.80",
        "currency": "CNY",
    }
    assert created["member"]["number"] == "M0005" and created["stores"] == [{"id": s04, "code": "S04"}]
    assert life[1][1]["order"]["status"] == "CONFIRMED"
    ready = life[3][1]
    assert ready["store"] == {"id": s04, "code": "S04"} and ready["fulfillment"] == {
        "id": order["fulfillments"][0]["id"]
    }
    assert life[5][1]["order"]["status"] == "COMPLETED"
    assert life[1][1]["payment"] == {"amount": "39.80", "currency": "CNY", "reference": f"log-{order['number']}"}
    stock = [json.loads(e["payload"]) for e in events if e["type"] == "stock.changed"]
    mine = [p for p in stock if p["variant"]["id"] == order["lines"][0]["variant"]["id"]]
    assert [(p["reason"], p["onHand"], p["reserved"], p["available"]) for p in mine] == [
        ("RESERVATION", 3, 2, 1),
        ("SALE", 1, 0, 1),
    ]
    assert mine[0]["store"]["code"] == "S04" and mine[0]["variant"]["sku"].startswith("TST-")
    ats = [e["at"] for e in events]
    assert len({e["id"] for e in events}) == len(events) and ats  # no entry twice


async def test_paging_with_the_cursor_and_filtering_by_type(gql, token):
    service = await token("SERVICE")
    start = await head(gql, service)
    member = await token("MEMBER", member="M0006")
    variant = await new_variant({"S02": 10})
    s02 = await store_gid("S02")
    numbers = []
    for _ in range(3):
        placed = await gql(PLACE_ORDER, {"input": pickup_input(variant, s02)}, token=member)
        numbers.append(placed["data"]["placeOrder"]["order"]["number"])

    everything = await read_all(gql, service, start)
    by_twos = await read_all(gql, service, start, first=2)
    assert [e["id"] for e in by_twos] == [e["id"] for e in everything]
    created = await read_all(gql, service, start, types=["order.created"])
    assert {e["type"] for e in created} == {"order.created"}
    assert [json.loads(e["payload"])["order"]["number"] for e in created][-3:] == numbers
    assert len(await read_all(gql, service, start, types=["order.created", "stock.changed"])) >= 6

    page = (await gql(EVENTS, {"after": start, "first": 500}, token=service))["data"]["events"]
    quiet = (await gql(EVENTS, {"after": page["cursor"]}, token=service))["data"]["events"]
    assert quiet == {"cursor": page["cursor"], "hasMore": False, "events": []}  # nothing new: same cursor
    none_of_that = (await gql(EVENTS, {"after": start, "types": ["transfer.received"]}, token=service))["data"]
    assert none_of_that["events"]["events"] == [] and none_of_that["events"]["cursor"] == page["cursor"]

    one = (await gql(EVENTS, {"after": start, "first": 1}, token=service))["data"]["events"]
    assert one["hasMore"] and len(one["events"]) == 1
    node = (await gql(NODE, {"id": one["events"][0]["id"]}, token=service))["data"]["node"]
    assert node == {**one["events"][0]}
    member_view = await gql(NODE, {"id": one["events"][0]["id"]}, token=member)
    assert member_view["data"]["node"] is None


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"first": 501}, "INVALID_INPUT"),
        ({"first": -1}, "INVALID_INPUT"),
        ({"types": ["order.payed"]}, "INVALID_INPUT"),
        ({"after": "not-a-cursor"}, "BAD_USER_INPUT"),
        ({"after": "T3JkZXI6MQ"}, "BAD_USER_INPUT"),  # an Order ID is no cursor
    ],
)
async def test_bad_arguments_are_refused_with_a_code(gql, token, variables, code):
    answer = await gql(EVENTS, variables, token=await token("SERVICE"))
    assert answer["data"] is None and answer["errors"][0]["extensions"]["code"] == code


async def test_a_member_merge_is_logged(gql, token):
    hq = await token("HQ_ADMIN")
    start = await head(gql, hq)
    survivor, survivor_number = await new_member()
    duplicate, duplicate_number = await new_member()
    from tests.orders_support import gid

    done = await gql(MERGE, {"s": gid("Member", survivor), "d": gid("Member", duplicate)}, token=hq)
    assert done["data"]["mergeMembers"]["userErrors"] == []
    merged = await read_all(gql, hq, start, types=["member.merged"])
    payloads = [json.loads(e["payload"]) for e in merged]
    assert {"member": {"id": gid("Member", survivor), "number": survivor_number},
            "merged": {"id": gid("Member", duplicate), "number": duplicate_number}} in payloads  # fmt: skip
