"""The store floor's bookkeeping of a sale: in-transaction handlers (registered in in_transaction.py).

- OrderPaid: the credit split is recorded (domain.credit), the recommendation aggregates count the
  order, and an order attributed to a clerk (a clerk-pad order, a till sale) earns its one EARNED
  commission entry (domain.commission);
- OrderCancelled after payment: every party's credit goes back to 0, the aggregates forget the
  order, the commission still counted is REVERSED;
- RefundSucceeded (whole or by lines): credit and commission are recomputed on what is left paid and
  the differences written as reversals.

They run in the order's own transaction after its row was locked, through the unit of work's
repositories (uow.sale_facts, uow.sales_credit, uow.commission, uow.purchase_counts). Every write
is keyed by the order and its cause (the payment, the cancellation, the refund), so a fact handled
twice writes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from ..domain.allocation import split_money
from ..domain.commission import EntryKind, LineCommission, SaleLine, earn, owed_after_refunds, reversal
from ..domain.credit import PAID, CreditLine, SalesCredit, changes, credit_split
from ..domain.events import OrderCancelled, OrderPaid, RefundSucceeded
from ..domain.ports import UnitOfWork
from ..domain.sale_facts import SaleFacts

CANCELLED = "cancelled"


def refund_cause(refund_id: int) -> str:
    return f"refund:{refund_id}"


async def _credit_lines(uow: UnitOfWork, facts: SaleFacts) -> list[CreditLine]:
    stores = await uow.sale_facts.store_locations(sorted({line.location_id for line in facts.lines}))
    return [
        CreditLine(line.location_id, line.location_id in stores, line.variant_id, line.unit_price * line.quantity)
        for line in facts.lines
    ]


async def book_payment(uow: UnitOfWork, event: OrderPaid, *, store_share: Decimal) -> None:
    order_id, at = event.order_id, event.at
    if await uow.sales_credit.store_share_used(order_id) is not None:
        return  # booked already: a payment is booked once
    facts = await uow.sale_facts.facts(order_id)
    if facts is None:
        return
    split = credit_split(
        channel=facts.channel,
        selling_store_id=facts.placed_at_location_id,
        lines=await _credit_lines(uow, facts),
        paid=facts.total,
        store_share=store_share,
    )
    await uow.sales_credit.record(order_id, split, store_share=store_share, reference=PAID, at=at)
    await uow.purchase_counts.count_paid_order(order_id, facts.member_id, at)
    if facts.attributed_staff_id is None or not facts.lines:
        return
    categories = await uow.sale_facts.categories(sorted({line.variant_id for line in facts.lines}))
    earning = earn(
        channel=facts.channel,
        lines=[
            SaleLine(i, line.unit_price * line.quantity, categories[line.variant_id])
            for i, line in enumerate(facts.lines)
        ],
        paid=facts.total,
        rules=await uow.commission.rules(),
        at=at,
    )
    await uow.commission.earned(
        staff_id=facts.attributed_staff_id,
        location_id=facts.placed_at_location_id,
        order_id=order_id,
        earning=earning,
        reference=PAID,
        at=at,
    )


async def book_cancellation(uow: UnitOfWork, event: OrderCancelled) -> None:
    """A paid order cancelled (CANCELLED in this transaction); nothing for an unpaid one."""
    order_id = event.order_id
    if await uow.sales_credit.store_share_used(order_id) is None:
        return
    now = await uow.sales_credit.current(order_id)
    back = [SalesCredit(c.location_id, Decimal(0), -c.amount) for c in now if c.amount]
    await uow.sales_credit.record(order_id, back, store_share=Decimal(0), reference=CANCELLED, at=event.at)
    await uow.purchase_counts.uncount_paid_order(order_id, event.member_id)
    await _reverse_commission(uow, order_id, owed=Decimal(0), refunded_total=None, reference=CANCELLED, at=event.at)


async def book_refund(uow: UnitOfWork, event: RefundSucceeded) -> None:
    """Credit and commission recomputed on what every succeeded refund of the order left paid."""
    await refunded(
        uow,
        event.order_id,
        refunded_by_variant={v.variant_id: v.amount for v in event.refunded_by_variant},
        reference=refund_cause(event.refund_id),
        at=event.at,
    )


async def refunded(
    uow: UnitOfWork, order_id: int, *, refunded_by_variant: Mapping[int, Decimal], reference: str, at: datetime
) -> None:
    """refunded_by_variant: everything refunded on the order so far, by variant; reference: the cause
    (the same cause twice writes nothing)."""
    store_share = await uow.sales_credit.store_share_used(order_id)
    facts = await uow.sale_facts.facts(order_id)
    if store_share is None or facts is None:
        return
    after = credit_split(
        channel=facts.channel,
        selling_store_id=facts.placed_at_location_id,
        lines=await _credit_lines(uow, facts),
        paid=facts.total,
        store_share=store_share,
        refunded_by_variant=refunded_by_variant,
    )
    before = await uow.sales_credit.current(order_id)
    await uow.sales_credit.record(order_id, changes(before, after), store_share=store_share, reference=reference, at=at)
    earned = next((e for e in await uow.commission.of_order(order_id) if e.kind is EntryKind.EARNED), None)
    if earned is None:
        return
    lines = await uow.commission.lines_of(earned.id)
    given_back = _by_position(facts, lines, refunded_by_variant)
    await _reverse_commission(
        uow,
        order_id,
        owed=owed_after_refunds(lines, given_back),
        refunded_total=min(sum(given_back.values(), Decimal(0)), earned.sales),
        reference=reference,
        at=at,
    )


def _by_position(
    facts: SaleFacts, lines: list[LineCommission], refunded_by_variant: Mapping[int, Decimal]
) -> dict[int, Decimal]:
    """Each variant's refunds spread over its lines by what was paid on each (capped at that)."""
    base = {line.position: line.base for line in lines}
    given_back: dict[int, Decimal] = {}
    for variant_id, amount in refunded_by_variant.items():
        positions = [i for i, line in enumerate(facts.lines) if line.variant_id == variant_id and i in base]
        if not positions:
            continue
        capped = min(amount, sum((base[i] for i in positions), Decimal(0)))
        for i, part in zip(positions, split_money(capped, [base[i] for i in positions]), strict=True):
            given_back[i] = min(base[i], part)
    return given_back


async def _reverse_commission(
    uow: UnitOfWork,
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
    entries = await uow.commission.of_order(order_id)
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
    await uow.commission.reversed(entry=earned, amount=amount, sales=min(sales, Decimal(0)), reference=reference, at=at)
