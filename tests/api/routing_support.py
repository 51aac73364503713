"""Helpers for routing API tests: ids, live availability from the database, the plan query."""

from __future__ import annotations

from omnichannel.persistence.db import fetch
from omnichannel.schema.relay import encode_id

PLAN = """
query($input: FulfillmentPlanInput!) {
  fulfillmentPlan(input: $input) {
    feasible explanation reasonCode workableModes
    shipments {
      store { code kind fulfillmentModes } mode distanceKm readyAfterHours transferTo { code }
      lines { quantity variant { id sku } unitPrice { amount currency } total { amount } }
    }
    shortages { quantity variant { id } }
    alternatives { code distanceKm }
  }
}
"""


def vid(pk: int) -> str:
    return encode_id("Variant", pk)


async def location(code: str) -> dict:  # type: ignore[type-arg]
    rows = await fetch("SELECT id, lat, lng, name FROM location WHERE code = $1", [code])
    return dict(rows[0])


async def sid(code: str) -> str:
    return encode_id("Store", (await location(code))["id"])


async def point(code: str) -> dict[str, float]:
    found = await location(code)
    return {"lat": found["lat"], "lng": found["lng"]}


async def available(variant: int) -> dict[str, int]:
    """location code -> what can be promised now (on hand - reserved - safety stock, at least 0)."""
    rows = await fetch(
        "SELECT l.code, GREATEST(s.on_hand - s.reserved - s.safety_stock, 0) AS a "
        "FROM stock_level s JOIN location l ON l.id = s.location_id WHERE s.variant_id = $1 AND l.active",
        [variant],
    )
    return {r["code"]: r["a"] for r in rows}


async def variant_where(condition: str, *args: object) -> int:
    """The first variant (by id) whose per-location availability `a` satisfies the SQL condition for location $1."""
    rows = await fetch(
        "SELECT s.variant_id FROM stock_level s JOIN location l ON l.id = s.location_id "
        f"WHERE l.code = $1 AND {condition} ORDER BY s.variant_id LIMIT 1",
        list(args),
    )
    assert rows, f"no demo variant with {condition} at {args[0]}"
    return int(rows[0]["variant_id"])


def shipped(plan: dict) -> dict[str, dict[str, int]]:  # type: ignore[type-arg]
    out: dict[str, dict[str, int]] = {}
    for shipment in plan["shipments"]:
        per = out.setdefault(shipment["store"]["code"], {})
        for line in shipment["lines"]:
            per[line["variant"]["id"]] = per.get(line["variant"]["id"], 0) + line["quantity"]
    return out
