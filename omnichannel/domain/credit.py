"""The credit split: which team a sale is credited to, the selling store's or the online team.

Rules (MISSION capability 5). Till sales (STORE_POS) and clerk-pad orders (CLERK_PAD) credit the
store that made the sale 100%. An online order (MINI_PROGRAM, APP) credits each store that
fulfils part of it (collected there, or shipped from there) `store_share` of that part, and the
online team the rest; parts shipped from a regional warehouse credit the online team 100%.

Arithmetic: what was paid is spread over the fulfilment lines by their value (to the cent, the
remainder to the last line); a store's part is rounded down to the cent and the online team takes
what is left, so the amounts always sum to the order's total exactly. Shares are the rule's
fractions of the order's value, to 6 places, the last party (the online team when it has a part)
taking the rest so they sum to exactly 1. A refund reduces the credit the same way: the split is
recomputed on what is left paid on each line, and the difference is the reversal; a full refund
brings every party's credit back to exactly 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from .allocation import cents, money, split_by_weights
from .catalog import SalesChannel
from .order_access import STAFF_CHANNELS

DEFAULT_STORE_SHARE = Decimal("0.3")
SHARE_PLACES = Decimal("0.000001")
ONLINE = None  # the online team has no store
PAID = "paid"  # the cause of the credit written at payment (the split Order.creditSplit shows)


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One fulfilment line: where it is fulfilled from and its value (quantity x unit price)."""

    location_id: int
    from_store: bool  # False: a regional warehouse
    variant_id: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class SalesCredit:
    location_id: int | None  # None: the online team
    share: Decimal
    amount: Decimal


def check_store_share(value: Decimal) -> Decimal:
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"the store credit share must be between 0 and 1, got {value}")
    return value


def _party_order(parties: set[int | None]) -> list[int | None]:
    return sorted(p for p in parties if p is not None) + ([ONLINE] if ONLINE in parties else [])


def credit_split(
    *,
    channel: SalesChannel,
    selling_store_id: int | None,
    lines: Sequence[CreditLine],
    paid: Decimal,
    store_share: Decimal,
    refunded_by_variant: Mapping[int, Decimal] | None = None,
) -> list[SalesCredit]:
    """Each party's credit for what is paid (less what was refunded, by variant), parties in a stable order:
    stores by id, then the online team."""
    if channel in STAFF_CHANNELS and selling_store_id is not None:
        kept = paid - sum((refunded_by_variant or {}).values(), Decimal(0))
        return [SalesCredit(selling_store_id, Decimal(1), money(max(cents(kept), 0)))]
    if not lines:
        return [SalesCredit(ONLINE, Decimal(1), money(cents(paid)))]
    paid_cents = split_by_weights(cents(paid), [cents(line.value) for line in lines])
    net_cents = _less_refunds(lines, paid_cents, refunded_by_variant or {})
    amounts: dict[int | None, int] = {}
    weights: dict[int | None, Decimal] = {}
    total_value = sum((line.value for line in lines), Decimal(0))
    for line, net in zip(lines, net_cents, strict=True):
        fraction = line.value / total_value if total_value else Decimal(0)
        if line.from_store:
            store_part = int((Decimal(net) * store_share).to_integral_value(rounding=ROUND_DOWN))
            amounts[line.location_id] = amounts.get(line.location_id, 0) + store_part
            amounts[ONLINE] = amounts.get(ONLINE, 0) + net - store_part
            weights[line.location_id] = weights.get(line.location_id, Decimal(0)) + fraction * store_share
            weights[ONLINE] = weights.get(ONLINE, Decimal(0)) + fraction * (1 - store_share)
        else:
            amounts[ONLINE] = amounts.get(ONLINE, 0) + net
            weights[ONLINE] = weights.get(ONLINE, Decimal(0)) + fraction
    parties = _party_order(set(amounts))
    shares = [weights[p].quantize(SHARE_PLACES, rounding=ROUND_DOWN) for p in parties[:-1]]
    shares.append(Decimal(1) - sum(shares, Decimal(0)))
    return [SalesCredit(p, s.normalize(), money(amounts[p])) for p, s in zip(parties, shares, strict=True)]


def _less_refunds(lines: Sequence[CreditLine], paid_cents: list[int], refunded: Mapping[int, Decimal]) -> list[int]:
    """What is left paid on each line once each variant's refunds are spread over its lines."""
    net = list(paid_cents)
    for variant_id, amount in refunded.items():
        indexes = [i for i, line in enumerate(lines) if line.variant_id == variant_id]
        if not indexes:
            continue
        given_back = min(cents(amount), sum(paid_cents[i] for i in indexes))
        for i, part in zip(indexes, split_by_weights(given_back, [paid_cents[i] for i in indexes]), strict=True):
            net[i] -= part
    return net


def changes(before: Sequence[SalesCredit], after: Sequence[SalesCredit]) -> list[SalesCredit]:
    """The reversal entries (amount after - before, per party; zero changes left out)."""
    old = {c.location_id: c.amount for c in before}
    new = {c.location_id: c.amount for c in after}
    return [
        SalesCredit(p, Decimal(0), new.get(p, Decimal("0.00")) - old.get(p, Decimal("0.00")))
        for p in _party_order(set(old) | set(new))
        if new.get(p, Decimal(0)) != old.get(p, Decimal(0))
    ]
