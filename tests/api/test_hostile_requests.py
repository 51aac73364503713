"""Issue 14, items 1-6 over HTTP: hostile documents, variables, bodies and values are refused at the
edge, quickly, with a coded error - never INTERNAL_SERVER_ERROR, a plain-text page or an ERROR log line.

Every test here failed on main before the fix (item numbers in each docstring).
"""

from __future__ import annotations

import base64
import gc
import logging
import time
from typing import Any

import pytest

from omnichannel.domain.access import Principal, Role

from .test_adjust_stock import ADJUST, variant_id


def fan_out(n: int, leaf: str = "__typename") -> str:
    """query { ...F0 } where each fragment spreads the next one twice: 2^n fields once expanded."""
    parts = ["query { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ {leaf} ...F{i + 1} ...F{i + 1} }}" for i in range(n)]
    parts.append(f"fragment F{n} on Query {{ {leaf} }}")
    return " ".join(parts)


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or ()]


@pytest.fixture
def no_error_logs(caplog):
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def test_fragment_fan_out_is_refused_within_50ms_of_cpu(app, no_error_logs):
    """Item 1: each fragment is measured once; 2^n expanded fields are refused without walking them.

    On main n=17 took seconds of a frozen event loop (n=30 never returned). The event loop thread's
    CPU time for the whole request (parse + validation; it is refused before execution) is measured,
    so a busy machine or another thread does not make the bound flaky; the best of three runs after
    a garbage collection, so that a collector pause owed to the 500 tests before it does not count
    (a full CI run once saw 230 ms here, in isolation it is 2 ms)."""
    schema = app.state.graphql_schema
    for n, leaf in ((17, "__typename"), (30, "__typename"), (24, "products(first: 1) { edges { node { id } } }")):
        spent = []
        for _ in range(3):
            gc.collect()
            started = time.thread_time()
            result = await schema.execute(fan_out(n, leaf))
            spent.append(time.thread_time() - started)
            assert result.errors and result.errors[0].extensions["code"] == "QUERY_TOO_LARGE", result.errors
        assert min(spent) < 0.05, f"n={n}: {[round(s * 1000, 1) for s in spent]} ms of CPU"


async def test_depth_aliases_and_repeats_count_fragments_once(gql, no_error_logs):
    """Item 1: the depth and alias limits see through fragments (computed per fragment, not per spread)."""
    deep = "query { ...A } " + " ".join(
        f"fragment {name} on Product {{ variants {{ product {{ ...{nxt} }} }} }}"
        for name, nxt in zip("ABCDEFG", "BCDEFGH", strict=True)
    )
    deep = deep.replace("query { ...A }", "query { products(first: 1) { edges { node { ...A } } } }")
    deep += " fragment H on Product { title }"
    assert codes(await gql(deep)) == ["QUERY_TOO_DEEP"]
    aliases = "query { ...A ...A } fragment A on Query { " + " ".join(f"a{i}: __typename" for i in range(20)) + " }"
    assert codes(await gql(aliases)) == ["TOO_MANY_ALIASES"]
    # one field 100 times in one place: 4,950 pairs for graphql-core's overlap rule to compare
    repeated = "{ products(first: 1) { edges { node { " + "id " * 100 + "} } } }"
    assert codes(await gql(repeated)) == ["QUERY_TOO_LARGE"]
    # ... also in a fragment nobody spreads (validated all the same)
    unused = "{ __typename } fragment U on Query { " + "__typename " * 1500 + "}"
    assert codes(await gql(unused)) == ["QUERY_TOO_LARGE"]
    # an ordinary document with fragments still runs
    fine = (
        "query { ...P } fragment P on Query { products(first: 2) { edges { node { ...T } } } } "
        "fragment T on Product { id title }"
    )
    assert "errors" not in await gql(fine)


PAGE = "a%d: products(first: $n) { edges { node { title variants { sku stock { available store { name } } } } } }"


async def test_cost_counts_variables_and_defaults(gql, no_error_logs):
    """Item 2: `products(first: $n)` is costed with the value of $n, and a missing `first` with the
    argument's default page size. On main $n was costed as 10, and five aliases returned 1.34 MB."""
    query = "query($n: Int) { " + " ".join(PAGE % i for i in range(5)) + " }"
    literal = query.replace("$n", "100").replace("query(100: Int)", "query")
    assert codes(await gql(literal)) == ["QUERY_TOO_EXPENSIVE"]
    assert codes(await gql(query, {"n": 100})) == ["QUERY_TOO_EXPENSIVE"]
    assert codes(await gql(query, {"n": 1})) == []  # the same document, cheap values: runs
    default = "query($n: Int = 100) { " + " ".join(PAGE % i for i in range(5)) + " }"
    assert codes(await gql(default)) == ["QUERY_TOO_EXPENSIVE"]  # the variable's own default counts
    # without `first`, products' default page (20) counts, not a guess of 10: eight such aliases cost
    # 8 x (1 + 20 x 324) = 51,848 (over 50,000), while eight of first: 10 cost 25,928
    bare = "{ " + " ".join((PAGE % i).replace("(first: $n)", "") for i in range(8)) + " }"
    assert codes(await gql(bare)) == ["QUERY_TOO_EXPENSIVE"]
    tenth = "{ " + " ".join((PAGE % i).replace("$n", "10") for i in range(8)) + " }"
    assert codes(await gql(tenth)) == []


