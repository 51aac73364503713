"""EXPRESS and SAME_CITY orders: routed into fulfilments that each reserve at their location."""

from __future__ import annotations

import asyncio

from omnichannel.persistence import db
from tests.orders_support import (
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    PLACE_ORDER,
    errors_of,
    gid,
    ledger_mismatches,
    level,
    location_id,
    new_variant,
    store_gid,
)

NEAR_S01 = {"lat": 31.2240, "lng": 121.4460}  # a few dozen metres from Jing'an Temple
FAR_AWAY = {"lat": 31.3900, "lng": 121.2600}  # beside the Jiading warehouse, outside every same-city radius


def delivery(lines: list[tuple[int, int]], mode: str = "EXPRESS", where: dict | None = None, **extra) -> dict:
    return {
        "channel": "APP",
        "fulfillmentMode": mode,
        "lines": [{"variantId": gid("Variant", v), "quantity": q} for v, q in lines],
        "shippingAddress": {
            "recipient": "Li Wei",
            "phone": "13800130001",
            "line1": "1 Test Road",
            "city": "Shanghai",
            "location": where or NEAR_S01,
        },
        **extra,
    }


FULFILLMENTS = "query($id: ID!) { order(id: $id) { status fulfillments { id status store { code } } } }"


async def _pay(gql, token, order: dict) -> None:
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"d-{order['number']}"}
    result = await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
    assert result["data"]["confirmPayment"]["userErrors"] == []


