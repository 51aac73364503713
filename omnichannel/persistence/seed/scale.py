"""A large deterministic data set for benchmarks: N stores, M products, stock at 20 stores each.

Bulk-loaded with COPY (500 stores x 20,000 products loads in well under two minutes).
Store codes are SC0001.., warehouses WH001..; products get 3 variants each. About a fifth of the
variants have an APP price, some a MINI_PROGRAM price or a store price, so pricing reads real overrides.
"""

from __future__ import annotations

import random
from decimal import Decimal

from tortoise.transactions import in_transaction

from ...domain.credit import DEFAULT_STORE_SHARE
from ...domain.inventory import MovementReason
from ...domain.money import to_amount
from .demo import EMAIL_DOMAIN, ean13
from .history import seed_history
from .writer import copy_rows, fetch, reset_sequences

STOCKED_STORES_PER_VARIANT = 20
VARIANTS_PER_PRODUCT = 3
CENTER = (31.2304, 121.4737)  # Shanghai, People's Square
HISTORY_DAYS = 60
HISTORY_RATE = 0.02  # sparser than the demo's: about 350,000 past sales at 500 stores x 20,000 products


async def _next_id(table: str) -> int:
    rows = await fetch(f"SELECT COALESCE(MAX(id), 0) AS m FROM {table}")
    return int(rows[0]["m"]) + 1


async def seed_scale(
    stores: int, products: int, password_hash: str, *, seed: int = 7, store_share: Decimal = DEFAULT_STORE_SHARE
) -> dict[str, int]:
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    async with in_transaction():
        loc0, cat0, prod0, var0, staff0 = (
            await _next_id("location"),
            await _next_id("category"),
            await _next_id("product"),
            await _next_id("variant"),
            await _next_id("staff"),
        )
        warehouses = max(2, stores // 50)
        locations = []
        for i in range(stores + warehouses):
            is_store = i < stores
            code = f"SC{i + 1:04d}" if is_store else f"WH{i - stores + 1:03d}"
            lat = CENTER[0] + rng.uniform(-0.35, 0.35)
            lng = CENTER[1] + rng.uniform(-0.45, 0.45)
            modes = (
                "EXPRESS,PICKUP,SAME_CITY"
                if is_store and rng.random() < 0.7
                else ("EXPRESS,PICKUP" if is_store else "EXPRESS")
            )
            radius = rng.choice([3.0, 5.0, 8.0]) if "SAME_CITY" in modes else 0.0
            locations.append(
                (
                    loc0 + i,
                    code,
                    f"{'Store' if is_store else 'Warehouse'} {code}",
                    "STORE" if is_store else "REGIONAL_WAREHOUSE",
                    lat,
                    lng,
                    modes,
                    radius,
                    "10:00-22:00",
                    "Shanghai",
                    f"{i + 1} Scale Road",
                    True,
                )
            )
        counts["locations"] = await copy_rows(
            "location",
            [
                "id",
                "code",
                "name",
                "kind",
                "lat",
                "lng",
                "modes",
                "delivery_radius_km",
                "opening_hours",
                "city",
                "address",
                "active",
            ],
            locations,
        )
        store_ids = [loc[0] for loc in locations[:stores]]
        warehouse_ids = [loc[0] for loc in locations[stores:]]
        categories = [(cat0 + i, f"Scale Category {cat0 + i}", i) for i in range(20)]
        await copy_rows("category", ["id", "name", "position"], categories)

        product_rows, variant_rows, stock_rows, movement_rows = [], [], [], []
        override_rows: list[tuple[int, str | None, int | None, Decimal]] = []
        variant_id = var0
        for p in range(products):
            product_id = prod0 + p
            price = Decimal(rng.randrange(19, 999)) + Decimal("0.90")
            product_rows.append((product_id, f"Scale Product {product_id}", None, categories[p % 20][0], True))
            for position in range(VARIANTS_PER_PRODUCT):
                variant_rows.append(
                    (
                        variant_id,
                        product_id,
                        f"SCL-{variant_id:08d}",
                        ean13(f"69{variant_id:010d}"),
                        f"Scale Product {product_id} / {position + 1}",
                        price,
                        position,
                        True,
                    )
                )
                roll = rng.random()
                if roll < 0.2:
                    override_rows.append((variant_id, "APP", None, to_amount(price * Decimal("0.9"))))
                elif roll < 0.25:
                    override_rows.append((variant_id, "MINI_PROGRAM", None, to_amount(price * Decimal("0.95"))))
                if rng.random() < 0.05:
                    store_price = to_amount(price * Decimal("0.8"))
                    override_rows.append((variant_id, None, rng.choice(store_ids), store_price))
                stocked = rng.sample(store_ids, min(STOCKED_STORES_PER_VARIANT, len(store_ids))) + warehouse_ids
                for location_id in stocked:
                    on_hand = rng.randint(0, 30)
                    stock_rows.append((variant_id, location_id, on_hand, 0, 1 if on_hand > 5 else 0))
                    if on_hand:
                        movement_rows.append(
                            (
                                variant_id,
                                location_id,
                                MovementReason.SYNC.value,
                                on_hand,
                                0,
                                on_hand,
                                0,
                                "opening stock",
                                "seed:scale",
                                "seed",
                            )
                        )
                variant_id += 1
        counts["products"] = await copy_rows(
            "product", ["id", "title", "description", "category_id", "active"], product_rows
        )
        await copy_rows(
            "product_category", ["product_id", "category_id"], [(p[0], p[3]) for p in product_rows if p[3] is not None]
        )
        counts["variants"] = await copy_rows(
            "variant", ["id", "product_id", "sku", "barcode", "title", "list_price", "position", "active"], variant_rows
        )
        counts["price_overrides"] = await copy_rows(
            "price_override", ["variant_id", "channel", "location_id", "amount"], override_rows
        )
        counts["stock_levels"] = await copy_rows(
            "stock_level", ["variant_id", "location_id", "on_hand", "reserved", "safety_stock"], stock_rows
        )
        counts["movements"] = await copy_rows(
            "stock_movement",
            [
                "variant_id",
                "location_id",
                "reason",
                "on_hand_delta",
                "reserved_delta",
                "on_hand_after",
                "reserved_after",
                "note",
                "reference",
                "actor",
            ],
            movement_rows,
        )
        staff_rows: list[tuple[int, str, str, str, int, str, bool]] = []
        for loc in locations[:stores]:
            code = loc[1].lower()
            staff_rows.append(
                (
                    staff0 + len(staff_rows),
                    f"clerk.{code}@{EMAIL_DOMAIN}",
                    f"Clerk {loc[1]}",
                    "CLERK",
                    loc[0],
                    password_hash,
                    True,
                )
            )
            staff_rows.append(
                (
                    staff0 + len(staff_rows),
                    f"manager.{code}@{EMAIL_DOMAIN}",
                    f"Manager {loc[1]}",
                    "STORE_MANAGER",
                    loc[0],
                    password_hash,
                    True,
                )
            )
        counts["staff"] = await copy_rows(
            "staff", ["id", "email", "name", "role", "location_id", "password_hash", "active"], staff_rows
        )
        counts.update(await seed_history(store_ids, days=HISTORY_DAYS, rate=HISTORY_RATE, store_share=store_share))
    await reset_sequences(["location", "category", "product", "variant", "price_override", "stock_level", "staff"])
    await fetch("ANALYZE")
    return counts
