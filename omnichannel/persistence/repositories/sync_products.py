"""The ERP's product master applied set-wise: categories by name, products by code, variants by SKU.

Each step is one statement over the whole batch (unnest of arrays): categories missing are created,
products and variants are created or updated where something differs; rows that name a barcode
another variant has are refused (BARCODE_TAKEN) before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.errors import ErrorCode
from ...domain.sync import ProductRow, ProductsApplied, RowError
from ..db import execute, fetch
from ..session import Session

CATEGORIES = """
WITH made AS (
  INSERT INTO category (name, position)
  SELECT x.name, COALESCE((SELECT max(position) FROM category), 0) + x.n
  FROM unnest($1::text[]) WITH ORDINALITY AS x(name, n)
  ON CONFLICT (name) DO NOTHING RETURNING id, name
)
SELECT id, name FROM made UNION ALL SELECT id, name FROM category WHERE name = ANY($1::text[])
"""
PRODUCTS = """
WITH x AS (SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) AS x(code, title, category_id)),
made AS (
  INSERT INTO product (code, title, category_id, active)
  SELECT x.code, x.title, x.category_id, true FROM x ORDER BY x.code
  ON CONFLICT (code) DO NOTHING RETURNING id, code, true AS created, true AS changed
),
changed AS (
  UPDATE product p SET title = x.title, category_id = x.category_id FROM x
  WHERE p.code = x.code AND (p.title <> x.title OR p.category_id IS DISTINCT FROM x.category_id)
  RETURNING p.id, p.code, false AS created, true AS changed
)
SELECT id, code, created, changed FROM made
UNION ALL SELECT id, code, created, changed FROM changed
UNION ALL SELECT p.id, p.code, false, false FROM product p JOIN x ON x.code = p.code
"""
LISTINGS = """
INSERT INTO product_category (product_id, category_id)
SELECT x.product_id, x.category_id FROM unnest($1::int[], $2::int[]) AS x(product_id, category_id)
ON CONFLICT (product_id, category_id) DO NOTHING
"""
BARCODES = "SELECT sku, barcode FROM variant WHERE barcode = ANY($1::text[])"
VARIANTS = """
WITH x AS (
  SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::text[], $6::numeric[])
    AS x(n, sku, product_id, title, barcode, price)
),
made AS (
  INSERT INTO variant (product_id, sku, barcode, title, list_price, position, active)
  SELECT x.product_id, x.sku, x.barcode, x.title, x.price, x.n, true FROM x ORDER BY x.sku
  ON CONFLICT DO NOTHING RETURNING sku
),
changed AS (
  UPDATE variant v SET product_id = x.product_id, title = x.title, barcode = x.barcode, list_price = x.price
  FROM x WHERE v.sku = x.sku AND (v.product_id <> x.product_id OR v.title <> x.title
    OR v.barcode IS DISTINCT FROM x.barcode OR v.list_price <> x.price)
  RETURNING v.sku
)
SELECT sku, 'made' AS what FROM made UNION ALL SELECT sku, 'changed' FROM changed
UNION ALL SELECT v.sku, 'there' FROM variant v JOIN x ON x.sku = v.sku
"""


class ProductSync:
    _session: Session

    @property
    def _db(self) -> BaseDBAsyncClient | None:
        return self._session.conn

    async def apply_products(self, rows: Sequence[tuple[int, ProductRow]]) -> ProductsApplied:
        """rows: (row index, checked row); every SKU and barcode once in the batch (checked before)."""
        conn = self._db
        rejected: list[RowError] = []
        barcodes = [r.barcode for _, r in rows if r.barcode is not None]
        if barcodes:
            owners = {b["barcode"]: b["sku"] for b in await fetch(BARCODES, [barcodes], conn=conn)}
            kept = []
            for n, row in rows:
                owner = owners.get(row.barcode) if row.barcode is not None else None
                if owner is not None and owner != row.sku:
                    rejected.append(RowError(n, ErrorCode.BARCODE_TAKEN, f"Barcode {row.barcode} is {owner}'s."))
                else:
                    kept.append((n, row))
            rows = kept
        if not rows:
            return ProductsApplied(0, 0, rejected, [])
        names = sorted({r.category_name for _, r in rows if r.category_name is not None})
        category_ids = {c["name"]: c["id"] for c in await fetch(CATEGORIES, [names], conn=conn)} if names else {}
        firsts: dict[str, ProductRow] = {}
        for _, row in rows:
            firsts.setdefault(row.product_code, row)
        codes = sorted(firsts)
        found = await fetch(
            PRODUCTS,
            [
                codes,
                [firsts[c].product_title for c in codes],
                [category_ids.get(firsts[c].category_name or "") for c in codes],
            ],
            conn=conn,
        )
        product_ids: dict[str, int] = {}
        touched_products: set[str] = set()
        for r in found:
            product_ids[r["code"]] = r["id"]
            if r["changed"]:
                touched_products.add(r["code"])
        listed = [
            (product_ids[c], category_ids[firsts[c].category_name or ""]) for c in codes if firsts[c].category_name
        ]
        if listed:
            await execute(LISTINGS, [[p for p, _ in listed], [c for _, c in listed]], conn=conn)
        outcome = await fetch(
            VARIANTS,
            [
                [n for n, _ in rows],
                [r.sku for _, r in rows],
                [product_ids[r.product_code] for _, r in rows],
                [r.variant_title for _, r in rows],
                [r.barcode for _, r in rows],
                [r.list_price for _, r in rows],
            ],
            conn=conn,
        )
        made = {r["sku"] for r in outcome if r["what"] == "made"}
        changed = {r["sku"] for r in outcome if r["what"] == "changed"}
        there = {r["sku"] for r in outcome if r["what"] == "there"}
        applied = unchanged = 0
        for n, row in rows:
            if row.sku in made or row.sku in changed or row.product_code in touched_products:
                applied += 1
            elif row.sku in there:
                unchanged += 1
            else:  # a concurrent writer took the SKU or barcode between our check and our insert
                rejected.append(RowError(n, ErrorCode.SKU_TAKEN, f"SKU {row.sku} could not be written."))
        return ProductsApplied(
            applied, unchanged, sorted(rejected, key=lambda e: e.row), sorted(set(product_ids.values()))
        )
