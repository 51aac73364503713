"""Head office manages the catalogue: products with variants, updates, inactive products."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from omnichannel.persistence import db
from omnichannel.schema.relay import split_id
from tests.orders_support import PLACE_ORDER, pickup_input, store_gid
from tests.orders_support import gid as global_id

from .catalogue_support import retire_new_products

pytestmark = pytest.mark.usefixtures("retire_new_products")
__all__ = ["retire_new_products"]

CREATE = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) {
    product { id title description active categories { id name }
      variants { id sku barcode title listPrice { amount } price { amount } } }
    userErrors { field code message }
  }
}
"""
UPDATE = """
mutation($input: UpdateProductInput!) {
  updateProduct(input: $input) {
    product { id title description active categories { name } }
    userErrors { field code message }
  }
}
"""
ADD_VARIANT = """
mutation($input: AddVariantInput!) {
  addVariant(input: $input) { variant { id sku title listPrice { amount } product { id } } userErrors { field code } }
}
"""
SEARCH = "query($s: String!) { products(first: 50, search: $s) { edges { node { id title active } } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Product { active } } }"
AVAILABILITY = "query($ids: [ID!]!) { stockAvailability(variantIds: $ids) { available store { code } } }"
COUNTS = "SELECT (SELECT count(*) FROM product) AS products, (SELECT count(*) FROM variant) AS variants"


def _tag() -> str:
    return secrets.token_hex(4).upper()


def _product(tag: str, **extra: object) -> dict:
    return {
        "title": f"Trail Jacket {tag}",
        "description": "Waterproof.",
        "variants": [
            {"sku": f"TJ-{tag}-S", "barcode": f"69{tag}01", "title": "Small", "listPrice": "399.00"},
            {"sku": f"TJ-{tag}-M", "title": "Medium", "listPrice": "409.5"},
        ],
        **extra,
    }


async def _create(gql, hq, tag: str, **extra: object) -> dict:
    payload = (await gql(CREATE, {"input": _product(tag, **extra)}, token=hq))["data"]["createProduct"]
    assert payload["userErrors"] == [], payload
    return payload["product"]


async def test_a_new_product_is_active_listed_in_its_categories_and_found_by_everyone(gql, token):
    hq = await token("HQ_ADMIN")
    categories = (await gql("{ categories { id name } }"))["data"]["categories"][:2]
    tag = _tag()
    product = await _create(gql, hq, tag, categoryIds=[c["id"] for c in categories])
    assert product["active"] is True
    assert product["categories"] == categories
    assert [(v["sku"], v["listPrice"]["amount"], v["price"]["amount"]) for v in product["variants"]] == [
        (f"TJ-{tag}-S", "399.00", "399.00"),
        (f"TJ-{tag}-M", "409.50", "409.50"),
    ]
    found = (await gql(SEARCH, {"s": f"TJ-{tag}-m"}))["data"]["products"]["edges"]  # anonymous, by SKU
    assert [e["node"]["id"] for e in found] == [product["id"]]
    listed = await gql(
        "query($id: ID!) { node(id: $id) { ... on Category { products(first: 100) { edges { node { id } } } } } }",
        {"id": categories[1]["id"]},
    )
    assert product["id"] in [e["node"]["id"] for e in listed["data"]["node"]["products"]["edges"]]


