"""Payments: one row per provider reference (unique), written with the order's confirmation."""

from __future__ import annotations

from decimal import Decimal

from ..db import fetch
from ..session import Session


class PaymentStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    async def order_paid_with(self, reference: str) -> int | None:
        """The order a payment reference already confirmed, if any."""
        rows = await fetch("SELECT order_id FROM payment WHERE reference = $1", [reference], conn=self._session.conn)
        return int(rows[0]["order_id"]) if rows else None

    async def record(self, *, order_id: int, reference: str, amount: Decimal, currency: str, actor: str) -> bool:
        """Write the payment; False when the reference is already recorded (a concurrent duplicate)."""
        rows = await fetch(
            "INSERT INTO payment (order_id, reference, amount, currency, actor) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (reference) DO NOTHING RETURNING id",
            [order_id, reference, amount, currency, actor],
            conn=self._session.conn,
        )
        return bool(rows)
