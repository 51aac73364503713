"""Commission for clerks: rules by head office, one entry per attributed order when paid, reversals.

Rules. A rule pays `rate_percent` of what was paid, limited to channels and categories (empty: all)
and to a validity window; head office ends a rule, never edits it. When an order attributed to a
clerk (a clerk-pad order, a till sale) is paid, what was paid is spread over its lines by their
value (domain.allocation: to the cent, the remainder to the last line); each line earns at the
highest rate among the rules active at payment that match the order's channel and one of the
line's categories (a tie goes to the older rule); the line figures are summed exactly and rounded
once, half up, to the cent: that is the EARNED entry (0.00 when no rule matched, so the clerk's
sales still count). Each line's base, rule and rate are kept with the entry, so a rule ended or a
new rule created later never changes an entry already written.

Giving money back reverses the share given back: after each refund the commission still owed is
recomputed from what is left paid on each line (rounded once), and the REVERSED entry is the
difference. A full refund or a cancellation therefore brings the order's entries to exactly 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .access import Principal, Role, require_role
from .allocation import CENT, round_cent, split_money
from .catalog import SalesChannel
from .errors import DomainError, ErrorCode

MAX_RATE = Decimal(100)
MAX_NAME = 120
MAX_CATEGORIES = 100
HUNDRED = Decimal(100)


class EntryKind(StrEnum):
    EARNED = "EARNED"
    REVERSED = "REVERSED"


@dataclass(frozen=True, slots=True)
class CommissionRule:
    id: int
    name: str
    rate_percent: Decimal
    channels: frozenset[SalesChannel]  # empty: every channel
    category_ids: frozenset[int]  # empty: every category
    valid_from: datetime | None
    valid_until: datetime | None
    ended_at: datetime | None
    created_at: datetime

    def active_at(self, at: datetime) -> bool:
        return (
            (self.valid_from is None or self.valid_from <= at)
            and (self.valid_until is None or at < self.valid_until)
            and (self.ended_at is None or at < self.ended_at)
        )

    def matches(self, channel: SalesChannel, category_ids: frozenset[int], at: datetime) -> bool:
        return (
            self.active_at(at)
            and (not self.channels or channel in self.channels)
            and (not self.category_ids or bool(self.category_ids & category_ids))
        )


@dataclass(frozen=True, slots=True)
class Entry:
    """One commission entry (negative amount and sales for REVERSED)."""

    id: int
    staff_id: int
    location_id: int | None
    order_id: int
    kind: EntryKind
    amount: Decimal
    sales: Decimal
    rule_id: int | None
    reference: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SummaryRow:
    staff_id: int
    orders: int
    sales: Decimal
    commission: Decimal


@dataclass(frozen=True, slots=True)
class NewRule:
    """A rule as head office asks for it, checked."""

    name: str
    rate_percent: Decimal
    channels: frozenset[SalesChannel]
    category_ids: tuple[int, ...]
    valid_from: datetime | None
    valid_until: datetime | None


def check_may_manage_rules(principal: Principal) -> None:
    require_role(principal, Role.HQ_ADMIN)


def new_rule(
    *,
    name: str,
    rate_percent: Decimal,
    channels: Sequence[SalesChannel],
    category_ids: Sequence[int],
    valid_from: datetime | None,
    valid_until: datetime | None,
) -> NewRule:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME or "\x00" in cleaned:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Give the rule a name of 1 to {MAX_NAME} characters.", ["name"])
    if not rate_percent.is_finite() or not Decimal(0) < rate_percent <= MAX_RATE:
        raise DomainError(ErrorCode.INVALID_INPUT, "The rate is a percentage above 0 and at most 100.", ["ratePercent"])
    if rate_percent != rate_percent.quantize(Decimal("0.0001")):
        raise DomainError(ErrorCode.INVALID_INPUT, "The rate has at most 4 decimal places.", ["ratePercent"])
    if len(category_ids) > MAX_CATEGORIES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {MAX_CATEGORIES} categories.", ["categoryIds"])
    if valid_from is not None and valid_until is not None and valid_from >= valid_until:
        raise DomainError(ErrorCode.INVALID_INPUT, "validFrom must come before validUntil.", ["validUntil"])
    return NewRule(
        cleaned,
        rate_percent,
        frozenset(channels),
        tuple(dict.fromkeys(category_ids)),
        valid_from,
        valid_until,
    )


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One order line as commission sees it: its value (quantity x unit price) and its categories."""

    position: int
    value: Decimal
    category_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class LineCommission:
    """What one line earned: its share of what was paid, the rule applied, the exact (unrounded) figure."""

    position: int
    base: Decimal
    rule_id: int | None
    rate_percent: Decimal
    exact: Decimal


@dataclass(frozen=True, slots=True)
class Earning:
    lines: tuple[LineCommission, ...]
    sales: Decimal  # what was paid
    amount: Decimal  # the EARNED entry: sum of the lines' exact figures, half up to the cent

    @property
    def rule_id(self) -> int | None:
        """The rule that earned most of it (None when no rule matched)."""
        earning = [line for line in self.lines if line.rule_id is not None]
        if not earning:
            return None
        return max(earning, key=lambda line: (line.exact, line.rate_percent, -(line.rule_id or 0))).rule_id


def best_rule(
    rules: Sequence[CommissionRule], channel: SalesChannel, category_ids: frozenset[int], at: datetime
) -> CommissionRule | None:
    """The highest rate among the matching rules active at `at`; the older rule on a tie."""
    matching = [r for r in rules if r.matches(channel, category_ids, at)]
    return max(matching, key=lambda r: (r.rate_percent, -r.id), default=None)


def earn(
    *, channel: SalesChannel, lines: Sequence[SaleLine], paid: Decimal, rules: Sequence[CommissionRule], at: datetime
) -> Earning:
    if not lines:
        raise ValueError("an order has lines")
    bases = split_money(paid, [line.value for line in lines])
    computed = []
    for line, base in zip(lines, bases, strict=True):
        rule = best_rule(rules, channel, line.category_ids, at)
        rate = rule.rate_percent if rule is not None else Decimal(0)
        computed.append(LineCommission(line.position, base, rule.id if rule else None, rate, base * rate / HUNDRED))
    return Earning(tuple(computed), paid, round_cent(sum((c.exact for c in computed), Decimal(0))))


def owed_after_refunds(lines: Sequence[LineCommission], refunded: Mapping[int, Decimal]) -> Decimal:
    """The commission still owed when `refunded[position]` (cumulative) has been given back on each line."""
    exact = Decimal(0)
    for line in lines:
        given_back = min(max(refunded.get(line.position, Decimal(0)), Decimal(0)), line.base)
        if line.base > 0:
            exact += line.exact * (line.base - given_back) / line.base
    return round_cent(exact)


def reversal(earned: Decimal, reversed_so_far: Decimal, owed_now: Decimal) -> Decimal:
    """The REVERSED entry (negative or 0) that brings the order's entries to what is owed now.

    reversed_so_far is the sum of earlier REVERSED entries (<= 0). Never reverses more than was earned.
    """
    still_counted = earned + reversed_so_far
    owed = min(max(owed_now, Decimal(0)), earned)
    return (owed - still_counted).quantize(CENT) if owed < still_counted else Decimal("0.00")


def refunded_by_line(lines: Sequence[LineCommission], amount: Decimal) -> dict[int, Decimal]:
    """A refund given as one amount (no lines): spread over the lines by what was paid on each."""
    parts = split_money(amount, [line.base for line in lines])
    return {line.position: part for line, part in zip(lines, parts, strict=True)}