async def test_every_refusal_names_its_field_and_writes_nothing(gql, token):
    hq = await token("HQ_ADMIN")
    taken = (await db.fetch("SELECT sku, barcode FROM variant WHERE barcode IS NOT NULL ORDER BY id LIMIT 1"))[0]
    tag = _tag()
    before = dict((await db.fetch(COUNTS))[0])
    cases = [
        ({"title": ""}, [("INVALID_INPUT", ["title"])]),
        ({"title": "x" * 201}, [("INVALID_INPUT", ["title"])]),
        ({"variants": []}, [("INVALID_INPUT", ["variants"])]),
        (
            {
                "variants": [
                    {"sku": taken["sku"], "title": "A", "listPrice": "1"},
                    {"sku": f"N-{tag}", "barcode": taken["barcode"], "title": "B", "listPrice": "1"},
                ]
            },
            [("SKU_TAKEN", ["variants", "0", "sku"]), ("BARCODE_TAKEN", ["variants", "1", "barcode"])],
        ),
        (
            {
                "variants": [
                    {"sku": f"D-{tag}", "title": "A", "listPrice": "1"},
                    {"sku": f"D-{tag}", "title": "B", "listPrice": "1"},
                ]
            },
            [("SKU_TAKEN", ["variants", "1", "sku"])],
        ),
        (
            {
                "variants": [
                    {"sku": f"P-{tag}", "title": "", "listPrice": "0"},
                    {"sku": f"Q-{tag}", "title": "B", "listPrice": "1.234"},
                    {"sku": f"R-{tag}", "title": "C", "listPrice": "-5"},
                ]
            },
            [
                ("INVALID_INPUT", ["variants", "0", "title"]),
                ("INVALID_INPUT", ["variants", "0", "listPrice"]),
                ("INVALID_INPUT", ["variants", "1", "listPrice"]),
                ("INVALID_INPUT", ["variants", "2", "listPrice"]),
            ],
        ),
        ({"categoryIds": [global_id("Category", 999_999)]}, [("NOT_FOUND", ["categoryIds", "0"])]),
    ]
    for change, expected in cases:
        payload = (await gql(CREATE, {"input": _product(tag, **change)}, token=hq))["data"]["createProduct"]
        assert payload["product"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == expected, change
    assert dict((await db.fetch(COUNTS))[0]) == before


async def test_only_head_office_edits_the_catalogue(gql, token):
    for role, store in (("CLERK", "S01"), ("STORE_MANAGER", "S01"), ("ANALYST", None), ("SERVICE", None)):
        answer = await gql(CREATE, {"input": _product(_tag())}, token=await token(role, store=store))
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
    member = await token("MEMBER", member="M0001")
    assert (await gql(CREATE, {"input": _product(_tag())}, token=member))["errors"][0]["extensions"]["code"] == (
        "FORBIDDEN"
    )


async def test_two_head_office_editors_racing_for_one_sku_get_one_product(gql, token):
    hq = await token("HQ_ADMIN")
    tag = _tag()
    variant = {"sku": f"RACE-{tag}", "title": "One", "listPrice": "10"}
    answers = await asyncio.gather(
        *(gql(CREATE, {"input": {"title": f"Race {tag} {n}", "variants": [variant]}}, token=hq) for n in range(6))
    )
    payloads = [a["data"]["createProduct"] for a in answers]
    created = [p for p in payloads if p["product"] is not None]
    assert len(created) == 1
    assert {e["code"] for p in payloads if p["product"] is None for e in p["userErrors"]} == {"SKU_TAKEN"}
    assert (await db.fetch("SELECT count(*) AS n FROM variant WHERE sku = $1", [f"RACE-{tag}"]))[0]["n"] == 1
    assert (await db.fetch("SELECT count(*) AS n FROM product WHERE title LIKE $1", [f"Race {tag}%"]))[0]["n"] == 1


async def test_update_changes_only_what_is_given(gql, token):
    hq = await token("HQ_ADMIN")
    product = await _create(gql, hq, _tag())
    category = (await gql("{ categories { id name } }"))["data"]["categories"][0]
    changed = (
        await gql(
            UPDATE,
            {"input": {"productId": product["id"], "title": " Renamed ", "categoryIds": [category["id"]]}},
            token=hq,
        )
    )["data"]["updateProduct"]
    assert changed["userErrors"] == []
    assert changed["product"]["title"] == "Renamed"
    assert changed["product"]["description"] == "Waterproof."
    assert changed["product"]["categories"] == [{"name": category["name"]}]
    cleared = (await gql(UPDATE, {"input": {"productId": product["id"], "description": None}}, token=hq))["data"][
        "updateProduct"
    ]
    assert cleared["product"]["description"] is None and cleared["product"]["title"] == "Renamed"
    refused = (await gql(UPDATE, {"input": {"productId": product["id"], "title": ""}}, token=hq))["data"][
        "updateProduct"
    ]
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("INVALID_INPUT", ["title"])]
    missing = (await gql(UPDATE, {"input": {"productId": global_id("Product", 999_999), "active": False}}, token=hq))[
        "data"
    ]["updateProduct"]
    assert [(e["code"], e["field"]) for e in missing["userErrors"]] == [("NOT_FOUND", ["productId"])]


