"""Browsing the catalogue, stores and stock anonymously over HTTP."""

from __future__ import annotations

PRODUCTS = """
query($first: Int, $after: String, $search: String) {
  products(first: $first, after: $after, search: $search) {
    edges { cursor node { id title variants { id sku barcode title product { id }
      price { amount currency } app: price(channel: APP) { amount } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def test_products_paginate_with_cursors_without_gaps_or_repeats(gql):
    seen: list[str] = []
    after = None
    for _ in range(20):
        page = (await gql(PRODUCTS, {"first": 10, "after": after}))["data"]["products"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 64  # the demo catalogue


async def test_every_variant_has_a_price_in_cny_and_points_back_to_its_product(gql):
    page = (await gql(PRODUCTS, {"first": 5}))["data"]["products"]
    for edge in page["edges"]:
        product = edge["node"]
        assert 2 <= len(product["variants"]) <= 4
        for variant in product["variants"]:
            assert variant["product"]["id"] == product["id"]
            assert variant["price"]["currency"] == "CNY"
            assert float(variant["app"]["amount"]) <= float(variant["price"]["amount"])


async def test_search_matches_title_sku_and_barcode(gql):
    by_title = (await gql(PRODUCTS, {"search": "denim"}))["data"]["products"]["edges"]
    assert {e["node"]["title"] for e in by_title} == {"Denim Jacket", "Denim Shorts"}
    variant = by_title[0]["node"]["variants"][0]
    by_sku = (await gql(PRODUCTS, {"search": variant["sku"].lower()}))["data"]["products"]["edges"]
    assert [e["node"]["id"] for e in by_sku] == [by_title[0]["node"]["id"]]
    by_barcode = (await gql(PRODUCTS, {"search": variant["barcode"]}))["data"]["products"]["edges"]
    assert [e["node"]["id"] for e in by_barcode] == [by_title[0]["node"]["id"]]
    assert (await gql(PRODUCTS, {"search": "%"}))["data"]["products"]["edges"] == []


async def test_page_size_and_cursor_errors_are_clear(gql):
    too_many = await gql(PRODUCTS, {"first": 1000})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    bad_cursor = await gql(PRODUCTS, {"after": "not-a-cursor"})
    assert bad_cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in bad_cursor["errors"][0]["message"]


async def test_channel_and_store_overrides_change_the_price(gql):
    # variant 11 has an APP price and an APP price at S03 (see the demo seed)
    variant_id = "VmFyaWFudDoxMQ"
    stores = (await gql("{ stores(first: 20) { edges { node { id code } } } }"))["data"]["stores"]["edges"]
    s03 = next(e["node"]["id"] for e in stores if e["node"]["code"] == "S03")
    query = """query($id: ID!, $s: ID!) { node(id: $id) { ... on Variant {
        list: price { amount } app: price(channel: APP) { amount } appS03: price(channel: APP, storeId: $s) { amount }
        pos: price(channel: STORE_POS, storeId: $s) { amount } } } }"""
    prices = (await gql(query, {"id": variant_id, "s": s03}))["data"]["node"]
    assert prices["pos"] == prices["list"]
    assert float(prices["appS03"]["amount"]) < float(prices["list"]["amount"])
