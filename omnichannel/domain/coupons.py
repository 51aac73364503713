"""Coupon templates, the coupons members claim from them, and when a coupon may be used.

The same rules decide at the till (redeemCoupon) and online (placeOrder's couponCodes): a coupon
is used at most once, inside its validity window, in its channels and stores, by its member.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .catalog import SalesChannel
from .errors import DomainError, ErrorCode
from .money import CENT
from .throttle import ThrottlePolicy

MAX_TITLE = 120
MAX_AMOUNT = Decimal(100_000)
MAX_QUANTITY = 10_000_000

# Wrong codes at the till: a clerk (and a store) guessing is locked out for a while.
GUESSES_PER_STAFF = ThrottlePolicy(max_failures=10, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
GUESSES_PER_STORE = ThrottlePolicy(max_failures=30, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
GUESSES_PER_MEMBER = ThrottlePolicy(max_failures=10, window=timedelta(minutes=15), lockout=timedelta(minutes=15))


class CouponKind(StrEnum):
    AMOUNT_OFF = "AMOUNT_OFF"
    PERCENT_OFF = "PERCENT_OFF"


class CouponStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"
    VOID = "VOID"


class AuditKind(StrEnum):
    """What the coupon audit trail records."""

    TEMPLATE_CREATED = "TEMPLATE_CREATED"
    TEMPLATE_ENDED = "TEMPLATE_ENDED"
    VOIDED = "VOIDED"
    CLAIMED = "CLAIMED"
    CLAIM_REFUSED = "CLAIM_REFUSED"
    USED = "USED"
    USE_REFUSED = "USE_REFUSED"
    RETURNED = "RETURNED"
    NOT_RETURNED_EXPIRED = "NOT_RETURNED_EXPIRED"
    MOVED_BY_MERGE = "MOVED_BY_MERGE"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One line of the coupon audit trail."""

    kind: AuditKind
    at: datetime
    template_id: int | None = None
    coupon_id: int | None = None
    member_id: int | None = None
    channel: SalesChannel | None = None
    store_id: int | None = None
    staff_id: int | None = None
    order_id: int | None = None
    code: str | None = None
    error_code: str | None = None
    detail: str = ""
    actor: str = ""
    id: int = 0


@dataclass(frozen=True, slots=True)
class Scope:
    """Which products something applies to: these categories or products; both empty means everything."""

    category_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()

    @property
    def everything(self) -> bool:
        return not self.category_ids and not self.product_ids

    def covers(self, product_id: int, category_ids: frozenset[int]) -> bool:
        """A scope names products, or categories: a product listed in a category or in one under it
        (`category_ids` are the product's listings with their ancestors) is covered."""
        return self.everything or product_id in self.product_ids or not self.category_ids.isdisjoint(category_ids)


@dataclass(frozen=True, slots=True)
class CouponTemplate:
    id: int
    title: str
    kind: CouponKind
    value: Decimal  # yuan off (AMOUNT_OFF) or percent (PERCENT_OFF)
    max_discount: Decimal | None  # PERCENT_OFF cap in yuan
    min_spend: Decimal | None  # on what the coupon's scope covers
    scope: Scope
    channels: frozenset[SalesChannel]  # empty: every channel
    store_ids: frozenset[int]  # empty: every store
    valid_from: datetime | None
    valid_until: datetime | None
    total_quantity: int | None
    per_member_limit: int | None
    issued_count: int = 0
    active: bool = True

    def allows_channel(self, channel: SalesChannel) -> bool:
        return not self.channels or channel in self.channels

    def allows_stores(self, store_ids: Collection[int]) -> bool:
        """Store-exclusive templates: every store making the sale must be one of theirs (none: refused)."""
        return not self.store_ids or (bool(store_ids) and all(s in self.store_ids for s in store_ids))

    def discount_on(self, eligible: Decimal) -> Decimal:
        """What this coupon takes off an eligible amount: never more than the amount itself."""
        if eligible <= 0:
            return Decimal("0.00")
        if self.kind is CouponKind.AMOUNT_OFF:
            off = self.value
        else:
            off = (eligible * self.value / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            if self.max_discount is not None:
                off = min(off, self.max_discount)
        return min(off, eligible).quantize(CENT)


@dataclass(frozen=True, slots=True)
class Coupon:
    id: int
    template_id: int
    member_id: int
    code: str  # canonical (coupon_codes.canonical)
    status: CouponStatus  # as stored; see status_at
    title: str
    claimed_at: datetime
    valid_from: datetime | None
    valid_until: datetime | None
    used_at: datetime | None = None
    order_id: int | None = None
    store_id: int | None = None

    def status_at(self, now: datetime) -> CouponStatus:
        """An active coupon past its window reads as EXPIRED without anyone having to update it."""
        if self.status is CouponStatus.ACTIVE and self.valid_until is not None and now >= self.valid_until:
            return CouponStatus.EXPIRED
        return self.status


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """A validated request for a new template."""

    title: str
    kind: CouponKind
    value: Decimal
    max_discount: Decimal | None
    min_spend: Decimal | None
    scope: Scope
    channels: frozenset[SalesChannel]
    store_ids: frozenset[int]
    valid_from: datetime | None
    valid_until: datetime | None
    total_quantity: int | None
    per_member_limit: int | None


def check_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned or len(cleaned) > MAX_TITLE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Title must be 1 to {MAX_TITLE} characters.", ["title"])
    return cleaned


def check_amount(value: Decimal | None, field: str, *, positive: bool = True) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or value > MAX_AMOUNT or value < 0 or (positive and value == 0):
        sign = "above 0" if positive else "0 or more"
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be {sign} and at most {MAX_AMOUNT}.", [field])
    if value != value.quantize(CENT):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be in whole cents.", [field])
    return value


def check_window(valid_from: datetime | None, valid_until: datetime | None, now: datetime) -> None:
    if valid_until is not None and valid_from is not None and valid_until <= valid_from:
        raise DomainError(ErrorCode.INVALID_INPUT, "validUntil must be after validFrom.", ["validUntil"])
    if valid_until is not None and valid_until <= now:
        raise DomainError(ErrorCode.INVALID_INPUT, "validUntil is already past.", ["validUntil"])


def _check_count(value: int | None, field: str) -> int | None:
    if value is not None and not (1 <= value <= MAX_QUANTITY):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be between 1 and {MAX_QUANTITY}.", [field])
    return value


def new_template(
    *,
    title: str,
    kind: CouponKind,
    value: Decimal,
    max_discount: Decimal | None,
    min_spend: Decimal | None,
    total_quantity: int | None,
    per_member_limit: int | None,
    channels: Iterable[SalesChannel],
    store_ids: Iterable[int],
    category_ids: Iterable[int],
    product_ids: Iterable[int],
    valid_from: datetime | None,
    valid_until: datetime | None,
    now: datetime,
) -> TemplateSpec:
    cleaned = check_title(title)
    if kind is CouponKind.AMOUNT_OFF:
        check_amount(value, "value")
        if max_discount is not None:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "maxDiscount applies to PERCENT_OFF coupons only.", ["maxDiscount"]
            )
    else:
        if not value.is_finite() or not (0 < value <= 100):
            raise DomainError(ErrorCode.INVALID_INPUT, "A percentage must be above 0 and at most 100.", ["value"])
        check_amount(max_discount, "maxDiscount")
    check_amount(min_spend, "minSpend", positive=False)
    check_window(valid_from, valid_until, now)
    return TemplateSpec(
        title=cleaned,
        kind=kind,
        value=value,
        max_discount=max_discount,
        min_spend=min_spend,
        scope=Scope(frozenset(category_ids), frozenset(product_ids)),
        channels=frozenset(channels),
        store_ids=frozenset(store_ids),
        valid_from=valid_from,
        valid_until=valid_until,
        total_quantity=_check_count(total_quantity, "totalQuantity"),
        per_member_limit=_check_count(per_member_limit, "perMemberLimit"),
    )


