"""Shared helpers for the order tests: fresh SKUs with stock of their own, GraphQL documents, ledger checks."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from omnichannel.persistence import db
from omnichannel.schema.relay import encode_id

ORDER_FIELDS = """
fragment OrderFields on Order {
  id number channel status fulfillmentMode reservationExpiresAt pickupCode createdAt
  subtotal { amount currency } discountTotal { amount } total { amount currency }
  pointsRedeemed pointsEarned
  member { memberNumber }
  attributedClerk { name }
  lines { quantity unitPrice { amount } total { amount } variant { id sku } }
  fulfillments { id mode status store { code } lines { quantity variant { id } } }
}
"""

PLACE_ORDER = (
    """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { ...OrderFields }
    userErrors { field message code }
    alternativeStores { code distanceKm }
  }
}"""
    + ORDER_FIELDS
)

CONFIRM_PAYMENT = (
    """
mutation($input: ConfirmPaymentInput!) {
  confirmPayment(input: $input) { order { ...OrderFields } userErrors { field message code } }
}"""
    + ORDER_FIELDS
)

CANCEL_ORDER = (
    """
mutation($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { ...OrderFields } userErrors { field message code } }
}"""
    + ORDER_FIELDS
)

FULFILLMENT_ACTION = """
mutation($id: ID!) {
  %s(input: {fulfillmentId: $id}) { fulfillment { id status mode order { status } } userErrors { field message code } }
}"""

COMPLETE_PICKUP = (
    """
mutation($store: ID!, $code: String!) {
  completePickup(input: {storeId: $store, pickupCode: $code}) {
    order { ...OrderFields } userErrors { field message code }
  }
}"""
    + ORDER_FIELDS
)

ORDER = "query($id: ID!) { order(id: $id) { ...OrderFields } }" + ORDER_FIELDS


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


async def location_id(code: str) -> int:
    rows = await db.fetch("SELECT id FROM location WHERE code = $1", [code])
    return int(rows[0]["id"])


async def store_gid(code: str) -> str:
    return gid("Store", await location_id(code))


async def new_variant(stock: dict[str, int], *, price: str = "100.00", safety: int = 0) -> int:
    """A SKU no other test touches, with opening stock (SYNC movements) at these stores."""
    tag = secrets.token_hex(4).upper()
    product = await db.fetch(
        "INSERT INTO product (title, description) VALUES ($1, 'test product') RETURNING id", [f"Test {tag}"]
    )
    variant = await db.fetch(
        "INSERT INTO variant (product_id, sku, title, list_price) VALUES ($1, $2, $3, $4) RETURNING id",
        [product[0]["id"], f"TST-{tag}", f"Test {tag}", Decimal(price)],
    )
    variant_id = int(variant[0]["id"])
    for code, quantity in stock.items():
        loc = await location_id(code)
        await db.execute(
            "INSERT INTO stock_level (variant_id, location_id, on_hand, safety_stock) VALUES ($1, $2, $3, $4)",
            [variant_id, loc, quantity, safety],
        )
        await db.execute(
            "INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, "
            "on_hand_after, reserved_after, reference, actor) VALUES ($1, $2, 'SYNC', $3, 0, $3, 0, 'test', 'test')",
            [variant_id, loc, quantity],
        )
    return variant_id


async def level(variant_id: int, code: str) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT on_hand, reserved, safety_stock FROM stock_level WHERE variant_id = $1 AND location_id = $2",
        [variant_id, await location_id(code)],
    )
    return dict(rows[0]) if rows else {"on_hand": 0, "reserved": 0, "safety_stock": 0}


async def ledger_mismatches(variant_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Stock rows whose ledger does not sum to the level (should always be empty)."""
    rows = await db.fetch(
        "SELECT s.variant_id, s.location_id, s.on_hand, s.reserved, "
        "COALESCE(SUM(m.on_hand_delta), 0) AS ledger_on_hand, COALESCE(SUM(m.reserved_delta), 0) AS ledger_reserved "
        "FROM stock_level s LEFT JOIN stock_movement m "
        "ON m.variant_id = s.variant_id AND m.location_id = s.location_id "
        "WHERE $1::int[] IS NULL OR s.variant_id = ANY($1::int[]) "
        "GROUP BY s.variant_id, s.location_id, s.on_hand, s.reserved "
        "HAVING s.on_hand <> COALESCE(SUM(m.on_hand_delta), 0) OR s.reserved <> COALESCE(SUM(m.reserved_delta), 0)",
        [variant_ids],
    )
    return [dict(r) for r in rows]


def pickup_input(variant_id: int, store: str, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "channel": "MINI_PROGRAM",
        "fulfillmentMode": "PICKUP",
        "pickupStoreId": store,
        "lines": [{"variantId": gid("Variant", variant_id), "quantity": quantity}],
        **extra,
    }


def errors_of(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


_COUNTING: ContextVar[list[str] | None] = ContextVar("omnichannel_test_statements", default=None)
_PATCHED = False
POOL_RESET = "SELECT pg_advisory_unlock_all()"  # asyncpg's pool resets every released connection


def _patch_asyncpg() -> None:
    """Count statements sent by code running in a counting context (background tasks are not)."""
    global _PATCHED
    if _PATCHED:
        return
    import asyncpg

    for name in ("fetch", "fetchrow", "fetchval", "execute", "executemany"):
        original = getattr(asyncpg.Connection, name)

        def counted(self: Any, query: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            statements = _COUNTING.get()
            if statements is not None and not query.startswith(POOL_RESET):
                statements.append(query)
            return _original(self, query, *args, **kwargs)

        setattr(asyncpg.Connection, name, counted)
    _PATCHED = True


@contextlib.contextmanager
def count_statements() -> Iterator[list[str]]:
    """The SQL statements sent while the block runs (requests it makes included)."""
    _patch_asyncpg()
    statements: list[str] = []
    token = _COUNTING.set(statements)
    try:
        yield statements
    finally:
        _COUNTING.reset(token)


async def new_member() -> tuple[int, str]:
    """A member no other test orders for (id, member number)."""
    number = f"T{secrets.token_hex(4).upper()}"
    rows = await db.fetch(
        "INSERT INTO member (member_number, display_name) VALUES ($1, 'Test Member') RETURNING id", [number]
    )
    return int(rows[0]["id"]), number
