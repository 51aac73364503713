"""setPrice: list prices, channel and store overrides with windows, one price everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnichannel.domain.catalog import PriceOverride, SalesChannel, Variant, effective_price
from omnichannel.persistence import db
from tests.orders_support import PLACE_ORDER, gid, location_id, new_variant, pickup_input, store_gid

from .catalogue_support import retire_new_products
from .test_response_cache import _post, _until, cached

pytestmark = pytest.mark.usefixtures("retire_new_products")
__all__ = ["cached", "retire_new_products"]

SET = """
mutation($input: SetPriceInput!) {
  setPrice(input: $input) {
    variant { id listPrice { amount } price { amount } }
    userErrors { field code message }
  }
}
"""
PRICES = """
query($id: ID!, $s01: ID!, $s02: ID!) { node(id: $id) { ... on Variant {
  listPrice { amount }
  list: price { amount }
  app: price(channel: APP) { amount }
  mini: price(channel: MINI_PROGRAM) { amount }
  appS01: price(channel: APP, storeId: $s01) { amount }
  posS01: price(channel: STORE_POS, storeId: $s01) { amount }
  posS02: price(channel: STORE_POS, storeId: $s02) { amount }
} } }
"""
OVERRIDES = """
query($id: ID!) { node(id: $id) { ... on Variant {
  priceOverrides { amount { amount } channel store { code } validFrom validUntil } } } }
