"""The store floor's bookkeeping of a sale, in the transaction that pays, cancels or refunds the order.

- paid: the credit split is recorded (domain.credit), the recommendation aggregates count the
  order, and an order attributed to a clerk earns its one EARNED commission entry (domain.commission);
- cancelled after payment: the credit goes back to 0 for every party, the aggregates forget the
  order, the commission still counted is REVERSED;
- refunded (whole or by lines): credit and commission are recomputed on what is left paid and the
  differences written as reversals.

Every write is keyed by the order and its cause (the payment, the cancellation, the refund's
reference), so a fact handled twice writes nothing the second time. Each function takes the open
transaction's connection: the order's unit of work calls them before COMMIT.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from ..domain.allocation import split_money
from ..domain.commission import EntryKind, LineCommission, SaleLine, earn, owed_after_refunds, reversal
from ..domain.credit import CreditLine, SalesCredit, changes, credit_split
from ..persistence.repositories import commission as commission_repo
from ..persistence.repositories import credit as credit_repo
from ..persistence.repositories import floor_sales
from ..persistence.repositories import recommendations as aggregates

PAID = credit_repo.PAID
CANCELLED = "cancelled"


def _credit_lines(facts: floor_sales.SaleFacts, stores: set[int]) -> list[CreditLine]:
    return [
        CreditLine(line.location_id, line.location_id in stores, line.variant_id, line.unit_price * line.quantity)
        for line in facts.lines
    ]


async def order_paid(conn: BaseDBAsyncClient, order_id: int, *, at: datetime, store_share: Decimal) -> None:
    if await credit_repo.store_share_used(conn, order_id) is not None:
        return  # booked already: a payment is booked once
    facts = await floor_sales.facts(conn, order_id)
    if facts is None:
        return
    stores = await floor_sales.store_locations(conn, sorted({line.location_id for line in facts.lines}))
    split = credit_split(
        channel=facts.channel,
        selling_store_id=facts.placed_at_location_id,
        lines=_credit_lines(facts, stores),
        paid=facts.total,
        store_share=store_share,
    )
    await credit_repo.record(conn, order_id, split, store_share=store_share, reference=PAID, at=at)
    await aggregates.keep_paid_order(conn, order_id, facts.member_id, at)
    if facts.attributed_staff_id is None or not facts.lines:
        return
    categories = await floor_sales.categories(conn, sorted({line.variant_id for line in facts.lines}))
    earning = earn(
        channel=facts.channel,
        lines=[
            SaleLine(i, line.unit_price * line.quantity, categories[line.variant_id])
            for i, line in enumerate(facts.lines)
        ],
        paid=facts.total,
        rules=await commission_repo.rules(conn=conn),
        at=at,
    )
    await commission_repo.CommissionStore(conn).earned(
        staff_id=facts.attributed_staff_id,
        location_id=facts.placed_at_location_id,
        order_id=order_id,
        earning=earning,
        reference=PAID,
        at=at,
    )


async def order_cancelled(conn: BaseDBAsyncClient, order_id: int, *, member_id: int | None, at: datetime) -> None:
    """A paid order cancelled (its status already CANCELLED in this transaction); nothing for an unpaid one."""
    if await credit_repo.store_share_used(conn, order_id) is None:
        return
    now = await credit_repo.current(conn, order_id)
    back = [SalesCredit(c.location_id, Decimal(0), -c.amount) for c in now if c.amount]
    await credit_repo.record(conn, order_id, back, store_share=Decimal(0), reference=CANCELLED, at=at)
    await aggregates.forget_paid_order(conn, order_id, member_id)
    await _reverse_commission(conn, order_id, owed=Decimal(0), refunded_total=None, reference=CANCELLED, at=at)


async def order_refunded(
    conn: BaseDBAsyncClient,
    order_id: int,
    *,
    refunded_by_variant: Mapping[int, Decimal],
    reference: str,
    at: datetime,
) -> None:
    """A refund succeeded. refunded_by_variant: everything refunded on the order so far (this refund
    included), by variant; reference: the refund's own (a repeated notice writes nothing)."""
    store_share = await credit_repo.store_share_used(conn, order_id)
    facts = await floor_sales.facts(conn, order_id)
    if store_share is None or facts is None:
        return
    stores = await floor_sales.store_locations(conn, sorted({line.location_id for line in facts.lines}))
    after = credit_split(
        channel=facts.channel,
        selling_store_id=facts.placed_at_location_id,
        lines=_credit_lines(facts, stores),
        paid=facts.total,
        store_share=store_share,
        refunded_by_variant=refunded_by_variant,
    )
    before = await credit_repo.current(conn, order_id)
    await credit_repo.record(
        conn, order_id, changes(before, after), store_share=store_share, reference=reference, at=at
    )
    store = commission_repo.CommissionStore(conn)
    earned = next((e for e in await store.of_order(order_id) if e.kind is EntryKind.EARNED), None)
    if earned is None:
        return
    lines = [
        LineCommission(position, base, rule_id, rate, base * rate / 100)
        for position, base, rule_id, rate in await store.lines_of(earned.id)
    ]
    refunded = _by_position(facts, lines, refunded_by_variant)
    await _reverse_commission(
        conn,
        order_id,
        owed=owed_after_refunds(lines, refunded),
        refunded_total=min(sum(refunded.values(), Decimal(0)), earned.sales),
        reference=reference,
        at=at,
    )


def _by_position(
    facts: floor_sales.SaleFacts, lines: list[LineCommission], refunded_by_variant: Mapping[int, Decimal]
) -> dict[int, Decimal]:
    """Each variant's refunds spread over its lines by what was paid on each (capped at that)."""
    base = {line.position: line.base for line in lines}
    refunded: dict[int, Decimal] = {}
    for variant_id, amount in refunded_by_variant.items():
        positions = [i for i, line in enumerate(facts.lines) if line.variant_id == variant_id and i in base]
        if not positions:
            continue
        capped = min(amount, sum((base[i] for i in positions), Decimal(0)))
        for i, part in zip(positions, split_money(capped, [base[i] for i in positions]), strict=True):
            refunded[i] = min(base[i], part)
    return refunded


async def _reverse_commission(
    conn: BaseDBAsyncClient,
    order_id: int,
    *,
    owed: Decimal,
    refunded_total: Decimal | None,
    reference: str,
    at: datetime,
) -> None:
    """Write the REVERSED entry that brings the order's commission to `owed` (none when nothing changes).

    refunded_total: what has been given back on the order so far (None: everything, a cancellation).
    """
    store = commission_repo.CommissionStore(conn)
    entries = await store.of_order(order_id)
    earned = next((e for e in entries if e.kind is EntryKind.EARNED), None)
    if earned is None:
        return
    reversed_entries = [e for e in entries if e.kind is EntryKind.REVERSED]
    so_far = sum((e.amount for e in reversed_entries), Decimal(0))
    sales_so_far = sum((e.sales for e in reversed_entries), Decimal(0))  # <= 0
    given_back = earned.sales if refunded_total is None else refunded_total
    amount = reversal(earned.amount, so_far, owed)
    sales = -(given_back + sales_so_far)
    if amount == 0 and sales == 0:
        return
    await store.reversed(entry=earned, amount=amount, sales=min(sales, Decimal(0)), reference=reference, at=at)