async def test_add_variant(gql, token):
    hq = await token("HQ_ADMIN")
    tag = _tag()
    product = await _create(gql, hq, tag)
    added = (
        await gql(
            ADD_VARIANT,
            {
                "input": {
                    "productId": product["id"],
                    "variant": {"sku": f"TJ-{tag}-L", "title": "Large", "listPrice": "419"},
                }
            },
            token=hq,
        )
    )["data"]["addVariant"]
    assert added["userErrors"] == [] and added["variant"]["product"]["id"] == product["id"]
    assert added["variant"]["listPrice"]["amount"] == "419.00"
    again = (
        await gql(
            ADD_VARIANT,
            {"input": {"productId": product["id"], "variant": {"sku": f"TJ-{tag}-L", "title": "L", "listPrice": "1"}}},
            token=hq,
        )
    )["data"]["addVariant"]
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [("SKU_TAKEN", ["variant", "sku"])]
    bad = (
        await gql(
            ADD_VARIANT,
            {"input": {"productId": product["id"], "variant": {"sku": f"X-{tag}", "title": "", "listPrice": "0.001"}}},
            token=hq,
        )
    )["data"]["addVariant"]
    assert [(e["code"], e["field"]) for e in bad["userErrors"]] == [
        ("INVALID_INPUT", ["variant", "title"]),
        ("INVALID_INPUT", ["variant", "listPrice"]),
    ]
    titles = await gql(
        "query($id: ID!) { node(id: $id) { ... on Product { variants { title } } } }", {"id": product["id"]}
    )
    assert [v["title"] for v in titles["data"]["node"]["variants"]] == ["Small", "Medium", "Large"]


async def test_an_inactive_product_is_hidden_from_members_and_not_orderable_but_staff_see_it(gql, token):
    hq = await token("HQ_ADMIN")
    member = await token("MEMBER", member="M0001")
    clerk = await token("CLERK", store="S01")
    tag = _tag()
    product = await _create(gql, hq, tag)
    variant_id = product["variants"][0]["id"]
    s01 = await store_gid("S01")
    await db.execute(
        "INSERT INTO stock_level (variant_id, location_id, on_hand) SELECT $1, id, 5 FROM location WHERE code = 'S01'",
        [_pk(variant_id)],
    )
    await db.execute(
        "INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, on_hand_after, "
        "reserved_after, reference, actor) SELECT v.id, l.id, 'SYNC', 5, 0, 5, 0, 'test', 'test' "
        "FROM variant v, location l WHERE v.sku = $1 AND l.code = 'S01'",
        [f"TJ-{tag}-S"],
    )
    off = (await gql(UPDATE, {"input": {"productId": product["id"], "active": False}}, token=hq))["data"][
        "updateProduct"
    ]
    assert off["product"]["active"] is False
    for who in (None, member):
        assert (await gql(SEARCH, {"s": f"Trail Jacket {tag}"}, token=who))["data"]["products"]["edges"] == []
        assert (await gql(NODE, {"id": product["id"]}, token=who))["data"]["node"] is None
        assert (await gql(AVAILABILITY, {"ids": [variant_id]}, token=who))["data"]["stockAvailability"] == []
    for who in (hq, clerk):
        found = (await gql(SEARCH, {"s": f"Trail Jacket {tag}"}, token=who))["data"]["products"]["edges"]
        assert [(e["node"]["id"], e["node"]["active"]) for e in found] == [(product["id"], False)]
        assert (await gql(AVAILABILITY, {"ids": [variant_id]}, token=who))["data"]["stockAvailability"] == [
            {"available": 5, "store": {"code": "S01"}}
        ]
    refused = (await gql(PLACE_ORDER, {"input": pickup_input(_pk(variant_id), s01)}, token=member))["data"][
        "placeOrder"
    ]
    assert refused["order"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("PRODUCT_INACTIVE", ["lines", "0", "variantId"])
    ]
    on = (await gql(UPDATE, {"input": {"productId": product["id"], "active": True}}, token=hq))["data"]["updateProduct"]
    assert on["product"]["active"] is True
    placed = (await gql(PLACE_ORDER, {"input": pickup_input(_pk(variant_id), s01)}, token=member))["data"]["placeOrder"]
    assert placed["userErrors"] == [] and placed["order"]["status"] == "PENDING_PAYMENT"


def _pk(global_id_value: str) -> int:
    return split_id(global_id_value)[1]
