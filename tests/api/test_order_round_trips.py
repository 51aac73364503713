"""A one-line pickup order is three statements: the first read, the promotions, one write.

This pins the fast path of resolvers/orders/place.py (its comment has the measured figures). An
idempotency key, coupons or points - or an in-transaction handler registered for OrderPlaced or
StockChanged (resolvers/in_transaction.py) - send the order through the transaction instead.
"""

from __future__ import annotations

from typing import Any

from tests.orders_support import count_statements, new_variant, pickup_input, store_gid

PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }"
PRINCIPAL = "SELECT id, merged_into_id FROM member"  # every member request: is the token's member merged?


async def _placing(gql: Any, token: Any, **extra: Any) -> list[str]:
    variant = await new_variant({"S03": 5})
    member = await token("MEMBER", member="M0012")
    order = pickup_input(variant, await store_gid("S03"), 1, **extra)
    with count_statements() as statements:
        answer = await gql(PLACE, {"input": order}, token=member)
    assert answer["data"]["placeOrder"]["userErrors"] == []
    return [s.strip() for s in statements if not s.startswith(PRINCIPAL)]


async def test_a_one_line_pickup_order_is_three_statements(gql, token):
    snapshot, promotions, write = await _placing(gql, token)
    assert "FROM location" in snapshot and "FROM promotion" in promotions
    assert write.startswith("WITH r AS (") and "UPDATE stock_level" in write and "INSERT INTO customer_order" in write


async def test_an_idempotency_key_takes_the_transaction(gql, token):
    statements = await _placing(gql, token, idempotencyKey="round-trips")
    assert any(s.startswith("INSERT INTO idempotency_key") for s in statements)
    assert any(s.startswith("UPDATE stock_level SET reserved = reserved +") for s in statements)  # reserved alone
