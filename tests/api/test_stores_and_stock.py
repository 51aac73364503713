"""Stores near a point, network-wide stock, node(id:) for every Node type."""

from __future__ import annotations

import math

import pytest

PEOPLES_SQUARE = {"lat": 31.2328, "lng": 121.4737}

STORES = """
query($first: Int, $after: String, $near: GeoInput) {
  stores(first: $first, after: $after, near: $near) {
    edges { cursor node { id code name kind distanceKm fulfillmentModes location { lat lng } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _all_stores(gql, near=None):
    nodes, after = [], None
    while True:
        page = (await gql(STORES, {"first": 5, "after": after, "near": near}))["data"]["stores"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_stores_list_every_location_once_with_codes_and_kinds(gql):
    stores = await _all_stores(gql)
    codes = [s["code"] for s in stores]
    assert codes == sorted(codes)
    assert {f"S{i:02d}" for i in range(1, 13)} | {"W01", "W02"} <= set(codes)
    assert len(codes) == len(set(codes))
    assert all(s["distanceKm"] is None for s in stores)
    kinds = {s["code"]: s["kind"] for s in stores}
    assert kinds["S01"] == "STORE" and kinds["W01"] == "REGIONAL_WAREHOUSE"


async def test_stores_near_a_point_are_sorted_by_distance_across_pages(gql):
    stores = await _all_stores(gql, near=PEOPLES_SQUARE)
    distances = [s["distanceKm"] for s in stores]
    assert distances == sorted(distances)
    assert stores[0]["code"] == "S04"  # People's Square store
    assert distances[0] < 0.5
    for store in stores:  # the reported distance is the great-circle distance
        lat, lng = math.radians(store["location"]["lat"]), math.radians(store["location"]["lng"])
        lat0, lng0 = math.radians(PEOPLES_SQUARE["lat"]), math.radians(PEOPLES_SQUARE["lng"])
        h = math.sin((lat - lat0) / 2) ** 2 + math.cos(lat) * math.cos(lat0) * math.sin((lng - lng0) / 2) ** 2
        assert store["distanceKm"] == pytest.approx(2 * 6371.0088 * math.asin(math.sqrt(h)), abs=0.002)


async def test_bad_coordinates_are_refused(gql):
    result = await gql(STORES, {"near": {"lat": 123, "lng": 0}})
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


AVAILABILITY = """
query($ids: [ID!]!, $near: GeoInput, $radius: Float) {
  stockAvailability(variantIds: $ids, near: $near, radiusKm: $radius) {
    onHand reserved safetyStock available store { code distanceKm } variant { id sku }
  }
}
"""


async def test_stock_availability_nearest_first_within_radius(gql):
    ids = ["VmFyaWFudDox", "VmFyaWFudDoy"]
    everywhere = (await gql(AVAILABILITY, {"ids": ids}))["data"]["stockAvailability"]
    assert {row["variant"]["id"] for row in everywhere} == set(ids)
    assert all(row["store"]["distanceKm"] is None for row in everywhere)
    near = (await gql(AVAILABILITY, {"ids": ids, "near": PEOPLES_SQUARE, "radius": 5.0}))["data"]
    rows = near["stockAvailability"]
    distances = [row["store"]["distanceKm"] for row in rows]
    assert rows and distances == sorted(distances) and max(distances) <= 5.0
    far_codes = {row["store"]["code"] for row in everywhere} - {row["store"]["code"] for row in rows}
    assert {"S12", "W01"} <= far_codes  # Songjiang and Jiading are farther than 5 km
    for row in rows:
        assert row["available"] == max(0, row["onHand"] - row["reserved"] - row["safetyStock"])


async def test_stock_availability_input_limits(gql):
    result = await gql(AVAILABILITY, {"ids": ["VmFyaWFudDox"], "near": PEOPLES_SQUARE, "radius": -1})
    assert result["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    wrong_type = await gql(AVAILABILITY, {"ids": ["U3RvcmU6MQ"]})  # a Store id where a Variant id belongs
    assert wrong_type["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


NODE = """
query($id: ID!) { node(id: $id) { __typename id
  ... on Store { code } ... on Product { title } ... on Variant { sku }
  ... on Staff { name role store { code } } ... on Member { memberNumber } } }
"""


async def test_node_resolves_every_public_type_and_round_trips_ids(gql):
    page = (
        await gql(
            "{ products(first: 1) { edges { node { id variants { id } } } } "
            "stores(first: 1) { edges { node { id } } } }"
        )
    )["data"]
    product = page["products"]["edges"][0]["node"]
    for global_id, typename in [
        (product["id"], "Product"),
        (product["variants"][0]["id"], "Variant"),
        (page["stores"]["edges"][0]["node"]["id"], "Store"),
    ]:
        node = (await gql(NODE, {"id": global_id}))["data"]["node"]
        assert node["__typename"] == typename and node["id"] == global_id


async def test_people_are_visible_only_to_those_allowed(gql, token):
    staff_id, member_id = "U3RhZmY6MQ", "TWVtYmVyOjE"  # Staff:1 (head office admin), Member:1
    assert (await gql(NODE, {"id": staff_id}))["data"]["node"] is None
    assert (await gql(NODE, {"id": member_id}))["data"]["node"] is None
    admin = await token("HQ_ADMIN")
    assert (await gql(NODE, {"id": staff_id}, token=admin))["data"]["node"]["role"] == "HQ_ADMIN"
    assert (await gql(NODE, {"id": member_id}, token=admin))["data"]["node"]["memberNumber"] == "M0001"
    m1, m2 = await token("MEMBER", member="M0001"), await token("MEMBER", member="M0002")
    assert (await gql(NODE, {"id": member_id}, token=m1))["data"]["node"]["memberNumber"] == "M0001"
    assert (await gql(NODE, {"id": member_id}, token=m2))["data"]["node"] is None
    me = (await gql("{ me { memberNumber displayName } }", token=m2))["data"]["me"]
    assert me == {"memberNumber": "M0002", "displayName": "Wang Fang"}
    assert (await gql("{ me { memberNumber } }"))["data"]["me"] is None


async def test_unknown_and_malformed_ids(gql):
    assert (await gql(NODE, {"id": "UHJvZHVjdDo5OTk5OTk"}))["data"]["node"] is None  # Product:999999
    bad = await gql(NODE, {"id": "%%%"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
