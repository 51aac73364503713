"""Helpers for the loyalty tests: fresh members through phone sign-in, templates, IDs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from omnichannel.schema.relay import split_id
from tests.orders_support import gid as gid  # re-exported: the loyalty tests name IDs through this module


def pk(global_id: str) -> int:
    """The primary key inside a relay global ID, whatever its type."""
    return split_id(global_id)[1]


class Outbox:
    """Stands in for the SMS gateway: keeps the last code sent to each phone."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    async def send(self, phone: str, code: str) -> None:
        self.codes[phone] = code


def new_phone() -> str:
    return "139" + "".join(secrets.choice("0123456789") for _ in range(8))


REQUEST_CODE = """mutation($phone: String!) { requestSignInCode(input: {phone: $phone}) {
  sentTo expiresAt resendAfter userErrors { field code message } } }"""
SIGN_IN = """mutation($input: SignInWithCodeInput!) { signInWithCode(input: $input) {
  token member { id memberNumber pointsBalance tier } userErrors { field code message } } }"""


@dataclass
class SignedIn:
    token: str
    id: str
    number: str
    phone: str

    @property
    def pk(self) -> int:
        return pk(self.id)


async def sign_up(
    gql: Any, outbox: Outbox, phone: str | None = None, link: list[dict[str, str]] | None = None
) -> SignedIn:
    """A member signs in by phone (a new phone joins)."""
    phone = phone or new_phone()
    sent = (await gql(REQUEST_CODE, {"phone": phone}))["data"]["requestSignInCode"]
    assert sent["userErrors"] == [], sent
    result = await gql(SIGN_IN, {"input": {"phone": phone, "code": outbox.codes[phone], "link": link or []}})
    payload = result["data"]["signInWithCode"]
    assert payload["userErrors"] == [], payload
    return SignedIn(payload["token"], payload["member"]["id"], payload["member"]["memberNumber"], phone)


CREATE_TEMPLATE = """mutation($input: CreateCouponTemplateInput!) { createCouponTemplate(input: $input) {
  template { id title kind value totalQuantity issuedCount perMemberLimit } userErrors { field code message } } }"""


async def create_template(gql: Any, hq: str, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"title": "10 off", "kind": "AMOUNT_OFF", "value": "10"}
    values.update(fields)
    payload = (await gql(CREATE_TEMPLATE, {"input": values}, token=hq))["data"]["createCouponTemplate"]
    assert payload["userErrors"] == [], payload
    return payload["template"]


CLAIM = """mutation($t: ID!, $c: SalesChannel) { claimCoupon(input: {templateId: $t, channel: $c}) {
  coupon { id code status title validUntil } userErrors { field code message } } }"""
REDEEM = """mutation($code: String!, $store: ID!) { redeemCoupon(input: {code: $code, storeId: $store}) {
  coupon { id code status } userErrors { field code message } } }"""
ADJUST = """mutation($m: ID!, $d: Int!, $r: String!) { adjustPoints(input: {memberId: $m, delta: $d, reason: $r}) {
  member { id pointsBalance } userErrors { field code message } } }"""
ME = """{ me { id memberNumber pointsBalance tier coupons { id code status title } } }"""


async def claim(gql: Any, token: str, template_id: str, channel: str | None = None) -> dict[str, Any]:
    return (await gql(CLAIM, {"t": template_id, "c": channel}, token=token))["data"]["claimCoupon"]
