"""Pickup codes, order requests and holds, without a database."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain import order_requests, pickup
from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.errors import ErrorCode
from omnichannel.domain.geo import GeoPoint
from omnichannel.domain.inventory import MovementReason, StockLevel
from omnichannel.domain.locations import FulfillmentMode, Location, LocationKind
from omnichannel.domain.order_requests import OrderRequest, RequestedLine
from omnichannel.domain.orders import Address
from omnichannel.domain.reservations import Hold, lock_order, movements, shortages, stores_that_have


def test_codes_carry_at_least_40_bits_in_an_unambiguous_alphabet():
    assert pickup.CODE_BITS >= 40
    assert len(pickup.ALPHABET) ** pickup.CODE_LENGTH >= 2**40
    assert math.log2(len(pickup.ALPHABET)) == 5
    assert not set("ILOU") & set(pickup.ALPHABET)
    codes = {pickup.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == pickup.CODE_LENGTH and set(c) <= set(pickup.ALPHABET) for c in codes)


@given(st.text(alphabet=pickup.ALPHABET, min_size=8, max_size=8))
def test_a_code_is_read_back_however_it_is_typed(code):
    shown = pickup.display(code)
    assert pickup.normalise(shown) == code
    assert pickup.normalise(shown.lower()) == code
    assert pickup.normalise(f"  {code[:4]} {code[4:]} ") == code
    assert pickup.normalise(f"PICKUP:{code}") == code
    confused = code.replace("0", "O").replace("1", "l")
    assert pickup.normalise(confused) == code


def test_things_that_are_not_codes():
    for raw in ("", "ABC", "ABCDEFGHJ", "ABCD-EFG!", "ÄBCD2345"):
        assert pickup.normalise(raw) is None


def request(lines: list[tuple[int, int]], **changes) -> OrderRequest:
    base = OrderRequest(
        channel=SalesChannel.APP,
        lines=tuple(RequestedLine(v, q) for v, q in lines),
        mode=FulfillmentMode.PICKUP,
        pickup_location_id=1,
    )
    return OrderRequest(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **changes})


def test_problems_are_all_reported_with_their_fields():
    found = order_requests.problems(
        request([(1, 0), (2, 1000)], pickup_location_id=None, points_to_redeem=-1, idempotency_key="x" * 101)
    )
    fields = [tuple(e.field or ()) for e in found]
    assert fields == [
        ("lines", "0", "quantity"),
        ("lines", "1", "quantity"),
        ("pickupStoreId",),
        ("pointsToRedeem",),
        ("idempotencyKey",),
    ]
    assert {e.code for e in found} == {ErrorCode.INVALID_INPUT}
    address = Address("", "13800138000", "road", "Shanghai", GeoPoint(31.2, 121.4))
    express = request([(1, 1)], mode=FulfillmentMode.EXPRESS, pickup_location_id=None, address=address)
    assert [e.field for e in order_requests.problems(express)] == [["shippingAddress", "recipient"]]


def test_shipping_phones_are_numbers_a_courier_can_dial():
    """Issue 14 item 13: emoji, letters and control characters are not a phone number."""
    for phone, ok in [
        ("13800138000", True),
        ("+86 138-0013-8000", True),
        ("(021) 6432 1234", True),
        ("1380013800\U0001f600", False),
        ("call me", False),
        ("1234", False),
        ("\uff11\uff13\uff18" + "0" * 8, False),  # full-width digits
        ("138\x0b00138000", False),
    ]:
        address = Address("Li Lei", phone, "1 Road", "Shanghai", GeoPoint(31.2, 121.4))
        express = request([(1, 1)], mode=FulfillmentMode.EXPRESS, pickup_location_id=None, address=address)
        assert (order_requests.problems(express) == []) is ok, phone


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 9)), min_size=1, max_size=6), st.randoms())
def test_the_fingerprint_ignores_line_order_and_splitting(lines, rnd):
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    assert order_requests.fingerprint(request(lines)) == order_requests.fingerprint(request(shuffled))
    more = [*lines[:-1], (lines[-1][0], lines[-1][1] + 1)]
    assert order_requests.fingerprint(request(lines)) != order_requests.fingerprint(request(more))


def test_the_fingerprint_tells_different_requests_apart():
    base = request([(1, 1)])
    assert order_requests.fingerprint(base) != order_requests.fingerprint(request([(1, 1)], pickup_location_id=2))
    assert order_requests.fingerprint(base) != order_requests.fingerprint(request([(1, 1)], member_id=4))
    assert order_requests.fingerprint(base) == order_requests.fingerprint(request([(1, 1)], idempotency_key="k"))


@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)), max_size=12))
def test_holds_are_merged_and_always_taken_in_one_global_order(raw):
    holds = [Hold(loc, var, q) for loc, var, q in raw]
    ordered = lock_order(holds)
    keys = [(h.location_id, h.variant_id) for h in ordered]
    assert keys == sorted(set(keys))
    assert sum(h.quantity for h in ordered) == sum(h.quantity for h in holds)
    assert lock_order(reversed(holds)) == ordered  # opposite line order, same lock order


def test_movements_mirror_the_level_changes():
    holds = [Hold(1, 5, 2)]
    after = [StockLevel(1, 5, on_hand=8, reserved=0)]
    sale = movements(MovementReason.SALE, holds, after, "SO1")[0]
    assert (sale.on_hand_delta, sale.reserved_delta, sale.on_hand_after, sale.reference) == (-2, -2, 8, "SO1")
    reserve = movements(MovementReason.RESERVATION, holds, [StockLevel(1, 5, 10, 2)])[0]
    assert (reserve.on_hand_delta, reserve.reserved_delta) == (0, 2)
    release = movements(MovementReason.RELEASE, holds, [StockLevel(1, 5, 10, 0)])[0]
    assert (release.on_hand_delta, release.reserved_delta) == (0, -2)


def _store(i: int, lat: float, modes=frozenset({FulfillmentMode.PICKUP})) -> Location:
    return Location(i, f"S{i:02d}", f"Store {i}", LocationKind.STORE, GeoPoint(lat, 121.47), modes)


def test_shortages_and_the_nearest_stores_that_have_everything():
    origin = _store(1, 31.20)
    assert [s.index for s in shortages([(10, 2), (11, 1), (12, 5)], {10: 2, 12: 4})] == [1, 2]
    network = [
        (origin, {10: 9, 11: 9}),
        (_store(2, 31.30), {10: 5, 11: 5}),
        (_store(3, 31.22), {10: 5}),
        (_store(4, 31.25), {10: 2, 11: 1}),
        (_store(5, 31.21, frozenset({FulfillmentMode.EXPRESS})), {10: 9, 11: 9}),  # no pickup counter
    ]
    found = stores_that_have([(10, 2), (11, 1)], network, origin)
    assert [loc.code for loc, _ in found] == ["S04", "S02"]
    assert found[0][1] < found[1][1]


def test_the_stores_making_a_sale_are_the_pickup_store_or_every_location_a_delivery_ships_from():
    pickup = request([(1, 1)], pickup_location_id=4)
    express = request([(1, 1), (2, 1)], mode=FulfillmentMode.EXPRESS, pickup_location_id=None)
    one = [order_requests.ShipmentDraft(7, ())]
    two = [order_requests.ShipmentDraft(9, ()), order_requests.ShipmentDraft(7, ())]
    assert order_requests.selling_stores(pickup, one) == (4,)
    assert order_requests.selling_stores(express, two) == (7, 9)
    # where a coupon's use is recorded: pickup store, else the till's store, else the only location
    assert order_requests.store_of_record(pickup, 3, one) == 4
    assert order_requests.store_of_record(express, 3, two) == 3
    assert order_requests.store_of_record(express, None, one) == 7
    assert order_requests.store_of_record(express, None, two) is None
