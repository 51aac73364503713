"""Members sign in by phone with one-time codes; one member across channels."""

from __future__ import annotations

import pytest

from tests.api.loyalty import ME, REQUEST_CODE, SIGN_IN, new_phone, sign_up

# wrong codes and passwords lock people out: the counters go back after every test, pass or fail
pytestmark = pytest.mark.usefixtures("lift_lockouts")


async def test_a_new_phone_joins_and_a_known_phone_from_another_channel_is_the_same_member(gql, outbox):
    app_user = await sign_up(gql, outbox)
    assert app_user.number.startswith("M")
    mini = await sign_up(gql, outbox, phone=app_user.phone, link=[{"kind": "WECHAT_OPENID", "value": "oMini_abc12345"}])
    assert mini.id == app_user.id
    me = (await gql("{ me { id identities { kind value } } }", token=mini.token))["data"]["me"]
    assert {(i["kind"], i["value"]) for i in me["identities"]} == {
        ("PHONE", app_user.phone),
        ("WECHAT_OPENID", "oMini_abc12345"),
    }
    me = (await gql(ME, token=app_user.token))["data"]["me"]
    assert me["pointsBalance"] == 0 and me["tier"] == "BASIC" and me["coupons"] == []


async def test_demo_members_sign_in_with_their_phone(gql, outbox):
    member = await sign_up(gql, outbox, phone="13800130007")
    assert member.number == "M0007"


async def test_codes_are_single_use_expire_after_wrong_guesses_and_are_throttled(gql, outbox):
    phone = new_phone()
    await gql(REQUEST_CODE, {"phone": phone})
    again = (await gql(REQUEST_CODE, {"phone": phone}))["data"]["requestSignInCode"]
    assert again["userErrors"][0]["code"] == "TOO_MANY_CODE_REQUESTS"
    code = outbox.codes[phone]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        result = (await gql(SIGN_IN, {"input": {"phone": phone, "code": wrong}}))["data"]["signInWithCode"]
        assert result["userErrors"][0]["code"] == "INVALID_SIGN_IN_CODE" and result["token"] is None
    dead = (await gql(SIGN_IN, {"input": {"phone": phone, "code": code}}))["data"]["signInWithCode"]
    assert dead["userErrors"][0]["code"] == "SIGN_IN_CODE_EXPIRED"


async def test_a_code_works_once(gql, outbox):
    member = await sign_up(gql, outbox)
    replay = await gql(SIGN_IN, {"input": {"phone": member.phone, "code": outbox.codes[member.phone]}})
    assert replay["data"]["signInWithCode"]["userErrors"][0]["code"] == "SIGN_IN_CODE_EXPIRED"


async def test_codes_are_stored_hashed(gql, outbox, database_url):
    import asyncpg

    phone = new_phone()
    await gql(REQUEST_CODE, {"phone": phone})
    raw = await asyncpg.connect(database_url)
    try:
        stored = await raw.fetchval("SELECT code_hash FROM sign_in_code WHERE phone = $1", phone)
    finally:
        await raw.close()
    assert outbox.codes[phone] not in stored and len(stored) == 64


async def test_bad_phones_and_taken_identities_are_clear_user_errors(gql, outbox):
    bad = (await gql(REQUEST_CODE, {"phone": "12345"}))["data"]["requestSignInCode"]
    assert bad["userErrors"] == [
        {"field": ["phone"], "code": "INVALID_INPUT", "message": "Enter an 11-digit mobile number."}
    ]
    first = await sign_up(gql, outbox, link=[{"kind": "STORE_CARD", "value": "880000000001"}])
    other = new_phone()
    await gql(REQUEST_CODE, {"phone": other})
    taken = await gql(
        SIGN_IN,
        {
            "input": {
                "phone": other,
                "code": outbox.codes[other],
                "link": [{"kind": "STORE_CARD", "value": "880000000001"}],
            }
        },
    )
    assert taken["data"]["signInWithCode"]["userErrors"][0]["code"] == "IDENTITY_IN_USE"
    assert first.id
