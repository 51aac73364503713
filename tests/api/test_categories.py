"""The catalogue tree: head office adds categories; everyone browses them and their products."""

from __future__ import annotations

import secrets

import pytest

from omnichannel.persistence import db
from omnichannel.schema.relay import encode_id, split_id

from .catalogue_support import retire_new_products
from .test_query_count import _statements, count_statements

pytestmark = pytest.mark.usefixtures("retire_new_products")
__all__ = ["count_statements", "retire_new_products"]

CREATE = """
mutation($input: CreateCategoryInput!) {
  createCategory(input: $input) {
    category { id name parent { id name } }
    userErrors { field code message }
  }
}
"""
CATEGORIES = "{ categories { id name parent { id } } }"
CATEGORY_PRODUCTS = """
query($id: ID!, $first: Int, $after: String) {
  node(id: $id) { ... on Category { name products(first: $first, after: $after) {
    edges { cursor node { id title active categories { id name } } }
    pageInfo { hasNextPage endCursor } } } }
}
"""


def _name(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(3)}"


async def test_head_office_builds_a_tree_that_everyone_sees(gql, token):
    hq = await token("HQ_ADMIN")
    top = (await gql(CREATE, {"input": {"name": _name("Outdoor")}}, token=hq))["data"]["createCategory"]
    assert top["userErrors"] == [] and top["category"]["parent"] is None
    child_name = _name("Tents")
    child = (await gql(CREATE, {"input": {"name": f"  {child_name} ", "parentId": top["category"]["id"]}}, token=hq))[
        "data"
    ]["createCategory"]
    assert child["category"]["name"] == child_name
    assert child["category"]["parent"] == {"id": top["category"]["id"], "name": top["category"]["name"]}
    listed = (await gql(CATEGORIES))["data"]["categories"]  # anonymous: the whole tree, children included
    by_id = {c["id"]: c for c in listed}
    assert by_id[child["category"]["id"]]["parent"] == {"id": top["category"]["id"]}
    assert by_id[top["category"]["id"]]["parent"] is None
    assert len(listed) == (await db.fetch("SELECT count(*) AS n FROM category"))[0]["n"]


async def test_refusals_write_nothing(gql, token):
    hq = await token("HQ_ADMIN")
    count = "SELECT count(*) AS n FROM category"
    before = (await db.fetch(count))[0]["n"]
    existing = (await gql(CATEGORIES))["data"]["categories"][0]
    cases = [
        ({"name": existing["name"]}, "NAME_TAKEN", ["name"]),
        ({"name": "   "}, "INVALID_INPUT", ["name"]),
        ({"name": "x" * 81}, "INVALID_INPUT", ["name"]),
        ({"name": "bad\x00name"}, None, None),  # refused at the edge for every string
        ({"name": _name("Orphan"), "parentId": "not-an-id!"}, None, None),
    ]
    for given, code, field in cases:
        answer = await gql(CREATE, {"input": given}, token=hq)
        if code is None:  # a malformed id is a top-level error
            assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            continue
        assert answer.get("data"), (given, answer)
        errors = answer["data"]["createCategory"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], given
    missing_parent = await gql(
        CREATE, {"input": {"name": _name("Orphan"), "parentId": _global("Category", 999_999)}}, token=hq
    )
    assert missing_parent["data"]["createCategory"]["userErrors"][0]["field"] == ["parentId"]
    assert (await db.fetch(count))[0]["n"] == before


async def test_only_head_office_creates_categories(gql, token):
    for role, store in (("CLERK", "S01"), ("STORE_MANAGER", "S01"), ("SERVICE", None), ("ANALYST", None)):
        answer = await gql(CREATE, {"input": {"name": _name("Nope")}}, token=await token(role, store=store))
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
    anonymous = await gql(CREATE, {"input": {"name": _name("Nope")}})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_category_products_page_and_products_know_their_categories(gql):
    listed = (await gql(CATEGORIES))["data"]["categories"]
    first = next(c for c in listed if c["parent"] is None)
    seen: list[str] = []
    after = None
    for _ in range(20):
        node = (await gql(CATEGORY_PRODUCTS, {"id": first["id"], "first": 3, "after": after}))["data"]["node"]
        page = node["products"]
        for edge in page["edges"]:
            assert edge["node"]["active"] is True
            assert first["id"] in [c["id"] for c in edge["node"]["categories"]]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = await db.fetch(
        "SELECT count(*) AS n FROM product_category pc JOIN product p ON p.id = pc.product_id "
        "WHERE p.active AND pc.category_id = $1",
        [_pk(first["id"])],
    )
    assert len(seen) == len(set(seen)) == expected[0]["n"] > 0


async def test_categories_with_products_cost_the_same_statements_for_few_and_many(gql, count_statements):
    few = "{ categories { id products(first: 1) { edges { node { id categories { name } } } } } }"
    many = "{ categories { id products(first: 8) { edges { node { id categories { name } } } } } }"
    small = await _statements(gql, count_statements, few, {})
    large = await _statements(gql, count_statements, many, {})
    assert len(small) == len(large) <= 3


def _pk(global_id: str) -> int:
    return split_id(global_id)[1]


def _global(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)
