"""Who reads the dashboards, and a BI tool that knows nothing but the introspection answer.

Head office and analysts read every report; a store manager reads their own store's (storeIds
omitted means their store; another store is FORBIDDEN) and none of the chain-wide ones; clerks,
members, services and anonymous callers are refused. Analysts also read orders (with from/to/channel
filters) and the coupon audit, and change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    build_client_schema,
    get_introspection_query,
    parse,
    validate,
)

from tests.api import reports_support as raw
from tests.api.test_reports import answers, pay, place
from tests.orders_support import CANCEL_ORDER, gid, new_variant, store_gid

REPORTS = ["salesReport", "fulfillmentReport", "channelMix", "couponUsage", "pointsUsage", "creditReport"]
BY_STORE = ["salesReport", "fulfillmentReport", "channelMix"]


def _period() -> dict[str, str]:
    return raw.period_around(datetime.now(UTC))[2]


def _document(name: str, extra: str = "") -> str:
    selection = {
        "salesReport": "day orders revenue { amount } store { code }",
        "fulfillmentReport": "orders store { code }",
        "channelMix": "orders onlineShare",
        "couponUsage": "claimed",
        "pointsUsage": "earned",
        "creditReport": "amount { amount }",
    }[name]
    group = "groupBy: [DAY], " if name == "salesReport" else ""
    stores = "$stores: [ID!], " if name in BY_STORE else ""
    store_arg = ", storeIds: $stores" if name in BY_STORE else ""
    return (
        f"query({stores}$from: DateTime!, $to: DateTime!) "
        f"{{ {name}({group}from: $from, to: $to{store_arg}) {{ {selection} }} }}{extra}"
    )


def _code(reply: dict[str, Any]) -> str | None:
    return reply["errors"][0]["extensions"]["code"] if reply.get("errors") else None


@pytest.mark.parametrize("role", ["ANALYST", "HQ_ADMIN"])
async def test_head_office_and_analysts_read_every_report(gql, token, role):
    who = await token(role)
    s05 = await store_gid("S05")
    for name in REPORTS:
        reply = await gql(_document(name), _period(), token=who)
        assert "errors" not in reply, (name, reply)
        if name in BY_STORE:
            narrowed = await gql(_document(name), {**_period(), "stores": [s05]}, token=who)
            assert "errors" not in narrowed, (name, narrowed)


async def test_a_store_manager_reads_their_own_store_only(gql, token):
    variant = await new_variant({"S06": 4, "S07": 4}, price="25.00")
    member, service = await token("MEMBER", member="M0003"), await token("SERVICE")
    s06, s07 = await store_gid("S06"), await store_gid("S07")
    for store in (s06, s07, s07):
        request = {
            "channel": "MINI_PROGRAM",
            "fulfillmentMode": "PICKUP",
            "pickupStoreId": store,
            "lines": [{"variantId": gid("Variant", variant), "quantity": 1}],
        }
        await pay(gql, service, await place(gql, member, request))
    manager = await token("STORE_MANAGER", store="S06")
    own = await gql(_document("fulfillmentReport"), _period(), token=manager)
    assert [r["store"]["code"] for r in own["data"]["fulfillmentReport"]] == ["S06"]
    analyst_view = await answers(gql, token, _document("fulfillmentReport"), {**_period(), "stores": [s06]})
    assert own["data"]["fulfillmentReport"] == analyst_view  # the same figures head office sees for S06
    explicit = await gql(_document("salesReport"), {**_period(), "stores": [s06]}, token=manager)
    implicit = await gql(_document("salesReport"), _period(), token=manager)
    assert "errors" not in explicit and explicit == implicit
    assert {r["store"] for r in implicit["data"]["salesReport"]} == {None}
    for name in BY_STORE:
        other = await gql(_document(name), {**_period(), "stores": [s07]}, token=manager)
        assert other["data"] is None and _code(other) == "FORBIDDEN", (name, other)
        both = await gql(_document(name), {**_period(), "stores": [s06, s07]}, token=manager)
        assert _code(both) == "FORBIDDEN"
    for name in ("couponUsage", "pointsUsage", "creditReport"):
        assert _code(await gql(_document(name), _period(), token=manager)) == "FORBIDDEN", name


@pytest.mark.parametrize("who", [("CLERK", "S01"), ("MEMBER", None), ("SERVICE", None), (None, None)])
async def test_others_are_refused_every_report(gql, token, who):
    role, store = who
    bearer = None
    if role == "MEMBER":
        bearer = await token(role, member="M0004")
    elif role is not None:
        bearer = await token(role, store=store) if store else await token(role)
    for name in REPORTS:
        reply = await gql(_document(name), _period(), token=bearer)
        assert reply["data"] is None and _code(reply) in ("FORBIDDEN", "UNAUTHENTICATED"), (name, reply)


async def test_hostile_report_arguments_are_refused_with_a_code(gql, token):
    analyst = await token("ANALYST")
    many = [await store_gid("S01")] * 101
    too_many = await gql(_document("salesReport"), {**_period(), "stores": many}, token=analyst)
    assert _code(too_many) == "BAD_USER_INPUT"  # list arguments are capped at 100 before any resolver runs
    wrong_kind = await gql(_document("channelMix"), {**_period(), "stores": [gid("Variant", 1)]}, token=analyst)
    assert _code(wrong_kind) not in (None, "INTERNAL_SERVER_ERROR")
    long = {"from": "2020-01-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"}
    assert _code(await gql(_document("pointsUsage"), long, token=analyst)) == "INVALID_INPUT"


ORDERS = """query($from: DateTime, $to: DateTime, $channel: SalesChannel) {
  orders(from: $from, to: $to, channel: $channel, first: 50) { edges { node { number channel createdAt } } } }"""
AUDIT = "{ couponAudit(first: 5) { edges { node { kind } } } }"


async def test_analysts_read_orders_with_filters_and_the_coupon_audit_but_change_nothing(gql, token):
    analyst = await token("ANALYST")
    variant = await new_variant({"S08": 3}, price="9.90")
    request = {
        "channel": "APP",
        "fulfillmentMode": "PICKUP",
        "pickupStoreId": await store_gid("S08"),
        "lines": [{"variantId": gid("Variant", variant), "quantity": 1}],
    }
    before = datetime.now(UTC) - timedelta(seconds=1)
    order = await place(gql, await token("MEMBER", member="M0005"), request)
    window = {"from": before.isoformat(), "to": (datetime.now(UTC) + timedelta(seconds=5)).isoformat()}
    found = await gql(ORDERS, {**window, "channel": "APP"}, token=analyst)
    numbers = [e["node"]["number"] for e in found["data"]["orders"]["edges"]]
    assert order["number"] in numbers
    assert all(e["node"]["channel"] == "APP" for e in found["data"]["orders"]["edges"])
    other_channel = await gql(ORDERS, {**window, "channel": "CLERK_PAD"}, token=analyst)
    assert order["number"] not in [e["node"]["number"] for e in other_channel["data"]["orders"]["edges"]]
    earlier = await gql(ORDERS, {"to": before.isoformat()}, token=analyst)
    assert order["number"] not in [e["node"]["number"] for e in earlier["data"]["orders"]["edges"]]
    assert "errors" not in await gql(AUDIT, token=analyst)
    refused = await gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=analyst)
    assert refused.get("errors") or refused["data"]["cancelOrder"]["userErrors"], refused
    assert _code(await gql(AUDIT, token=await token("STORE_MANAGER", store="S08"))) == "FORBIDDEN"


def _leaves(type_: Any, depth: int = 0) -> str:
    """Every field a BI tool can read without arguments, discovered from the client schema."""
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    if not isinstance(type_, GraphQLObjectType):
        return ""
    picked = []
    for name, field in type_.fields.items():
        if field.args and any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        inner = field.type
        while isinstance(inner, GraphQLNonNull | GraphQLList):
            inner = inner.of_type
        if isinstance(inner, GraphQLObjectType):
            if depth < 1 and not inner.fields.keys() & {"edges"}:
                nested = _leaves(inner, depth + 1)
                if nested:
                    picked.append(f"{name} {{ {nested} }}")
        else:
            picked.append(name)
    return " ".join(picked)


async def test_a_bi_tool_discovers_the_reports_by_introspection_and_runs_each(gql, token):
    analyst = await token("ANALYST")
    introspection = await gql(get_introspection_query(descriptions=True), token=analyst)
    assert "errors" not in introspection
    client_schema = build_client_schema(introspection["data"])
    query = client_schema.query_type
    assert query is not None
    dimension = client_schema.get_type("ReportDimension")
    assert isinstance(dimension, GraphQLEnumType)
    period = _period()
    for name in REPORTS:
        field = query.fields[name]
        arguments = ["from: $from", "to: $to"]
        if "groupBy" in field.args:  # every dimension the schema offers
            arguments.append(f"groupBy: [{', '.join(dimension.values)}]")
        document = (
            f"query($from: DateTime!, $to: DateTime!) {{ {name}({', '.join(arguments)}) {{ {_leaves(field.type)} }} }}"
        )
        assert validate(client_schema, parse(document)) == [], document
        reply = await gql(document, period, token=analyst)
        assert "errors" not in reply, (name, reply)
        assert name in reply["data"]
    sales = (await gql(
        "query($from: DateTime!, $to: DateTime!) { salesReport(from: $from, to: $to, groupBy: [CHANNEL]) "
        "{ channel orders } }", period, token=analyst,
    ))["data"]["salesReport"]  # fmt: skip
    assert sales and all(r["orders"] > 0 for r in sales)
