"""The fast executor gives exactly graphql-core's results and errors (data, messages, paths, nulling)."""

from __future__ import annotations

import asyncio
import enum
import gc
import weakref
from collections.abc import AsyncGenerator
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.types import Info

from omnichannel.resolvers.maybe import Later
from omnichannel.schema.execution import FastExecutor


@strawberry.enum
class Kind(enum.Enum):
    STORE = "store"
    WAREHOUSE = "warehouse"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Person(Named):
    name: str
    age: int


@strawberry.type
class Shop(Named):
    name: str
    code: str | None
    rank: int
    score: float
    open: bool
    kind: Kind
    price: Decimal
    tags: list[str]
    owner: Person | None


@strawberry.type
class Gauge:
    level: int
    label: str


class BrokenGauge:
    """Not a strawberry object: Gauge implements no interface, so any object with the attributes will do."""

    label = "broken"

    @property
    def level(self) -> int:
        raise ValueError("sensor offline")


async def _later_shop(shop: Shop) -> Shop:
    await asyncio.sleep(0)
    return shop


@strawberry.type
class Item:
    id: strawberry.ID
    title: str
    shop: Shop
    pending_shop: Shop
    _n: strawberry.Private[int]

    @strawberry.field
    def double(self, times: int = 2) -> int:
        return self._n * times

    @strawberry.field
    async def slow(self) -> str:
        await asyncio.sleep(0)
        return f"slow {self._n}"

    @strawberry.field
    def fails(self) -> str | None:
        raise ValueError(f"boom {self._n}")

    @strawberry.field
    def fails_hard(self) -> str:
        raise ValueError("hard")

    @strawberry.field
    def where(self, info: Info) -> str:
        return ".".join(map(str, info.path.as_list()))

    @strawberry.field
    def nothing(self) -> Shop | None:
        return None

    @strawberry.field
    def shops(self, count: int = 2) -> list[Shop]:
        return [self.shop] * count

    @strawberry.field
    def gaps(self) -> list[Shop | None]:
        return [self.shop, None, self.shop]

    @strawberry.field
    def holes(self) -> list[Shop]:
        return [self.shop, None]  # type: ignore[list-item]

    @strawberry.field
    def odd_shops(self) -> list[Shop | None]:
        return [self.shop, self.shop.owner, self.shop]  # type: ignore[list-item]

    @strawberry.field
    def gauges(self) -> list[Gauge | None]:
        return [Gauge(level=1, label="ok"), BrokenGauge(), Gauge(level=3, label="ok")]  # type: ignore[list-item]

    @strawberry.field
    def named(self) -> Named:
        return self.shop.owner or self.shop

    @strawberry.field
    def big(self) -> int:
        return 2**40

    @strawberry.field
    def awaited_shops(self) -> list[Shop]:
        return [_later_shop(self.shop), self.shop]  # type: ignore[list-item]


