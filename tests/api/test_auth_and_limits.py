"""Signing in, tokens, introspection rights, query limits, masking, health and metrics."""

from __future__ import annotations

import pytest

from omnichannel.persistence.seed.demo import DEMO_PASSWORD

# wrong codes and passwords lock people out: the counters go back after every test, pass or fail
pytestmark = pytest.mark.usefixtures("lift_lockouts")

SIGN_IN = """
mutation($e: String!, $p: String!) {
  signIn(input: {email: $e, password: $p}) {
    token staff { name role store { code } } userErrors { field code message }
  }
}
"""


async def test_staff_sign_in_returns_a_token_that_works(gql):
    result = (await gql(SIGN_IN, {"e": "Manager.S11@demo.omnichannel.cn ", "p": DEMO_PASSWORD}))["data"]["signIn"]
    assert result["userErrors"] == []
    assert result["staff"] == {"name": "Qibao Manager", "role": "STORE_MANAGER", "store": {"code": "S11"}}
    me = await gql(
        "query($id: ID!) { node(id: $id) { ... on Staff { role } } }", {"id": "U3RhZmY6MQ"}, token=result["token"]
    )
    assert me["data"]["node"] == {"role": "HQ_ADMIN"}


async def test_unknown_account_looks_like_a_wrong_password(gql):
    payload = (await gql(SIGN_IN, {"e": "nobody@demo.omnichannel.cn", "p": "x"}))["data"]["signIn"]
    assert payload["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await gql(SIGN_IN, {"e": "not-an-email", "p": "x"}))["data"]["signIn"]["userErrors"][0]["code"] == (
        "INVALID_INPUT"
    )


async def test_invalid_and_expired_tokens_get_401(client, tokens):
    from omnichannel.domain.access import Principal, Role

    expired = tokens.issue(Principal(role=Role.HQ_ADMIN, subject="x"), ttl=-10)
    for header in ("Bearer nonsense", f"Bearer {expired}", "Basic abc"):
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Authorization": header})
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


INTROSPECT = "{ __schema { queryType { name } } }"


async def test_introspection_only_for_analysts_and_head_office(gql, token):
    anonymous = await gql(INTROSPECT)
    assert anonymous["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "data" not in anonymous or anonymous["data"] is None
    clerk = await gql(INTROSPECT, token=await token("CLERK", store="S01"))
    assert clerk["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for role in ("ANALYST", "HQ_ADMIN"):
        allowed = await gql(INTROSPECT, token=await token(role))
        assert allowed["data"]["__schema"]["queryType"]["name"] == "Query"
    # __type is introspection too, hidden inside a fragment
    sneaky = await gql('query { ...F } fragment F on Query { __type(name: "Order") { name } }')
    assert sneaky["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "errors" not in await gql("{ __typename }")


async def test_depth_and_cost_limits_refuse_abusive_queries(gql):
    deep = (
        "{ products(first: 1) { edges { node { variants { product { variants { product { variants { product {"
        " variants { product { variants { product { title } } } } } } } } } } } } } }"
    )
    too_deep = await gql(deep)
    assert "exceeds maximum operation depth" in too_deep["errors"][0]["message"]
    expensive = await gql(
        "{ products(first: 100) { edges { node { variants { stock { store { name } variant { product { variants {"
        " stock { available } } } } } } } } } }"
    )
    assert expensive["errors"][0]["extensions"]["code"] == "QUERY_TOO_EXPENSIVE"
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    assert "aliases" in (await gql(aliases))["errors"][0]["message"]


async def test_unexpected_errors_are_masked(gql, monkeypatch):
    from omnichannel.resolvers import catalog

    async def broken(*args, **kwargs):
        raise RuntimeError("password=hunter2 at db host 10.0.0.5")

    monkeypatch.setattr(catalog, "products_page", broken)
    result = await gql("{ products(first: 1) { edges { node { id } } } }")
    error = result["errors"][0]
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "hunter2" not in str(result)


async def test_health_readiness_and_metrics(client, gql):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "database": "ok", "broker": "ok"}
    await gql("{ __typename }")
    metrics = (await client.get("/metrics")).text
    assert 'omnichannel_http_requests_total{method="POST",path="/graphql",status="200"}' in metrics
    assert "omnichannel_http_request_seconds_bucket" in metrics
    assert "omnichannel_active_subscriptions" in metrics
    assert "omnichannel_graphql_errors_total" in metrics
