"""Helpers of the store floor tests: a paid pickup order in one call."""

from __future__ import annotations

import secrets
from typing import Any

from tests.orders_support import CONFIRM_PAYMENT, PLACE_ORDER, pickup_input


async def paid_pickup_order(
    gql: Any, token: Any, variant: int, store_gid: str, quantity: int = 1, *, member: str = "M0001"
) -> dict[str, Any]:
    """Place a MINI_PROGRAM pickup order as the member and pay it as the payment provider."""
    placed = (
        await gql(
            PLACE_ORDER,
            {"input": pickup_input(variant, store_gid, quantity)},
            token=await token("MEMBER", member=member),
        )
    )["data"]["placeOrder"]
    assert placed["userErrors"] == [], placed["userErrors"]
    order = placed["order"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"pay-{secrets.token_hex(6)}"}
    paid = (await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE")))["data"]["confirmPayment"]
    assert paid["userErrors"] == [], paid["userErrors"]
    return dict(paid["order"])
