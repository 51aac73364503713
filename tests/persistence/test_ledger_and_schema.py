"""Invariants of the stored data: the stock ledger sums to the levels; the schema guards itself."""

from __future__ import annotations

import pytest

from omnichannel.persistence import db


async def test_the_ledger_sums_to_every_stock_level(app):
    """Whatever the tests before this one did, every level equals the sum of its movements."""
    rows = await db.fetch(
        "SELECT s.location_id, s.variant_id, s.on_hand, s.reserved, "
        "COALESCE(SUM(m.on_hand_delta), 0) AS moved_on_hand, COALESCE(SUM(m.reserved_delta), 0) AS moved_reserved "
        "FROM stock_level s LEFT JOIN stock_movement m "
        "ON m.location_id = s.location_id AND m.variant_id = s.variant_id "
        "GROUP BY s.location_id, s.variant_id, s.on_hand, s.reserved"
    )
    assert len(rows) > 1000
    drift = [dict(r) for r in rows if (r["on_hand"], r["reserved"]) != (r["moved_on_hand"], r["moved_reserved"])]
    assert drift == []


async def test_each_movement_records_the_level_after_it(app):
    rows = await db.fetch(
        "SELECT location_id, variant_id, on_hand_after, reserved_after, "
        "SUM(on_hand_delta) OVER w AS running_on_hand, SUM(reserved_delta) OVER w AS running_reserved "
        "FROM stock_movement WINDOW w AS (PARTITION BY location_id, variant_id ORDER BY id)"
    )
    wrong = [
        dict(r)
        for r in rows
        if (r["on_hand_after"], r["reserved_after"]) != (r["running_on_hand"], r["running_reserved"])
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE stock_level SET reserved = -1 WHERE id = (SELECT min(id) FROM stock_level)",
        "UPDATE stock_level SET safety_stock = -1 WHERE id = (SELECT min(id) FROM stock_level)",
        "UPDATE variant SET list_price = -1 WHERE id = 1",
        "INSERT INTO price_override (variant_id, channel, location_id, amount) "
        "SELECT variant_id, channel, location_id, amount FROM price_override LIMIT 1",
    ],
)
async def test_constraints_refuse_impossible_rows(app, statement):
    with pytest.raises(Exception, match=r"violates"):
        await db.execute(statement)
