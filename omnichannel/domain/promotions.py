"""Automatic promotions: no code to enter, the same in every channel and every store.

- SPEND_AMOUNT_OFF: spend `threshold` (on what the scope covers) and get `amount_off` off.
- PERCENT_OFF: `percent` off every line the scope covers (a category, or products).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .coupons import Scope, check_amount, check_title, check_window
from .errors import DomainError, ErrorCode


class PromotionKind(StrEnum):
    SPEND_AMOUNT_OFF = "SPEND_AMOUNT_OFF"
    PERCENT_OFF = "PERCENT_OFF"


@dataclass(frozen=True, slots=True)
class Promotion:
    id: int
    title: str
    kind: PromotionKind
    scope: Scope
    threshold: Decimal | None = None  # SPEND_AMOUNT_OFF
    amount_off: Decimal | None = None  # SPEND_AMOUNT_OFF
    percent: Decimal | None = None  # PERCENT_OFF
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    active: bool = True

    def live(self, now: datetime) -> bool:
        return (
            self.active
            and (self.valid_from is None or self.valid_from <= now)
            and (self.valid_until is None or now < self.valid_until)
        )


@dataclass(frozen=True, slots=True)
class PromotionSpec:
    title: str
    kind: PromotionKind
    scope: Scope
    threshold: Decimal | None
    amount_off: Decimal | None
    percent: Decimal | None
    valid_from: datetime | None
    valid_until: datetime | None


def new_promotion(
    *,
    title: str,
    kind: PromotionKind,
    threshold: Decimal | None,
    amount_off: Decimal | None,
    percent: Decimal | None,
    category_ids: Iterable[int],
    product_ids: Iterable[int],
    valid_from: datetime | None,
    valid_until: datetime | None,
    now: datetime,
) -> PromotionSpec:
    cleaned = check_title(title)
    scope = Scope(frozenset(category_ids), frozenset(product_ids))
    if kind is PromotionKind.SPEND_AMOUNT_OFF:
        if threshold is None or amount_off is None or percent is not None:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "A spend promotion needs threshold and amountOff (no percent).", ["kind"]
            )
        check_amount(threshold, "threshold")
        check_amount(amount_off, "amountOff")
        if amount_off > threshold:
            raise DomainError(ErrorCode.INVALID_INPUT, "amountOff cannot exceed the threshold.", ["amountOff"])
    else:
        if percent is None or threshold is not None or amount_off is not None:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "A percent promotion needs percent (no threshold or amountOff).", ["kind"]
            )
        if not percent.is_finite() or not (0 < percent < 100):
            raise DomainError(ErrorCode.INVALID_INPUT, "percent must be above 0 and below 100.", ["percent"])
        if scope.everything:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "A percent promotion names its categories or products.", ["categoryIds"]
            )
    check_window(valid_from, valid_until, now)
    return PromotionSpec(cleaned, kind, scope, threshold, amount_off, percent, valid_from, valid_until)