def _items() -> list[Item]:
    alice = Person(name="Alice", age=41)
    good = Shop(
        name="North",
        code="N1",
        rank=1,
        score=4.5,
        open=True,
        kind=Kind.STORE,
        price=Decimal("12.50"),
        tags=["a", "b"],
        owner=alice,
    )
    odd = Shop(
        name="South",
        code=None,
        rank="not a number",  # type: ignore[arg-type]
        score=float("nan"),
        open=1,  # type: ignore[arg-type]
        kind=Kind.WAREHOUSE,
        price=Decimal("3"),
        tags=[],
        owner=None,
    )
    return [
        Item(id=strawberry.ID("1"), title="one", shop=good, pending_shop=Later(lambda: _later_shop(good)), _n=1),
        Item(id=strawberry.ID("2"), title=None, shop=odd, pending_shop=Later(lambda: _later_shop(odd)), _n=2),  # type: ignore[arg-type]
        Item(id=strawberry.ID("3"), title="three", shop=good, pending_shop=Later(lambda: _later_shop(good)), _n=3),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return _items()

    @strawberry.field
    def item(self) -> Item | None:
        return _items()[0]

    @strawberry.field
    def strict_items(self) -> list[Item | None]:
        return _items()


PLAIN = strawberry.Schema(query=Query)
FAST = strawberry.Schema(query=Query, execution_context_class=FastExecutor)

QUERIES = [
    "{ items { id title } }",
    "{ strictItems { id title } }",
    "{ item { id title double triple: double(times: 3) slow where } }",
    "{ items { shop { name code rank score open kind price tags owner { name age } } } }",
    "{ items { pendingShop { name } shop { name } } }",
    "{ items { fails } }",
    "{ items { failsHard } }",
    "{ item { nothing { name } shops { name } more: shops(count: 3) { kind } } }",
    "{ item { gaps { name } } }",
    "{ item { holes { name } } }",
    "{ items { oddShops { name tags } } }",
    "{ item { gauges { level label } } }",
    "{ items { shops(count: 3) { name rank owner { name } } } }",
    "{ items { named { __typename name ... on Person { age } ... on Shop { rank } } } }",
    "{ item { big } }",
    "{ item { awaitedShops { name tags } } }",
    "{ items { ...F sameShop: shop { name } } } fragment F on Item { id shop { ... on Shop { name owner { name } } } }",
    "query($n: Int!, $skip: Boolean!) { item { double(times: $n) title @skip(if: $skip) id @include(if: $skip) } }",
    "{ __typename items { __typename shop { __typename } } }",
]


def _shape(result: Any) -> dict[str, Any]:
    errors = sorted(
        ((e.message, tuple(e.path or ()), tuple((loc.line, loc.column) for loc in e.locations or ())))
        for e in result.errors or ()
    )
    return {"data": result.data, "errors": errors}


@pytest.mark.parametrize("query", QUERIES)
async def test_fast_executor_matches_graphql_core(query):
    variables = {"n": 5, "skip": True}
    plain = await PLAIN.execute(query, variable_values=variables)
    fast = await FAST.execute(query, variable_values=variables)
    assert _shape(fast) == _shape(plain)


async def test_errors_in_a_shared_object_are_reported_at_every_position():
    query = "{ items { shop { rank } } }"
    fast = _shape(await FAST.execute(query))
    assert fast == _shape(await PLAIN.execute(query))
    assert [path for _, path, _ in fast["errors"]] == [("items", 1, "shop", "rank")]
    query = "{ strictItems { shop { rank } } again: strictItems { shop { rank } } }"
    fast = _shape(await FAST.execute(query))
    assert fast == _shape(await PLAIN.execute(query))
    assert len(fast["errors"]) == 2


async def test_a_shared_object_is_completed_once_and_reused():
    result = await FAST.execute("{ items { shop { name owner { name } } } }")
    shops = [item["shop"] for item in result.data["items"]]
    assert shops[0] == shops[2] == {"name": "North", "owner": {"name": "Alice"}}
    assert shops[0] is shops[2]  # the same object, completed once


CACHED = strawberry.Schema(
    query=Query, execution_context_class=FastExecutor, extensions=[lambda: ParserCache(maxsize=64)]
)


@pytest.mark.parametrize("query", QUERIES)
async def test_plans_shared_by_requests_of_one_document_follow_each_requests_variables(query):
    for variables in ({"n": 5, "skip": True}, {"n": 7, "skip": False}, {"n": 5, "skip": True}):
        plain = await PLAIN.execute(query, variable_values=variables)
        fast = await CACHED.execute(query, variable_values=variables)
        assert _shape(fast) == _shape(plain), variables


async def test_a_cached_document_is_planned_once(monkeypatch):
    planned: list[str] = []
    plan_field = FastExecutor._plan_field

    def counting(self, parent_type, name, fields):
        planned.append(name)
        return plan_field(self, parent_type, name, fields)

    monkeypatch.setattr(FastExecutor, "_plan_field", counting)
    query = "query($n: Int!) { items { id double(times: $n) shop { name } } }"
    first = await CACHED.execute(query, variable_values={"n": 2})
    count = len(planned)
    assert count > 0
    second = await CACHED.execute(query, variable_values={"n": 3})
    assert len(planned) == count  # nothing planned again
    assert [i["double"] for i in first.data["items"]] == [2, 4, 6]
    assert [i["double"] for i in second.data["items"]] == [3, 6, 9]
    # @include/@skip may select differently per request: such documents are planned per request
    query = "query($s: Boolean!) { item { id title @skip(if: $s) } }"
    await CACHED.execute(query, variable_values={"s": True})
    count = len(planned)
    skipped = await CACHED.execute(query, variable_values={"s": False})
    assert len(planned) > count
    assert skipped.data["item"] == {"id": "1", "title": "one"}


@strawberry.type
class Feed:
    @strawberry.subscription
    async def shops(self, count: int) -> AsyncGenerator[Shop, None]:
        for n in range(count):
            owner = Person(name=f"owner {n}", age=n)
            OWNERS.append(weakref.ref(owner))
            yield Shop(name=f"shop {n}", code=None, rank=n, score=0.0, open=True, kind=Kind.STORE,
                       price=Decimal(n), tags=[], owner=owner)  # fmt: skip


OWNERS: list[weakref.ref[Person]] = []
LIVE = strawberry.Schema(
    query=Query, subscription=Feed, execution_context_class=FastExecutor, extensions=[lambda: ParserCache(maxsize=8)]
)


async def test_a_long_subscription_keeps_no_earlier_events_alive():
    events = await LIVE.subscribe("subscription { shops(count: 1000) { name owner { name } } }")
    seen = 0
    async for result in events:
        assert result.errors is None
        assert result.data["shops"]["owner"]["name"] == f"owner {seen}"
        seen += 1
        if seen == 50:
            break
    gc.collect()
    assert sum(ref() is not None for ref in OWNERS) <= 2  # the event in hand at most, not the fifty before
    await events.aclose()
