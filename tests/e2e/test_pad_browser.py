"""The clerk pad and GraphiQL in a real headless Chromium against a real `omnichannel serve` process.

Needs Debian's `chromium` and `chromium-driver` (.ci/run installs them). Without them the test is
skipped on a developer's machine and fails in CI (CI=true), so it can never pass by not running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from omnichannel.domain.access import Role
from omnichannel.resolvers.auth import principal_for
from tests.orders_support import CONFIRM_PAYMENT, ORDER, PLACE_ORDER, gid, new_variant, pickup_input, store_gid

from .servers import serve

pytestmark = pytest.mark.e2e

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = Path(os.environ.get("OMNICHANNEL_SCREENSHOT_DIR", Path(__file__).parents[2] / "build" / "screenshots"))
LIVE_BOUND = 2.0  # seconds from a payment to its card on the pad (the bound)


def _screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


def _browser_missing() -> bool:
    return not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER))


if _browser_missing() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    assert not _browser_missing(), (
        "chromium and chromium-driver must be installed (apt-get install -y chromium chromium-driver)"
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,860"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, within: float, condition: Any) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, within, poll_frequency=0.05).until(condition)


def _card(driver: Any, number: str, within: float) -> Any:
    from selenium.webdriver.common.by import By

    return _wait(
        driver,
        within,
        lambda d: (d.find_elements(By.CSS_SELECTOR, f'li.order[data-order-number="{number}"]') or [None])[0],
    )


def _status(driver: Any, number: str) -> str | None:
    """The card's fulfilment status (read in the page: cards are re-rendered as events arrive)."""
    return driver.execute_script(  # type: ignore[no-any-return]
        "const c = document.querySelector(`li.order[data-order-number='${arguments[0]}']`);"
        "return c ? c.dataset.fulfillmentStatus : null",
        number,
    )


class Api:
    def __init__(self, base: str) -> None:
        self.base = base

    def __call__(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return dict(body["data"])

    def place(self, variant: int, store: str, member: str) -> dict[str, Any]:
        placed = self(PLACE_ORDER, {"input": pickup_input(variant, store, 1)}, member)["placeOrder"]
        assert placed["userErrors"] == []
        return dict(placed["order"])

    def pay(self, order: dict[str, Any], service: str) -> None:
        pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"pad-{order['number']}"}
        assert self(CONFIRM_PAYMENT, {"input": pay}, service)["confirmPayment"]["userErrors"] == []


