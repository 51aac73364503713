"""Helpers of the store floor tests: a paid pickup order in one call."""

from __future__ import annotations

import secrets
from typing import Any

from omnichannel.persistence import db
from tests.orders_support import CONFIRM_PAYMENT, PLACE_ORDER, gid, pickup_input


async def paid_pickup_order(
    gql: Any,
    token: Any,
    variant: int,
    store_gid: str,
    quantity: int = 1,
    *,
    member: str = "M0001",
    also: tuple[int, ...] = (),
) -> dict[str, Any]:
    """Place a MINI_PROGRAM pickup order as the member (one of `variant`, one of each of `also`) and pay it."""
    request = pickup_input(variant, store_gid, quantity)
    request["lines"] += [{"variantId": gid("Variant", v), "quantity": 1} for v in also]
    placed = (await gql(PLACE_ORDER, {"input": request}, token=await token("MEMBER", member=member)))["data"][
        "placeOrder"
    ]
    assert placed["userErrors"] == [], placed["userErrors"]
    order = placed["order"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"pay-{secrets.token_hex(6)}"}
    paid = (await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE")))["data"]["confirmPayment"]
    assert paid["userErrors"] == [], paid["userErrors"]
    return dict(paid["order"])


async def in_new_category(*variant_ids: int) -> tuple[int, str]:
    """Put these variants' products in a category of their own (id, name)."""
    name = f"Test category {secrets.token_hex(3)}"
    rows = await db.fetch("INSERT INTO category (name) VALUES ($1) RETURNING id", [name])
    await db.execute(
        "UPDATE product SET category_id = $1 WHERE id IN (SELECT product_id FROM variant WHERE id = ANY($2::int[]))",
        [rows[0]["id"], list(variant_ids)],
    )
    return int(rows[0]["id"]), name
