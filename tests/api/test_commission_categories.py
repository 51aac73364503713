"""Commission rules by category over the catalogue tree: a rule for a category covers the categories
under it and every category a product is listed in; CommissionRule.categories; the README's till
sale worked example, to the cent."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest

from omnichannel.persistence import db
from tests.api.loyalty import claim, create_template, sign_up
from tests.api.test_sell_at_till import sale, sell
from tests.floor_support import commission_entries, order_id_of, pad_order, refunded
from tests.orders_support import PLACE_ORDER, gid, new_variant, pickup_input, store_gid

pytestmark = pytest.mark.usefixtures("lift_lockouts")

CREATE_CATEGORY = """mutation($input: CreateCategoryInput!) { createCategory(input: $input) {
  category { id name } userErrors { code } } }"""
CREATE_RULE = """mutation($input: CreateCommissionRuleInput!) { createCommissionRule(input: $input) {
  rule { id name categories { id name } } userErrors { field code } } }"""
RULES = "{ commissionRules { id name active categories { name } } }"
END = "mutation($id: ID!) { endCommissionRule(input: {ruleId: $id}) { userErrors { code } } }"


async def _category(gql, hq: str, name: str, parent: str | None = None) -> dict:
    request = {"name": f"{name} {secrets.token_hex(3)}", **({"parentId": parent} if parent else {})}
    created = (await gql(CREATE_CATEGORY, {"input": request}, token=hq))["data"]["createCategory"]
    assert created["userErrors"] == [], created
    return dict(created["category"])


async def _list(variant: int, *category_gids: str) -> None:
    """List the variant's product in these categories, in this order."""
    product = (await db.fetch("SELECT product_id FROM variant WHERE id = $1", [variant]))[0]["product_id"]
    for position, category in enumerate(category_gids):
        await db.execute(
            "INSERT INTO product_category (product_id, category_id, position) VALUES ($1, $2, $3)",
            [product, int((await db.fetch("SELECT id FROM category WHERE name = $1", [category]))[0]["id"]), position],
        )


async def _only_these_rules(gql, hq: str, *rules: dict) -> list[dict]:
    """End every rule in force, then create these (rules are chain-wide: other tests' would compete)."""
    for rule in (await gql(RULES, token=hq))["data"]["commissionRules"]:
        if rule["active"]:
            assert (await gql(END, {"id": rule["id"]}, token=hq))["data"]["endCommissionRule"]["userErrors"] == []
    made = []
    for rule in rules:
        created = (await gql(CREATE_RULE, {"input": rule}, token=hq))["data"]["createCommissionRule"]
        assert created["userErrors"] == [], created
        made.append(created["rule"])
    return made


async def test_the_readme_till_sale_earns_by_the_tree_and_reverses_to_zero(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    outerwear = await _category(gql, hq, "Outerwear")
    jackets = await _category(gql, hq, "Jackets", outerwear["id"])
    accessories = await _category(gql, hq, "Accessories")
    jacket, socks = await new_variant({"S01": 3}, price="199.00"), await new_variant({"S01": 9}, price="9.95")
    await _list(jacket, jackets["name"])  # under Outerwear
    await _list(socks, accessories["name"])
    everything, by_tree = await _only_these_rules(
        gql,
        hq,
        {"name": "Everything 2%", "ratePercent": "2"},
        {"name": "Outerwear 4.5%", "ratePercent": "4.5", "categoryIds": [outerwear["id"]]},
    )
    assert everything["categories"] == [] and by_tree["categories"] == [outerwear]
    member = await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="10 off", value="10")
    code = (await claim(gql, member.token, template["id"], "MINI_PROGRAM"))["coupon"]["code"]
    clerk = await token("CLERK", store="S01")
    sold = await sell(
        gql, clerk, sale(await store_gid("S01"), (jacket, 1), (socks, 2), memberId=member.id, couponCodes=[code])
    )
    assert sold["userErrors"] == [], sold
    assert sold["order"]["total"]["amount"] == "208.90"
    order_id = await order_id_of(sold["order"]["number"])
    assert await commission_entries(order_id) == [("EARNED", Decimal("8.93"), Decimal("208.90"))]  # 8.5455 + 0.38
    rule = await db.fetch(
        "SELECT r.name FROM commission_entry e JOIN commission_rule r ON r.id = e.rule_id WHERE e.order_id = $1",
        [order_id],
    )
    assert [r["name"] for r in rule] == ["Outerwear 4.5%"]
    await refunded(gql, token, sold["order"]["id"], [(socks, 2)])
    assert (await commission_entries(order_id))[1][:2] == ("REVERSED", Decimal("-0.38"))
    await refunded(gql, token, sold["order"]["id"], [(jacket, 1)])
    entries = await commission_entries(order_id)
    assert entries[2][:2] == ("REVERSED", Decimal("-8.55"))
    assert sum(e[1] for e in entries) == 0 and sum(e[2] for e in entries) == 0


