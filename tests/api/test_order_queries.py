"""Reading orders: cursor pagination, filters, catching up after a reconnect, and no N+1 queries."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.orders_support import (
    CANCEL_ORDER,
    PLACE_ORDER,
    count_statements,
    gid,
    new_member,
    new_variant,
    store_gid,
)

DEEP = """query($first: Int, $after: String, $status: [OrderStatus!], $since: DateTime) {
  orders(first: $first, after: $after, status: $status, updatedSince: $since) {
    edges { cursor node {
      number status pickupCode total { amount } member { memberNumber } pickupStore { code }
      lines { quantity unitPrice { amount } variant { sku product { title } } }
      fulfillments { status store { code } lines { quantity variant { sku } } order { number } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def _orders_for(gql, token, member: str, count: int) -> list[dict]:
    bearer = await token("MEMBER", member=member)
    first, second = await new_variant({"S06": 200}), await new_variant({"S07": 200})
    placed = []
    for i in range(count):
        variant, store = (first, "S06") if i % 2 else (second, "S07")
        request = {
            "channel": "APP",
            "fulfillmentMode": "PICKUP",
            "pickupStoreId": await store_gid(store),
            "lines": [{"variantId": gid("Variant", variant), "quantity": 1 + i % 3}],
        }
        placed.append((await gql(PLACE_ORDER, {"input": request}, token=bearer))["data"]["placeOrder"]["order"])
    return placed


async def test_lists_cost_the_same_number_of_statements_for_3_or_25_orders(gql, token):
    await _orders_for(gql, token, "M0020", 25)
    bearer = await token("HQ_ADMIN")
    counts = {}
    for size in (3, 25):
        with count_statements() as statements:
            result = await gql(DEEP, {"first": size}, token=bearer)
        assert "errors" not in result, result
        assert len(result["data"]["orders"]["edges"]) == size
        counts[size] = len(statements)
    assert counts[3] == counts[25], counts
    assert counts[25] <= 10, counts


async def test_pages_follow_cursors_newest_first_without_gaps(gql, token):
    _, member = await new_member()
    placed = await _orders_for(gql, token, member, 7)
    bearer = await token("MEMBER", member=member)
    seen, after = [], None
    while True:
        page = (await gql(DEEP, {"first": 3, "after": after}, token=bearer))["data"]["orders"]
        seen += [e["node"]["number"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    mine = [o["number"] for o in placed]
    assert seen == list(reversed(mine))
    assert len(seen) == len(set(seen))


async def test_a_feed_that_reconnects_catches_up_with_updated_since_and_status(gql, token):
    _, member = await new_member()
    placed = await _orders_for(gql, token, member, 3)
    bearer = await token("MEMBER", member=member)
    disconnected_at = datetime.now(UTC).isoformat()
    await gql(CANCEL_ORDER, {"input": {"orderId": placed[1]["id"]}}, token=bearer)
    missed = (await gql(DEEP, {"since": disconnected_at}, token=bearer))["data"]["orders"]["edges"]
    assert [e["node"]["number"] for e in missed] == [placed[1]["number"]]
    assert missed[0]["node"]["status"] == "CANCELLED"
    pending = (await gql(DEEP, {"status": ["PENDING_PAYMENT"], "first": 50}, token=bearer))["data"]["orders"]
    numbers = {e["node"]["number"] for e in pending["edges"]}
    assert placed[0]["number"] in numbers and placed[1]["number"] not in numbers


async def test_member_orders_of_many_members_load_in_one_batch(gql, token):
    variant = await new_variant({"S08": 50})
    request = {
        "channel": "APP",
        "fulfillmentMode": "PICKUP",
        "pickupStoreId": await store_gid("S08"),
        "lines": [{"variantId": gid("Variant", variant), "quantity": 1}],
    }
    for n in range(1, 9):  # every member queried has an order with lines
        await gql(PLACE_ORDER, {"input": request}, token=await token("MEMBER", member=f"M{n:04d}"))
    bearer = await token("HQ_ADMIN")

    def query(count: int) -> str:
        fields = " ".join(
            f'm{i}: node(id: "{gid("Member", i + 1)}") {{ ... on Member {{ orders(first: 3) {{ edges {{ node {{ '
            "number lines { quantity } } } } } }"
            for i in range(count)
        )
        return "{ " + fields + " }"

    counts = {}
    for size in (2, 8):
        with count_statements() as statements:
            result = await gql(query(size), token=bearer)
        assert "errors" not in result, result
        assert all(result["data"][f"m{i}"]["orders"]["edges"] for i in range(size))
        counts[size] = len(statements)
    assert counts[2] == counts[8], counts
