"""Signed webhooks against a loopback receiver: creation and refusals, the signature (checked with the
README's own example), retries with backoff, giving up after 12 attempts, timeouts, the address check
made again at delivery, deletion."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from omnichannel.domain.webhooks import WebhookPolicy
from tests.orders_support import PLACE_ORDER, count_statements, gid, new_variant, pickup_input, store_gid
from tests.webhook_support import Receiver, readme_verify

CREATE = """mutation($url: String!, $types: [String!]!) {
  createWebhook(input: {url: $url, eventTypes: $types}) {
    webhook { id url eventTypes active createdAt } secret userErrors { field code message } } }"""
DELETE = """mutation($id: ID!) {
  deleteWebhook(input: {webhookId: $id}) { webhook { id active } userErrors { code } } }"""
LIST = "{ webhooks { id url eventTypes } }"
DELIVERIES = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Webhook {
  deliveries(first: $first, after: $after) { pageInfo { hasNextPage endCursor }
    edges { cursor node { attempt status responseStatus error at event { id type payload } } } } } } }"""
EVENTS = "query($after: String) { events(after: $after, first: 500) { cursor hasMore events { id type payload } } }"


@pytest_asyncio.fixture
async def hooks(app, gql, token) -> AsyncIterator[Callable[..., object]]:
    """Sets the app's webhook policy (private targets allowed, quick retries); deletes what was created."""
    services = app.state.services
    previous = services.webhooks
    services.webhooks = WebhookPolicy(allow_private_targets=True, retry_base=0.2, timeout=5.0)
    hq = await token("HQ_ADMIN")
    created: list[str] = []

    async def create(url: str, types: list[str]) -> dict:
        done = (await gql(CREATE, {"url": url, "types": types}, token=hq))["data"]["createWebhook"]
        if done["webhook"]:
            created.append(done["webhook"]["id"])
        return done

    def policy(**changes: object) -> None:
        services.webhooks = dataclasses.replace(services.webhooks, **changes)

    create.policy = policy  # type: ignore[attr-defined]
    yield create
    for webhook_id in created:
        await gql(DELETE, {"id": webhook_id}, token=hq)
    services.webhooks = previous


async def place_order(gql, token, store: str = "S11") -> dict:
    member = await token("MEMBER", member="M0011")
    variant = await new_variant({store: 5}, price="8.80")
    answer = await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid(store))}, token=member)
    return answer["data"]["placeOrder"]["order"]


async def deliveries(gql, token, webhook_id: str) -> list[dict]:
    page = await gql(DELIVERIES, {"id": webhook_id, "first": 100}, token=await token("HQ_ADMIN"))
    return [e["node"] for e in page["data"]["node"]["deliveries"]["edges"]]


async def until(predicate, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def test_head_office_creates_lists_and_deletes_webhooks(gql, token, hooks):
    async with Receiver() as receiver:
        made = await hooks(receiver.url, ["order.paid", "order.created", "order.paid"])
        assert made["userErrors"] == [] and made["secret"].startswith("whsec_")
        assert made["webhook"]["eventTypes"] == ["order.paid", "order.created"] and made["webhook"]["active"]
        hq = await token("HQ_ADMIN")
        listed = (await gql(LIST, token=hq))["data"]["webhooks"]
        mine = {"id": made["webhook"]["id"], "url": receiver.url, "eventTypes": ["order.paid", "order.created"]}
        assert mine in listed
        for role, extra in (("SERVICE", {}), ("STORE_MANAGER", {"store": "S01"}), ("MEMBER", {"member": "M0001"})):
            caller = await token(role, **extra)
            refused = await gql(CREATE, {"url": receiver.url, "types": ["order.paid"]}, token=caller)
            assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert (await gql(LIST, token=caller))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        bad = await hooks(receiver.url, ["order.payed"])
        assert bad["webhook"] is None and bad["userErrors"][0]["code"] == "INVALID_INPUT"
        assert (await hooks(receiver.url, []))["userErrors"][0]["field"] == ["eventTypes"]
        node = "query($id: ID!) { node(id: $id) { id ... on Webhook { url } } }"
        assert (await gql(node, {"id": made["webhook"]["id"]}, token=hq))["data"]["node"]["url"] == receiver.url
        service = await token("SERVICE")
        assert (await gql(node, {"id": made["webhook"]["id"]}, token=service))["data"]["node"] is None
        gone = (await gql(DELETE, {"id": made["webhook"]["id"]}, token=hq))["data"]["deleteWebhook"]
        assert gone["userErrors"] == [] and gone["webhook"]["active"] is False
        assert made["webhook"]["id"] not in [w["id"] for w in (await gql(LIST, token=hq))["data"]["webhooks"]]
        assert (await gql(node, {"id": made["webhook"]["id"]}, token=hq))["data"]["node"] is None
        again = (await gql(DELETE, {"id": made["webhook"]["id"]}, token=hq))["data"]["deleteWebhook"]
        assert again["userErrors"][0]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1:9/hook", "WEBHOOK_TARGET_FORBIDDEN"),
        ("http://localhost:9/hook", "WEBHOOK_TARGET_FORBIDDEN"),
        ("http://10.1.2.3/hook", "WEBHOOK_TARGET_FORBIDDEN"),
        ("http://192.168.0.10/hook", "WEBHOOK_TARGET_FORBIDDEN"),
        ("http://169.254.169.254/latest/meta-data", "WEBHOOK_TARGET_FORBIDDEN"),
        ("http://[::1]:9/hook", "WEBHOOK_TARGET_FORBIDDEN"),
        ("http://[::ffff:127.0.0.1]/hook", "WEBHOOK_TARGET_FORBIDDEN"),
        ("http://0.0.0.0/hook", "WEBHOOK_TARGET_FORBIDDEN"),
        ("http://2130706433/hook", "WEBHOOK_TARGET_FORBIDDEN"),  # 127.0.0.1 written as one number
        ("ftp://erp.example/hook", "INVALID_INPUT"),
        ("https://user:secret@erp.example/hook", "INVALID_INPUT"),
        ("javascript:alert(1)", "INVALID_INPUT"),
    ],
)
async def test_private_targets_are_refused_unless_allowed(gql, token, hooks, url, code):
    hooks.policy(allow_private_targets=False)  # type: ignore[attr-defined]
    refused = await hooks(url, ["order.paid"])
    assert refused["webhook"] is None and refused["secret"] is None
    assert refused["userErrors"][0]["code"] == code and refused["userErrors"][0]["field"] == ["url"]
    hooks.policy(allow_private_targets=True)  # type: ignore[attr-defined]
    if code == "WEBHOOK_TARGET_FORBIDDEN":
        assert (await hooks(url, ["order.paid"]))["userErrors"] == []


