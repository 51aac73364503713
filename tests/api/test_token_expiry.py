"""Issue 14, item 7: a websocket lives no longer than its token, and tokens live no longer than
OMNICHANNEL_MAX_TOKEN_TTL. On main an expired socket kept receiving events and running operations."""

from __future__ import annotations

import asyncio
import time

import jwt
from httpx_ws import WebSocketDisconnect

from omnichannel.domain.access import Role
from omnichannel.resolvers.auth import principal_for
from tests.ws_support import LEGACY_WS, TRANSPORT_WS, in_process_sockets, wait_for_subscribers

from .test_adjust_stock import ADJUST, store_id, variant_id
from .test_stock_subscription import STOCK_CHANGED


async def short_lived(tokens, seconds: float) -> tuple[str, float]:
    """An HQ_ADMIN token that expires `seconds` from now, and that moment."""
    principal = await principal_for(role=Role.HQ_ADMIN, store=None, staff_email=None, member_number=None)
    now = int(time.time())
    claims = {"iss": "omnichannel", "sub": principal.subject, "role": "HQ_ADMIN", "iat": now, "exp": now + seconds}
    return jwt.encode(claims, tokens.secret, algorithm="HS256"), now + seconds


async def test_socket_stops_at_its_tokens_expiry(app, gql, token, tokens):
    """From exp on: no event is delivered, no operation runs, and the socket closes with 4401."""
    admin = await token("HQ_ADMIN")
    s07 = await store_id(gql, "S07")
    expiring, expires_at = await short_lived(tokens, 2)
    baseline = app.state.services.broker.subscriber_count
    for protocol in (TRANSPORT_WS, LEGACY_WS):
        async with in_process_sockets(app, protocol) as (ws,):
            assert (await ws.init(expiring))["type"] == "connection_ack"
            await ws.subscribe("1", STOCK_CHANGED, {"stores": [s07]})
            await wait_for_subscribers(app, baseline + 1)
            await gql(ADJUST, {"s": s07, "v": variant_id(33), "d": 1, "r": "before expiry"}, token=admin)
            assert (await ws.next_data())["stockChanged"]["store"]["code"] == "S07"  # alive before exp

            await asyncio.sleep(max(0.0, expires_at - time.time()) + 0.2)
            await gql(ADJUST, {"s": s07, "v": variant_id(33), "d": 1, "r": "after expiry"}, token=admin)
            try:
                message = await ws.receive(3)
            except WebSocketDisconnect as closed:
                assert closed.code == 4401
            else:
                raise AssertionError(f"an expired socket delivered {message}")
            await wait_for_subscribers(app, baseline)  # its subscription is gone with it
        expiring, expires_at = await short_lived(tokens, 2)


async def test_idle_socket_is_closed_at_expiry(app, tokens):
    """An idle socket is closed with 4401 at exp (so it can run nothing more); frames that reach the
    server after exp are refused the same way (websocket_edge checks every frame)."""
    expiring, expires_at = await short_lived(tokens, 1)
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        assert (await ws.init(expiring))["type"] == "connection_ack"
        started = time.time()
        try:
            message = await ws.receive(5)
        except WebSocketDisconnect as closed:
            assert closed.code == 4401
        else:
            raise AssertionError(f"an expired socket sent {message}")
        assert expires_at - 0.5 <= time.time() <= expires_at + 3, (started, expires_at, time.time())


async def test_tokens_living_longer_than_the_maximum_are_refused(app, client, tokens):
    """OMNICHANNEL_MAX_TOKEN_TTL (30 days by default): a longer-lived token is refused over HTTP and
    websockets, and the service will not issue one."""
    now = int(time.time())
    claims = {"iss": "omnichannel", "sub": "x", "role": "HQ_ADMIN", "iat": now, "exp": now + 31 * 24 * 3600}
    forever = jwt.encode(claims, tokens.secret, algorithm="HS256")
    response = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {forever}"}
    )
    assert response.status_code == 401
    assert "lives longer" in response.json()["errors"][0]["message"]
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        await ws.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {forever}"}})
        try:
            message = await ws.receive(3)
        except WebSocketDisconnect as closed:
            assert closed.code == 4403
        else:
            raise AssertionError(f"expected a refusal, got {message}")
    app_tokens = app.state.services.tokens
    try:
        app_tokens.issue(
            await principal_for(role=Role.SERVICE, store=None, staff_email=None, member_number=None), ttl=31 * 24 * 3600
        )
    except ValueError as error:
        assert "OMNICHANNEL_MAX_TOKEN_TTL" in str(error)
    else:
        raise AssertionError("a 31-day token was issued")