async def test_an_express_order_split_over_two_stores_ships_and_is_delivered(gql, token):
    coat = await new_variant({"S03": 2}, price="300.00")
    boots = await new_variant({"S08": 2}, price="200.00")
    await db.execute(
        "INSERT INTO price_override (variant_id, channel, location_id, amount) VALUES ($1, 'APP', $2, 280)",
        [coat, await location_id("S03")],
    )
    member = await token("MEMBER", member="M0001")
    placed = (await gql(PLACE_ORDER, {"input": delivery([(coat, 1), (boots, 2)])}, token=member))["data"]
    payload = placed["placeOrder"]
    assert payload["userErrors"] == []
    order = payload["order"]
    assert order["fulfillmentMode"] == "EXPRESS"
    by_store = {f["store"]["code"]: f for f in order["fulfillments"]}
    assert set(by_store) == {"S03", "S08"}
    assert order["total"]["amount"] == "680.00"  # the coat at S03's app price, the boots at list price
    assert (await level(coat, "S03"))["reserved"] == 1 and (await level(boots, "S08"))["reserved"] == 2

    s03_clerk, s08_clerk = await token("CLERK", store="S03"), await token("CLERK", store="S08")
    for code, clerk in (("S03", s03_clerk), ("S08", s08_clerk)):  # each store sees the order in its list
        listed = await gql(
            "query($s: ID!) { orders(storeId: $s, first: 5) { edges { node { number } } } }",
            {"s": await store_gid(code)},
            token=clerk,
        )
        assert order["number"] in [e["node"]["number"] for e in listed["data"]["orders"]["edges"]]

    await _pay(gql, token, order)
    s03_parcel, s08_parcel = by_store["S03"]["id"], by_store["S08"]["id"]
    other_store = await gql(FULFILLMENT_ACTION % "markShipped", {"id": s03_parcel}, token=s08_clerk)
    assert other_store["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    shipped = (await gql(FULFILLMENT_ACTION % "markShipped", {"id": s03_parcel}, token=s03_clerk))["data"]
    assert shipped["markShipped"]["fulfillment"]["status"] == "SHIPPED"
    assert shipped["markShipped"]["fulfillment"]["order"]["status"] == "PICKING"  # one parcel still to go
    assert await level(coat, "S03") == {"on_hand": 1, "reserved": 0, "safety_stock": 0}
    await gql(FULFILLMENT_ACTION % "startPicking", {"id": s08_parcel}, token=s08_clerk)
    done = (await gql(FULFILLMENT_ACTION % "markShipped", {"id": s08_parcel}, token=s08_clerk))["data"]
    assert done["markShipped"]["fulfillment"]["order"]["status"] == "SHIPPED"
    ready = await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": s08_parcel}, token=s08_clerk)
    assert errors_of(ready["data"]["markReadyForPickup"]) == ["INVALID_TRANSITION"]

    courier = await token("SERVICE")
    for parcel in (s03_parcel, s08_parcel):
        delivered = await gql(FULFILLMENT_ACTION % "confirmDelivery", {"id": parcel}, token=courier)
        assert delivered["data"]["confirmDelivery"]["userErrors"] == []
    final = (await gql(FULFILLMENT_ACTION % "confirmDelivery", {"id": s08_parcel}, token=courier))["data"]
    assert errors_of(final["confirmDelivery"]) == ["INVALID_TRANSITION"]
    status = (await gql(FULFILLMENTS, {"id": order["id"]}, token=member))["data"]["order"]["status"]
    assert status == "COMPLETED"
    assert await ledger_mismatches([coat, boots]) == []


async def test_same_city_outside_every_delivery_area_is_refused_with_the_reason(gql, token):
    variant = await new_variant({"S01": 5})
    member = await token("MEMBER", member="M0002")
    refused = (await gql(PLACE_ORDER, {"input": delivery([(variant, 1)], "SAME_CITY", FAR_AWAY)}, token=member))[
        "data"
    ]["placeOrder"]
    assert errors_of(refused) == ["OUT_OF_DELIVERY_AREA"]
    assert "same-city" in refused["userErrors"][0]["message"]
    nearby = (await gql(PLACE_ORDER, {"input": delivery([(variant, 1)], "SAME_CITY")}, token=member))["data"]
    assert [f["store"]["code"] for f in nearby["placeOrder"]["order"]["fulfillments"]] == ["S01"]


async def test_express_short_of_stock_names_the_line(gql, token):
    plenty, scarce = await new_variant({"S02": 9}), await new_variant({"S02": 1})
    member = await token("MEMBER", member="M0003")
    refused = (await gql(PLACE_ORDER, {"input": delivery([(plenty, 1), (scarce, 4)])}, token=member))["data"]
    assert errors_of(refused["placeOrder"]) == ["OUT_OF_STOCK"]
    assert refused["placeOrder"]["userErrors"][0]["field"] == ["lines", "1"]
    assert "3 missing" in refused["placeOrder"]["userErrors"][0]["message"]
    assert (await level(plenty, "S02"))["reserved"] == 0


async def test_a_members_second_parcel_to_the_same_door_ships_with_the_first(gql, token):
    variant = await new_variant({"S04": 5})
    member = await token("MEMBER", member="M0004")
    query = "query($id: ID!) { order(id: $id) { fulfillments { id shipsWith { id } } } }"
    first = (await gql(PLACE_ORDER, {"input": delivery([(variant, 1)])}, token=member))["data"]["placeOrder"]
    second = (await gql(PLACE_ORDER, {"input": delivery([(variant, 2)])}, token=member))["data"]["placeOrder"]
    parcel = first["order"]["fulfillments"][0]["id"]
    merged = (await gql(query, {"id": second["order"]["id"]}, token=member))["data"]["order"]["fulfillments"][0]
    assert merged["shipsWith"] == {"id": parcel}
    other = await token("MEMBER", member="M0005")  # someone else's parcel never merges
    third = (await gql(PLACE_ORDER, {"input": delivery([(variant, 1)])}, token=other))["data"]["placeOrder"]
    alone = (await gql(query, {"id": third["order"]["id"]}, token=other))["data"]["order"]["fulfillments"][0]
    assert alone["shipsWith"] is None


async def test_orders_racing_for_the_same_stores_are_replanned_and_never_oversell(gql, token):
    variant = await new_variant({"S01": 5, "S04": 5, "S10": 5})
    members = [await token("MEMBER", member=f"M{n:04d}") for n in range(1, 21)]
    results = await asyncio.gather(
        *(gql(PLACE_ORDER, {"input": delivery([(variant, 1)])}, token=members[i % 20]) for i in range(40))
    )
    payloads = [r["data"]["placeOrder"] for r in results]
    placed = [p for p in payloads if p["order"] is not None]
    assert len(placed) == 15
    assert {e["code"] for p in payloads if p["order"] is None for e in p["userErrors"]} == {"OUT_OF_STOCK"}
    for code in ("S01", "S04", "S10"):
        assert await level(variant, code) == {"on_hand": 5, "reserved": 5, "safety_stock": 0}
    assert await ledger_mismatches([variant]) == []
