"""fulfillmentPlan over HTTP against the demo network (S01..S12, W01, W02 in Shanghai).

Stock may be changed by other tests, so every expectation is computed from the availability read
just before the query.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from omnichannel.persistence.db import fetch

from .routing_support import PLAN, available, point, shipped, sid, variant_where, vid

AVAILABLE = "s.on_hand - s.reserved - s.safety_stock"


async def plan(gql, **input_):  # type: ignore[no-untyped-def]
    result = await gql(PLAN, {"input": input_})
    assert "errors" not in result, result
    return result["data"]["fulfillmentPlan"]


async def test_pickup_at_a_store_that_has_everything(gql):
    v1 = await variant_where(f"{AVAILABLE} >= 2", "S01")
    v2 = await variant_where(f"{AVAILABLE} >= 1 AND s.variant_id > $2", "S01", v1)
    lines = [{"variantId": vid(v1), "quantity": 2}, {"variantId": vid(v2), "quantity": 1}]
    result = await plan(gql, lines=lines, fulfillmentMode="PICKUP", pickupStoreId=await sid("S01"))
    assert result["feasible"] and result["reasonCode"] is None
    (shipment,) = result["shipments"]
    assert shipment["store"]["code"] == "S01" and shipment["mode"] == "PICKUP" and shipment["distanceKm"] == 0
    assert shipped(result) == {"S01": {vid(v1): 2, vid(v2): 1}}
    assert result["explanation"] == ["Store Jing'an Temple has all 2 items ready for pickup."]
    list_price = (await fetch("SELECT list_price FROM variant WHERE id = $1", [v1]))[0]["list_price"]
    line = next(line for line in shipment["lines"] if line["variant"]["id"] == vid(v1))
    assert Decimal(line["unitPrice"]["amount"]) == list_price and line["unitPrice"]["currency"] == "CNY"
    assert Decimal(line["total"]["amount"]) == list_price * 2


async def test_pickup_at_a_store_lacking_stock_names_the_gap_and_nearby_stores(gql):
    variant = await variant_where(f"{AVAILABLE} <= 0", "S03")
    elsewhere = {code: n for code, n in (await available(variant)).items() if code.startswith("S") and n >= 1}
    result = await plan(
        gql,
        lines=[{"variantId": vid(variant), "quantity": 1}],
        fulfillmentMode="PICKUP",
        pickupStoreId=await sid("S03"),
    )
    assert not result["feasible"] and result["shipments"] == [] and result["reasonCode"] == "OUT_OF_STOCK"
    assert result["shortages"] == [{"quantity": 1, "variant": {"id": vid(variant)}}]
    assert result["explanation"][0].startswith("Store Lujiazui lacks 1 x ")
    codes = [a["code"] for a in result["alternatives"]]
    assert set(codes) <= set(elsewhere) and len(codes) == min(3, len(elsewhere))
    assert [a["distanceKm"] for a in result["alternatives"]] == sorted(a["distanceKm"] for a in result["alternatives"])


async def test_express_next_to_a_store_ships_from_that_store(gql):
    variant = await variant_where(f"{AVAILABLE} >= 1", "S04")
    result = await plan(
        gql,
        lines=[{"variantId": vid(variant), "quantity": 1}],
        fulfillmentMode="EXPRESS",
        destination=await point("S04"),
    )
    assert result["feasible"]
    assert [(s["store"]["code"], s["mode"], s["distanceKm"]) for s in result["shipments"]] == [("S04", "EXPRESS", 0)]
    assert result["explanation"][0] == "Store People's Square has the item, 0.0 km from the customer."


async def test_express_far_from_any_store_ships_from_the_regional_warehouse(gql):
    variant = await variant_where(f"{AVAILABLE} >= 1", "W01")
    result = await plan(
        gql,
        lines=[{"variantId": vid(variant), "quantity": 1}],
        fulfillmentMode="EXPRESS",
        destination=await point("W01"),
    )
    assert [s["store"]["code"] for s in result["shipments"]] == ["W01"]
    assert result["shipments"][0]["store"]["kind"] == "REGIONAL_WAREHOUSE"
    assert result["explanation"] == [
        "Jiading Regional Warehouse has the item, 0.0 km from the customer.",
        "No store within 10 km of the customer has all of it.",
    ]


async def test_express_splits_a_line_no_single_location_can_fill(gql):
    variant = await variant_where(f"{AVAILABLE} >= 1", "W02")
    destination = await point("S08")  # Century Park, about 9 km from W02
    stock = await available(variant)
    express = {code: n for code, n in stock.items() if code != "S12"}  # S12 offers pickup only
    quantity = max(express.values()) + 1
    assert quantity <= sum(sorted(express.values())[-3:])
    result = await plan(
        gql,
        lines=[{"variantId": vid(variant), "quantity": quantity}],
        fulfillmentMode="EXPRESS",
        destination=destination,
    )
    assert result["feasible"] and len(result["shipments"]) >= 2
    assert sum(q for per in shipped(result).values() for q in per.values()) == quantity
    for code, per in shipped(result).items():
        assert per[vid(variant)] <= stock[code]
        assert code != "S12"
    assert result["explanation"][0].startswith(f"No single location has all {quantity} units, so the order ships in")
    assert any(" is split: " in sentence for sentence in result["explanation"])


async def test_same_city_from_the_store_whose_riders_reach_the_customer(gql):
    variant = await variant_where(f"{AVAILABLE} >= 1", "S10")
    # Xintiandi (radius 3 km), with the customer a few hundred metres south of it
    s10 = await point("S10")
    destination = {"lat": s10["lat"] - 0.003, "lng": s10["lng"]}
    result = await plan(
        gql, lines=[{"variantId": vid(variant), "quantity": 1}], fulfillmentMode="SAME_CITY", destination=destination
    )
    assert result["feasible"]
    (shipment,) = result["shipments"]
    assert shipment["mode"] == "SAME_CITY" and "SAME_CITY" in shipment["store"]["fulfillmentModes"]
    assert shipment["distanceKm"] <= 5.0  # the largest radius in the demo network near here
    assert "same-city delivery area" in result["explanation"][0]


async def test_same_city_out_of_every_delivery_area_says_what_would_work(gql):
    variant = await variant_where(f"{AVAILABLE} >= 1", "W02")
    songjiang = await point("S12")  # far south-west: no same-city store reaches it
    result = await plan(
        gql, lines=[{"variantId": vid(variant), "quantity": 1}], fulfillmentMode="SAME_CITY", destination=songjiang
    )
    assert not result["feasible"] and result["reasonCode"] == "OUT_OF_DELIVERY_AREA"
    assert "EXPRESS" in result["workableModes"]
    assert result["explanation"][-1].startswith("Instead, courier delivery (EXPRESS) would work")


@pytest.mark.parametrize(
    ("input_", "code", "field"),
    [
        (
            {"lines": [], "fulfillmentMode": "EXPRESS", "destination": {"lat": 31.2, "lng": 121.4}},
            "INVALID_INPUT",
            ["lines"],
        ),
        (
            {
                "lines": [{"variantId": vid(1), "quantity": 0}],
                "fulfillmentMode": "EXPRESS",
                "destination": {"lat": 31.2, "lng": 121.4},
            },
            "INVALID_INPUT",
            ["lines", "0", "quantity"],
        ),
        (
            {
                "lines": [{"variantId": vid(1), "quantity": 1000}],
                "fulfillmentMode": "EXPRESS",
                "destination": {"lat": 31.2, "lng": 121.4},
            },
            "INVALID_INPUT",
            ["lines", "0", "quantity"],
        ),
        (
            {
                "lines": [{"variantId": vid(999999), "quantity": 1}],
                "fulfillmentMode": "EXPRESS",
                "destination": {"lat": 31.2, "lng": 121.4},
            },
            "NOT_FOUND",
            ["lines", "0", "variantId"],
        ),
        (
            {"lines": [{"variantId": vid(1), "quantity": 1}], "fulfillmentMode": "PICKUP"},
            "INVALID_INPUT",
            ["pickupStoreId"],
        ),
        (
            {
                "lines": [{"variantId": vid(1), "quantity": 1}],
                "fulfillmentMode": "PICKUP",
                "pickupStoreId": "U3RvcmU6OTk5OTk",
            },
            "NOT_FOUND",
            ["pickupStoreId"],
        ),
        (
            {"lines": [{"variantId": vid(1), "quantity": 1}], "fulfillmentMode": "SAME_CITY"},
            "INVALID_INPUT",
            ["destination"],
        ),
    ],
)
async def test_bad_requests_are_refused_with_a_code_and_field(gql, input_, code, field):
    result = await gql(PLAN, {"input": input_})
    (error,) = result["errors"]
    assert error["extensions"]["code"] == code, error
    assert result["data"] is None


async def test_ids_and_coordinates_of_the_wrong_shape_are_bad_input(gql):
    wrong_id = await gql(
        PLAN,
        {
            "input": {
                "lines": [{"variantId": await sid("S01"), "quantity": 1}],
                "fulfillmentMode": "EXPRESS",
                "destination": {"lat": 31.2, "lng": 121.4},
            }
        },
    )
    assert wrong_id["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    off_earth = await gql(
        PLAN,
        {
            "input": {
                "lines": [{"variantId": vid(1), "quantity": 1}],
                "fulfillmentMode": "EXPRESS",
                "destination": {"lat": 95, "lng": 0},
            }
        },
    )
    assert off_earth["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_anyone_may_preview_a_plan(gql, token):
    variant = await variant_where(f"{AVAILABLE} >= 1", "S04")
    input_ = {
        "lines": [{"variantId": vid(variant), "quantity": 1}],
        "fulfillmentMode": "EXPRESS",
        "destination": await point("S04"),
    }
    anonymous = await gql(PLAN, {"input": input_})
    for who in (await token("MEMBER", member="M0001"), await token("CLERK", store="S07")):
        assert (await gql(PLAN, {"input": input_}, token=who))["data"] == anonymous["data"]


async def test_every_distance_is_the_great_circle_distance_to_the_customer(gql):
    variant = await variant_where(f"{AVAILABLE} >= 1", "S06")
    destination = {"lat": 31.29, "lng": 121.50}
    result = await plan(
        gql, lines=[{"variantId": vid(variant), "quantity": 1}], fulfillmentMode="EXPRESS", destination=destination
    )
    rows = await fetch("SELECT code, lat, lng FROM location")
    where = {r["code"]: (r["lat"], r["lng"]) for r in rows}
    for shipment in result["shipments"]:
        lat, lng = map(math.radians, where[shipment["store"]["code"]])
        lat0, lng0 = math.radians(destination["lat"]), math.radians(destination["lng"])
        h = math.sin((lat - lat0) / 2) ** 2 + math.cos(lat) * math.cos(lat0) * math.sin((lng - lng0) / 2) ** 2
        assert shipment["distanceKm"] == pytest.approx(2 * 6371.0088 * math.asin(math.sqrt(h)), abs=0.002)