def check_claim(template: CouponTemplate, *, now: datetime, already_held: int) -> None:
    """May a member claim one more coupon of this template now? (Totals are also guarded in SQL.)"""
    if not template.active or (template.valid_until is not None and now >= template.valid_until):
        raise DomainError(ErrorCode.COUPON_NOT_CLAIMABLE, "This coupon can no longer be claimed.", ["templateId"])
    if template.per_member_limit is not None and already_held >= template.per_member_limit:
        raise DomainError(
            ErrorCode.COUPON_LIMIT_REACHED,
            f"You already hold the most coupons of this kind ({template.per_member_limit}).",
            ["templateId"],
        )
    if template.total_quantity is not None and template.issued_count >= template.total_quantity:
        raise exhausted()


def exhausted() -> DomainError:
    return DomainError(ErrorCode.COUPONS_EXHAUSTED, "All of these coupons have been claimed.", ["templateId"])


def check_status(coupon: Coupon, *, now: datetime, field: list[str]) -> None:
    """Used, withdrawn, expired and not yet valid coupons are refused, whatever the sale."""
    status = coupon.status_at(now)
    if status is CouponStatus.REDEEMED:
        raise DomainError(ErrorCode.COUPON_ALREADY_USED, "This coupon has already been used.", field)
    if status is CouponStatus.VOID:
        raise DomainError(ErrorCode.COUPON_VOID, "This coupon has been withdrawn.", field)
    if status is CouponStatus.EXPIRED:
        raise DomainError(ErrorCode.COUPON_EXPIRED, "This coupon has expired.", field)
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise DomainError(
            ErrorCode.COUPON_NOT_YET_VALID, f"This coupon is valid from {coupon.valid_from.isoformat()}.", field
        )


def check_use(
    coupon: Coupon,
    template: CouponTemplate,
    *,
    now: datetime,
    channel: SalesChannel,
    store_ids: Collection[int],
    member_id: int | None,
    field: list[str],
) -> None:
    """May this coupon be used now, here? store_ids: the stores making the sale (the till's or pickup
    store, or every location a delivery ships from). member_id None: presented at the till (the code is
    the proof)."""
    check_status(coupon, now=now, field=field)
    if member_id is not None and coupon.member_id != member_id:
        raise DomainError(ErrorCode.COUPON_NOT_YOURS, "This coupon belongs to another member.", field)
    if not template.allows_channel(channel):
        raise DomainError(ErrorCode.COUPON_NOT_APPLICABLE, f"This coupon cannot be used in {channel.value}.", field)
    if not template.allows_stores(store_ids):
        message = (
            "This coupon is not valid at this store."
            if len(store_ids) == 1
            else "This coupon is valid only for orders its stores fulfil."
        )
        raise DomainError(ErrorCode.COUPON_NOT_APPLICABLE, message, field)


def unknown_code(field: list[str]) -> DomainError:
    return DomainError(ErrorCode.INVALID_COUPON_CODE, "No coupon has this code; check it and try again.", field)


def too_many_guesses(retry_after: int | None = None) -> DomainError:
    wait = f"in {retry_after} seconds" if retry_after else "in a few minutes"
    return DomainError(
        ErrorCode.TOO_MANY_COUPON_ATTEMPTS,
        f"Too many wrong coupon codes; try again {wait}.",
        ["code"],
        retry_after=retry_after,
    )