async def test_body_over_the_limit_is_refused_with_413_while_it_streams(client, token, no_error_logs):
    """Item 3: bodies over OMNICHANNEL_MAX_BODY_BYTES (2 MB) get 413 before they are read whole;
    SERVICE tokens (bulk sync) may send up to OMNICHANNEL_MAX_SYNC_BODY_BYTES (16 MB)."""
    big = b'{"query": "{ __typename }", "variables": {"pad": "' + b"x" * (3 * 1024 * 1024) + b'"}}'
    declared = await client.post("/graphql", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    sent = 0

    async def chunks():
        nonlocal sent
        for _ in range(100):  # 10 MB in 100 KB chunks, without a Content-Length
            sent += 1
            yield b" " * 100_000

    streamed = await client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert sent <= 25, f"{sent} chunks were read before refusing"

    service = await token("SERVICE")
    accepted = await client.post(
        "/graphql", content=big, headers={"content-type": "application/json", "authorization": f"Bearer {service}"}
    )
    assert accepted.status_code == 200 and accepted.json() == {"data": {"__typename": "Query"}}


async def test_long_query_text_is_refused_before_parsing(client, no_error_logs):
    """Item 3: a 10 MB comment froze the process for 3.4 s on main; now the query text is capped."""
    response = await client.post("/graphql", json={"query": "#" + "x" * 200_000 + "\n{ __typename }"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


WRONG_VARIABLES = [
    ("query($n: Int) { products(first: $n) { edges { node { id } } } }", {"n": "abc"}),
    ("query($s: [OrderStatus!]) { orders(status: $s) { edges { node { id } } } }", {"s": ["NOPE"]}),
    ("query($id: ID!) { node(id: $id) { id } }", {}),
    ("query($ids: [ID!]!) { stockAvailability(variantIds: $ids) { available } }", {"ids": [["x"]]}),
    ("query($d: DateTime) { orders(updatedSince: $d) { edges { node { id } } } }", {"d": "not-a-date"}),
    (
        "mutation($i: SignInInput!) { signIn(input: $i) { token } }",
        {"i": {"email": "a@b.cn", "password": "x", "extra": 1}},
    ),
    (
        "mutation($i: ConfirmPaymentInput!) { confirmPayment(input: $i) { order { id } } }",
        {"i": {"orderId": "T3JkZXI6MQ", "amount": "0x10", "reference": "r"}},
    ),
    (
        "mutation($i: ConfirmPaymentInput!) { confirmPayment(input: $i) { order { id } } }",
        {"i": {"orderId": "T3JkZXI6MQ", "amount": "NaN", "reference": "r"}},
    ),
    (
        "mutation($i: ConfirmPaymentInput!) { confirmPayment(input: $i) { order { id } } }",
        {"i": {"orderId": "T3JkZXI6MQ", "amount": "1e999999", "reference": "r"}},
    ),
]


@pytest.mark.parametrize(("query", "variables"), WRONG_VARIABLES)
async def test_wrong_typed_variables_are_the_clients_error(gql, token, query, variables, no_error_logs):
    """Item 4: BAD_USER_INPUT, no ERROR log line (main: INTERNAL_SERVER_ERROR with a traceback)."""
    result = await gql(query, variables, token=await token("HQ_ADMIN"))
    assert codes(result) == ["BAD_USER_INPUT"], result


def global_id(kind: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{pk}".encode()).decode().rstrip("=")


async def test_numbers_outside_their_columns_are_refused_at_the_edge(gql, token, no_error_logs):
    """Item 5: IDs and cursors holding 2^31 or 2^64 never reach PostgreSQL."""
    admin = await token("HQ_ADMIN")
    huge_order = "T3JkZXI6MjE0NzQ4MzY0OA"  # Order:2147483648
    assert codes(await gql("query($id: ID!) { order(id: $id) { id } }", {"id": huge_order}, token=admin)) == [
        "BAD_USER_INPUT"
    ]
    assert codes(await gql("query($id: ID!) { node(id: $id) { id } }", {"id": huge_order}, token=admin)) == [
        "BAD_USER_INPUT"
    ]
    cursor = global_id("cursor.product", 2**64)
    assert codes(await gql("query($a: String) { products(after: $a) { edges { cursor } } }", {"a": cursor})) == [
        "BAD_USER_INPUT"
    ]
    wrong_kind = await gql("query($id: ID!) { order(id: $id) { id } }", {"id": global_id("Store", 1)}, token=admin)
    assert "is not an Order ID" in wrong_kind["errors"][0]["message"]


async def test_nul_bytes_in_text_are_refused_at_the_edge(gql, token, no_error_logs):
    """Item 5: NUL in search text, reasons, e-mails, coupon codes and recipients (main: INTERNAL)."""
    admin = await token("HQ_ADMIN")
    clerk = await token("CLERK", store="S01")
    cases = [
        ("query($s: String) { products(search: $s) { edges { node { id } } } }", {"s": "tea\x00"}, None),
        ('{ products(search: "tea\\u0000") { edges { node { id } } } }', {}, None),
        (ADJUST, {"s": global_id("Store", 1), "v": variant_id(1), "d": 1, "r": "count\x00"}, admin),
        ('mutation($e: String!) { signIn(input: {email: $e, password: "x"}) { token } }', {"e": "a\x00@b.cn"}, None),
        (
            "mutation($c: String!, $s: ID!) { redeemCoupon(input: {code: $c, storeId: $s}) { coupon { id } } }",
            {"c": "ABC\x00", "s": global_id("Store", 1)},
            clerk,
        ),
        (
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }",
            {
                "i": {
                    "channel": "APP",
                    "fulfillmentMode": "EXPRESS",
                    "lines": [{"variantId": variant_id(1), "quantity": 1}],
                    "shippingAddress": {
                        "recipient": "Li\x00",
                        "phone": "13800138000",
                        "line1": "1 Road",
                        "city": "Shanghai",
                        "location": {"lat": 31.2, "lng": 121.4},
                    },
                }
            },
            await token("MEMBER", member="M0001"),
        ),
    ]
    for query, variables, who in cases:
        assert codes(await gql(query, variables, token=who)) == ["BAD_USER_INPUT"], query


async def test_lone_surrogates_are_malformed_requests(client, no_error_logs):
    """Item 5: a lone surrogate cannot be stored or compared: the JSON is refused (400), as is the
    GraphQL literal (a syntax error)."""
    body = (
        b'{"query": "query($s: String) { products(search: $s) { edges { cursor } } }", "variables": {"s": "\\ud800"}}'
    )
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    literal = await client.post("/graphql", json={"query": '{ products(search: "\\ud800") { edges { cursor } } }'})
    assert literal.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_tokens_with_out_of_range_or_malformed_ids_get_401(client, tokens, no_error_logs):
    """Item 5: a signed token whose member id is >= 2^31, or whose staff id is not a number, is a 401
    (main: a 500), and library internals do not leak into the message."""
    import jwt

    base = {"iss": "omnichannel", "sub": "x", "iat": int(time.time()), "exp": int(time.time()) + 600}
    for extra in ({"role": "MEMBER", "mid": 2**31}, {"role": "CLERK", "sid": "abc", "store": "S01"}):
        token = jwt.encode({**base, **extra}, tokens.secret, algorithm="HS256")
        response = await client.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    garbage = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Authorization": "Bearer a.t.b"})
    assert garbage.status_code == 401 and "codec" not in garbage.text
    assert garbage.json()["errors"][0]["message"] == "Invalid token: the token is malformed"
    valid = tokens.issue(Principal(role=Role.HQ_ADMIN, subject="x"), ttl=60)
    assert (
        await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {valid}"})
    ).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b'"hello"',
        b"42",
        b"null",
        b"[1, 2]",
        b"\xff",
        b"{",
        b'{"query": 5}',
        b'{"query": "{ __typename }", "operationName": 7}',
    ],
)
async def test_malformed_bodies_get_400_with_a_json_error(client, body, no_error_logs):
    """Item 6: main answered these with a plain-text 500 (or a plain-text 400)."""
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_deeply_nested_variables_get_400(client, no_error_logs):
    """Item 6: variables nested 1,000 deep (main: RecursionError, a 500)."""
    nested = "{" + '"a":{' * 1000 + "}" * 1000 + "}"
    for variables in (nested, "[" * 1000 + "]" * 1000, '{"a": ' + "[" * 40 + "]" * 40 + "}"):
        body = (
            '{"query": "query($a: [ID!]) { stockAvailability(variantIds: $a) { available } }", "variables": '
            + variables
            + "}"
        )
        response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, response.text[:200]
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_other_methods_and_types_get_json_errors(client, no_error_logs):
    """Item 6: strawberry's own refusals (content type, missing query) come as JSON too."""
    for response in (
        await client.post("/graphql", content=b"query=x", headers={"content-type": "text/plain"}),
        await client.post("/graphql", json={"variables": {}}),
    ):
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "UNSUPPORTED_MEDIA_TYPE")


async def test_input_lists_are_capped_per_field(gql, token, no_error_logs):
    """Every list argument is capped (100 unless a field says more): literal and variable lists alike."""
    ids = [variant_id(1)] * 101
    query = "query($ids: [ID!]!) { stockAvailability(variantIds: $ids) { available } }"
    assert codes(await gql(query, {"ids": ids})) == ["BAD_USER_INPUT"]
    literal = "{ stockAvailability(variantIds: [" + ", ".join(f'"{i}"' for i in ids) + "]) { available } }"
    assert codes(await gql(literal)) == ["BAD_USER_INPUT"]
    assert codes(await gql(query, {"ids": [variant_id(1)] * 100})) == []
