"""A payment confirmation as the provider (or a till) sends it: a reference and the whole amount."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import DomainError, ErrorCode

MAX_REFERENCE = 100


def checked_reference(amount: Decimal, reference: str) -> str:
    """The cleaned reference; refuses a reference that is empty, too long or unprintable, and an
    amount that is negative or not in whole cents (0 pays an order that coupons made free)."""
    cleaned = reference.strip()
    if not cleaned or len(cleaned) > MAX_REFERENCE or not cleaned.isprintable():
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"reference must be 1 to {MAX_REFERENCE} printable characters.", ["reference"]
        )
    try:
        valid = amount.is_finite() and amount >= 0 and amount == amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        valid = False
    if not valid:
        raise DomainError(ErrorCode.INVALID_INPUT, "amount must be zero or more, in whole cents.", ["amount"])
    return cleaned


def reference_used() -> DomainError:
    return DomainError(ErrorCode.PAYMENT_REFERENCE_USED, "This payment reference paid another order.", ["reference"])
