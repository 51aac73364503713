"""Points over HTTP (adjustPoints under load) and head office merging duplicate members."""

from __future__ import annotations

import asyncio

from tests.api.loyalty import ADJUST, ME, claim, create_template, gid, sign_up

MERGE = """mutation($s: ID!, $d: ID!) { mergeMembers(input: {survivorId: $s, duplicateId: $d}) {
  member { id pointsBalance } movedPoints movedCoupons movedIdentities userErrors { field code message } } }"""
HISTORY = """{ me { pointsBalance pointsHistory(first: 100) { edges { node { kind points reason remaining } } } } }"""


async def test_50_concurrent_adjustments_of_minus_10_from_100_exactly_10_succeed(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    member = await sign_up(gql, outbox)
    assert (await gql(ADJUST, {"m": member.id, "d": 100, "r": "welcome gift"}, token=hq))["data"]["adjustPoints"][
        "member"
    ]["pointsBalance"] == 100
    results = await asyncio.gather(
        *(gql(ADJUST, {"m": member.id, "d": -10, "r": "correction"}, token=hq) for _ in range(50))
    )
    payloads = [r["data"]["adjustPoints"] for r in results]
    assert sum(1 for p in payloads if p["member"]) == 10
    assert {p["userErrors"][0]["code"] for p in payloads if not p["member"]} == {"INSUFFICIENT_POINTS"}
    history = (await gql(HISTORY, token=member.token))["data"]["me"]
    assert history["pointsBalance"] == 0
    assert sum(e["node"]["points"] for e in history["pointsHistory"]["edges"]) == 0
    assert len(history["pointsHistory"]["edges"]) == 11


async def test_adjustment_errors_are_user_errors(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    member = await sign_up(gql, outbox)
    below = (await gql(ADJUST, {"m": member.id, "d": -1, "r": "x"}, token=hq))["data"]["adjustPoints"]
    assert below["userErrors"] == [
        {
            "field": ["delta"],
            "code": "INSUFFICIENT_POINTS",
            "message": "The balance is 0; an adjustment of -1 would take it below zero.",
        }
    ]
    blank = (await gql(ADJUST, {"m": member.id, "d": 5, "r": " "}, token=hq))["data"]["adjustPoints"]
    assert blank["userErrors"][0]["field"] == ["reason"]
    missing = (await gql(ADJUST, {"m": gid("Member", 10**8), "d": 5, "r": "x"}, token=hq))["data"]["adjustPoints"]
    assert missing["userErrors"][0]["code"] == "NOT_FOUND"


async def test_merging_keeps_every_point_coupon_and_identity_exactly_once(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    survivor = await sign_up(gql, outbox, link=[{"kind": "WECHAT_UNIONID", "value": "union_survivor_1"}])
    duplicate = await sign_up(gql, outbox, link=[{"kind": "STORE_CARD", "value": "770000000042"}])
    template = await create_template(gql, hq, title="Merge test", perMemberLimit=1)
    for member, points in ((survivor, 120), (duplicate, 80)):
        await gql(ADJUST, {"m": member.id, "d": points, "r": "goodwill"}, token=hq)
        assert (await claim(gql, member.token, template["id"]))["coupon"]
    await gql(ADJUST, {"m": duplicate.id, "d": -30, "r": "correction"}, token=hq)

    merged = (await gql(MERGE, {"s": survivor.id, "d": duplicate.id}, token=hq))["data"]["mergeMembers"]
    assert merged["userErrors"] == []
    assert merged["member"] == {"id": survivor.id, "pointsBalance": 170}
    assert (merged["movedPoints"], merged["movedCoupons"], merged["movedIdentities"]) == (50, 1, 2)

    me = (await gql(ME, token=survivor.token))["data"]["me"]
    assert me["pointsBalance"] == 170 and len(me["coupons"]) == 2 and len({c["id"] for c in me["coupons"]}) == 2
    history = (await gql(HISTORY, token=survivor.token))["data"]["me"]["pointsHistory"]["edges"]
    assert sum(e["node"]["points"] for e in history) == 170 and len(history) == 3
    # the duplicate resolves to the survivor: its id, its old token, its phone
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": duplicate.id}, token=hq)
    assert node["data"]["node"]["id"] == survivor.id
    old_token = (await gql("{ me { id pointsBalance } }", token=duplicate.token))["data"]["me"]
    assert old_token == {"id": survivor.id, "pointsBalance": 170}
    again = await sign_up(gql, outbox, phone=duplicate.phone)
    assert again.id == survivor.id
    identities = (await gql("{ me { identities { kind value } } }", token=survivor.token))["data"]["me"]["identities"]
    assert {i["kind"] for i in identities} == {"PHONE", "WECHAT_UNIONID", "STORE_CARD"}
    assert len([i for i in identities if i["kind"] == "PHONE"]) == 2
    # nothing can be merged twice, nor into a closed member
    twice = (await gql(MERGE, {"s": survivor.id, "d": duplicate.id}, token=hq))["data"]["mergeMembers"]
    assert twice["userErrors"][0]["code"] == "MEMBER_MERGED"
    into_closed = (await gql(MERGE, {"s": duplicate.id, "d": survivor.id}, token=hq))["data"]["mergeMembers"]
    assert into_closed["userErrors"][0]["code"] == "MEMBER_MERGED"
    itself = (await gql(MERGE, {"s": survivor.id, "d": survivor.id}, token=hq))["data"]["mergeMembers"]
    assert itself["userErrors"][0]["code"] == "INVALID_INPUT"


async def test_concurrent_merges_of_the_same_duplicate_move_it_once(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    a, b, dup = [await sign_up(gql, outbox) for _ in range(3)]
    await gql(ADJUST, {"m": dup.id, "d": 40, "r": "goodwill"}, token=hq)
    results = await asyncio.gather(
        gql(MERGE, {"s": a.id, "d": dup.id}, token=hq), gql(MERGE, {"s": b.id, "d": dup.id}, token=hq)
    )
    payloads = [r["data"]["mergeMembers"] for r in results]
    assert sum(1 for p in payloads if p["member"]) == 1
    balances = [(await gql("{ me { pointsBalance } }", token=m.token))["data"]["me"]["pointsBalance"] for m in (a, b)]
    assert sorted(balances) == [0, 40]
