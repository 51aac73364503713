"""No N+1 on the store floor's lists: pickList and Member.tryOns cost the same statements for 1 or many items."""

from __future__ import annotations

from tests.floor_support import paid_pickup_order
from tests.orders_support import count_statements, gid, new_member, new_variant, store_gid

PICK_LIST = """
query($store: ID!) {
  pickList(storeId: $store) { quantity variant { sku product { title } } orders { number lines { quantity } } }
}"""

TRY_ONS = """
query($id: ID!) {
  node(id: $id) { ... on Member { tryOns(first: 50) { purchased store { code } variant { sku } member { id } } } }
}"""

RECORD = """
mutation($input: RecordTryOnInput!) { recordTryOn(input: $input) { userErrors { code } } }
"""


async def _count(gql, query: str, variables: dict, bearer: str) -> list[str]:
    with count_statements() as statements:
        result = await gql(query, variables, token=bearer)
    assert "errors" not in result, result
    return list(statements)


async def test_the_pick_list_runs_the_same_statements_for_one_and_many_lines(gql, token):
    small_store, large_store = await store_gid("S10"), await store_gid("S11")
    await paid_pickup_order(gql, token, await new_variant({"S10": 3}), small_store)
    for n in range(6):
        await paid_pickup_order(gql, token, await new_variant({"S11": 3}), large_store, member=f"M{n + 2:04d}")
    small = await _count(gql, PICK_LIST, {"store": small_store}, await token("CLERK", store="S10"))
    large = await _count(gql, PICK_LIST, {"store": large_store}, await token("CLERK", store="S11"))
    assert len(small) == len(large), "\n".join(["1:", *small, "6:", *large])


async def test_try_ons_run_the_same_statements_for_one_and_many(gql, token):
    clerk = await token("CLERK", store="S02")
    store = await store_gid("S02")
    few, _ = await new_member()
    many, _ = await new_member()
    variants = [await new_variant({}) for _ in range(8)]
    for member, chosen in ((few, variants[:1]), (many, variants)):
        request = {
            "storeId": store,
            "memberId": gid("Member", member),
            "variantIds": [gid("Variant", v) for v in chosen],
            "source": "RFID",
        }
        assert (await gql(RECORD, {"input": request}, token=clerk))["data"]["recordTryOn"]["userErrors"] == []
    small = await _count(gql, TRY_ONS, {"id": gid("Member", few)}, clerk)
    large = await _count(gql, TRY_ONS, {"id": gid("Member", many)}, clerk)
    assert len(small) == len(large), "\n".join(["1:", *small, "8:", *large])


RECOMMEND = """
query($m: ID!) { recommendations(memberId: $m, first: 20) { reason score variant { sku title } } }
"""


async def test_recommendations_run_the_same_statements_for_one_and_many(gql, token):
    clerk = await token("CLERK", store="S02")
    store = await store_gid("S02")
    few, _ = await new_member()
    many, _ = await new_member()
    variants = [await new_variant({}) for _ in range(6)]
    for member, chosen in ((few, variants[:1]), (many, variants)):
        request = {
            "storeId": store,
            "memberId": gid("Member", member),
            "variantIds": [gid("Variant", v) for v in chosen],
            "source": "SCAN",
        }
        assert (await gql(RECORD, {"input": request}, token=clerk))["data"]["recordTryOn"]["userErrors"] == []
    small = await _count(gql, RECOMMEND, {"m": gid("Member", few)}, clerk)
    large = await _count(gql, RECOMMEND, {"m": gid("Member", many)}, clerk)
    assert len(small) == len(large), "\n".join(["1:", *small, "6:", *large])
