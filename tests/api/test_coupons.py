"""Coupons over HTTP: templates, claims (limits under load), redemption at the till (once), audit."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from omnichannel.domain.coupons import GUESSES_PER_STAFF, GUESSES_PER_STORE
from omnichannel.persistence import db
from tests.api.loyalty import CLAIM, REDEEM, claim, create_template, gid, sign_up
from tests.orders_support import location_id

# wrong codes and passwords lock people out: the counters go back after every test, pass or fail
pytestmark = pytest.mark.usefixtures("lift_lockouts")

S01, S02, S11 = gid("Store", 1), gid("Store", 2), gid("Store", 11)
AUDIT = """query($t: ID, $kinds: [CouponAuditKind!]) { couponAudit(templateId: $t, kinds: $kinds, first: 100) {
  edges { node { kind code errorCode memberId storeId channel detail } } } }"""


async def test_500_concurrent_claims_of_100_coupons_issue_exactly_100(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    template = await create_template(gql, hq, title="Flash 100", totalQuantity=100)
    members = await asyncio.gather(*(sign_up(gql, outbox) for _ in range(20)))
    results = await asyncio.gather(*(claim(gql, members[i % 20].token, template["id"], "APP") for i in range(500)))
    issued = [r["coupon"] for r in results if r["coupon"]]
    refused = [r["userErrors"][0]["code"] for r in results if not r["coupon"]]
    assert len(issued) == 100 and len({c["code"] for c in issued}) == 100
    assert set(refused) == {"COUPONS_EXHAUSTED"} and len(refused) == 400
    node = await gql(
        "query($id: ID!) { node(id: $id) { ... on CouponTemplate { issuedCount } } }", {"id": template["id"]}
    )
    assert node["data"]["node"]["issuedCount"] == 100
    claimed = await gql(AUDIT, {"t": template["id"], "kinds": ["CLAIMED"]}, token=hq)
    assert len(claimed["data"]["couponAudit"]["edges"]) == 100
    refused_events = await gql(AUDIT, {"t": template["id"], "kinds": ["CLAIM_REFUSED"]}, token=hq)
    assert {e["node"]["errorCode"] for e in refused_events["data"]["couponAudit"]["edges"]} == {"COUPONS_EXHAUSTED"}


async def test_20_concurrent_claims_by_one_member_with_a_limit_of_1_issue_exactly_1(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    template = await create_template(gql, hq, title="One each", perMemberLimit=1, totalQuantity=1000)
    member = await sign_up(gql, outbox)
    results = await asyncio.gather(*(claim(gql, member.token, template["id"]) for _ in range(20)))
    assert sum(1 for r in results if r["coupon"]) == 1
    assert {r["userErrors"][0]["code"] for r in results if not r["coupon"]} == {"COUPON_LIMIT_REACHED"}
    me = (await gql("{ me { coupons { title status code } } }", token=member.token))["data"]["me"]
    assert [c["title"] for c in me["coupons"]] == ["One each"]


async def test_one_coupon_redeemed_by_30_concurrent_tills_succeeds_once(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    template = await create_template(gql, hq, title="Till 30", value="30")
    member = await sign_up(gql, outbox)
    code = (await claim(gql, member.token, template["id"], "MINI_PROGRAM"))["coupon"]["code"]
    clerk, manager = await token("CLERK", store="S01"), await token("STORE_MANAGER", store="S01")
    results = await asyncio.gather(
        *(gql(REDEEM, {"code": code, "store": S01}, token=clerk if i % 2 else manager) for i in range(30))
    )
    payloads = [r["data"]["redeemCoupon"] for r in results]
    assert sum(1 for p in payloads if p["coupon"]) == 1
    assert {p["userErrors"][0]["code"] for p in payloads if not p["coupon"]} == {"COUPON_ALREADY_USED"}
    me = (await gql("{ me { coupons { code status } } }", token=member.token))["data"]["me"]
    assert me["coupons"] == [{"code": code, "status": "REDEEMED"}]
    audit = (await gql(AUDIT, {"t": template["id"]}, token=hq))["data"]["couponAudit"]["edges"]
    kinds = [e["node"]["kind"] for e in audit]
    assert kinds.count("USED") == 1 and kinds.count("USE_REFUSED") == 29 and kinds.count("CLAIMED") == 1


async def test_store_and_channel_limits_hold_at_the_till(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    s02_only = await create_template(gql, hq, title="S02 only", storeIds=[S02])
    app_only = await create_template(gql, hq, title="App only", channels=["APP"])
    member = await sign_up(gql, outbox)
    clerk = await token("CLERK", store="S01")
    for template in (s02_only, app_only):
        code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
        refused = (await gql(REDEEM, {"code": code, "store": S01}, token=clerk))["data"]["redeemCoupon"]
        assert refused["userErrors"][0]["code"] == "COUPON_NOT_APPLICABLE"
    code = (await gql("{ me { coupons { code title } } }", token=member.token))["data"]["me"]["coupons"]
    s02_code = next(c["code"] for c in code if c["title"] == "S02 only")
    used = await gql(REDEEM, {"code": s02_code, "store": S02}, token=await token("CLERK", store="S02"))
    assert used["data"]["redeemCoupon"]["coupon"]["status"] == "REDEEMED"


async def test_wrong_codes_are_throttled_per_clerk_with_their_own_code(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    template = await create_template(gql, hq, title="Guess me")
    member = await sign_up(gql, outbox)
    real = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    clerk = await token("CLERK", store="S11")
    typo = real[:-1] + ("0" if real[-1] != "0" else "1")
    first = (await gql(REDEEM, {"code": typo, "store": S11}, token=clerk))["data"]["redeemCoupon"]
    assert first["userErrors"][0]["code"] == "INVALID_COUPON_CODE"
    for _ in range(9):
        await gql(REDEEM, {"code": "ZZZZZ-ZZZZZ-ZZZZZ", "store": S11}, token=clerk)
    locked = (await gql(REDEEM, {"code": real, "store": S11}, token=clerk))["data"]["redeemCoupon"]
    assert locked["userErrors"][0]["code"] == "TOO_MANY_COUPON_ATTEMPTS" and locked["coupon"] is None
    # the coupon was not used by the refused attempt; the store's manager (not locked) can still redeem it
    manager = await token("STORE_MANAGER", store="S11")
    done = (await gql(REDEEM, {"code": real, "store": S11}, token=manager))["data"]["redeemCoupon"]
    assert done["coupon"]["status"] == "REDEEMED"


async def new_clerk(store_code: str) -> str:
    """Another clerk at this store (the demo has one per store); returns their email."""
    email = f"clerk.{secrets.token_hex(4)}@test.example"
    await db.execute(
        "INSERT INTO staff (email, name, role, location_id, password_hash, active) "
        "VALUES ($1, 'Test Clerk', 'CLERK', $2, 'x', true)",
        [email, await location_id(store_code)],
    )
    return email


async def test_wrong_codes_by_several_clerks_of_one_store_lock_the_store(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    template = await create_template(gql, hq, title="Store guessing")
    member = await sign_up(gql, outbox)
    real = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    s12 = gid("Store", await location_id("S12"))
    per_clerk = GUESSES_PER_STAFF.max_failures - 2  # every clerk stays under their own limit
    clerks = -(-GUESSES_PER_STORE.max_failures // per_clerk)  # together they reach the store's
    codes = []
    for _ in range(clerks):
        clerk = await token("CLERK", staff=await new_clerk("S12"))
        for _ in range(per_clerk):
            wrong = (await gql(REDEEM, {"code": "ZZZZZ-ZZZZZ-ZZZZZ", "store": s12}, token=clerk))["data"]
            codes.append(wrong["redeemCoupon"]["userErrors"][0]["code"])
    limit = GUESSES_PER_STORE.max_failures
    assert codes[:limit] == ["INVALID_COUPON_CODE"] * limit
    assert set(codes[limit:]) == {"TOO_MANY_COUPON_ATTEMPTS"}
    # a clerk of the store who never guessed is locked out too, even with a real code
    fresh = await token("CLERK", staff=await new_clerk("S12"))
    locked = (await gql(REDEEM, {"code": real, "store": s12}, token=fresh))["data"]["redeemCoupon"]
    assert locked["coupon"] is None and locked["userErrors"][0]["code"] == "TOO_MANY_COUPON_ATTEMPTS"
    # other stores are not
    s01 = gid("Store", await location_id("S01"))
    other = (await gql(REDEEM, {"code": real, "store": s01}, token=await token("CLERK", store="S01")))["data"]
    assert other["redeemCoupon"]["coupon"]["status"] == "REDEEMED"


async def test_template_input_is_validated(gql, token):
    hq = await token("HQ_ADMIN")
    query = """mutation($input: CreateCouponTemplateInput!) { createCouponTemplate(input: $input) {
      template { id } userErrors { field code } } }"""
    cases = [
        ({"title": "x", "kind": "PERCENT_OFF", "value": "120"}, ["value"]),
        ({"title": "x", "kind": "AMOUNT_OFF", "value": "-1"}, ["value"]),
        ({"title": "", "kind": "AMOUNT_OFF", "value": "1"}, ["title"]),
        ({"title": "x", "kind": "AMOUNT_OFF", "value": "1", "totalQuantity": 0}, ["totalQuantity"]),
        ({"title": "x", "kind": "AMOUNT_OFF", "value": "1", "validUntil": "2001-01-01T00:00:00+00:00"}, ["validUntil"]),
        ({"title": "x", "kind": "AMOUNT_OFF", "value": "1", "storeIds": [gid("Store", 999)]}, ["storeIds", "0"]),
    ]
    for fields, field in cases:
        payload = (await gql(query, {"input": fields}, token=hq))["data"]["createCouponTemplate"]
        assert payload["template"] is None and payload["userErrors"][0]["field"] == field, fields


async def test_percent_coupon_with_a_cap_and_the_audit_trail_of_a_refused_claim(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    template = await create_template(
        gql, hq, title="20% up to 50", kind="PERCENT_OFF", value="20", maxDiscount="50", totalQuantity=1
    )
    first, second = await sign_up(gql, outbox), await sign_up(gql, outbox)
    assert (await claim(gql, first.token, template["id"]))["coupon"]
    refused = await claim(gql, second.token, template["id"])
    assert refused["userErrors"][0]["code"] == "COUPONS_EXHAUSTED"
    audit = (await gql(AUDIT, {"t": template["id"], "kinds": ["CLAIM_REFUSED"]}, token=hq))["data"]["couponAudit"]
    assert [(e["node"]["errorCode"], e["node"]["memberId"]) for e in audit["edges"]] == [
        ("COUPONS_EXHAUSTED", second.id)
    ]


async def test_claimable_templates_are_listed_for_everyone(gql, token):
    hq = await token("HQ_ADMIN")
    template = await create_template(gql, hq, title="Listed")
    listed = await gql("{ couponTemplates(first: 100) { edges { node { id title } } } }")
    ids = [e["node"]["id"] for e in listed["data"]["couponTemplates"]["edges"]]
    assert template["id"] in ids or len(ids) == 100
    hidden = await gql("{ couponTemplates(includeClosed: true) { edges { node { id } } } }")
    assert hidden["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert CLAIM


async def test_head_office_voids_an_unused_coupon_and_ends_a_template(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    template = await create_template(gql, hq, title="Withdrawn")
    member = await sign_up(gql, outbox)
    coupon = (await claim(gql, member.token, template["id"]))["coupon"]
    void = """mutation($id: ID!, $r: String!) { voidCoupon(input: {couponId: $id, reason: $r}) {
      coupon { status } userErrors { code } } }"""
    assert (await gql(void, {"id": coupon["id"], "r": "fraud"}, token=hq))["data"]["voidCoupon"]["coupon"] == {
        "status": "VOID"
    }
    again = (await gql(void, {"id": coupon["id"], "r": "fraud"}, token=hq))["data"]["voidCoupon"]
    assert again["userErrors"][0]["code"] == "COUPON_VOID"
    refused = await gql(REDEEM, {"code": coupon["code"], "store": S01}, token=await token("CLERK", store="S01"))
    assert refused["data"]["redeemCoupon"]["userErrors"][0]["code"] == "COUPON_VOID"
    end = """mutation($id: ID!) { endCouponTemplate(input: {templateId: $id}) {
      template { active } userErrors { code } } }"""
    assert (await gql(end, {"id": template["id"]}, token=hq))["data"]["endCouponTemplate"]["template"] == {
        "active": False
    }
    late = await claim(gql, (await sign_up(gql, outbox)).token, template["id"])
    assert late["userErrors"][0]["code"] == "COUPON_NOT_CLAIMABLE"
    assert (await gql(void, {"id": coupon["id"], "r": "x"}, token=member.token))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