async def test_a_delivery_is_signed_and_carries_the_logged_event(gql, token, hooks):
    verify = readme_verify()
    async with Receiver() as receiver:
        made = await hooks(receiver.url, ["order.created"])
        started = time.monotonic()
        order = await place_order(gql, token)
        committed = time.monotonic()
        (delivery,) = await receiver.wait_for(1)
        assert delivery.at - committed < 5.0, "the first attempt comes within 5 s of the commit"
        headers, body = delivery.headers, delivery.body
        assert headers["content-type"] == "application/json"
        assert verify(made["secret"], body, headers["omnichannel-signature"])
        assert not verify(made["secret"], body + b" ", headers["omnichannel-signature"])
        assert not verify("whsec_someone-else", body, headers["omnichannel-signature"])
        signed_at = int(dict(p.split("=", 1) for p in headers["omnichannel-signature"].split(","))["t"])
        assert abs(signed_at - time.time()) < 60
        sent = json.loads(body)
        assert set(sent) == {"id", "type", "at", "data"}
        assert sent["id"] == headers["omnichannel-event-id"] and sent["type"] == headers["omnichannel-event-type"]
        assert sent["type"] == "order.created" and sent["data"]["order"]["number"] == order["number"]
        assert started < committed
    await until(lambda: _first_done(gql, token, made["webhook"]["id"]))  # the receiver answered; now recorded
    attempts = await deliveries(gql, token, made["webhook"]["id"])
    assert [(a["attempt"], a["status"], a["responseStatus"], a["error"]) for a in attempts] == [
        (1, "DELIVERED", 200, None)
    ]
    assert attempts[0]["event"]["id"] == sent["id"] and json.loads(attempts[0]["event"]["payload"]) == sent["data"]


async def test_a_failing_receiver_gets_retries_with_growing_delays_until_it_answers(gql, token, hooks):
    async with Receiver(statuses=[500, 503, 200]) as receiver:
        made = await hooks(receiver.url, ["order.created"])
        await place_order(gql, token)
        first, second, third = await receiver.wait_for(3)
        assert first.body == second.body == third.body  # the same event, the same id
        assert first.headers["omnichannel-event-id"] == third.headers["omnichannel-event-id"]
        assert second.at - first.at >= 0.2 * 0.9 and third.at - second.at >= 0.4 * 0.9  # base, then twice it
        await asyncio.sleep(0.5)
        assert len(receiver.received) == 3
    await until(lambda: _settled(gql, token, made["webhook"]["id"], 3))
    attempts = await deliveries(gql, token, made["webhook"]["id"])
    assert [(a["attempt"], a["status"], a["responseStatus"]) for a in attempts] == [
        (3, "DELIVERED", 200),
        (2, "RETRYING", 503),
        (1, "RETRYING", 500),
    ]
    assert attempts[1]["error"] == "HTTP 503"


