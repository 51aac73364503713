"""The credit split: store and online team shares that sum to 1, amounts to the total, refunds the same way."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.credit import CreditLine, SalesCredit, changes, credit_split

SHARE = Decimal("0.3")


def test_a_till_sale_credits_the_selling_store_in_full():
    split = credit_split(
        channel=SalesChannel.STORE_POS,
        selling_store_id=4,
        lines=[CreditLine(4, True, 1, Decimal("99.00"))],
        paid=Decimal("89.10"),
        store_share=SHARE,
    )
    assert split == [SalesCredit(4, Decimal(1), Decimal("89.10"))]


def test_a_clerk_pad_order_shipped_from_a_warehouse_still_credits_the_clerks_store():
    split = credit_split(
        channel=SalesChannel.CLERK_PAD,
        selling_store_id=2,
        lines=[CreditLine(50, False, 1, Decimal("10"))],
        paid=Decimal("10.00"),
        store_share=SHARE,
    )
    assert split == [SalesCredit(2, Decimal(1), Decimal("10.00"))]


def test_an_online_pickup_credits_the_store_its_share_and_the_online_team_the_rest():
    split = credit_split(
        channel=SalesChannel.MINI_PROGRAM,
        selling_store_id=None,
        lines=[CreditLine(3, True, 1, Decimal("100.00"))],
        paid=Decimal("99.99"),
        store_share=SHARE,
    )
    assert split == [
        SalesCredit(3, Decimal("0.3"), Decimal("29.99")),
        SalesCredit(None, Decimal("0.7"), Decimal("70.00")),
    ]


def test_a_split_delivery_credits_each_store_for_its_part_and_the_warehouse_part_to_online():
    lines = [CreditLine(3, True, 1, Decimal("200.00")), CreditLine(9, False, 2, Decimal("100.00"))]
    split = credit_split(
        channel=SalesChannel.APP, selling_store_id=None, lines=lines, paid=Decimal("270.00"), store_share=SHARE
    )
    # 180 paid on the store's part (30%: 54.00), 90 on the warehouse's
    assert split == [
        SalesCredit(3, Decimal("0.2"), Decimal("54.00")),
        SalesCredit(None, Decimal("0.8"), Decimal("216.00")),
    ]


money = st.decimals(min_value=Decimal("0"), max_value=Decimal("3000"), places=2)


@st.composite
def sales(draw):
    lines = [
        CreditLine(draw(st.integers(1, 4)), draw(st.booleans()), draw(st.integers(1, 5)), draw(money))
        for _ in range(draw(st.integers(1, 6)))
    ]
    total = sum(line.value for line in lines)
    paid = draw(st.decimals(min_value=Decimal("0"), max_value=total, places=2))
    channel = draw(st.sampled_from(list(SalesChannel)))
    share = draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=3))
    return channel, lines, paid, share


@settings(max_examples=200, deadline=None)
@given(sales())
def test_shares_sum_to_one_and_amounts_to_the_total(sale):
    channel, lines, paid, share = sale
    split = credit_split(channel=channel, selling_store_id=7, lines=lines, paid=paid, store_share=share)
    assert sum(c.share for c in split) == 1
    assert sum(c.amount for c in split) == paid
    assert all(c.amount >= 0 and 0 <= c.share <= 1 for c in split)
    assert all(c.amount == c.amount.quantize(Decimal("0.01")) for c in split)
    assert len({c.location_id for c in split}) == len(split)


@settings(max_examples=200, deadline=None)
@given(sales(), st.data())
def test_refunds_reduce_credit_the_same_way_and_a_full_refund_leaves_nothing(sale, data):
    channel, lines, paid, share = sale
    kwargs = {"channel": channel, "selling_store_id": 7, "lines": lines, "store_share": share, "paid": paid}
    credited = credit_split(**kwargs)
    ledger = {c.location_id: c.amount for c in credited}
    refunded: dict[int, Decimal] = {}
    variants = sorted({line.variant_id for line in lines})
    for _ in range(data.draw(st.integers(0, 3))):
        variant = data.draw(st.sampled_from(variants))
        refunded[variant] = refunded.get(variant, Decimal(0)) + data.draw(money)
        after = credit_split(**kwargs, refunded_by_variant=refunded)
        for change in changes(credited, after):
            assert change.amount <= 0
            ledger[change.location_id] = ledger.get(change.location_id, Decimal(0)) + change.amount
        credited = after
        now = {c.location_id: c.amount for c in after}
        assert all(ledger[party] == now.get(party, Decimal(0)) for party in ledger)
    everything = dict.fromkeys(variants, paid)
    for change in changes(credited, credit_split(**kwargs, refunded_by_variant=everything)):
        ledger[change.location_id] += change.amount
    assert set(ledger.values()) <= {Decimal("0.00")}
