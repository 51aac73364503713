"""Who may do what with members, points and coupons (the same clear error for every refusal),
and list fields load in batches (statements do not grow with the items returned)."""

from __future__ import annotations

import pytest

from tests.api.loyalty import ADJUST, REDEEM, claim, create_template, gid, sign_up
from tests.orders_support import count_statements

S01 = gid("Store", 1)
ROLES = ["ANONYMOUS", "MEMBER", "CLERK", "STORE_MANAGER", "CLERK_OTHER_STORE", "HQ_ADMIN", "ANALYST", "SERVICE"]


async def _token(token, role: str) -> str | None:
    if role == "ANONYMOUS":
        return None
    if role == "MEMBER":
        return await token("MEMBER", member="M0003")
    if role in ("CLERK", "STORE_MANAGER"):
        return await token(role, store="S01")
    if role == "CLERK_OTHER_STORE":
        return await token("CLERK", store="S02")
    return await token(role)


def _outcome(result: dict) -> str:
    if result.get("errors"):
        return result["errors"][0]["extensions"]["code"]
    return "OK"


OPERATIONS = {
    "createCouponTemplate": (
        """mutation { createCouponTemplate(input: {title: "t", kind: AMOUNT_OFF, value: "1"}) { template { id } } }""",
        {"HQ_ADMIN"},
    ),
    "adjustPoints": (ADJUST, {"HQ_ADMIN"}),
    "mergeMembers": (
        """mutation($m: ID!) { mergeMembers(input: {survivorId: $m, duplicateId: $m}) { userErrors { code } } }""",
        {"HQ_ADMIN"},
    ),
    "createPromotion": (
        """mutation { createPromotion(input: {title: "p", kind: PERCENT_OFF, percent: "5",
          productIds: ["UHJvZHVjdDo2NA"], validUntil: "2001-01-02T00:00:00+00:00"}) { userErrors { code } } }""",
        {"HQ_ADMIN"},
    ),
    "couponAudit": ("""{ couponAudit(first: 1) { edges { node { kind } } } }""", {"HQ_ADMIN", "ANALYST"}),
    "claimCoupon": (
        """mutation($t: ID!) { claimCoupon(input: {templateId: $t}) { userErrors { code } } }""",
        {"MEMBER"},
    ),
    "redeemCoupon": (REDEEM, {"CLERK", "STORE_MANAGER"}),
    "voidCoupon": (
        """mutation { voidCoupon(input: {couponId: "Q291cG9uOjk5OTk5OTk", reason: "x"}) { userErrors { code } } }""",
        {"HQ_ADMIN"},
    ),
    "endCouponTemplate": (
        """mutation { endCouponTemplate(input: {templateId: "Q291cG9uVGVtcGxhdGU6OTk5OTk5OQ"}) {
          userErrors { code } } }""",
        {"HQ_ADMIN"},
    ),
    "endPromotion": (
        """mutation { endPromotion(input: {promotionId: "UHJvbW90aW9uOjk5OTk5OTk"}) { userErrors { code } } }""",
        {"HQ_ADMIN"},
    ),
    "couponTemplatesIncludingClosed": (
        """{ couponTemplates(includeClosed: true) { edges { node { id } } } }""",
        {"HQ_ADMIN"},
    ),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_authorisation_matrix(gql, token, operation):
    hq = await token("HQ_ADMIN")
    template = await create_template(gql, hq, title="matrix")
    query, allowed = OPERATIONS[operation]
    variables = {
        "m": gid("Member", 4),
        "d": 1,
        "r": "matrix",
        "t": template["id"],
        "code": "00000-00000-00000",
        "store": S01,
    }
    for role in ROLES:
        result = await gql(query, variables, token=await _token(token, role))
        expected = "OK" if role in allowed else ("UNAUTHENTICATED" if role == "ANONYMOUS" else "FORBIDDEN")
        assert _outcome(result) == expected, (operation, role, result)
        if expected == "FORBIDDEN":
            assert result["errors"][0]["message"] == "You do not have permission to perform this action."


async def test_members_see_only_themselves_and_coupon_codes_only_their_own(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    owner, other = await sign_up(gql, outbox), await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="private")
    coupon = (await claim(gql, owner.token, template["id"]))["coupon"]
    node = "query($id: ID!) { node(id: $id) { id ... on Member { pointsBalance coupons { code } } } }"
    assert (await gql(node, {"id": owner.id}, token=other.token))["data"]["node"] is None
    assert (await gql(node, {"id": owner.id}, token=await token("ANALYST")))["data"]["node"] is None
    assert (await gql(node, {"id": owner.id}))["data"]["node"] is None
    seen_by_clerk = (await gql(node, {"id": owner.id}, token=await token("CLERK", store="S01")))["data"]["node"]
    assert seen_by_clerk["coupons"][0]["code"].startswith("•••••-•••••-")
    assert seen_by_clerk["coupons"][0]["code"][-5:] == coupon["code"][-5:]
    assert (await gql(node, {"id": owner.id}, token=hq))["data"]["node"]["coupons"] == [{"code": coupon["code"]}]
    coupon_node = "query($id: ID!) { node(id: $id) { ... on Coupon { code } } }"
    assert (await gql(coupon_node, {"id": coupon["id"]}, token=other.token))["data"]["node"] is None
    assert (await gql(coupon_node, {"id": coupon["id"]}, token=owner.token))["data"]["node"] == {"code": coupon["code"]}
    assert (await gql("{ me { id } }", token=hq))["data"]["me"] is None


async def test_member_coupons_load_in_batches_whatever_their_number(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    few, many = await sign_up(gql, outbox), await sign_up(gql, outbox)
    store_bound = await create_template(gql, hq, title="batch", storeIds=[S01, gid("Store", 2)])
    await claim(gql, few.token, store_bound["id"])
    for n in range(5):
        template = await create_template(gql, hq, title=f"batch {n}", storeIds=[gid("Store", 3 + n)])
        await claim(gql, many.token, template["id"])
        await claim(gql, many.token, store_bound["id"])
    query = """{ me { pointsBalance tier pointsHistory { edges { node { points } } }
      coupons { code status template { title issuedCount stores { code } } } } }"""
    counts = []
    for member, expected in ((few, 1), (many, 10)):
        with count_statements() as seen:
            result = await gql(query, token=member.token)
        assert len(result["data"]["me"]["coupons"]) == expected
        counts.append(len(seen))
    assert 0 < counts[0] == counts[1], counts