async def test_the_pad_shows_paid_orders_live_and_the_clerk_marks_one_ready(server_env, token, tokens):
    from selenium.webdriver.common.by import By

    variant = await new_variant({"S04": 20}, price="88.00")
    s04 = await store_gid("S04")
    clerk, service = await token("CLERK", store="S04"), await token("SERVICE")
    member, hq = await token("MEMBER", member="M0007"), await token("HQ_ADMIN")

    def drive() -> None:  # blocking browser work, off the event loop (its background tasks keep running)
        with serve(server_env, "--demo") as base, chromium() as driver:
            api = Api(base)
            before = api.place(variant, s04, member)
            api.pay(before, service)  # paid before the page opens: listed when it loads

            driver.get(f"{base}/pad#token={clerk}")  # kiosk: straight to S04, no click
            assert "token=" not in driver.current_url  # the token leaves the address bar at once
            _card(driver, before["number"], 15)
            _wait(driver, 15, lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")
            assert "S04" in driver.find_element(By.ID, "store-name").text

            live = api.place(variant, s04, member)
            api.pay(live, service)
            paid_at = time.monotonic()
            card = _card(driver, live["number"], LIVE_BOUND)
            assert time.monotonic() - paid_at <= LIVE_BOUND
            assert live["number"] in card.text

            card.find_element(By.CSS_SELECTOR, 'button[data-action="mark-ready"]').click()
            _wait(driver, 10, lambda d: _status(d, live["number"]) == "READY_FOR_PICKUP")
            order = api(ORDER, {"id": live["id"]}, clerk)["order"]
            assert order["status"] == "READY_FOR_PICKUP" and order["fulfillments"][0]["status"] == "READY_FOR_PICKUP"

            driver.save_screenshot(str(_screenshot_path("pad.png")))

            # a drop: what was paid while the feed was down arrives through orders(updatedSince:) on reconnect
            driver.execute_script("window.omnichannelPad.pauseFeed()")
            missed = api.place(variant, s04, member)
            api.pay(missed, service)
            time.sleep(0.5)
            assert not driver.find_elements(By.CSS_SELECTOR, f'li.order[data-order-number="{missed["number"]}"]')
            driver.execute_script("window.omnichannelPad.resumeFeed()")
            _card(driver, missed["number"], 10)

            # a dropped connection comes back by itself, and the feed goes on
            driver.execute_script("window.omnichannelPad.dropFeed()")
            _wait(driver, 5, lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") != "live")
            _wait(driver, 15, lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")
            after_drop = api.place(variant, s04, member)
            api.pay(after_drop, service)
            _card(driver, after_drop["number"], 10)

            # low-stock alerts appear exactly when the schema has them (the pad asks; clerks may not introspect)
            fields = api("{ __schema { queryType { fields { name } } } }", {}, hq)["__schema"]["queryType"]["fields"]
            has_alerts = "lowStockAlerts" in {f["name"] for f in fields}
            _wait(driver, 10, lambda d: d.find_element(By.ID, "alerts-tab").is_displayed() == has_alerts)

            # hand over by the member's pickup code, typed as a scanner does (code, then Enter)
            code = api(ORDER, {"id": live["id"]}, member)["order"]["pickupCode"]
            driver.find_element(By.CSS_SELECTOR, 'button[data-tab="handover"]').click()
            field = driver.find_element(By.ID, "pickup-code")
            field.send_keys(code + "\n")
            _wait(driver, 10, lambda d: live["number"] in d.find_element(By.ID, "handover-result").text)
            _wait(
                driver,
                5,
                lambda d: not d.find_elements(By.CSS_SELECTOR, f'li.order[data-order-number="{live["number"]}"]'),
            )
            assert api(ORDER, {"id": live["id"]}, clerk)["order"]["status"] == "COMPLETED"

            # network-wide stock by SKU
            sku = api(ORDER, {"id": live["id"]}, clerk)["order"]["lines"][0]["variant"]["sku"]
            driver.find_element(By.CSS_SELECTOR, 'button[data-tab="stock"]').click()
            driver.find_element(By.ID, "stock-code").send_keys(sku + "\n")
            _wait(driver, 10, lambda d: sku in d.find_element(By.ID, "stock-result").text)
            assert "S04" in driver.find_element(By.ID, "stock-result").text

            # the member at the counter, by phone (audited), with what they tried on and what to suggest
            driver.find_element(By.CSS_SELECTOR, 'button[data-tab="member"]').click()
            driver.find_element(By.ID, "member-key").send_keys("138 0013 0007\n")
            _wait(driver, 10, lambda d: "M0007" in d.find_element(By.ID, "member-result").text)
            assert "Suggest" in driver.find_element(By.ID, "member-result").text

            # the pick list names what the orders still to pick need, with their numbers
            driver.find_element(By.CSS_SELECTOR, 'button[data-tab="picklist"]').click()
            _wait(driver, 10, lambda d: before["number"] in d.find_element(By.ID, "picklist").text)
            assert sku in driver.find_element(By.ID, "picklist").text

            # a sale at the till: two scans of the SKU, the till's reference, Sell; paid, handed over, off the shelf
            stock_query = (
                "query($id: ID!, $s: [ID!]) { node(id: $id) { ... on Variant { stock(storeIds: $s) { onHand } } } }"
            )
            variant_gid = gid("Variant", variant)
            on_hand = api(stock_query, {"id": variant_gid, "s": [s04]}, clerk)["node"]["stock"][0]["onHand"]
            driver.find_element(By.CSS_SELECTOR, 'button[data-tab="till"]').click()
            scan = driver.find_element(By.ID, "till-code")
            scan.send_keys(sku + "\n")
            _wait(driver, 10, lambda d: sku in d.find_element(By.ID, "till-lines").text)
            scan.send_keys(sku + "\n")
            _wait(driver, 10, lambda d: "176.00 before discounts" in d.find_element(By.ID, "till-subtotal").text)
            driver.find_element(By.ID, "till-member-key").send_keys("M0007\n")
            _wait(driver, 10, lambda d: "M0007" in d.find_element(By.ID, "till-member").text)
            driver.find_element(By.ID, "till-reference").send_keys("card-slip-0042")
            driver.save_screenshot(str(_screenshot_path("pad-till.png")))
            driver.find_element(By.ID, "till-sell").click()
            _wait(driver, 10, lambda d: "Sold: order" in d.find_element(By.ID, "till-result").text)
            assert "176.00" in driver.find_element(By.ID, "till-result").text  # and M0007 earned points
            assert "176 points earned" in driver.find_element(By.ID, "till-result").text
            after = api(stock_query, {"id": variant_gid, "s": [s04]}, clerk)["node"]["stock"][0]["onHand"]
            assert after == on_hand - 2

            # nothing the pages loaded came from another host
            origins = driver.execute_script(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
            )
            assert set(origins) <= {base}, origins

    await asyncio.to_thread(drive)


async def test_staff_sign_in_choose_their_store_and_see_its_orders(server_env, token):
    from selenium.webdriver.common.by import By

    variant = await new_variant({"S08": 5})
    s08, member, service = await store_gid("S08"), await token("MEMBER", member="M0008"), await token("SERVICE")

    def drive() -> None:  # blocking browser work, off the event loop
        with serve(server_env, "--demo") as base, chromium() as driver:
            api = Api(base)
            order = api.place(variant, s08, member)
            api.pay(order, service)

            driver.get(f"{base}/pad")
            driver.find_element(By.ID, "email").send_keys("manager.s08@demo.omnichannel.cn")
            driver.find_element(By.ID, "password").send_keys("wrong password\n")
            _wait(driver, 10, lambda d: d.find_element(By.ID, "notice").is_displayed())
            driver.find_element(By.ID, "password").clear()
            driver.find_element(By.ID, "password").send_keys("omnichannel-demo\n")
            _wait(driver, 10, lambda d: d.find_element(By.ID, "store-view").is_displayed())
            assert "S08" in driver.find_element(By.ID, "store-select").text
            driver.find_element(By.ID, "open-store").click()
            _card(driver, order["number"], 15)

            # GraphiQL from the package's own assets: the editor loads and runs a query
            query = "{ stores(first: 2) { edges { node { code } } } }"
            driver.get(f"{base}/graphql")
            editor = ".graphiql-query-editor .CodeMirror"
            _wait(driver, 20, lambda d: d.find_elements(By.CSS_SELECTOR, editor))
            driver.execute_script(f"document.querySelector('{editor}').CodeMirror.setValue(arguments[0])", query)
            run = driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button")
            run.click()
            _wait(driver, 20, lambda d: '"code": "S01"' in d.find_element(By.CSS_SELECTOR, ".graphiql-response").text)
            origins = driver.execute_script(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
            )
            assert set(origins) <= {base}, origins

    await asyncio.to_thread(drive)


TRANSFER_STEP = "mutation($id: ID!) { %s(input: {transferId: $id}) { transfer { status } userErrors { code } } }"
SET_SAFETY = "mutation($input: SetSafetyStockInput!) { setSafetyStock(input: $input) { userErrors { code } } }"
ORDER_TRANSFERS = """query($s: ID!) { transfers(storeId: $s, first: 5) {
  edges { node { id reference from { code } } } } }"""


@pytest.mark.usefixtures("keep_routing_rules")
async def test_an_order_waiting_for_its_transfer_becomes_pickable_when_it_arrives(server_env, token):
    """PICKUP by transfer on the pad: the card says it waits for a transfer (no picking button), and
    when the transfer is received the feed brings the card its picking button, live. Then a low-stock
    alert raised at the store shows on the pad live too."""
    from selenium.webdriver.common.by import By

    variant = await new_variant({"S06": 1, "S07": 6}, price="30.00")
    s06 = await store_gid("S06")
    clerk, hq = await token("CLERK", store="S06"), await token("HQ_ADMIN")
    member, service = await token("MEMBER", member="M0006"), await token("SERVICE")

    def drive() -> None:  # blocking browser work, off the event loop
        with serve(server_env, "--demo") as base, chromium() as driver:
            api = Api(base)
            rules = "mutation { updateRoutingRules(input: {transferEnabled: true}) { userErrors { code } } }"
            assert api(rules, {}, hq)["updateRoutingRules"]["userErrors"] == []
            placed = api(PLACE_ORDER, {"input": pickup_input(variant, s06, 3)}, member)["placeOrder"]
            assert placed["userErrors"] == []
            order = placed["order"]
            api.pay(order, service)
            edges = api(ORDER_TRANSFERS, {"s": s06}, hq)["transfers"]["edges"]
            (transfer,) = [e["node"] for e in edges if e["node"]["reference"] == order["number"]]

            driver.get(f"{base}/pad#token={clerk}")
            _card(driver, order["number"], 15)
            _wait(driver, 15, lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")
            # read in the page: cards are re-rendered as events arrive (an element found earlier goes stale)
            card_script = (
                "const c = document.querySelector(`li.order[data-order-number='${arguments[0]}']`);"
                "return c ? [c.textContent, c.querySelectorAll('button[data-action]').length] : null"
            )
            text, buttons = driver.execute_script(card_script, order["number"])
            assert "waiting for a transfer" in text and buttons == 0

            for step in ("shipTransfer", "receiveTransfer"):
                done = api(TRANSFER_STEP % step, {"id": transfer["id"]}, hq)[step]
                assert done["userErrors"] == [], (step, done)
            received_at = time.monotonic()
            selector = f'li.order[data-order-number="{order["number"]}"] button[data-action="start-picking"]'
            _wait(driver, LIVE_BOUND, lambda d: d.find_elements(By.CSS_SELECTOR, selector))
            assert time.monotonic() - received_at <= LIVE_BOUND
            assert "waiting for a transfer" not in driver.execute_script(card_script, order["number"])[0]
            driver.execute_script(f"document.querySelector('{selector}').click()")
            _wait(driver, 10, lambda d: _status(d, order["number"]) == "PICKING")

            # a low-stock alert raised at the store reaches the pad live (lowStock), not at the next poll
            count = int(driver.find_element(By.ID, "alert-count").text)
            safety = {"input": {"storeId": s06, "variantId": gid("Variant", variant), "safetyStock": 50}}
            raised_at = time.monotonic()
            assert api(SET_SAFETY, safety, hq)["setSafetyStock"]["userErrors"] == []
            _wait(driver, LIVE_BOUND, lambda d: int(d.find_element(By.ID, "alert-count").text) == count + 1)
            assert time.monotonic() - raised_at <= LIVE_BOUND

    await asyncio.to_thread(drive)


async def test_an_expired_kiosk_token_says_so_and_offers_to_sign_in(app, server_env, tokens):
    from selenium.webdriver.common.by import By

    principal = await principal_for(role=Role.CLERK, store="S04", staff_email=None, member_number=None)

    def drive() -> None:  # blocking browser work, off the event loop
        with serve(server_env) as base, chromium() as driver:
            driver.get(f"{base}/pad#token={tokens.issue(principal, ttl=6)}")
            _wait(driver, 15, lambda d: d.find_element(By.ID, "pad-view").is_displayed())
            _wait(driver, 15, lambda d: "expired" in d.find_element(By.ID, "notice").text)
            assert driver.find_element(By.ID, "sign-in-view").is_displayed()
            assert driver.find_element(By.ID, "connection").get_attribute("data-state") == "offline"

    await asyncio.to_thread(drive)