async def _settled(gql, token, webhook_id: str, count: int) -> bool:
    found = await deliveries(gql, token, webhook_id)
    return len(found) == count and all(a["status"] != "PENDING" for a in found)


async def test_twelve_failed_attempts_end_in_failed(gql, token, hooks):
    hooks.policy(retry_base=0.002)  # type: ignore[attr-defined]
    async with Receiver(statuses=[500]) as receiver:
        made = await hooks(receiver.url, ["order.created"])
        await place_order(gql, token)
        await receiver.wait_for(12, within=40)
        await until(lambda: _settled(gql, token, made["webhook"]["id"], 12), within=20)
        await asyncio.sleep(0.5)
        assert len(receiver.received) == 12  # and no thirteenth
    attempts = await deliveries(gql, token, made["webhook"]["id"])
    assert [a["attempt"] for a in attempts] == list(range(12, 0, -1))
    assert attempts[0]["status"] == "FAILED" and {a["status"] for a in attempts[1:]} == {"RETRYING"}
    page = await gql(DELIVERIES, {"id": made["webhook"]["id"], "first": 5}, token=await token("HQ_ADMIN"))
    connection = page["data"]["node"]["deliveries"]
    assert connection["pageInfo"]["hasNextPage"] and len(connection["edges"]) == 5
    rest = await gql(
        DELIVERIES,
        {"id": made["webhook"]["id"], "first": 100, "after": connection["pageInfo"]["endCursor"]},
        token=await token("HQ_ADMIN"),
    )
    assert [e["node"]["attempt"] for e in rest["data"]["node"]["deliveries"]["edges"]] == list(range(7, 0, -1))


async def test_an_answer_slower_than_the_timeout_is_a_failed_attempt(gql, token, hooks):
    hooks.policy(timeout=0.3)  # type: ignore[attr-defined]
    async with Receiver(delay=1.0) as receiver:
        made = await hooks(receiver.url, ["order.created"])
        await place_order(gql, token)
        await receiver.wait_for(1)
        await until(lambda: _first_done(gql, token, made["webhook"]["id"]))
    attempts = await deliveries(gql, token, made["webhook"]["id"])
    first = attempts[-1]
    assert (first["attempt"], first["status"], first["responseStatus"]) == (1, "RETRYING", None)
    assert "within 0.3 s" in first["error"]


async def _first_done(gql, token, webhook_id: str) -> bool:
    found = await deliveries(gql, token, webhook_id)
    return bool(found) and found[-1]["status"] != "PENDING"


async def test_the_address_is_checked_again_when_delivering(gql, token, hooks):
    async with Receiver() as receiver:
        made = await hooks(receiver.url, ["order.created"])  # allowed when it was created
        hooks.policy(allow_private_targets=False)  # type: ignore[attr-defined]
        await place_order(gql, token)
        await until(lambda: _first_done(gql, token, made["webhook"]["id"]))
        assert receiver.received == []
    first = (await deliveries(gql, token, made["webhook"]["id"]))[-1]
    assert first["status"] == "RETRYING" and first["error"].startswith("WEBHOOK_TARGET_FORBIDDEN")


async def test_a_deleted_webhook_receives_nothing_more(gql, token, hooks):
    async with Receiver(statuses=[500]) as receiver:
        made = await hooks(receiver.url, ["order.created"])
        await place_order(gql, token)
        await receiver.wait_for(1)
        hq = await token("HQ_ADMIN")
        assert (await gql(DELETE, {"id": made["webhook"]["id"]}, token=hq))["data"]["deleteWebhook"]["userErrors"] == []
        count = len(receiver.received)
        await place_order(gql, token)
        await asyncio.sleep(1.5)  # retries of the first event would be due, and the new event too
        assert len(receiver.received) == count


async def test_webhook_lists_cost_the_same_statements_for_few_and_many(gql, token, hooks):
    query = "{ webhooks { id deliveries(first: 5) { edges { node { attempt event { type } } } } } }"
    hq = await token("HQ_ADMIN")
    async with Receiver() as receiver:
        await hooks(receiver.url, ["order.created"])
        await place_order(gql, token)
        await receiver.wait_for(1)
        with count_statements() as few:
            assert "errors" not in await gql(query, token=hq)
        for _ in range(3):
            await hooks(receiver.url, ["order.created"])
        await place_order(gql, token)
        await receiver.wait_for(5)
        with count_statements() as many:
            answer = await gql(query, token=hq)
        assert "errors" not in answer and len(answer["data"]["webhooks"]) >= 4
        assert len(many) == len(few), (few, many)


def test_global_ids_name_webhooks():
    assert gid("Webhook", 1) != gid("Event", 1)
