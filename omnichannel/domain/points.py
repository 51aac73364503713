"""The points ledger: append-only entries whose sum is the balance, which never goes below zero.

Every credit (earn, positive adjustment, returned points) is a *lot* that expires on its own date;
every debit (redeem, negative adjustment, clawback, expiry) consumes lots, soonest to expire first.
So at any moment: balance == sum of entries == sum of what is left of the lots, and balance >= 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .errors import DomainError, ErrorCode
from .loyalty import LoyaltyRules

MAX_REASON_LENGTH = 200
MAX_ADJUSTMENT = 10_000_000


class EntryKind(StrEnum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    REVERSE = "REVERSE"
    EXPIRE = "EXPIRE"
    ADJUST = "ADJUST"


@dataclass(frozen=True, slots=True)
class Lot:
    entry_id: int
    remaining: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PointsAccount:
    member_id: int
    balance: int
    lots: tuple[Lot, ...] = ()  # open lots (remaining > 0)

    def after(self, posting: Posting, new_entry_id: int) -> PointsAccount:
        """The account once a posting is written (new_entry_id: the id the new entry got)."""
        updates = dict(posting.lot_updates)
        lots = [replace(lot, remaining=updates.get(lot.entry_id, lot.remaining)) for lot in self.lots]
        entry = posting.entry
        if entry.points > 0:
            assert entry.expires_at is not None
            lots.append(Lot(new_entry_id, entry.points, entry.expires_at))
        return PointsAccount(self.member_id, posting.balance_after, tuple(lot for lot in lots if lot.remaining > 0))


@dataclass(frozen=True, slots=True)
class NewEntry:
    kind: EntryKind
    points: int  # positive credits, negative debits
    reason: str
    order_id: int | None = None
    key: str | None = None  # idempotency: an entry with the same key is posted once, ever
    expires_at: datetime | None = None  # credits: when what is left of them expires
    spend: Decimal = Decimal(0)  # the purchase behind an earn (negative for its reversal), for tiers


@dataclass(frozen=True, slots=True)
class Posting:
    entry: NewEntry
    lot_updates: tuple[tuple[int, int], ...]  # (lot entry id, remaining after)
    balance_after: int


@dataclass(frozen=True, slots=True)
class PointsEntry:
    """A written ledger entry, as members and head office read it."""

    id: int
    member_id: int
    kind: EntryKind
    points: int
    reason: str
    order_id: int | None
    created_at: datetime
    expires_at: datetime | None
    remaining: int


def earn_key(order_id: int) -> str:
    return f"earn:order:{order_id}"


def redeem_key(order_id: int) -> str:
    return f"redeem:order:{order_id}"


def reverse_earn_key(order_id: int) -> str:
    return f"reverse-earn:order:{order_id}"


def reverse_redeem_key(order_id: int) -> str:
    return f"reverse-redeem:order:{order_id}"


def check_reason(reason: str, field: str = "reason") -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise DomainError(ErrorCode.INVALID_INPUT, "Say why the points change (reason is empty).", [field])
    if len(cleaned) > MAX_REASON_LENGTH:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Reason must be at most {MAX_REASON_LENGTH} characters.", [field])
    return cleaned


def credit(
    account: PointsAccount,
    kind: EntryKind,
    points: int,
    reason: str,
    *,
    now: datetime,
    rules: LoyaltyRules,
    order_id: int | None = None,
    key: str | None = None,
    spend: Decimal = Decimal(0),
) -> Posting:
    """Add points as a new lot expiring by the rules' policy."""
    if points <= 0:
        raise ValueError("a credit must add points")
    entry = NewEntry(kind, points, reason, order_id, key, rules.expiry_for(now), spend)
    return Posting(entry, (), account.balance + points)


def debit(
    account: PointsAccount,
    kind: EntryKind,
    points: int,
    reason: str,
    *,
    order_id: int | None = None,
    key: str | None = None,
    spend: Decimal = Decimal(0),
    partial: bool = False,
    prefer_lot: int | None = None,
) -> Posting:
    """Take points from the lots, soonest to expire first (prefer_lot first of all).

    Refuses with INSUFFICIENT_POINTS when the balance is short, unless partial: then it takes
    what there is (a clawback never drives the balance below zero).
    """
    if points <= 0:
        raise ValueError("a debit must take points")
    if points > account.balance:
        if not partial:
            raise DomainError(
                ErrorCode.INSUFFICIENT_POINTS,
                f"Only {account.balance} points are available; {points} were asked for.",
                ["points"],
            )
        points = account.balance
    order = sorted(account.lots, key=lambda lot: (lot.entry_id != prefer_lot, lot.expires_at, lot.entry_id))
    updates, left = _consume(order, points)
    if left:
        raise AssertionError(f"lots of member {account.member_id} hold less than the balance")
    entry = NewEntry(kind, -points, reason, order_id, key, None, spend)
    return Posting(entry, updates, account.balance - points)


def expire_due(account: PointsAccount, now: datetime) -> Posting | None:
    """One EXPIRE entry for every lot whose date has come; None when nothing is due."""
    due = sorted((lot for lot in account.lots if lot.expires_at <= now), key=lambda lot: (lot.expires_at, lot.entry_id))
    points = sum(lot.remaining for lot in due)
    if points == 0:
        return None
    last = max(lot.expires_at for lot in due)
    updates = tuple((lot.entry_id, 0) for lot in due)
    entry = NewEntry(EntryKind.EXPIRE, -points, f"expired (points due by {last.date().isoformat()})")
    return Posting(entry, updates, account.balance - points)


def adjust(account: PointsAccount, delta: int, reason: str, *, now: datetime, rules: LoyaltyRules) -> Posting:
    """Head-office goodwill (delta > 0) or correction (delta < 0); never below zero."""
    cleaned = check_reason(reason)
    if delta == 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "An adjustment must change the balance (delta is 0).", ["delta"])
    if abs(delta) > MAX_ADJUSTMENT:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Delta must be within ±{MAX_ADJUSTMENT}.", ["delta"])
    if delta > 0:
        return credit(account, EntryKind.ADJUST, delta, cleaned, now=now, rules=rules)
    try:
        return debit(account, EntryKind.ADJUST, -delta, cleaned)
    except DomainError as error:
        raise DomainError(
            ErrorCode.INSUFFICIENT_POINTS,
            f"The balance is {account.balance}; an adjustment of {delta} would take it below zero.",
            ["delta"],
        ) from error


def _consume(lots: list[Lot], points: int) -> tuple[tuple[tuple[int, int], ...], int]:
    updates = []
    left = points
    for lot in lots:
        if left == 0:
            break
        take = min(lot.remaining, left)
        if take:
            updates.append((lot.entry_id, lot.remaining - take))
            left -= take
    return tuple(updates), left
