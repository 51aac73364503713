"""Categories (a tree) and the products listed in them; the category writes of the unit of work."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from ...domain.catalog import Category, Product
from ...domain.errors import DomainError, ErrorCode
from ..db import fetch
from ..mappers import PRODUCT_COLUMNS, Row, to_product
from ..session import Session

CATEGORY_COLUMNS = "id, name, parent_id"


def to_category(row: Row) -> Category:
    return Category(row["id"], row["name"], row["parent_id"])


async def all_categories() -> list[Category]:
    """Every category, parents before their children's siblings in display order (position, id)."""
    rows = await fetch(f"SELECT {CATEGORY_COLUMNS} FROM category ORDER BY position, id")
    return [to_category(r) for r in rows]


async def categories_by_ids(ids: Sequence[int]) -> list[Category]:
    rows = await fetch(f"SELECT {CATEGORY_COLUMNS} FROM category WHERE id = ANY($1::int[])", [list(ids)])
    return [to_category(r) for r in rows]


async def categories_of_products(product_ids: Sequence[int]) -> list[tuple[int, Category]]:
    """(product id, category) for every listing of these products, in listing order."""
    rows = await fetch(
        "SELECT pc.product_id, c.id, c.name, c.parent_id FROM product_category pc "
        "JOIN category c ON c.id = pc.category_id WHERE pc.product_id = ANY($1::int[]) "
        "ORDER BY pc.product_id, pc.position, c.id",
        [list(product_ids)],
    )
    return [(r["product_id"], to_category(r)) for r in rows]


async def products_of_categories(
    category_ids: Sequence[int], *, after_id: int | None, limit: int, with_inactive: bool
) -> list[tuple[int, Product]]:
    """(category id, product) for the first `limit` products of each category after a cursor, in id
    order, in one statement for any number of categories."""
    rows = await fetch(
        f"SELECT listed_in, {PRODUCT_COLUMNS} FROM ("
        f"  SELECT pc.category_id AS listed_in, {', '.join('p.' + c for c in PRODUCT_COLUMNS.split(', '))}, "
        "   row_number() OVER (PARTITION BY pc.category_id ORDER BY p.id) AS n "
        "  FROM product_category pc JOIN product p ON p.id = pc.product_id "
        "  WHERE pc.category_id = ANY($1::int[]) AND ($2::int IS NULL OR p.id > $2) AND ($4 OR p.active)"
        ") listed WHERE n <= $3 ORDER BY listed_in, id",
        [list(category_ids), after_id, limit, with_inactive],
    )
    return [(r["listed_in"], to_product(r)) for r in rows]


class CategoryStore:
    """Category writes of the unit of work (domain.ports.CategoryRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def create(self, name: str, parent_id: int | None) -> Category:
        """A new category; NAME_TAKEN when the name is in use (names are unique across the tree)."""
        try:
            rows = await fetch(
                "INSERT INTO category (name, parent_id, position) "
                "VALUES ($1, $2, COALESCE((SELECT max(position) + 1 FROM category), 1)) "
                f"RETURNING {CATEGORY_COLUMNS}",
                [name, parent_id],
                conn=self._session.conn,
            )
        except asyncpg.UniqueViolationError:
            raise DomainError(ErrorCode.NAME_TAKEN, "A category with this name exists.", ["name"]) from None
        return to_category(rows[0])

    async def missing(self, ids: Sequence[int]) -> list[int]:
        """The ids of these that name no category, in the order given."""
        rows = await fetch("SELECT id FROM category WHERE id = ANY($1::int[])", [list(ids)], conn=self._session.conn)
        found = {r["id"] for r in rows}
        return [i for i in ids if i not in found]