async def test_a_product_counts_in_every_category_it_is_listed_in(gql, token):
    hq = await token("HQ_ADMIN")
    tops, sale_rack = await _category(gql, hq, "Tops"), await _category(gql, hq, "Sale rack")
    tee, plain = await new_variant({"S07": 5}, price="50.00"), await new_variant({"S07": 5}, price="50.00")
    await _list(tee, tops["name"], sale_rack["name"])  # listed second on the sale rack
    await _list(plain, tops["name"])
    await _only_these_rules(gql, hq, {"name": "Sale rack 6%", "ratePercent": "6", "categoryIds": [sale_rack["id"]]})
    order = await pad_order(gql, token, "S07", [(tee, 1), (plain, 1)])
    # only the tee is on the sale rack: 50.00 x 6% = 3.00; the plain tee matches no rule
    assert await commission_entries(await order_id_of(order["number"])) == [
        ("EARNED", Decimal("3.00"), Decimal("100.00"))
    ]
    listed = (await gql(RULES, token=hq))["data"]["commissionRules"]
    assert [r["categories"] for r in listed if r["name"] == "Sale rack 6%"] == [[{"name": sale_rack["name"]}]]


async def test_a_promotion_for_a_category_covers_products_listed_under_it_in_any_listing(gql, token):
    """Promotions (and coupon scopes: one `Scope.covers`) see a product's every listing and the tree
    above it, like commission rules: a product whose first category is elsewhere but that is also
    listed under Tops > T-shirts gets the Tops promotion, at placement as in the quote."""
    hq = await token("HQ_ADMIN")
    tops = await _category(gql, hq, "Tops")
    tees = await _category(gql, hq, "T-shirts", tops["id"])
    sale_rack = await _category(gql, hq, "Sale rack")
    tee, other = await new_variant({"S02": 5}, price="80.00"), await new_variant({"S02": 5}, price="50.00")
    await _list(tee, sale_rack["name"], tees["name"])  # first listed elsewhere, also under Tops
    await _list(other, sale_rack["name"])
    made = await gql(
        """mutation($c: ID!) { createPromotion(input: {title: "Tops 25%", kind: PERCENT_OFF, percent: "25",
          categoryIds: [$c]}) { promotion { id } userErrors { code } } }""",
        {"c": tops["id"]},
        token=hq,
    )
    promotion = made["data"]["createPromotion"]["promotion"]
    try:
        member = await token("MEMBER", member="M0009")
        request = pickup_input(tee, await store_gid("S02"), 1)
        request["lines"].append({"variantId": gid("Variant", other), "quantity": 1})
        placed = (await gql(PLACE_ORDER, {"input": request}, token=member))["data"]["placeOrder"]
        assert placed["userErrors"] == [], placed
        order = placed["order"]
        assert (order["subtotal"]["amount"], order["total"]["amount"]) == ("130.00", "110.00")  # 25% of the tee
    finally:
        await gql(
            "mutation($id: ID!) { endPromotion(input: {promotionId: $id}) { promotion { active } } }",
            {"id": promotion["id"]},
            token=hq,
        )
