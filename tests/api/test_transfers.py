"""Transfers: request (hold at the source), ship, receive (short receipts), cancel; who may; bad input;
double clicks and concurrent requests against real PostgreSQL; the ledger and the event log."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from omnichannel.persistence import db
from tests.orders_support import errors_of, gid, ledger_mismatches, level, new_variant, store_gid

TRANSFER = (
    "id number status note reference from { code } to { code } lines { quantity receivedQuantity variant { id } }"
)
REQUEST = f"""
mutation($input: RequestTransferInput!) {{
  requestTransfer(input: $input) {{ transfer {{ {TRANSFER} }} userErrors {{ field message code }} }}
}}"""
ACTION = """
mutation($id: ID!) {
  %s(input: {transferId: $id}) { transfer { id number status shippedAt receivedAt } userErrors { field message code } }
}"""
RECEIVE = f"""
mutation($input: ReceiveTransferInput!) {{
  receiveTransfer(input: $input) {{ transfer {{ {TRANSFER} receivedAt }} userErrors {{ field message code }} }}
}}"""
LIST = """
query($store: ID, $status: [TransferStatus!], $first: Int, $after: String) {
  transfers(storeId: $store, status: $status, first: $first, after: $after) {
    edges { cursor node { number status from { code } to { code } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def request(gql: Any, tok: str, src: str, dst: str, lines: list[tuple[int, int]], **extra: Any) -> dict[str, Any]:
    payload = {
        "fromStoreId": await store_gid(src),
        "toStoreId": await store_gid(dst),
        "lines": [{"variantId": gid("Variant", v), "quantity": q} for v, q in lines],
        **extra,
    }
    result = await gql(REQUEST, {"input": payload}, token=tok)
    assert "errors" not in result, result
    return result["data"]["requestTransfer"]


async def action(gql: Any, tok: str, name: str, transfer_id: str) -> dict[str, Any]:
    result = await gql(ACTION % name, {"id": transfer_id}, token=tok)
    return result


async def movements(reference: str) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT l.code, m.variant_id, m.reason, m.on_hand_delta, m.reserved_delta FROM stock_movement m "
        "JOIN location l ON l.id = m.location_id WHERE m.reference = $1 ORDER BY m.id",
        [reference],
    )
    return [dict(r) for r in rows]


async def transfer_count() -> int:
    return int((await db.fetch("SELECT count(*) AS n FROM transfer"))[0]["n"])


async def test_request_ship_receive_with_a_short_receipt(gql, token):
    a, b = await new_variant({"S01": 10}), await new_variant({"S01": 5, "S02": 1})
    manager = await token("STORE_MANAGER", store="S02")
    made = await request(gql, manager, "S01", "S02", [(a, 4), (b, 5)], note="weekend promo")
    assert made["userErrors"] == []
    transfer = made["transfer"]
    assert (transfer["status"], transfer["from"]["code"], transfer["to"]["code"]) == ("REQUESTED", "S01", "S02")
    assert transfer["number"].startswith("TR") and transfer["note"] == "weekend promo"
    assert await level(a, "S01") == {"on_hand": 10, "reserved": 4, "safety_stock": 0}
    assert await level(b, "S01") == {"on_hand": 5, "reserved": 5, "safety_stock": 0}

    clerk = await token("CLERK", store="S01")
    shipped = (await action(gql, clerk, "shipTransfer", transfer["id"]))["data"]["shipTransfer"]
    assert shipped["userErrors"] == [] and shipped["transfer"]["status"] == "IN_TRANSIT"
    assert shipped["transfer"]["shippedAt"] is not None
    assert await level(a, "S01") == {"on_hand": 6, "reserved": 0, "safety_stock": 0}
    assert await level(b, "S01") == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert await level(a, "S02") == {"on_hand": 0, "reserved": 0, "safety_stock": 0}

    receiver = await token("CLERK", store="S02")
    got = await gql(
        RECEIVE,
        {"input": {"transferId": transfer["id"], "lines": [{"variantId": gid("Variant", b), "quantity": 3}]}},
        token=receiver,
    )
    received = got["data"]["receiveTransfer"]
    assert received["userErrors"] == []
    assert received["transfer"]["status"] == "RECEIVED"
    by_variant = {line["variant"]["id"]: line for line in received["transfer"]["lines"]}
    assert by_variant[gid("Variant", a)]["receivedQuantity"] == 4  # not listed: arrived whole
    assert by_variant[gid("Variant", b)]["receivedQuantity"] == 3  # short by 2
    assert await level(a, "S02") == {"on_hand": 4, "reserved": 0, "safety_stock": 0}
    assert await level(b, "S02") == {"on_hand": 4, "reserved": 0, "safety_stock": 0}

    moved = await movements(transfer["number"])
    assert {m["reason"] for m in moved} == {"TRANSFER"}
    assert [(m["code"], m["variant_id"], m["on_hand_delta"], m["reserved_delta"]) for m in moved] == [
        ("S01", a, 0, 4), ("S01", b, 0, 5),  # requested: held
        ("S01", a, -4, -4), ("S01", b, -5, -5),  # shipped
        ("S02", a, 4, 0), ("S02", b, 3, 0),  # received
    ]  # fmt: skip
    assert await ledger_mismatches([a, b]) == []

    logged = await db.fetch(
        "SELECT type, payload FROM event_log WHERE type LIKE 'transfer.%' AND payload->'transfer'->>'number' = $1 "
        "ORDER BY id",
        [transfer["number"]],
    )
    assert [r["type"] for r in logged] == ["transfer.shipped", "transfer.received"]
    stock_logged = await db.fetch(
        "SELECT count(*) AS n FROM event_log WHERE type = 'stock.changed' AND payload->>'reference' = $1",
        [transfer["number"]],
    )
    assert stock_logged[0]["n"] == 6


async def test_cancel_before_shipping_releases_the_hold_and_wrong_steps_are_refused(gql, token):
    v = await new_variant({"S03": 8})
    manager = await token("STORE_MANAGER", store="S03")
    transfer = (await request(gql, manager, "S03", "S04", [(v, 8)]))["transfer"]
    assert await level(v, "S03") == {"on_hand": 8, "reserved": 8, "safety_stock": 0}
    receiver = await token("CLERK", store="S04")
    early = (await gql(RECEIVE, {"input": {"transferId": transfer["id"]}}, token=receiver))["data"]["receiveTransfer"]
    assert errors_of(early) == ["INVALID_TRANSITION"] and early["transfer"] is None

    other_manager = await token("STORE_MANAGER", store="S04")  # the destination's manager may call it off too
    cancelled = (await action(gql, other_manager, "cancelTransfer", transfer["id"]))["data"]["cancelTransfer"]
    assert cancelled["userErrors"] == [] and cancelled["transfer"]["status"] == "CANCELLED"
    assert await level(v, "S03") == {"on_hand": 8, "reserved": 0, "safety_stock": 0}
    again = (await action(gql, other_manager, "cancelTransfer", transfer["id"]))["data"]["cancelTransfer"]
    assert again["userErrors"] == [] and again["transfer"]["status"] == "CANCELLED"  # a double click
    ship = (await action(gql, manager, "shipTransfer", transfer["id"]))["data"]["shipTransfer"]
    assert errors_of(ship) == ["INVALID_TRANSITION"]
    assert await level(v, "S03") == {"on_hand": 8, "reserved": 0, "safety_stock": 0}
    assert [(m["reserved_delta"]) for m in await movements(transfer["number"])] == [8, -8]


async def test_shipped_transfers_cannot_be_cancelled(gql, token):
    v = await new_variant({"S05": 3})
    admin = await token("HQ_ADMIN")
    transfer = (await request(gql, admin, "S05", "W01", [(v, 2)]))["transfer"]
    assert (await action(gql, admin, "shipTransfer", transfer["id"]))["data"]["shipTransfer"]["userErrors"] == []
    refused = (await action(gql, admin, "cancelTransfer", transfer["id"]))["data"]["cancelTransfer"]
    assert errors_of(refused) == ["INVALID_TRANSITION"]
    assert await level(v, "S05") == {"on_hand": 1, "reserved": 0, "safety_stock": 0}


async def test_wrong_store_staff_are_forbidden_and_nothing_is_written(gql, token):
    v = await new_variant({"S06": 5})
    outsider = await token("STORE_MANAGER", store="S07")
    before = await transfer_count()
    result = await gql(
        REQUEST,
        {"input": {"fromStoreId": await store_gid("S06"), "toStoreId": await store_gid("S08"),
                   "lines": [{"variantId": gid("Variant", v), "quantity": 1}]}},
        token=outsider,
    )  # fmt: skip
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    clerk = await token("CLERK", store="S06")  # clerks do not request transfers
    result = await gql(
        REQUEST,
        {"input": {"fromStoreId": await store_gid("S06"), "toStoreId": await store_gid("S08"),
                   "lines": [{"variantId": gid("Variant", v), "quantity": 1}]}},
        token=clerk,
    )  # fmt: skip
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await transfer_count() == before

    manager = await token("STORE_MANAGER", store="S06")
    transfer = (await request(gql, manager, "S06", "S08", [(v, 2)]))["transfer"]
    destination_clerk = await token("CLERK", store="S08")  # ships from the source only
    assert (await action(gql, destination_clerk, "shipTransfer", transfer["id"]))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    source_clerk = await token("CLERK", store="S06")
    assert (await action(gql, source_clerk, "shipTransfer", transfer["id"]))["data"]["shipTransfer"]["userErrors"] == []
    refused = await gql(RECEIVE, {"input": {"transferId": transfer["id"]}}, token=source_clerk)  # not their delivery
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    member = await token("MEMBER", member="M0001")
    cancelled = await action(gql, member, "cancelTransfer", transfer["id"])
    assert cancelled["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await level(v, "S06") == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    assert await level(v, "S08") == {"on_hand": 0, "reserved": 0, "safety_stock": 0}


@pytest.mark.parametrize(
    ("lines", "extra", "codes", "field"),
    [
        ([(0, 0)], {}, ["INVALID_INPUT"], ["lines", "0", "quantity"]),
        ([(0, -3)], {}, ["INVALID_INPUT"], ["lines", "0", "quantity"]),
        ([(0, 10**9)], {}, ["INVALID_INPUT"], ["lines", "0", "quantity"]),
        ([(0, 1), (0, 2)], {}, ["INVALID_INPUT"], ["lines", "1", "variantId"]),
        ([], {}, ["INVALID_INPUT"], ["lines"]),
        ([(0, 1)], {"to": "S09"}, ["INVALID_INPUT"], ["toStoreId"]),
        ([(0, 1)], {"from": "unknown"}, ["NOT_FOUND"], ["fromStoreId"]),
        ([(-1, 1)], {}, ["NOT_FOUND"], ["lines", "0", "variantId"]),
        ([(0, 99)], {}, ["OUT_OF_STOCK"], ["lines", "0", "quantity"]),
        ([(0, 1)], {"note": "x" * 501}, ["INVALID_INPUT"], ["note"]),
    ],
)
async def test_bad_requests_are_user_errors_and_write_nothing(gql, token, lines, extra, codes, field):
    v = await new_variant({"S09": 5})
    admin = await token("HQ_ADMIN")
    before = await transfer_count()
    mine = "SELECT count(*) AS n FROM stock_movement WHERE variant_id = $1"  # the session's server works beside us
    movements_before = (await db.fetch(mine, [v]))[0]["n"]
    src = gid("Store", 2_000_000_000) if extra.get("from") == "unknown" else await store_gid("S09")
    dst = await store_gid(extra.get("to", "S10"))
    payload: dict[str, Any] = {
        "fromStoreId": src,
        "toStoreId": dst,
        "lines": [{"variantId": gid("Variant", 2_000_000_000 if n < 0 else v), "quantity": q} for n, q in lines],
    }
    if "note" in extra:
        payload["note"] = extra["note"]
    result = await gql(REQUEST, {"input": payload}, token=admin)
    assert "errors" not in result, result
    answer = result["data"]["requestTransfer"]
    assert answer["transfer"] is None
    assert errors_of(answer)[:1] == codes and answer["userErrors"][0]["field"] == field
    assert await transfer_count() == before
    assert (await db.fetch(mine, [v]))[0]["n"] == movements_before
    assert await level(v, "S09") == {"on_hand": 5, "reserved": 0, "safety_stock": 0}


async def test_safety_stock_is_not_transferable(gql, token):
    v = await new_variant({"S10": 10}, safety=4)
    admin = await token("HQ_ADMIN")
    refused = await request(gql, admin, "S10", "S11", [(v, 7)])
    assert errors_of(refused) == ["OUT_OF_STOCK"]
    assert (await request(gql, admin, "S10", "S11", [(v, 6)]))["userErrors"] == []


async def test_fifty_concurrent_requests_never_hold_more_than_there_is(gql, token):
    v = await new_variant({"S11": 10})
    admin = await token("HQ_ADMIN")
    dst = await store_gid("S12")
    src = await store_gid("S11")
    body = {"fromStoreId": src, "toStoreId": dst, "lines": [{"variantId": gid("Variant", v), "quantity": 1}]}
    results = await asyncio.gather(*(gql(REQUEST, {"input": body}, token=admin) for _ in range(50)))
    answers = [r["data"]["requestTransfer"] for r in results]
    made = [a for a in answers if a["transfer"] is not None]
    refused = [a for a in answers if a["transfer"] is None]
    assert len(made) == 10 and len(refused) == 40
    assert all(errors_of(a) == ["OUT_OF_STOCK"] for a in refused)
    assert await level(v, "S11") == {"on_hand": 10, "reserved": 10, "safety_stock": 0}
    rows = await db.fetch(
        "SELECT count(*) AS n FROM transfer t JOIN transfer_line x ON x.transfer_id = t.id WHERE x.variant_id = $1",
        [v],
    )
    assert rows[0]["n"] == 10
    assert await ledger_mismatches([v]) == []


async def test_two_concurrent_ships_and_receives_move_the_stock_once(gql, token):
    v = await new_variant({"S12": 6})
    admin = await token("HQ_ADMIN")
    transfer = (await request(gql, admin, "S12", "S01", [(v, 5)]))["transfer"]
    clerk = await token("CLERK", store="S12")
    ships = await asyncio.gather(*(action(gql, clerk, "shipTransfer", transfer["id"]) for _ in range(2)))
    assert [s["data"]["shipTransfer"]["transfer"]["status"] for s in ships] == ["IN_TRANSIT", "IN_TRANSIT"]
    assert await level(v, "S12") == {"on_hand": 1, "reserved": 0, "safety_stock": 0}
    receiver = await token("CLERK", store="S01")
    receipts = await asyncio.gather(
        *(gql(RECEIVE, {"input": {"transferId": transfer["id"]}}, token=receiver) for _ in range(2))
    )
    assert [r["data"]["receiveTransfer"]["userErrors"] for r in receipts] == [[], []]
    assert await level(v, "S01") == {"on_hand": 5, "reserved": 0, "safety_stock": 0}
    assert len(await movements(transfer["number"])) == 3
    assert await ledger_mismatches([v]) == []


async def test_concurrent_orders_and_transfers_never_push_available_below_zero(gql, token):
    from tests.orders_support import PLACE_ORDER, pickup_input

    v = await new_variant({"S02": 12})
    admin = await token("HQ_ADMIN")
    member = await token("MEMBER", member="M0002")
    src, dst = await store_gid("S02"), await store_gid("S03")
    body = {"fromStoreId": src, "toStoreId": dst, "lines": [{"variantId": gid("Variant", v), "quantity": 2}]}
    work = [gql(REQUEST, {"input": body}, token=admin) for _ in range(6)]
    work += [gql(PLACE_ORDER, {"input": pickup_input(v, src, 2)}, token=member) for _ in range(6)]
    await asyncio.gather(*work)
    after = await level(v, "S02")
    assert after["on_hand"] == 12 and after["reserved"] == 12  # 6 successes of 2 units, whoever won
    assert await ledger_mismatches([v]) == []


async def test_receipts_that_do_not_match_the_transfer_are_refused(gql, token):
    v, w = await new_variant({"S04": 5}), await new_variant({"S04": 5})
    admin = await token("HQ_ADMIN")
    transfer = (await request(gql, admin, "S04", "S05", [(v, 3)]))["transfer"]
    await action(gql, admin, "shipTransfer", transfer["id"])
    for lines, field in (
        ([{"variantId": gid("Variant", v), "quantity": 4}], ["lines", "0", "quantity"]),
        ([{"variantId": gid("Variant", v), "quantity": -1}], ["lines", "0", "quantity"]),
        ([{"variantId": gid("Variant", w), "quantity": 1}], ["lines", "0", "variantId"]),
        ([{"variantId": gid("Variant", v), "quantity": 1}, {"variantId": gid("Variant", v), "quantity": 1}],
         ["lines", "1", "variantId"]),
    ):  # fmt: skip
        answer = (await gql(RECEIVE, {"input": {"transferId": transfer["id"], "lines": lines}}, token=admin))["data"]
        assert errors_of(answer["receiveTransfer"]) == ["INVALID_INPUT"]
        assert answer["receiveTransfer"]["userErrors"][0]["field"] == field
    assert await level(v, "S05") == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    unknown = await action(gql, admin, "shipTransfer", gid("Transfer", 2_000_000_000))
    assert errors_of(unknown["data"]["shipTransfer"]) == ["NOT_FOUND"]


async def test_transfers_lists_a_stores_transfers_for_its_staff(gql, token):
    v = await new_variant({"S07": 9})
    manager = await token("STORE_MANAGER", store="S07")
    numbers = []
    for _ in range(3):
        numbers.append((await request(gql, manager, "S07", "S08", [(v, 1)]))["transfer"]["number"])
    clerk = await token("CLERK", store="S08")
    page = (await gql(LIST, {"store": await store_gid("S08"), "first": 2}, token=clerk))["data"]["transfers"]
    assert [e["node"]["number"] for e in page["edges"]] == numbers[::-1][:2]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        LIST, {"store": await store_gid("S08"), "first": 1, "after": page["pageInfo"]["endCursor"]}, token=clerk
    )
    assert rest["data"]["transfers"]["edges"][0]["node"]["number"] == numbers[0]
    own = (await gql(LIST, {"status": ["REQUESTED"], "first": 100}, token=manager))["data"]["transfers"]["edges"]
    assert set(numbers) <= {e["node"]["number"] for e in own}
    assert all(e["node"]["status"] == "REQUESTED" for e in own)
    outsider = await token("CLERK", store="S09")
    refused = await gql(LIST, {"store": await store_gid("S08")}, token=outsider)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    analyst = await token("ANALYST")
    seen = (await gql(LIST, {"store": await store_gid("S07"), "first": 100}, token=analyst))["data"]["transfers"]
    assert set(numbers) <= {e["node"]["number"] for e in seen["edges"]}
    node = await gql(
        "query($id: ID!) { node(id: $id) { ... on Transfer { number } } }",
        {"id": gid("Transfer", await _transfer_id(numbers[0]))},
        token=outsider,
    )
    assert node["data"]["node"] is None


async def _transfer_id(number: str) -> int:
    return int((await db.fetch("SELECT id FROM transfer WHERE number = $1", [number]))[0]["id"])


async def test_a_double_clicked_request_with_its_key_holds_once(gql, token):
    """A client sends one idempotency key per request form: twenty concurrent clicks are one transfer."""
    v = await new_variant({"S06": 10})
    manager = await token("STORE_MANAGER", store="S07")
    body = {
        "fromStoreId": await store_gid("S06"),
        "toStoreId": await store_gid("S07"),
        "lines": [{"variantId": gid("Variant", v), "quantity": 3}],
        "note": "for the weekend",
        "idempotencyKey": "pad-form-7f3a",
    }
    results = await asyncio.gather(*(gql(REQUEST, {"input": body}, token=manager) for _ in range(20)))
    answers = [r["data"]["requestTransfer"] for r in results]
    assert all(a["userErrors"] == [] for a in answers), answers
    assert len({a["transfer"]["number"] for a in answers}) == 1
    assert await level(v, "S06") == {"on_hand": 10, "reserved": 3, "safety_stock": 0}
    assert len(await movements(answers[0]["transfer"]["number"])) == 1
    # later (a retry after a timeout): still that transfer, whatever became of it
    await action(gql, manager, "cancelTransfer", answers[0]["transfer"]["id"])
    again = (await gql(REQUEST, {"input": body}, token=manager))["data"]["requestTransfer"]
    assert (again["transfer"]["number"], again["transfer"]["status"]) == (answers[0]["transfer"]["number"], "CANCELLED")
    assert await level(v, "S06") == {"on_hand": 10, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([v]) == []


async def test_an_idempotency_key_names_one_request_of_one_requester(gql, token):
    v = await new_variant({"S06": 10})
    manager, admin = await token("STORE_MANAGER", store="S07"), await token("HQ_ADMIN")
    body = {
        "fromStoreId": await store_gid("S06"),
        "toStoreId": await store_gid("S07"),
        "lines": [{"variantId": gid("Variant", v), "quantity": 2}],
        "idempotencyKey": "pad-form-91c2",
    }
    first = (await gql(REQUEST, {"input": body}, token=manager))["data"]["requestTransfer"]
    assert first["userErrors"] == []
    count = await transfer_count()
    other = {**body, "lines": [{"variantId": gid("Variant", v), "quantity": 5}]}
    reused = (await gql(REQUEST, {"input": other}, token=manager))["data"]["requestTransfer"]
    assert reused["transfer"] is None
    assert [(e["code"], e["field"]) for e in reused["userErrors"]] == [("IDEMPOTENCY_KEY_REUSED", ["idempotencyKey"])]
    assert await transfer_count() == count
    # the same key from someone else is their own request
    theirs = (await gql(REQUEST, {"input": body}, token=admin))["data"]["requestTransfer"]
    assert theirs["userErrors"] == [] and theirs["transfer"]["number"] != first["transfer"]["number"]
    assert await level(v, "S06") == {"on_hand": 10, "reserved": 4, "safety_stock": 0}
    for bad in ("", "x" * 101, "tab\there"):
        refused = (await gql(REQUEST, {"input": {**body, "idempotencyKey": bad}}, token=manager))["data"]
        assert [(e["code"], e["field"]) for e in refused["requestTransfer"]["userErrors"]] == [
            ("INVALID_INPUT", ["idempotencyKey"])
        ]
    assert await transfer_count() == count + 1
