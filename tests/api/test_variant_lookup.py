"""variant(sku:) / variant(barcode:): one indexed look-up for scanners, tills and the ERP."""

from __future__ import annotations

import pytest

from omnichannel.persistence import db

from .catalogue_support import retire_new_products
from .test_query_count import _statements, count_statements

pytestmark = pytest.mark.usefixtures("retire_new_products")
__all__ = ["count_statements", "retire_new_products"]

LOOKUP = """
query($sku: String, $barcode: String) {
  variant(sku: $sku, barcode: $barcode) { id sku barcode title price { amount } product { title active } }
}
"""


async def _demo_variant() -> dict:
    rows = await db.fetch(
        "SELECT v.id, v.sku, v.barcode, p.title FROM variant v JOIN product p ON p.id = v.product_id "
        "WHERE v.barcode IS NOT NULL AND p.active ORDER BY v.id LIMIT 1"
    )
    return dict(rows[0])


async def test_a_scanner_finds_a_variant_by_sku_or_barcode(gql):
    known = await _demo_variant()
    by_sku = (await gql(LOOKUP, {"sku": known["sku"]}))["data"]["variant"]
    by_barcode = (await gql(LOOKUP, {"barcode": known["barcode"]}))["data"]["variant"]
    assert by_sku == by_barcode
    assert (by_sku["sku"], by_sku["barcode"], by_sku["product"]["title"]) == (
        known["sku"],
        known["barcode"],
        known["title"],
    )
    assert (await gql(LOOKUP, {"sku": known["sku"].lower()}))["data"]["variant"] is None  # codes are exact
    assert (await gql(LOOKUP, {"sku": "NO-SUCH-SKU"}))["data"]["variant"] is None


async def test_one_code_exactly(gql):
    known = await _demo_variant()
    for variables in ({}, {"sku": known["sku"], "barcode": known["barcode"]}, {"sku": "x" * 65}, {"barcode": ""}):
        answer = await gql(LOOKUP, variables)
        assert answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT", variables


async def test_the_look_up_is_one_statement_on_the_unique_index(gql, count_statements):
    known = await _demo_variant()
    statements = await _statements(
        gql, count_statements, "query($s: String) { variant(sku: $s) { id sku } }", {"s": known["sku"]}
    )
    assert len(statements) == 1
    for column, value in (("sku", known["sku"]), ("barcode", known["barcode"])):
        plan = await db.fetch(f"EXPLAIN SELECT id FROM variant WHERE {column} = $1", [value])
        assert "Index" in plan[0][0], plan


async def test_a_variant_of_an_inactive_product_is_for_staff_only(gql, token):
    hq = await token("HQ_ADMIN")
    created = await gql(
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { sku } } } }",
        {"i": {"title": "Lookup Hidden", "variants": [{"sku": "LOOKUP-HIDDEN-1", "title": "One", "listPrice": "5"}]}},
        token=hq,
    )
    product = created["data"]["createProduct"]["product"]
    await gql(
        "mutation($i: UpdateProductInput!) { updateProduct(input: $i) { product { active } } }",
        {"i": {"productId": product["id"], "active": False}},
        token=hq,
    )
    assert (await gql(LOOKUP, {"sku": "LOOKUP-HIDDEN-1"}))["data"]["variant"] is None
    member = await token("MEMBER", member="M0001")
    assert (await gql(LOOKUP, {"sku": "LOOKUP-HIDDEN-1"}, token=member))["data"]["variant"] is None
    clerk = await token("CLERK", store="S01")
    seen = (await gql(LOOKUP, {"sku": "LOOKUP-HIDDEN-1"}, token=clerk))["data"]["variant"]
    assert seen["product"] == {"title": "Lookup Hidden", "active": False}
