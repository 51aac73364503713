"""One pricing function for every channel: the same cart, promotions and coupon give the same price."""

from __future__ import annotations

import pytest

from tests.api.loyalty import ADJUST, claim, create_template, gid, sign_up

# wrong codes and passwords lock people out: the counters go back after every test, pass or fail
pytestmark = pytest.mark.usefixtures("lift_lockouts")

QUOTE = """query($input: PriceQuoteInput!) { priceQuote(input: $input) {
  quote { channel subtotal { amount } discountTotal { amount } total { amount } pointsRedeemed pointsToEarn tier
    lines { quantity unitPrice { amount } discount { amount } total { amount } variant { id } }
    discounts { kind title amount { amount } code points } }
  userErrors { field code message } } }"""
PROMOTION = """mutation($input: CreatePromotionInput!) { createPromotion(input: $input) {
  promotion { id } userErrors { field code message } } }"""
END = """mutation($id: ID!) { endPromotion(input: {promotionId: $id}) { promotion { active } } }"""

# variants 1..3 (product 1, Tops) have no channel or S01 price overrides in the demo data
LINES = [{"variantId": gid("Variant", 1), "quantity": 2}, {"variantId": gid("Variant", 2), "quantity": 1}]


def _same(quote: dict) -> dict:
    return {k: v for k, v in quote.items() if k != "channel"}


async def test_the_same_cart_is_priced_identically_in_every_channel(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 500, "r": "goodwill"}, token=hq)
    template = await create_template(gql, hq, title="5 off", value="5")
    code = (await claim(gql, member.token, template["id"], "MINI_PROGRAM"))["coupon"]["code"]
    promotions = []
    try:
        for fields in (
            {"title": "Tee week 10%", "kind": "PERCENT_OFF", "percent": "10", "productIds": [gid("Product", 1)]},
            {
                "title": "Spend 50 get 8 off",
                "kind": "SPEND_AMOUNT_OFF",
                "threshold": "50",
                "amountOff": "8",
                "productIds": [gid("Product", 1)],
            },
        ):
            created = (await gql(PROMOTION, {"input": fields}, token=hq))["data"]["createPromotion"]
            assert created["userErrors"] == []
            promotions.append(created["promotion"]["id"])
        clerk = await token("CLERK", store="S01")
        quotes = {}
        for channel, who, member_id in (
            ("APP", member.token, None),
            ("MINI_PROGRAM", member.token, None),
            ("STORE_POS", clerk, member.id),
            ("CLERK_PAD", clerk, member.id),
        ):
            variables = {
                "input": {
                    "channel": channel,
                    "lines": LINES,
                    "storeId": gid("Store", 1),
                    "couponCodes": [code],
                    "pointsToRedeem": 300,
                    "memberId": member_id,
                }
            }
            payload = (await gql(QUOTE, variables, token=who))["data"]["priceQuote"]
            assert payload["userErrors"] == [], (channel, payload)
            quotes[channel] = payload["quote"]
        first = _same(quotes["APP"])
        assert all(_same(q) == first for q in quotes.values())
        assert [d["kind"] for d in first["discounts"]] == ["PROMOTION", "PROMOTION", "COUPON", "POINTS"]
        subtotal, discount, total = (float(first[k]["amount"]) for k in ("subtotal", "discountTotal", "total"))
        assert round(subtotal - discount, 2) == total
        assert sum(float(line["total"]["amount"]) for line in first["lines"]) == total
        assert first["pointsRedeemed"] == 300 and first["pointsToEarn"] == int(total)
    finally:
        for promotion in promotions:
            await gql(END, {"id": promotion}, token=hq)


async def test_quote_refusals_are_user_errors(gql, outbox, token):
    member = await sign_up(gql, outbox)
    base = {"channel": "APP", "lines": LINES}
    cases = [
        ({**base, "pointsToRedeem": 10}, member.token, "INSUFFICIENT_POINTS"),
        ({**base, "couponCodes": ["ABCDE-FGHJK-MNPQ0"]}, member.token, "INVALID_COUPON_CODE"),
        ({**base, "couponCodes": ["ABCDE"]}, None, "INVALID_INPUT"),
        ({**base, "lines": [{"variantId": gid("Variant", 10**6), "quantity": 1}]}, None, "NOT_FOUND"),
        ({**base, "lines": [{"variantId": gid("Variant", 1), "quantity": 0}]}, None, "INVALID_INPUT"),
    ]
    for fields, who, code in cases:
        payload = (await gql(QUOTE, {"input": fields}, token=who))["data"]["priceQuote"]
        assert payload["quote"] is None and payload["userErrors"][0]["code"] == code, (fields, payload)
    someone_else = await gql(QUOTE, {"input": {**base, "memberId": gid("Member", 1)}}, token=member.token)
    assert someone_else["errors"][0]["extensions"]["code"] == "FORBIDDEN"
