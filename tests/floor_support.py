"""Helpers of the store floor tests: paid orders in one call, refunds confirmed, the books of an order."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from omnichannel.persistence import db
from tests.api.test_refunds import confirm, refund
from tests.orders_support import CONFIRM_PAYMENT, PLACE_ORDER, gid, pickup_input, store_gid


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
    """Put these variants' products in a category of their own (id, name), at the end of the tree's
    display order, and list them there."""
    name = f"Test category {secrets.token_hex(3)}"
    rows = await db.fetch(
        "INSERT INTO category (name, position) VALUES ($1, COALESCE((SELECT max(position) + 1 FROM category), 1)) "
        "RETURNING id",
        [name],
    )
    await db.execute(
        "UPDATE product SET category_id = $1 WHERE id IN (SELECT product_id FROM variant WHERE id = ANY($2::int[]))",
        [rows[0]["id"], list(variant_ids)],
    )
    await db.execute(
        "INSERT INTO product_category (product_id, category_id) SELECT DISTINCT product_id, $1::int FROM variant "
        "WHERE id = ANY($2::int[]) ON CONFLICT DO NOTHING",
        [rows[0]["id"], list(variant_ids)],
    )
    return int(rows[0]["id"]), name


async def order_id_of(number: str) -> int:
    return int((await db.fetch("SELECT id FROM customer_order WHERE number = $1", [number]))[0]["id"])


async def pad_order(gql, token, store: str, lines: list[tuple[int, int]], member: int | None = None) -> dict:
    """A clerk-pad pickup order taken by the store's clerk, paid at the store."""
    clerk = await token("CLERK", store=store)
    request = pickup_input(lines[0][0], await store_gid(store), lines[0][1], channel="CLERK_PAD")
    request["lines"] = [{"variantId": gid("Variant", v), "quantity": q} for v, q in lines]
    if member is not None:
        request["memberId"] = gid("Member", member)
    placed = (await gql(PLACE_ORDER, {"input": request}, token=clerk))["data"]["placeOrder"]
    assert placed["userErrors"] == [], placed
    order = placed["order"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"till-{order['number']}"}
    paid = (await gql(CONFIRM_PAYMENT, {"input": pay}, token=clerk))["data"]["confirmPayment"]
    assert paid["userErrors"] == [], paid
    return dict(paid["order"])


async def commission_entries(order_id: int) -> list[tuple[str, Decimal, Decimal]]:
    rows = await db.fetch(
        "SELECT kind, amount, sales FROM commission_entry WHERE order_id = $1 ORDER BY id", [order_id]
    )
    return [(r["kind"], r["amount"], r["sales"]) for r in rows]


async def credit_of(order_id: int) -> dict[int | None, Decimal]:
    rows = await db.fetch(
        "SELECT location_id, sum(amount) AS amount FROM sales_credit WHERE order_id = $1 GROUP BY location_id",
        [order_id],
    )
    return {r["location_id"]: r["amount"] for r in rows}


async def refunded(gql, token, order_id: str, lines=None) -> dict:
    """A refund asked for by head office and confirmed by the provider."""
    asked = await refund(gql, await token("HQ_ADMIN"), order_id, lines)
    assert asked["userErrors"] == [], asked
    done = await confirm(gql, token, asked["refund"]["id"], f"rf-{asked['refund']['id']}")
    assert done["userErrors"] == [] and done["refund"]["status"] == "SUCCEEDED", done
    return dict(done["refund"])
