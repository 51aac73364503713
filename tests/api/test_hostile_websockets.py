"""Issue 14, items 3 and 6 over websockets: malformed frames close the socket with 4400 and a reason
(main dropped the TCP connection or never answered), oversized frames with 1009, and a query on the
legacy graphql-ws protocol is answered (main: INTERNAL_SERVER_ERROR)."""

from __future__ import annotations

import json
import logging

import pytest
from httpx_ws import WebSocketDisconnect

from tests.ws_support import LEGACY_WS, TRANSPORT_WS, in_process_sockets


async def close_code(ws, within: float = 5.0) -> int:
    """The code the server closes the socket with (fails if it sends anything else first)."""
    try:
        message = await ws.receive(within)
    except WebSocketDisconnect as closed:
        return closed.code
    raise AssertionError(f"expected the socket to close, got {message}")


@pytest.fixture
def no_error_logs(caplog):
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


BAD_FRAMES = [
    "[1, 2]",
    "null",
    "5",
    '"text"',
    "[" * 2000 + "]" * 2000,  # past the JSON decoder's nesting limit
    '{"type": "ping", "payload": ' + '{"a": ' * 100 + "1" + "}" * 100 + "}",  # past ours
    '{"type": "subscribe", "id": "1", "payload": {"query": 5}}',
    '{"type": "subscribe", "id": 7, "payload": {"query": "{ __typename }"}}',
    '{"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }", "variables": [1]}}',
    '{"type": "subscribe", "id": "1", "payload": "x"}',
    '{"type": 3}',
    "{not json",
]


@pytest.mark.parametrize("frame", BAD_FRAMES)
@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_malformed_frames_close_with_4400(app, protocol, frame, no_error_logs):
    """Item 6: every malformed frame closes the socket with 4400, before or after connection_init."""
    async with in_process_sockets(app, protocol) as (ws,):
        assert (await ws.init(None))["type"] == "connection_ack"
        if protocol == LEGACY_WS:
            frame = frame.replace('"subscribe"', '"start"')
        await ws.socket.send_text(frame)
        assert await close_code(ws) == 4400


async def test_malformed_frame_before_connection_init_closes_with_4400(app, no_error_logs):
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        await ws.socket.send_text("[1, 2]")
        assert await close_code(ws) == 4400


async def test_oversized_frames_close_with_1009(app, no_error_logs):
    """Item 3: websocket messages are bounded like request bodies (OMNICHANNEL_MAX_BODY_BYTES)."""
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        assert (await ws.init(None))["type"] == "connection_ack"
        padding = "x" * (2 * 1024 * 1024 + 1)
        await ws.socket.send_text(json.dumps({"type": "ping", "payload": {"pad": padding}}))
        assert await close_code(ws) == 1009


async def test_legacy_protocol_answers_queries_and_mutations(app, gql, token, no_error_logs):
    """Item 6: `start` with a query (or a mutation) gets its data, then `complete`."""
    async with in_process_sockets(app, LEGACY_WS) as (ws,):
        assert (await ws.init(await token("HQ_ADMIN")))["type"] == "connection_ack"
        await ws.subscribe("q", "{ products(first: 1) { edges { node { title } } } }")
        data = await ws.next_data()
        assert len(data["products"]["edges"]) == 1
        assert (await ws.receive())["type"] == "complete"
        await ws.subscribe(
            "m",
            'mutation { signIn(input: {email: "nobody@demo.omnichannel.cn", password: "x"}) '
            "{ token userErrors { code } } }",
        )
        signed = await ws.next_data()
        assert signed["signIn"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_transport_ws_query_errors_are_coded(app, no_error_logs):
    """Wrong-typed variables over a socket are the client's error too (item 4)."""
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        await ws.init(None)
        await ws.subscribe("1", "query($n: Int) { products(first: $n) { edges { cursor } } }", {"n": "abc"})
        errors = await ws.next_error()
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