"""
QUOTE = """query($input: PriceQuoteInput!) { priceQuote(input: $input) {
  quote { lines { unitPrice { amount } } } userErrors { code field } } }"""


async def _set(gql, token, **fields) -> dict:
    payload = (await gql(SET, {"input": fields}, token=token))["data"]["setPrice"]
    return payload


async def test_precedence_store_and_channel_over_store_over_channel_over_list(gql, token):
    hq = await token("HQ_ADMIN")
    variant = gid("Variant", await new_variant({"S01": 10}, price="100.00"))
    s01, s02 = await store_gid("S01"), await store_gid("S02")
    changed = await _set(gql, hq, variantId=variant, amount="120")
    assert changed["userErrors"] == [] and changed["variant"]["listPrice"]["amount"] == "120.00"
    for fields in (
        {"amount": "110", "channel": "APP"},
        {"amount": "105", "storeId": s01},
        {"amount": "99.5", "channel": "STORE_POS", "storeId": s01},
    ):
        assert (await _set(gql, hq, variantId=variant, **fields))["userErrors"] == []
    prices = (await gql(PRICES, {"id": variant, "s01": s01, "s02": s02}))["data"]["node"]
    assert {k: v["amount"] for k, v in prices.items()} == {
        "listPrice": "120.00",
        "list": "120.00",
        "app": "110.00",  # channel
        "mini": "120.00",  # nothing for this channel: the list price
        "appS01": "105.00",  # the store beats the channel
        "posS01": "99.50",  # both beat either
        "posS02": "120.00",
    }
    # the same scope again replaces its price; staff read every override, members may not
    assert (await _set(gql, hq, variantId=variant, amount="111", channel="APP"))["userErrors"] == []
    clerk = await token("CLERK", store="S02")
    listed = (await gql(OVERRIDES, {"id": variant}, token=clerk))["data"]["node"]["priceOverrides"]
    assert sorted((o["amount"]["amount"], o["channel"], (o["store"] or {}).get("code")) for o in listed) == [
        ("105.00", None, "S01"),
        ("111.00", "APP", None),
        ("99.50", "STORE_POS", "S01"),
    ]
    member = await token("MEMBER", member="M0001")
    assert (await gql(OVERRIDES, {"id": variant}, token=member))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_windows_an_override_counts_only_while_in_force(gql, token):
    hq = await token("HQ_ADMIN")
    variant = gid("Variant", await new_variant({}, price="50.00"))
    s01, s02 = await store_gid("S01"), await store_gid("S02")
    now = datetime.now(UTC)
    for fields in (
        {"amount": "40", "channel": "APP", "validUntil": (now - timedelta(minutes=1)).isoformat()},  # over
        {"amount": "30", "channel": "APP", "validFrom": (now + timedelta(hours=1)).isoformat()},  # not yet
        {
            "amount": "45",
            "channel": "APP",
            "validFrom": (now - timedelta(hours=1)).isoformat(),
            "validUntil": (now + timedelta(hours=1)).isoformat(),
        },
    ):
        assert (await _set(gql, hq, variantId=variant, **fields))["userErrors"] == []
    prices = (await gql(PRICES, {"id": variant, "s01": s01, "s02": s02}))["data"]["node"]
    assert prices["app"]["amount"] == "45.00"
    listed = (await gql(OVERRIDES, {"id": variant}, token=hq))["data"]["node"]["priceOverrides"]
    assert sorted(o["amount"]["amount"] for o in listed) == ["30.00", "45.00"]  # the one that ended is history


async def test_refusals_write_nothing(gql, token):
    hq = await token("HQ_ADMIN")
    pk = await new_variant({}, price="50.00")
    variant = gid("Variant", pk)
    now = datetime.now(UTC)
    cases = [
        ({"amount": "0"}, ("INVALID_INPUT", ["amount"])),
        ({"amount": "-1", "channel": "APP"}, ("INVALID_INPUT", ["amount"])),
        ({"amount": "1.005"}, ("INVALID_INPUT", ["amount"])),
        ({"amount": "10", "validFrom": now.isoformat()}, ("INVALID_INPUT", ["validFrom"])),
        (
            {"amount": "10", "channel": "APP", "validFrom": now.isoformat(), "validUntil": now.isoformat()},
            ("INVALID_INPUT", ["validUntil"]),
        ),
        ({"amount": "10", "storeId": gid("Store", 999_999)}, ("NOT_FOUND", ["storeId"])),
    ]
    for fields, expected in cases:
        payload = await _set(gql, hq, variantId=variant, **fields)
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [expected], fields
    missing = await _set(gql, hq, variantId=gid("Variant", 999_999), amount="10")
    assert [(e["code"], e["field"]) for e in missing["userErrors"]] == [("NOT_FOUND", ["variantId"])]
    rows = await db.fetch(
        "SELECT list_price, (SELECT count(*) FROM price_override WHERE variant_id = $1) AS n "
        "FROM variant WHERE id = $1",
        [pk],
    )
    assert (rows[0]["list_price"], rows[0]["n"]) == (Decimal("50.00"), 0)
    for role, store in (("CLERK", "S01"), ("STORE_MANAGER", "S01"), ("SERVICE", None)):
        answer = await gql(SET, {"input": {"variantId": variant, "amount": "1"}}, token=await token(role, store=store))
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_price_change_empties_the_response_cache(cached, gql, token):
    http, cache = cached
    page = "{ products(first: 2) { edges { node { variants { id price(channel: APP) { amount } } } } } }"
    first = await _post(http, page)
    assert (await _post(http, page)).headers["x-omnichannel-cache"] == "hit"
    variant = first.json()["data"]["products"]["edges"][0]["node"]["variants"][0]
    old = variant["price"]["amount"]
    generation = cache.generation
    hq = await token("HQ_ADMIN")
    pk = int(
        (await db.fetch("SELECT id FROM variant WHERE sku = (SELECT sku FROM variant ORDER BY id LIMIT 1)"))[0]["id"]
    )
    start = datetime.now(UTC) - timedelta(minutes=1)
    until = datetime.now(UTC) + timedelta(minutes=2)
    try:
        payload = await _set(
            gql,
            hq,
            variantId=variant["id"],
            amount="1.23",
            channel="APP",
            validFrom=start.isoformat(),
            validUntil=until.isoformat(),
        )
        assert payload["userErrors"] == []
        await _until(lambda: cache.generation > generation)
        after = await _post(http, page)
        assert after.headers["x-omnichannel-cache"] == "miss"
        assert after.json()["data"]["products"]["edges"][0]["node"]["variants"][0]["price"]["amount"] == "1.23"
    finally:  # the demo catalogue's prices are shared by other tests
        await db.execute("DELETE FROM price_override WHERE variant_id = $1 AND valid_until IS NOT NULL", [pk])
    assert old != "1.23"


# --- one price everywhere: Variant.price, priceQuote, placeOrder (app and till) ---------------------

SCOPES = st.sampled_from(
    [(None, None), ("APP", None), (None, "S01"), ("STORE_POS", "S01"), ("APP", "S01"), ("MINI_PROGRAM", None)]
)
WINDOW = st.sampled_from([(None, None), (-2, None), (None, 2), (-2, 2), (1, 3), (-3, -1)])  # hours from now


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    overrides=st.lists(st.tuples(SCOPES, WINDOW, st.integers(100, 20_000)), min_size=1, max_size=5),
)
async def test_variant_price_quote_order_and_till_never_disagree(gql, token, overrides):
    hq = await token("HQ_ADMIN")
    member = await token("MEMBER", member="M0002")
    clerk = await token("CLERK", store="S01")
    pk = await new_variant({"S01": 1000}, price="150.00")
    variant, s01 = gid("Variant", pk), await store_gid("S01")
    now = datetime.now(UTC)
    written: list[PriceOverride] = []
    for (channel, store), (start, end), cents in overrides:
        amount = Decimal(cents) / 100
        fields: dict = {"variantId": variant, "amount": str(amount)}
        if channel:
            fields["channel"] = channel
        if store:
            fields["storeId"] = s01
        if channel is None and store is None:
            start = end = None  # a list price has no window
        if start is not None:
            fields["validFrom"] = (now + timedelta(hours=start)).isoformat()
        if end is not None:
            fields["validUntil"] = (now + timedelta(hours=end)).isoformat()
        assert (await _set(gql, hq, **fields))["userErrors"] == []
    rows = await db.fetch("SELECT list_price FROM variant WHERE id = $1", [pk])
    written = [
        PriceOverride(
            r["variant_id"],
            r["amount"],
            SalesChannel(r["channel"]) if r["channel"] else None,
            r["location_id"],
            r["valid_from"],
            r["valid_until"],
        )
        for r in await db.fetch("SELECT * FROM price_override WHERE variant_id = $1", [pk])
    ]
    expected_variant = Variant(pk, 0, "", None, "", rows[0]["list_price"])
    s01_pk = await location_id("S01")
    for channel, who in (("MINI_PROGRAM", member), ("APP", member), ("STORE_POS", clerk)):
        expected = effective_price(expected_variant, written, SalesChannel(channel), s01_pk, now=datetime.now(UTC))
        shown = await gql(
            "query($id: ID!, $c: SalesChannel!, $s: ID!) { node(id: $id) { ... on Variant { "
            "price(channel: $c, storeId: $s) { amount } } } }",
            {"id": variant, "c": channel, "s": s01},
        )
        quote = await gql(
            QUOTE,
            {"input": {"channel": channel, "storeId": s01, "lines": [{"variantId": variant, "quantity": 1}]}},
            token=who,
        )
        order = (await gql(PLACE_ORDER, {"input": {**pickup_input(pk, s01), "channel": channel}}, token=who))["data"][
            "placeOrder"
        ]
        assert order["userErrors"] == [], order
        prices = {
            shown["data"]["node"]["price"]["amount"],
            quote["data"]["priceQuote"]["quote"]["lines"][0]["unitPrice"]["amount"],
            order["order"]["lines"][0]["unitPrice"]["amount"],
        }
        assert prices == {str(expected.amount)}, (channel, prices, expected)
