"""The optional response cache of anonymous catalogue reads: hits, invalidation by stock events over
the real broker, and everything it must never answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from omnichannel.response_cache import ResponseCache, ResponseCacheMiddleware, cacheable_query
from tests.api.test_adjust_stock import ADJUST, store_id

PAGE = """
query Page($stores: [ID!]) {
  products(first: 3) { edges { node { title variants { id sku stock(storeIds: $stores) { onHand available } } } } }
}
"""


@pytest_asyncio.fixture
async def cached(app: Any) -> AsyncIterator[tuple[httpx.AsyncClient, ResponseCache]]:
    """The session's app behind a cache of 60 s, listening to the app's broker (Redis)."""
    cache = ResponseCache(ttl=60)
    watcher = asyncio.create_task(cache.watch(app.state.services.broker))
    transport = httpx.ASGITransport(app=ResponseCacheMiddleware(app, cache))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        await _until(lambda: cache.generation > 0)  # subscribed
        yield http, cache
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)


async def _until(condition: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def _post(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **headers: str):
    return await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def test_repeated_anonymous_reads_come_from_the_cache_until_stock_changes(cached, gql, token):
    http, cache = cached
    s03 = await store_id(gql, "S03")
    first = await _post(http, PAGE, {"stores": [s03]})
    second = await _post(http, PAGE, {"stores": [s03]})
    assert first.status_code == second.status_code == 200
    assert first.headers["x-omnichannel-cache"] == "miss"
    assert second.headers["x-omnichannel-cache"] == "hit"
    assert second.content == first.content
    variant = first.json()["data"]["products"]["edges"][0]["node"]["variants"][0]
    on_hand = variant["stock"][0]["onHand"] if variant["stock"] else 0

    generation = cache.generation
    manager = await token("STORE_MANAGER", store="S03")
    result = await gql(ADJUST, {"s": s03, "v": variant["id"], "d": 4, "r": "delivery"}, token=manager)
    assert result["data"]["adjustStock"]["userErrors"] == []
    await _until(lambda: cache.generation > generation)  # the stock event arrived through Redis

    third = await _post(http, PAGE, {"stores": [s03]})
    assert third.headers["x-omnichannel-cache"] == "miss"
    fresh = third.json()["data"]["products"]["edges"][0]["node"]["variants"][0]
    assert fresh["stock"][0]["onHand"] == on_hand + 4
    other_stores = await _post(http, PAGE, {"stores": []})  # other variables: another entry
    assert other_stores.headers["x-omnichannel-cache"] == "miss"


async def test_members_staff_mutations_other_roots_and_errors_never_touch_it(cached, token):
    http, cache = cached
    manager = await token("STORE_MANAGER", store="S01")
    staff = await _post(http, PAGE, Authorization=f"Bearer {manager}")
    assert staff.status_code == 200 and "x-omnichannel-cache" not in staff.headers
    again = await _post(http, PAGE)
    assert again.headers["x-omnichannel-cache"] == "miss"  # the staff answer was not kept for others

    mutation = await _post(
        http, 'mutation { signIn(email: "nobody@example.com", password: "wrong-password") { token } }'
    )
    assert "x-omnichannel-cache" not in mutation.headers
    me = await _post(http, "{ me { memberNumber } }")
    assert "x-omnichannel-cache" not in me.headers

    refused = "{ products(first: 100000) { edges { node { title } } } }"
    for _ in range(2):
        answer = await _post(http, refused)
        assert answer.json()["errors"]
        assert answer.headers["x-omnichannel-cache"] == "miss"  # an answer with errors is never kept
    before = len(cache)
    broken = await http.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and "x-omnichannel-cache" not in broken.headers
    assert len(cache) == before


def test_entries_expire_and_a_response_computed_during_a_change_is_not_kept():
    now = [0.0]
    cache = ResponseCache(ttl=2, max_entries=2, clock=lambda: now[0])
    cache.store(b"a", cache.generation, b"A")
    assert cache.lookup(b"a") == b"A"
    now[0] = 2.5
    assert cache.lookup(b"a") is None
    started = cache.generation
    cache.invalidate()  # a stock change while the response was being computed
    cache.store(b"b", started, b"B")
    assert cache.lookup(b"b") is None
    for key in (b"c", b"d", b"e"):
        cache.store(key, cache.generation, key.upper())
    assert len(cache) == 2 and cache.lookup(b"c") is None and cache.lookup(b"e") == b"E"


@pytest.mark.parametrize(
    ("query", "name", "expected"),
    [
        ("{ products(first: 2) { edges { node { title } } } }", None, True),
        ("query A { stores(first: 2) { edges { node { name } } } } query B { me { memberNumber } }", "A", True),
        ("query A { stores(first: 2) { edges { node { name } } } } query B { me { memberNumber } }", "B", False),
        ("query A { stores(first: 2) { edges { node { name } } } } query B { me { memberNumber } }", None, False),
        ("{ products(first: 2) { edges { cursor } } me { memberNumber } }", None, False),
        ("{ products(first: 2) @include(if: true) { edges { cursor } } }", None, False),
        ("{ ...F } fragment F on Query { products(first: 1) { edges { cursor } } }", None, False),
        ('mutation { signIn(email: "a", password: "b") { token } }', None, False),
        ('{ node(id: "x") { id } }', None, False),
        ("{ products(", None, False),
    ],
)
def test_only_queries_of_catalogue_roots_are_cacheable(query, name, expected):
    assert (cacheable_query(query, name) is not None) is expected


async def test_the_same_query_written_differently_is_one_entry_and_other_encodings_are_not_answered(cached):
    http, cache = cached
    tight = "{products(first:2){edges{node{title}}}}"
    loose = "# the first two\n{ products( first: 2 ) {\n  edges { node { title } } } }"
    for _ in range(5):  # a stock event from the session's server (its expiry sweep) may empty the cache between
        cache.invalidate()
        generation, before = cache.generation, len(cache)
        first, second = await _post(http, tight), await _post(http, loose)
        if cache.generation == generation:
            break
    assert first.headers["x-omnichannel-cache"] == "miss"
    assert second.headers["x-omnichannel-cache"] == "hit"
    assert len(cache) == before + 1
    body = b'{"query": "{products(first:2){edges{node{title}}}}"}'
    plain = await http.post("/graphql", content=body, headers={"content-type": "text/plain"})
    assert plain.status_code == 400 and "x-omnichannel-cache" not in plain.headers  # as without the cache


def test_the_cache_keeps_at_most_its_bytes():
    cache = ResponseCache(ttl=60, max_bytes=10)
    cache.store(b"a", cache.generation, b"x" * 6)
    cache.store(b"b", cache.generation, b"y" * 6)  # 12 bytes: the older entry goes
    assert cache.lookup(b"a") is None and cache.lookup(b"b") == b"y" * 6
    assert cache.bytes == 6
    cache.store(b"c", cache.generation, b"z" * 11)  # larger than the whole cache: not kept
    assert cache.lookup(b"c") is None and cache.bytes == 6
