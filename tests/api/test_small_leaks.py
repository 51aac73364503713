"""Issue 14, item 13: the smaller leaks and inconsistencies, each checked as a user would see it.
(Shipping phones and the EXPRESS split are tested in tests/domain; the embedded database's lifetime
in tests/e2e/test_processes.py; NOT_FOUND for another member's order in test_order_access.py.)"""

from __future__ import annotations

from tests.api.loyalty import REQUEST_CODE, new_phone, sign_up
from tests.orders_support import CONFIRM_PAYMENT, PLACE_ORDER, gid, new_variant, pickup_input, store_gid

POINTS = """query($id: ID!) { node(id: $id) { ... on Member {
  pointsHistory(first: 50) { edges { node { kind points reason orderId } } } } } }"""


async def paid_order(gql, token, member_token: str, store: str) -> dict:
    variant = await new_variant({store: 2}, price="200.00")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid(store))}, token=member_token))[
        "data"
    ]["placeOrder"]["order"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"leak-{order['number']}"}
    paid = await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
    assert paid["data"]["confirmPayment"]["userErrors"] == []
    return order


async def test_points_history_names_orders_by_number_and_hides_other_stores_from_clerks(gql, outbox, token):
    """A clerk sees the member's whole balance, but only the orders their own store handled; the
    member sees every order, by the number they know ("SO00000014", not "order 14")."""
    member = await sign_up(gql, outbox)
    at_s01 = await paid_order(gql, token, member.token, "S01")
    at_s02 = await paid_order(gql, token, member.token, "S02")

    own = (await gql(POINTS, {"id": member.id}, token=member.token))["data"]["node"]["pointsHistory"]["edges"]
    reasons = {e["node"]["orderId"]: e["node"]["reason"] for e in own}
    assert reasons[at_s01["id"]] == f"order {at_s01['number']} paid"
    assert reasons[at_s02["id"]] == f"order {at_s02['number']} paid"

    clerk = await token("CLERK", store="S01")
    seen = (await gql(POINTS, {"id": member.id}, token=clerk))["data"]["node"]["pointsHistory"]["edges"]
    assert sum(e["node"]["points"] for e in seen) == sum(e["node"]["points"] for e in own)
    assert at_s01["id"] in {e["node"]["orderId"] for e in seen}
    assert at_s02["id"] not in {e["node"]["orderId"] for e in seen}
    assert not any(at_s02["number"] in e["node"]["reason"] for e in seen)
    head_office = await token("HQ_ADMIN")
    everything = (await gql(POINTS, {"id": member.id}, token=head_office))["data"]["node"]["pointsHistory"]["edges"]
    assert {at_s01["id"], at_s02["id"]} <= {e["node"]["orderId"] for e in everything}


SIGN_IN_WITH_CODE = """mutation($input: SignInWithCodeInput!) { signInWithCode(input: $input) {
  token member { memberNumber identities { kind value } } userErrors { code } } }"""


async def test_signing_in_with_a_code_shows_the_members_identities(gql, outbox):
    """The payload's member is the one just signed in: their identities (main answered [])."""
    phone = new_phone()
    await sign_up(gql, outbox, phone=phone, link=[{"kind": "WECHAT_OPENID", "value": "o" + "x" * 27}])
    await gql(REQUEST_CODE, {"phone": phone})
    again = await gql(SIGN_IN_WITH_CODE, {"input": {"phone": phone, "code": outbox.codes[phone]}})
    identities = again["data"]["signInWithCode"]["member"]["identities"]
    assert {i["kind"] for i in identities} >= {"PHONE", "WECHAT_OPENID"}


QUOTE = """query($input: PriceQuoteInput!) { priceQuote(input: $input) { quote { total { amount } }
  userErrors { field code message } } }"""


async def test_a_cart_too_long_to_order_is_too_long_to_quote(gql, token):
    """One limit, one constant: a 60-line cart was priced by priceQuote and refused by placeOrder."""
    member = await token("MEMBER", member="M0012")
    lines = [{"variantId": gid("Variant", n), "quantity": 1} for n in range(1, 61)]
    quoted = (await gql(QUOTE, {"input": {"channel": "APP", "lines": lines}}, token=member))["data"]["priceQuote"]
    order = {"channel": "APP", "fulfillmentMode": "PICKUP", "pickupStoreId": await store_gid("S01"), "lines": lines}
    placed = (await gql(PLACE_ORDER, {"input": order}, token=member))["data"]["placeOrder"]
    assert quoted["quote"] is None and placed["order"] is None
    assert quoted["userErrors"][0]["message"] == placed["userErrors"][0]["message"] == "An order has at most 50 lines."
