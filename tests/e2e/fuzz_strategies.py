"""Hypothesis strategies of hostile input for the fuzz tests: scalar values for schemathesis, and
documents, variables and websocket frames of every wrong shape."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

DECIMALS = st.one_of(
    st.decimals(-(10**6), 10**6, places=2).map(str),
    st.sampled_from(["NaN", "Infinity", "-0", "1e999999", "0x10", "1_000", " 5", "", "0.0000001", "9" * 40]),
)
DATETIMES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["not-a-date", "2026-02-30T00:00:00Z", "9999-12-31T23:59:59+14:00", "0001-01-01", ""]),
)


NAMES = ["products(first: 2)", "edges", "node", "variants", "product", "stock", "store", "stores(first: 2)"]
LEAVES = ["__typename", "id", "title", "sku", "code", "cursor", "name", "onHand", "bogus"]
TOKENS = [
    "{", "}", "(", ")", "[", "]", "...", ":", "$x", "=", "@include(if: true)", "query", "mutation",
    "subscription", "fragment", "F", "on", "Query", "Product", "products", "first", "1", "2147483648",
    "18446744073709551616", '"a"', '"\\u0000"', '"""block"""', "node", "id", "__schema", "__type", "#", ",",
    "-1", "1e308", "null", "true", "edges", "variants", "stockChanged", "signIn", "input", "$", "!", "&",
]  # fmt: skip


@st.composite
def deep_documents(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 60))
    body = draw(st.sampled_from(LEAVES))
    for level in range(depth):
        body = f"{NAMES[level % len(NAMES)]} {{ {body} }}"
    return "{ " + body + " }"


@st.composite
def wide_documents(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 400))
    leaf = draw(
        st.sampled_from(["__typename", "products(first: 1) { edges { cursor } }", "routingRules { allowSplit }"])
    )
    aliased = draw(st.booleans())
    return "{ " + " ".join(f"a{i}: {leaf}" if aliased else leaf for i in range(count)) + " }"


@st.composite
def fragment_documents(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 40))
    parts = []
    for i in range(count):
        spreads = draw(st.lists(st.integers(0, count + 2), max_size=4))  # may point back, at itself, or nowhere
        leaves = draw(st.lists(st.sampled_from(LEAVES[:2]), max_size=3))
        inner = " ".join([*leaves, *(f"...F{j}" for j in spreads)]) or "__typename"
        parts.append(f"fragment F{i} on Query {{ {inner} }}")
    roots = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=5))
    return "query { " + " ".join(f"...F{r}" for r in roots) + " } " + " ".join(parts)


TOKEN_SOUP = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=600).map(" ".join)
HOSTILE_DOCUMENTS = st.one_of(deep_documents(), wide_documents(), fragment_documents(), TOKEN_SOUP)

WITH_VARIABLES = [
    "query($n: Int, $a: String, $s: String) { products(first: $n, after: $a, search: $s) { edges { cursor } } }",
    "query($ids: [ID!]!, $near: GeoInput) { stockAvailability(variantIds: $ids, near: $near) { available } }",
    "query($id: ID!) { node(id: $id) { id } order(id: $id) { id } }",
    "query($s: [OrderStatus!], $d: DateTime, $store: ID) { orders(status: $s, updatedSince: $d, storeId: $store) "
    "{ edges { cursor } } }",
    "query($input: PriceQuoteInput!) { priceQuote(input: $input) { userErrors { code } } }",
    "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { userErrors { code } } }",
    "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { userErrors { code } } }",
    "mutation($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { userErrors { code } } }",
    "mutation($input: SignInInput!) { signIn(input: $input) { userErrors { code } } }",
    "mutation($input: CreatePromotionInput!) { createPromotion(input: $input) { userErrors { code } } }",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["VmFyaWFudDox", "T3JkZXI6MjE0NzQ4MzY0OA", "U3RvcmU6MQ", "\x00", "PENDING_PAYMENT", "APP"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=12), inner, max_size=6)),
    max_leaves=40,
)
VARIABLE_NAMES = ["n", "a", "s", "ids", "near", "id", "d", "store", "input"]


@st.composite
def hostile_variables(draw: st.DrawFn) -> tuple[str, Any]:
    query = draw(st.sampled_from(WITH_VARIABLES))
    variables = draw(st.one_of(st.dictionaries(st.sampled_from(VARIABLE_NAMES), JSON, max_size=4), JSON))
    return query, variables


OPERATIONS = [
    "subscription { stockChanged { onHand } }",
    "{ __typename }",
    "subscription($s: [ID!]) { stockChanged(storeIds: $s) { onHand } }",
    'mutation { signIn(input: {email: "a@b.cn", password: "x"}) { token } }',
]


@st.composite
def protocol_frames(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["subscribe", "complete", "ping", "pong", "connection_init", "start", "stop", "other"]))
    frame: dict[str, Any] = {"type": kind if kind != "other" else draw(st.text(max_size=10))}
    if draw(st.booleans()):
        frame["id"] = draw(st.one_of(st.text(max_size=8), JSON))
    if draw(st.booleans()):
        frame["payload"] = draw(
            st.one_of(
                JSON,
                st.fixed_dictionaries(
                    {"query": st.one_of(st.sampled_from(OPERATIONS), JSON), "variables": JSON},
                    optional={"operationName": JSON},
                ),
            )
        )
    return json.dumps(frame, allow_nan=True)


FRAMES = st.one_of(
    protocol_frames(),
    JSON.map(lambda v: json.dumps(v, allow_nan=True)),
    st.text(max_size=200),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
)
