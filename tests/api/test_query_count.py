"""No N+1: the number of SQL statements a query runs does not grow with the number of items it returns.

Statements are counted at the asyncpg layer (every fetch, execute and executemany of every pooled or
transaction connection), only for the request under test: the counter lives in a context variable
that the request's tasks inherit and background tasks do not see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
import pytest

STATEMENTS: ContextVar[list[str] | None] = ContextVar("statements", default=None)

PRODUCTS = """
query($first: Int!, $stores: [ID!]!) {
  products(first: $first) { edges { node { title variants { sku price(channel: APP) { amount }
    stock(storeIds: $stores) { available store { name } } } } } }
}
"""

PRODUCT_NODE = """
query($id: ID!, $stores: [ID!]!) { node(id: $id) { ... on Product { title variants { sku
  price(channel: APP) { amount } stock(storeIds: $stores) { available store { name } } } } } }
"""

AVAILABILITY = """
query($ids: [ID!]!) { stockAvailability(variantIds: $ids) { available store { name } variant { sku } } }
"""


@pytest.fixture
def count_statements(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Any]:
    """with count_statements() as statements: ... -> the SQL text of every statement run inside."""
    connection = asyncpg.connection.Connection
    for name in ("_execute", "_executemany", "execute"):
        original = getattr(connection, name)

        def counted(self: Any, query: str, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            log = STATEMENTS.get()
            if log is not None:
                log.append(" ".join(query.split()))
            return __original(self, query, *args, **kwargs)

        monkeypatch.setattr(connection, name, counted)

    @contextmanager
    def counting() -> Iterator[list[str]]:
        log: list[str] = []
        token = STATEMENTS.set(log)
        try:
            yield log
        finally:
            STATEMENTS.reset(token)

    return counting


async def _store_ids(gql: Any, count: int = 5) -> list[str]:
    stores = (await gql("{ stores(first: 20) { edges { node { id code } } } }"))["data"]["stores"]["edges"]
    return [e["node"]["id"] for e in stores if e["node"]["code"].startswith("S")][:count]


async def _statements(gql: Any, counting: Callable[[], Any], query: str, variables: dict[str, Any]) -> list[str]:
    with counting() as statements:
        result = await gql(query, variables)
    assert "errors" not in result, result["errors"]
    return list(statements)


async def test_a_product_page_runs_the_same_statements_for_5_and_50_products(gql, count_statements):
    stores = await _store_ids(gql)
    small = await _statements(gql, count_statements, PRODUCTS, {"first": 5, "stores": stores})
    large = await _statements(gql, count_statements, PRODUCTS, {"first": 50, "stores": stores})
    assert len(small) == len(large), "\n".join(["N=5:", *small, "N=50:", *large])
    # the page with its variants and their price overrides, the stock, the stores: one statement each
    assert len(large) <= 3, "\n".join(large)


async def test_the_page_still_batches_when_fields_come_through_fragments_and_aliases(gql, count_statements):
    stores = await _store_ids(gql)
    query = """
    query($first: Int!, $stores: [ID!]!) { products(first: $first) { edges { node { ...P } } } }
    fragment P on Product { title variants { app: price(channel: APP) { amount } list: price { amount }
      here: stock(storeIds: $stores) { available store { name } } everywhere: stock { onHand } } }
    """
    small = await _statements(gql, count_statements, query, {"first": 3, "stores": stores})
    large = await _statements(gql, count_statements, query, {"first": 30, "stores": stores})
    assert len(small) == len(large), "\n".join(["N=3:", *small, "N=30:", *large])


async def test_node_of_a_product_runs_the_same_statements_whatever_its_variant_count(gql, count_statements):
    stores = await _store_ids(gql)
    page = (await gql("{ products(first: 64) { edges { node { id variants { id } } } } }"))["data"]["products"]
    by_size = {len(e["node"]["variants"]): e["node"]["id"] for e in page["edges"]}
    fewest, most = by_size[min(by_size)], by_size[max(by_size)]
    assert min(by_size) < max(by_size)
    small = await _statements(gql, count_statements, PRODUCT_NODE, {"id": fewest, "stores": stores})
    large = await _statements(gql, count_statements, PRODUCT_NODE, {"id": most, "stores": stores})
    assert len(small) == len(large), "\n".join(["fewest variants:", *small, "most variants:", *large])
    # the product, its variants, their overrides, their stock, the stores
    assert len(large) <= 5, "\n".join(large)


async def test_stock_availability_runs_the_same_statements_for_1_and_10_variants(gql, count_statements):
    page = (await gql("{ products(first: 5) { edges { node { variants { id } } } } }"))["data"]["products"]
    variant_ids = [v["id"] for e in page["edges"] for v in e["node"]["variants"]]
    assert len(variant_ids) >= 10
    one = await _statements(gql, count_statements, AVAILABILITY, {"ids": variant_ids[:1]})
    ten = await _statements(gql, count_statements, AVAILABILITY, {"ids": variant_ids[:10]})
    assert len(one) == len(ten), "\n".join(["1 variant:", *one, "10 variants:", *ten])
    assert len(ten) <= 3, "\n".join(ten)  # stock rows, locations, variants
