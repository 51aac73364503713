"""The stock ledger as a property: random orders (both write paths, online and store channels),
cancellations, hand-overs, adjustments and safety-stock changes through the API; after every step each
level equals the sum of its movements, online holds equal what open online orders hold, and a level has
an open low-stock alert exactly when it is low (never two)."""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from omnichannel.domain.stock_alerts import is_low
from omnichannel.persistence import db
from tests.orders_support import (
    CANCEL_ORDER,
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    gid,
    location_id,
    new_variant,
    pickup_input,
    store_gid,
)

STORES = ("S03", "S04")
KEYS = itertools.count()
ADJUST = """mutation($s: ID!, $v: ID!, $d: Int!, $r: String!) {
  adjustStock(input: {storeId: $s, variantId: $v, delta: $d, reason: $r}) { userErrors { code } }
}"""
SET_SAFETY = """mutation($s: ID!, $v: ID!, $n: Int!) {
  setSafetyStock(input: {storeId: $s, variantId: $v, safetyStock: $n}) { userErrors { code } }
}"""


class StockThroughTheApi(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop
    gql: object
    tokens: dict[str, str]

    def __init__(self) -> None:
        super().__init__()
        self.variant = self.run(new_variant(dict.fromkeys(STORES, 8)))
        self.stores = {code: self.run(store_gid(code)) for code in STORES}
        self.locations = {code: self.run(location_id(code)) for code in STORES}
        self.open: list[tuple[dict, str, int, bool]] = []  # (order, store, quantity, online)

    def run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def call(self, query: str, variables: dict, who: str) -> dict:
        result = self.run(self.gql(query, variables, token=self.tokens[who]))  # type: ignore[operator]
        assert "errors" not in result, result
        return result["data"]

    @initialize(share=st.sampled_from([1.0, 0.5]))
    def allocation(self, share: float) -> None:
        self.run(db.execute(
            "INSERT INTO allocation_policy (location_id, online_share) VALUES ($1, $2) "
            "ON CONFLICT (location_id) DO UPDATE SET online_share = EXCLUDED.online_share",
            [self.locations["S03"], share],
        ))  # fmt: skip

    @rule(store=st.sampled_from(STORES), quantity=st.integers(1, 4), online=st.booleans(), keyed=st.booleans())
    def place(self, store: str, quantity: int, online: bool, keyed: bool) -> None:
        extra: dict = {"idempotencyKey": f"prop-{self.variant}-{next(KEYS)}"} if keyed else {}
        if not online:
            extra.update(channel="CLERK_PAD", memberId=gid("Member", 5))
        request = pickup_input(self.variant, self.stores[store], quantity, **extra)
        payload = self.call(PLACE_ORDER, {"input": request}, "member" if online else f"clerk {store}")["placeOrder"]
        if payload["order"] is None:
            assert [e["code"] for e in payload["userErrors"]] == ["OUT_OF_STOCK"], payload
        else:
            self.open.append((payload["order"], store, quantity, online))

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        if self.open:
            order, *_ = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
            done = self.call(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, "admin")["cancelOrder"]
            assert done["userErrors"] == [], done

    @rule(data=st.data())
    def hand_over(self, data: st.DataObject) -> None:
        if not self.open:
            return
        order, store, *_ = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"prop-{order['number']}"}
        assert self.call(CONFIRM_PAYMENT, {"input": pay}, "service")["confirmPayment"]["userErrors"] == []
        clerk = f"clerk {store}"
        self.call(FULFILLMENT_ACTION % "markReadyForPickup", {"id": order["fulfillments"][0]["id"]}, clerk)
        code = self.call(ORDER, {"id": order["id"]}, "admin")["order"]["pickupCode"]
        done = self.call(COMPLETE_PICKUP, {"store": self.stores[store], "code": code}, clerk)["completePickup"]
        assert done["userErrors"] == [], done

    @rule(store=st.sampled_from(STORES), delta=st.integers(-6, 10).filter(bool))
    def adjust(self, store: str, delta: int) -> None:
        variables = {"s": self.stores[store], "v": gid("Variant", self.variant), "d": delta, "r": "count"}
        errors = self.call(ADJUST, variables, "admin")["adjustStock"]["userErrors"]
        assert [e["code"] for e in errors] in ([], ["NEGATIVE_STOCK"])

    @rule(store=st.sampled_from(STORES), safety=st.integers(0, 6))
    def set_safety_stock(self, store: str, safety: int) -> None:
        variables = {"s": self.stores[store], "v": gid("Variant", self.variant), "n": safety}
        assert self.call(SET_SAFETY, variables, "admin")["setSafetyStock"]["userErrors"] == []

    @invariant()
    def levels_are_their_ledger_and_alerts_follow_them(self) -> None:
        rows = self.run(db.fetch(
            "SELECT s.location_id, s.on_hand, s.reserved, s.safety_stock, s.online_reserved, "
            "(SELECT COALESCE(SUM(on_hand_delta), 0) FROM stock_movement m WHERE m.location_id = s.location_id "
            "  AND m.variant_id = s.variant_id) AS ledger_on_hand, "
            "(SELECT COALESCE(SUM(reserved_delta), 0) FROM stock_movement m WHERE m.location_id = s.location_id "
            "  AND m.variant_id = s.variant_id) AS ledger_reserved, "
            "(SELECT count(*) FROM low_stock_alert a WHERE a.location_id = s.location_id "
            "  AND a.variant_id = s.variant_id AND a.resolved_at IS NULL) AS open_alerts "
            "FROM stock_level s WHERE s.variant_id = $1",
            [self.variant],
        ))  # fmt: skip
        assert len(rows) == len(STORES)
        for row in rows:
            assert (row["on_hand"], row["reserved"]) == (row["ledger_on_hand"], row["ledger_reserved"]), dict(row)
            store = next(code for code, loc in self.locations.items() if loc == row["location_id"])
            online_held = sum(q for _, s, q, online in self.open if s == store and online)
            held = sum(q for _, s, q, _ in self.open if s == store)
            assert (row["online_reserved"], row["reserved"]) == (online_held, held), dict(row)
            assert row["open_alerts"] == (1 if is_low(row["on_hand"], row["reserved"], row["safety_stock"]) else 0)


async def test_random_stock_operations_keep_every_level_equal_to_its_ledger(app, gql, token):
    StockThroughTheApi.loop = asyncio.get_running_loop()
    StockThroughTheApi.gql = gql
    StockThroughTheApi.tokens = {
        "member": await token("MEMBER", member="M0005"),
        "admin": await token("HQ_ADMIN"),
        "service": await token("SERVICE"),
        **{f"clerk {code}": await token("CLERK", store=code) for code in STORES},
    }
    s03 = await location_id("S03")
    before = await db.fetch("SELECT online_share FROM allocation_policy WHERE location_id = $1", [s03])
    try:
        run = settings(max_examples=8, stateful_step_count=20, deadline=None)
        await asyncio.to_thread(run_state_machine_as_test, StockThroughTheApi, settings=run)
    finally:
        await db.execute("DELETE FROM allocation_policy WHERE location_id = $1", [s03])
        if before:
            await db.execute(
                "INSERT INTO allocation_policy (location_id, online_share) VALUES ($1, $2)",
                [s03, before[0]["online_share"]],
            )
