"""Events out without a database: the log mapping, event records, webhook rules and signatures."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain import webhooks as rules
from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.event_log import EVENT_TYPES, MAPPERS, log_entry
from omnichannel.domain.event_records import from_record, to_record
from omnichannel.domain.events import (
    EventLine,
    FulfillmentAdvanced,
    MemberMerged,
    OrderCancelled,
    OrderCompleted,
    OrderExpired,
    OrderPaid,
    OrderPlaced,
    OrderRepriced,
    PickupReady,
    RefundedLine,
    RefundFailed,
    RefundSucceeded,
    StockChanged,
    VariantAmount,
)
from omnichannel.domain.global_ids import global_id
from omnichannel.domain.locations import FulfillmentMode
from omnichannel.domain.orders import Canceller, FulfillmentStatus, OrderStatus
from omnichannel.schema.relay import encode_id, split_id

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
COMMON = {
    "order_id": 1, "number": "SO00000001", "channel": SalesChannel.APP, "mode": FulfillmentMode.PICKUP,
    "status": OrderStatus.CONFIRMED, "member_id": 3, "placed_at_location_id": None, "attributed_staff_id": None,
    "location_ids": (2,), "at": AT,
}  # fmt: skip
LINES = (EventLine(2, 7, 1, Decimal("9.90")),)
MONEY = {"total": Decimal("9.90"), "currency": "CNY"}
PLACED = OrderPlaced(
    **COMMON, lines=LINES, subtotal=Decimal("9.90"), discount_total=Decimal("0.00"), points_redeemed=0, coupon_ids=(),
    placed_by_staff_id=None, pickup_location_id=2, reservation_expires_at=None, **MONEY,
)  # fmt: skip
PAID = OrderPaid(
    **COMMON, lines=LINES, subtotal=Decimal("9.90"), discount_total=Decimal("0.00"), amount=Decimal("9.90"),
    reference="PAY-1", **MONEY,
)  # fmt: skip
ADVANCED = FulfillmentAdvanced(
    **COMMON, fulfillment_id=5, fulfillment_location_id=2, fulfillment_status=FulfillmentStatus.PICKING,
    previous_status=FulfillmentStatus.PENDING, lines=LINES,
)  # fmt: skip
CANCELLED = OrderCancelled(
    **COMMON, lines=LINES, amount_paid=Decimal("9.90"), cancelled_by=Canceller.MEMBER, reason="changed my mind", **MONEY
)


@given(st.sampled_from(["Order", "Store", "Member"]), st.integers(min_value=0, max_value=2**31 - 1))
def test_global_ids_in_payloads_are_the_api_ids(type_name, pk):
    assert global_id(type_name, pk) == encode_id(type_name, pk)
    assert split_id(global_id(type_name, pk)) == (type_name, pk)


@given(st.sampled_from(["Event", "cursor.events", "cursor.delivery"]), st.integers(min_value=0, max_value=2**63 - 1))
def test_event_ids_and_log_cursors_hold_bigints(type_name, pk):
    assert split_id(global_id(type_name, pk)) == (type_name, pk)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (PLACED, "order.created"),
        (PAID, "order.paid"),
        (CANCELLED, "order.cancelled"),
        (OrderCompleted(**COMMON, lines=LINES, **MONEY), "order.completed"),
        (OrderExpired(**COMMON, lines=LINES, **MONEY), "order.expired"),
        (ADVANCED, "order.status_changed"),
        (OrderRepriced(**COMMON, coupon_id=4, discount_total=Decimal("1.00"), **MONEY), "order.repriced"),
        (PickupReady(**COMMON, fulfillment_id=5, location_id=2), "order.ready_for_pickup"),
        (StockChanged(2, 7, 10, 3, 1, "SALE", AT), "stock.changed"),
        (MemberMerged(3, "M0003", 4, "M0004", AT), "member.merged"),
    ],
)
def test_every_logged_event_has_a_documented_type(event, expected):
    entry = log_entry(event)
    assert entry is not None and entry.type == expected and entry.type in EVENT_TYPES
    assert entry.at == AT


def test_payload_data_is_json_ready_and_names_objects_by_global_id():
    stock = log_entry(StockChanged(2, 7, 10, 3, 1, "SALE", AT, reference="SO00000001"))
    assert stock is not None
    assert stock.data == {
        "onHand": 10, "reserved": 3, "safetyStock": 1, "available": 6, "reason": "SALE", "reference": "SO00000001"
    }  # fmt: skip
    assert (stock.refs.store_id, stock.refs.variant_id, stock.refs.all_store_ids) == (2, 7, (2,))
    ready = log_entry(PickupReady(**COMMON, fulfillment_id=5, location_id=2))
    assert ready is not None and ready.data["fulfillment"] == {"id": encode_id("Fulfillment", 5)}
    assert (ready.refs.order_id, ready.refs.store_id, ready.refs.store_ids) == (1, 2, (2,))
    paid = log_entry(PAID)
    assert paid is not None and paid.data["payment"] == {"amount": "9.90", "currency": "CNY", "reference": "PAY-1"}
    cancelled = log_entry(CANCELLED)
    assert cancelled is not None and cancelled.data["cancelledBy"] == "MEMBER"
    advanced = log_entry(ADVANCED)
    assert advanced is not None and advanced.data["fulfillment"]["status"] == "PICKING"
    merged = log_entry(MemberMerged(3, "M0003", 4, "M0004", AT))
    assert merged is not None and merged.data == {"merged": {"id": encode_id("Member", 4), "number": "M0004"}}


def test_events_that_are_not_logged_map_to_nothing():
    class Unlogged:
        pass

    assert log_entry(Unlogged()) is None
    assert all(isinstance(cls, type) for cls in MAPPERS)


SUCCEEDED = RefundSucceeded(
    **{**COMMON, "location_ids": (2, 9)}, refund_id=7, amount=Decimal("27.00"), currency="CNY",
    lines=(RefundedLine(11, 5, "TST-1", 1, Decimal("27.00")),), points_returned=300, points_reversed=27,
    points_shortfall=0, reason="changed their mind", restock_location_id=2, reference="RF-1",
    refunded_total=Decimal("27.00"), refunded_by_variant=(VariantAmount(5, Decimal("27.00")),), fully_refunded=False,
)  # fmt: skip


def test_refund_events_are_logged_with_their_amounts_as_strings():
    entry = log_entry(SUCCEEDED)
    assert entry is not None and entry.type == "refund.succeeded"
    refund = entry.data["refund"]
    assert (refund["amount"], refund["status"], refund["reference"]) == ("27.00", "SUCCEEDED", "RF-1")
    assert refund["lines"] == [{"variant": {"id": encode_id("Variant", 5), "sku": "TST-1"}, "quantity": 1,
                                "amount": "27.00"}]  # fmt: skip
    assert refund["restockStore"] == encode_id("Store", 2) and refund["refundedTotal"] == "27.00"
    failed = RefundFailed(**COMMON, refund_id=7, amount=Decimal("1.00"), currency="CNY", lines=(), reference="X")
    failed_entry = log_entry(failed)
    assert failed_entry is not None and failed_entry.type == "refund.failed"
    assert failed_entry.data["refund"]["status"] == "FAILED"


@pytest.mark.parametrize(
    "event",
    [
        SUCCEEDED,
        PLACED,
        PAID,
        CANCELLED,
        ADVANCED,
        PickupReady(**COMMON, fulfillment_id=5, location_id=2),
        StockChanged(2, 7, 10, 3, 1, "SALE", AT),
        MemberMerged(3, "M0003", 4, "M0004", AT),
    ],
)
def test_event_records_round_trip(event):
    import orjson

    assert from_record(orjson.loads(orjson.dumps(to_record(event)))) == event


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("", ErrorCode.INVALID_INPUT),
        ("ftp://erp.example/hook", ErrorCode.INVALID_INPUT),
        ("file:///etc/passwd", ErrorCode.INVALID_INPUT),
        ("https://", ErrorCode.INVALID_INPUT),
        ("https://user:pw@erp.example/hook", ErrorCode.INVALID_INPUT),
        ("https://erp.example/ho ok", ErrorCode.INVALID_INPUT),
        ("https://erp.example/\x00", ErrorCode.INVALID_INPUT),
        ("https://erp.example:99999/", ErrorCode.INVALID_INPUT),
        ("https://erp.example/" + "a" * 2000, ErrorCode.INVALID_INPUT),
    ],
)
def test_malformed_urls_are_refused(url, code):
    with pytest.raises(DomainError) as refused:
        rules.check_url(url)
    assert refused.value.code is code and refused.value.field == ["url"]


def test_a_good_url_names_its_target():
    assert rules.check_url(" https://erp.example/hooks?x=1 ") == rules.Target("https", "erp.example", 443)
    assert rules.check_url("http://10.1.2.3:8080/h") == rules.Target("http", "10.1.2.3", 8080)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.0.0.8", "172.16.5.4", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1",
        "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "255.255.255.255",
        "not-an-address",
    ],
)  # fmt: skip
def test_private_and_special_addresses_are_forbidden(address):
    assert rules.forbidden_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"])
def test_public_addresses_are_allowed(address):
    assert not rules.forbidden_address(address)


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    with pytest.raises(DomainError) as refused:
        rules.check_addresses("rebind.example", ["8.8.8.8", "10.0.0.1"])
    assert refused.value.code is ErrorCode.WEBHOOK_TARGET_FORBIDDEN
    with pytest.raises(DomainError) as unresolved:
        rules.check_addresses("nowhere.example", [])
    assert unresolved.value.code is ErrorCode.INVALID_INPUT


def test_event_types_must_be_known_and_are_kept_once():
    assert rules.check_event_types(["order.paid", "stock.changed", "order.paid"]) == ("order.paid", "stock.changed")
    for bad in ([], ["order.payed"], ["x" * 500], ["order.paid"] * 33):
        with pytest.raises(DomainError):
            rules.check_event_types(bad)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"id":"RXZlbnQ6MQ","type":"order.paid"}'
    header = rules.signature("whsec_test", 1_765_000_000, body)
    expected = hmac.new(b"whsec_test", b"1765000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1765000000,v1={expected}"


def test_retries_double_from_the_base_up_to_an_hour_and_stop_after_twelve_attempts():
    delays = [rules.retry_delay(n, 5.0) for n in range(1, 12)]
    assert delays == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]
    outcomes = [rules.outcome(n, False, 5.0) for n in range(1, 13)]
    assert [o.status for o in outcomes] == [rules.DeliveryStatus.RETRYING] * 11 + [rules.DeliveryStatus.FAILED]
    assert outcomes[-1].retry_in is None
    assert rules.outcome(3, True, 5.0) == rules.Outcome(rules.DeliveryStatus.DELIVERED, None)


def test_secrets_are_long_and_distinct():
    secrets = {rules.new_secret() for _ in range(50)}
    assert len(secrets) == 50 and all(s.startswith("whsec_") and len(s) > 40 for s in secrets)
