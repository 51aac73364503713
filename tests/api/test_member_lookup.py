"""memberLookup at the counter: by phone, store card or member number; staff only; every look-up audited."""

from __future__ import annotations

import pytest

from omnichannel.persistence import db
from tests.orders_support import gid, new_member

LOOKUP = """
query($phone: String, $card: String, $number: String) {
  memberLookup(phone: $phone, storeCard: $card, memberNumber: $number) { id memberNumber displayName }
}"""


async def _audit_since(last_id: int) -> list[dict]:
    rows = await db.fetch(
        "SELECT l.staff_id, l.actor, l.key_kind, l.key_value, l.member_id, l.at, s.email, loc.code "
        "FROM member_lookup l LEFT JOIN staff s ON s.id = l.staff_id LEFT JOIN location loc ON loc.id = l.location_id "
        "WHERE l.id > $1 ORDER BY l.id",
        [last_id],
    )
    return [dict(r) for r in rows]


async def _last_audit_id() -> int:
    rows = await db.fetch("SELECT coalesce(max(id), 0) AS id FROM member_lookup")
    return int(rows[0]["id"])


@pytest.mark.parametrize(
    ("variables", "kind", "value"),
    [
        ({"phone": "13800130005"}, "PHONE", "13800130005"),
        ({"phone": "+86 138-0013-0005"}, "PHONE", "13800130005"),
        ({"card": "620000000005"}, "STORE_CARD", "620000000005"),
        ({"number": "m0005"}, "MEMBER_NUMBER", "M0005"),
    ],
)
async def test_a_clerk_finds_a_demo_member_by_each_key_and_the_look_up_is_audited(gql, token, variables, kind, value):
    before = await _last_audit_id()
    result = await gql(LOOKUP, variables, token=await token("CLERK", store="S03"))
    assert "errors" not in result, result
    assert result["data"]["memberLookup"]["memberNumber"] == "M0005"
    [entry] = await _audit_since(before)
    assert entry["key_kind"] == kind and entry["key_value"] == value
    assert entry["email"] == "clerk.s03@demo.omnichannel.cn" and entry["code"] == "S03"
    member = await db.fetch("SELECT id FROM member WHERE member_number = 'M0005'")
    assert entry["member_id"] == member[0]["id"]
    assert entry["at"] is not None


async def test_an_unknown_key_finds_nobody_and_is_audited_too(gql, token):
    before = await _last_audit_id()
    result = await gql(LOOKUP, {"phone": "13999999999"}, token=await token("HQ_ADMIN"))
    assert result["data"]["memberLookup"] is None
    [entry] = await _audit_since(before)
    assert entry["member_id"] is None and entry["key_kind"] == "PHONE" and entry["actor"].startswith("HQ_ADMIN:")


async def test_a_store_manager_may_look_up_too(gql, token):
    result = await gql(LOOKUP, {"number": "M0001"}, token=await token("STORE_MANAGER", store="S01"))
    assert result["data"]["memberLookup"]["memberNumber"] == "M0001"


@pytest.mark.parametrize(
    ("role", "kwargs", "code"),
    [
        ("MEMBER", {"member": "M0001"}, "FORBIDDEN"),
        ("ANALYST", {}, "FORBIDDEN"),
        ("SERVICE", {}, "FORBIDDEN"),
        (None, {}, "UNAUTHENTICATED"),
    ],
)
async def test_members_and_others_may_not_look_members_up(gql, token, role, kwargs, code):
    before = await _last_audit_id()
    bearer = await token(role, **kwargs) if role else None
    result = await gql(LOOKUP, {"phone": "13800130005"}, token=bearer)
    assert result["data"] is None or result["data"]["memberLookup"] is None
    assert result["errors"][0]["extensions"]["code"] == code
    assert await _audit_since(before) == []


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"phone": "13800130005", "number": "M0005"},
        {"phone": "12345"},
        {"card": "62ab"},
        {"number": "M-0005"},
        {"number": "M0005\u0000"},  # refused at the edge (BAD_USER_INPUT), before the field runs
        {"phone": "1" * 5000},
    ],
)
async def test_malformed_look_ups_are_refused_with_a_code_and_not_run(gql, token, variables):
    before = await _last_audit_id()
    result = await gql(LOOKUP, variables, token=await token("CLERK", store="S01"))
    expected = "BAD_USER_INPUT" if "\u0000" in str(variables.get("number")) else "INVALID_INPUT"
    assert result["errors"][0]["extensions"]["code"] == expected, result
    assert await _audit_since(before) == []


SIGNED_IN = "{ signedInStaff { name role store { code } } }"


async def test_signed_in_staff_names_the_token_holder_and_nobody_else(gql, token):
    clerk = (await gql(SIGNED_IN, token=await token("CLERK", store="S02")))["data"]["signedInStaff"]
    assert clerk["role"] == "CLERK" and clerk["store"] == {"code": "S02"}
    hq = (await gql(SIGNED_IN, token=await token("HQ_ADMIN")))["data"]["signedInStaff"]
    assert hq["role"] == "HQ_ADMIN" and hq["store"] is None
    for bearer in (await token("MEMBER", member="M0001"), await token("SERVICE"), None):
        assert (await gql(SIGNED_IN, token=bearer))["data"]["signedInStaff"] is None


async def test_a_merged_duplicates_number_finds_the_survivor(gql, token):
    survivor, survivor_number = await new_member()
    duplicate, duplicate_number = await new_member()
    merged = await gql(
        "mutation($s: ID!, $d: ID!) { mergeMembers(input: {survivorId: $s, duplicateId: $d}) { userErrors { code } } }",
        {"s": gid("Member", survivor), "d": gid("Member", duplicate)},
        token=await token("HQ_ADMIN"),
    )
    assert merged["data"]["mergeMembers"]["userErrors"] == [], merged
    found = await gql(LOOKUP, {"number": duplicate_number}, token=await token("CLERK", store="S01"))
    assert found["data"]["memberLookup"]["memberNumber"] == survivor_number
