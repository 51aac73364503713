"""Head office's product writes (the products repository of the unit of work).

A product with its listings and variants is written in one statement; SKU and barcode uniqueness
is the database's (a race between two creators ends in SKU_TAKEN / BARCODE_TAKEN for the second).
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from ...domain.catalog import Product, Variant
from ...domain.catalogue import NewVariant
from ...domain.errors import DomainError, ErrorCode
from ..db import execute, fetch
from ..mappers import PRODUCT_ACTIVE, PRODUCT_COLUMNS, VARIANT_COLUMNS, to_product, to_variant
from ..session import Session

CREATE = f"""
WITH p AS (
  INSERT INTO product (title, description, category_id, active) VALUES ($1, $2, $3, true) RETURNING *
), listed AS (
  INSERT INTO product_category (product_id, category_id, position)
  SELECT p.id, x.category_id, x.n FROM p, unnest($4::int[]) WITH ORDINALITY AS x(category_id, n)
), variants AS (
  INSERT INTO variant (product_id, sku, barcode, title, list_price, position, active)
  SELECT p.id, x.sku, x.barcode, x.title, x.price, x.n, true
  FROM p, unnest($5::text[], $6::text[], $7::text[], $8::numeric[]) WITH ORDINALITY AS x(sku, barcode, title, price, n)
)
SELECT {PRODUCT_COLUMNS} FROM p
"""

ADD_VARIANT = f"""
INSERT INTO variant (product_id, sku, barcode, title, list_price, position, active)
SELECT $1, $2, $3, $4, $5, COALESCE((SELECT max(position) + 1 FROM variant WHERE product_id = $1), 1), true
RETURNING {VARIANT_COLUMNS}, {PRODUCT_ACTIVE.format(v="variant")}
"""


def code_taken(error: asyncpg.UniqueViolationError, field: Sequence[str]) -> DomainError:
    """The refusal for a unique index a concurrent writer got to first."""
    constraint = error.constraint_name or ""
    if "barcode" in constraint:
        return DomainError(ErrorCode.BARCODE_TAKEN, "This barcode is in use.", [*field, "barcode"])
    if "code" in constraint:
        return DomainError(ErrorCode.PRODUCT_CODE_TAKEN, "This product code is in use.", [*field, "productCode"])
    return DomainError(ErrorCode.SKU_TAKEN, "This SKU is in use.", [*field, "sku"])


class ProductStore:
    """domain.ports.ProductRepository over PostgreSQL."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def taken_codes(self, skus: Sequence[str], barcodes: Sequence[str]) -> tuple[set[str], set[str]]:
        """Which of these SKUs and barcodes belong to a variant already."""
        rows = await fetch(
            "SELECT sku, barcode FROM variant WHERE sku = ANY($1::text[]) OR barcode = ANY($2::text[])",
            [list(skus), list(barcodes)],
            conn=self._session.conn,
        )
        wanted_skus, wanted_barcodes = set(skus), set(barcodes)
        return (
            {r["sku"] for r in rows if r["sku"] in wanted_skus},
            {r["barcode"] for r in rows if r["barcode"] in wanted_barcodes},
        )

    async def create(
        self, *, title: str, description: str | None, category_ids: Sequence[int], variants: Sequence[NewVariant]
    ) -> Product:
        try:
            rows = await fetch(
                CREATE,
                [
                    title,
                    description,
                    category_ids[0] if category_ids else None,
                    list(category_ids),
                    [v.sku for v in variants],
                    [v.barcode for v in variants],
                    [v.title for v in variants],
                    [v.list_price for v in variants],
                ],
                conn=self._session.conn,
            )
        except asyncpg.UniqueViolationError as error:
            raise code_taken(error, ["variants", "0"]) from None
        return to_product(rows[0])

    async def get_for_update(self, product_id: int) -> Product | None:
        rows = await fetch(
            f"SELECT {PRODUCT_COLUMNS} FROM product WHERE id = $1 FOR UPDATE", [product_id], conn=self._session.conn
        )
        return to_product(rows[0]) if rows else None

    async def update(
        self,
        product_id: int,
        *,
        title: str | None,
        description: str | None,
        set_description: bool,
        category_ids: Sequence[int] | None,
        active: bool | None,
    ) -> Product:
        conn = self._session.conn
        if category_ids is not None:
            await execute("DELETE FROM product_category WHERE product_id = $1", [product_id], conn=conn)
            await execute(
                "INSERT INTO product_category (product_id, category_id, position) "
                "SELECT $1, x.category_id, x.n FROM unnest($2::int[]) WITH ORDINALITY AS x(category_id, n)",
                [product_id, list(category_ids)],
                conn=conn,
            )
        rows = await fetch(
            "UPDATE product SET title = COALESCE($2, title), "
            "description = CASE WHEN $3 THEN $4 ELSE description END, "
            "category_id = CASE WHEN $5 THEN $6 ELSE category_id END, active = COALESCE($7, active) "
            f"WHERE id = $1 RETURNING {PRODUCT_COLUMNS}",
            [
                product_id,
                title,
                set_description,
                description,
                category_ids is not None,
                category_ids[0] if category_ids else None,
                active,
            ],
            conn=conn,
        )
        self._session.stale("product", product_id)
        self._session.stale("categories_of_product", product_id)
        return to_product(rows[0])

    async def add_variant(self, product_id: int, variant: NewVariant) -> Variant:
        try:
            rows = await fetch(
                ADD_VARIANT,
                [product_id, variant.sku, variant.barcode, variant.title, variant.list_price],
                conn=self._session.conn,
            )
        except asyncpg.UniqueViolationError as error:
            raise code_taken(error, ["variant"]) from None
        self._session.stale("variants_of_product", product_id)
        return to_variant(rows[0])
