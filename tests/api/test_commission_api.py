"""Commission rules (head office), entries and the summary (each caller their scope), Order.creditSplit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omnichannel.persistence import db
from tests.floor_support import in_new_category, paid_pickup_order
from tests.orders_support import gid, location_id, new_variant, store_gid

CREATE = """
mutation($input: CreateCommissionRuleInput!) {
  createCommissionRule(input: $input) {
    rule { id name ratePercent channels validFrom validUntil active endedAt } userErrors { field message code }
  }
}"""
END = """
mutation($id: ID!) { endCommissionRule(input: {ruleId: $id}) { rule { id active endedAt } userErrors { field code } } }
"""
RULES = "{ commissionRules { id name ratePercent active } }"
ENTRIES = """
query($staff: ID, $store: ID, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
  commissionEntries(staffId: $staff, storeId: $store, from: $from, to: $to, first: $first, after: $after) {
    edges { cursor node { kind amount { amount } sales { amount } staff { name } order { number } rule { name } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SUMMARY = """
query($store: ID, $from: DateTime!, $to: DateTime!) {
  commissionSummary(storeId: $store, from: $from, to: $to) {
    staff { name } orders sales { amount } commission { amount }
  }
}"""
CREDIT = (
    "query($id: ID!) { order(id: $id) { total { amount } creditSplit { store { code } share amount { amount } } } }"
)


async def test_head_office_creates_lists_and_ends_rules(gql, token):
    hq = await token("HQ_ADMIN")
    category, _ = await in_new_category(await new_variant({}))
    created = (
        await gql(
            CREATE,
            {
                "input": {
                    "name": "  Shoes at the pad ",
                    "ratePercent": "4.5",
                    "channels": ["CLERK_PAD", "STORE_POS"],
                    "categoryIds": [gid("Category", category)],
                }
            },
            token=hq,
        )
    )["data"]["createCommissionRule"]
    assert created["userErrors"] == []
    rule = created["rule"]
    assert rule["name"] == "Shoes at the pad" and rule["ratePercent"] == "4.5" and rule["active"] is True
    assert rule["channels"] == ["CLERK_PAD", "STORE_POS"] and rule["endedAt"] is None
    listed = (await gql(RULES, token=hq))["data"]["commissionRules"]
    assert rule["id"] in [r["id"] for r in listed]

    ended = (await gql(END, {"id": rule["id"]}, token=hq))["data"]["endCommissionRule"]
    assert ended["userErrors"] == [] and ended["rule"]["active"] is False and ended["rule"]["endedAt"]
    again = (await gql(END, {"id": rule["id"]}, token=hq))["data"]["endCommissionRule"]
    assert again["rule"]["endedAt"] == ended["rule"]["endedAt"]  # ending twice changes nothing
    unknown = (await gql(END, {"id": gid("CommissionRule", 999999)}, token=hq))["data"]["endCommissionRule"]
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ratePercent": "0"}, ["ratePercent"]),
        ({"ratePercent": "100.5"}, ["ratePercent"]),
        ({"ratePercent": "1.123456"}, ["ratePercent"]),
        ({"name": ""}, ["name"]),
        ({"name": "x" * 121}, ["name"]),
        ({"categoryIds": [gid("Category", 987654)]}, ["categoryIds", "0"]),
        ({"validFrom": "2026-12-10T00:00:00+00:00", "validUntil": "2026-12-01T00:00:00+00:00"}, ["validUntil"]),
    ],
)
async def test_bad_rules_are_refused_as_user_errors(gql, token, overrides, field):
    result = await gql(
        CREATE, {"input": {"name": "Rule", "ratePercent": "3", **overrides}}, token=await token("HQ_ADMIN")
    )
    payload = result["data"]["createCommissionRule"]
    assert payload["rule"] is None and payload["userErrors"][0]["field"] == field


async def test_only_head_office_manages_rules(gql, token):
    for bearer, code in (
        (await token("CLERK", store="S01"), "FORBIDDEN"),
        (await token("STORE_MANAGER", store="S01"), "FORBIDDEN"),
        (await token("ANALYST"), "FORBIDDEN"),
        (await token("MEMBER", member="M0001"), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ):
        for query, variables in (
            (CREATE, {"input": {"name": "R", "ratePercent": "1"}}),
            (END, {"id": gid("CommissionRule", 1)}),
            (RULES, {}),
        ):
            result = await gql(query, variables, token=bearer)
            assert result["errors"][0]["extensions"]["code"] == code, (query, result)


async def _staff(email: str) -> int:
    return int((await db.fetch("SELECT id FROM staff WHERE email = $1", [email]))[0]["id"])


async def test_entries_and_summary_are_scoped_to_the_caller(gql, token):
    s05, s06 = await location_id("S05"), await location_id("S06")
    clerk5, clerk6 = await _staff("clerk.s05@demo.omnichannel.cn"), await _staff("clerk.s06@demo.omnichannel.cn")
    paid = await paid_pickup_order(gql, token, await new_variant({"S05": 1}), await store_gid("S05"))
    order = (await db.fetch("SELECT id FROM customer_order WHERE number = $1", [paid["number"]]))[0]["id"]
    rows = [
        (clerk5, s05, "EARNED", Decimal("12.00"), Decimal("400.00"), "t-a"),
        (clerk5, s05, "REVERSED", Decimal("-3.00"), Decimal("-100.00"), "t-b"),
        (clerk6, s06, "EARNED", Decimal("7.50"), Decimal("150.00"), "t-c"),
    ]
    for staff, loc, kind, amount, sales, ref in rows:
        await db.execute(
            "INSERT INTO commission_entry (staff_id, location_id, order_id, kind, amount, sales, reference, at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, '2026-11-15T10:00:00+00')",
            [staff, loc, order, kind, amount, sales, ref],
        )
    period = {"from": "2026-11-01T00:00:00+08:00", "to": "2026-12-01T00:00:00+08:00"}

    mine = (await gql(ENTRIES, period, token=await token("CLERK", store="S05")))["data"]["commissionEntries"]
    assert sorted(e["node"]["amount"]["amount"] for e in mine["edges"]) == ["-3.00", "12.00"]
    manager6 = await token("STORE_MANAGER", store="S06")
    theirs = (await gql(ENTRIES, period, token=manager6))["data"]["commissionEntries"]["edges"]
    assert [e["node"]["amount"]["amount"] for e in theirs] == ["7.50"]
    for bearer, variables in (
        (await token("CLERK", store="S05"), {"staff": gid("Staff", clerk6)}),
        (await token("CLERK", store="S05"), {"store": await store_gid("S06")}),
        (manager6, {"staff": gid("Staff", clerk5)}),
        (manager6, {"store": await store_gid("S05")}),
        (await token("MEMBER", member="M0001"), {}),
        (await token("SERVICE"), {}),
    ):
        result = await gql(ENTRIES, {**period, **variables}, token=bearer)
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", variables

    hq = await token("HQ_ADMIN")
    page = (await gql(ENTRIES, {**period, "first": 2}, token=hq))["data"]["commissionEntries"]
    rest = (await gql(ENTRIES, {**period, "first": 2, "after": page["pageInfo"]["endCursor"]}, token=hq))["data"]
    assert page["pageInfo"]["hasNextPage"] and len(page["edges"]) + len(rest["commissionEntries"]["edges"]) == 3

    summary = (await gql(SUMMARY, period, token=hq))["data"]["commissionSummary"]
    figures = {r["staff"]["name"]: (r["orders"], r["sales"]["amount"], r["commission"]["amount"]) for r in summary}
    names = {r["staff_id"]: r["name"] for r in await db.fetch("SELECT id AS staff_id, name FROM staff")}
    assert figures == {names[clerk5]: (1, "300.00", "9.00"), names[clerk6]: (1, "150.00", "7.50")}
    own = (await gql(SUMMARY, period, token=await token("CLERK", store="S06")))["data"]["commissionSummary"]
    assert [(r["orders"], r["commission"]["amount"]) for r in own] == [(1, "7.50")]
    bad = await gql(SUMMARY, {"from": period["to"], "to": period["from"]}, token=hq)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    await db.execute("DELETE FROM commission_entry WHERE reference LIKE 't-%'")


async def test_an_online_pickup_credits_the_store_its_share_and_the_rest_to_the_online_team(gql, token):
    order = await paid_pickup_order(gql, token, await new_variant({"S03": 2}, price="99.99"), await store_gid("S03"))
    split = (await gql(CREDIT, {"id": order["id"]}, token=await token("CLERK", store="S03")))["data"]["order"]
    assert split["creditSplit"] == [
        {"store": {"code": "S03"}, "share": "0.3", "amount": {"amount": "29.99"}},
        {"store": None, "share": "0.7", "amount": {"amount": "70.00"}},
    ]
    member = (await gql(CREDIT, {"id": order["id"]}, token=await token("MEMBER", member="M0001")))["data"]
    assert member["order"]["creditSplit"] == []
