"""Head office's routing rules over HTTP: who may read and change them, validation, effect on plans."""

from __future__ import annotations

import asyncio

import pytest

from .routing_support import PLAN, available, point, sid, variant_where, vid

# head office's rules are shared by every later test: put back whatever a test does
pytestmark = pytest.mark.usefixtures("keep_routing_rules")

RULES = """{ routingRules { storePreferenceKm allowSplit maxLocations mergeWindowMinutes transferEnabled
  transferHoursPer10Km searchRadiusKm } }"""
UPDATE = """
mutation($input: UpdateRoutingRulesInput!) {
  updateRoutingRules(input: $input) {
    rules { storePreferenceKm allowSplit maxLocations mergeWindowMinutes transferEnabled transferHoursPer10Km
      searchRadiusKm }
    userErrors { field message code }
  }
}
"""
DEFAULTS = {
    "storePreferenceKm": 10.0,
    "allowSplit": True,
    "maxLocations": 3,
    "mergeWindowMinutes": 30,
    "transferEnabled": False,
    "transferHoursPer10Km": 2.0,
    "searchRadiusKm": 50.0,
}


@pytest.fixture
async def admin(token):  # type: ignore[no-untyped-def]
    return await token("HQ_ADMIN")


@pytest.fixture
async def restore_defaults(gql, admin):  # type: ignore[no-untyped-def]
    """Rules are shared by the whole test database: put the defaults back whatever the test did."""
    yield
    result = await gql(UPDATE, {"input": DEFAULTS}, token=admin)
    assert result["data"]["updateRoutingRules"]["rules"] == DEFAULTS


async def test_defaults_until_head_office_changes_them(gql, token):
    result = await gql(RULES, token=await token("CLERK", store="S01"))
    assert result["data"]["routingRules"] == DEFAULTS


async def test_reading_needs_a_staff_or_service_token(gql, token):
    assert (await gql(RULES))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    member = await gql(RULES, token=await token("MEMBER", member="M0002"))
    assert member["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for role in ("ANALYST", "SERVICE"):
        assert "errors" not in await gql(RULES, token=await token(role))


@pytest.mark.parametrize(("role", "store"), [("CLERK", "S01"), ("STORE_MANAGER", "S02"), ("ANALYST", None)])
async def test_only_head_office_changes_them(gql, token, role, store):
    result = await gql(UPDATE, {"input": {"maxLocations": 1}}, token=await token(role, store=store))
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN" and result["data"] is None
    assert (await gql(UPDATE, {"input": {"maxLocations": 1}}))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_every_bad_value_is_a_user_error_and_nothing_changes(gql, admin, restore_defaults):
    bad = {"maxLocations": 0, "storePreferenceKm": -3, "searchRadiusKm": 5000, "allowSplit": False}
    payload = (await gql(UPDATE, {"input": bad}, token=admin))["data"]["updateRoutingRules"]
    assert payload["rules"] is None
    assert sorted((e["code"], e["field"][0]) for e in payload["userErrors"]) == [
        ("INVALID_INPUT", "maxLocations"),
        ("INVALID_INPUT", "searchRadiusKm"),
        ("INVALID_INPUT", "storePreferenceKm"),
    ]
    assert (await gql(RULES, token=admin))["data"]["routingRules"] == DEFAULTS
    empty = (await gql(UPDATE, {"input": {}}, token=admin))["data"]["updateRoutingRules"]
    assert empty["userErrors"][0]["code"] == "INVALID_INPUT"


async def test_a_change_keeps_the_other_rules_and_is_returned(gql, admin, restore_defaults):
    payload = (await gql(UPDATE, {"input": {"maxLocations": 2, "transferEnabled": True}}, token=admin))["data"]
    expected = {**DEFAULTS, "maxLocations": 2, "transferEnabled": True}
    assert payload["updateRoutingRules"] == {"rules": expected, "userErrors": []}
    assert (await gql(RULES, token=admin))["data"]["routingRules"] == expected


async def test_concurrent_changes_of_different_rules_all_survive(gql, admin, restore_defaults):
    changes = [
        {"maxLocations": 4},
        {"mergeWindowMinutes": 45},
        {"storePreferenceKm": 7.5},
        {"transferHoursPer10Km": 3.0},
        {"searchRadiusKm": 60.0},
        {"allowSplit": False},
    ]
    results = await asyncio.gather(*(gql(UPDATE, {"input": c}, token=admin) for c in changes))
    assert all(r["data"]["updateRoutingRules"]["userErrors"] == [] for r in results)
    final = (await gql(RULES, token=admin))["data"]["routingRules"]
    assert final == {**DEFAULTS, **{k: v for c in changes for k, v in c.items()}}


async def test_plans_follow_the_rules(gql, admin, restore_defaults):
    # a line larger than any one location holds needs a split; without splits it cannot be planned
    variant = await variant_where("s.on_hand - s.reserved - s.safety_stock >= 1", "W02")
    express = {c: n for c, n in (await available(variant)).items() if c != "S12"}
    input_ = {
        "lines": [{"variantId": vid(variant), "quantity": max(express.values()) + 1}],
        "fulfillmentMode": "EXPRESS",
        "destination": await point("S08"),
    }
    assert (await gql(PLAN, {"input": input_}))["data"]["fulfillmentPlan"]["feasible"]
    await gql(UPDATE, {"input": {"allowSplit": False}}, token=admin)
    refused = (await gql(PLAN, {"input": input_}))["data"]["fulfillmentPlan"]
    assert not refused["feasible"] and refused["reasonCode"] == "SPLIT_NOT_ALLOWED"


async def test_transfers_into_the_pickup_store_when_enabled(gql, admin, restore_defaults):
    variant = await variant_where("s.on_hand - s.reserved - s.safety_stock <= 0", "S03")
    input_ = {
        "lines": [{"variantId": vid(variant), "quantity": 1}],
        "fulfillmentMode": "PICKUP",
        "pickupStoreId": await sid("S03"),
    }
    assert not (await gql(PLAN, {"input": input_}))["data"]["fulfillmentPlan"]["feasible"]
    await gql(UPDATE, {"input": {"transferEnabled": True, "transferHoursPer10Km": 1.5}}, token=admin)
    result = (await gql(PLAN, {"input": input_}))["data"]["fulfillmentPlan"]
    assert result["feasible"]
    (transfer,) = result["shipments"]
    assert transfer["transferTo"] == {"code": "S03"} and transfer["mode"] == "PICKUP"
    assert transfer["readyAfterHours"] == pytest.approx(1.5 * transfer["distanceKm"] / 10, abs=0.06)
    assert "can transfer" in result["explanation"][1]
