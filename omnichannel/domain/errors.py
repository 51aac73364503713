"""Stable error codes and the exceptions the domain raises for business refusals and access."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class ErrorCode(StrEnum):
    """Machine-readable codes; clients rely on them, so never rename one."""

    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    NEGATIVE_STOCK = "NEGATIVE_STOCK"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    MODE_NOT_OFFERED = "MODE_NOT_OFFERED"
    LOCATION_INACTIVE = "LOCATION_INACTIVE"
    OUT_OF_DELIVERY_AREA = "OUT_OF_DELIVERY_AREA"
    SPLIT_NOT_ALLOWED = "SPLIT_NOT_ALLOWED"
    TOO_MANY_PARCELS = "TOO_MANY_PARCELS"
    # members
    INVALID_SIGN_IN_CODE = "INVALID_SIGN_IN_CODE"
    SIGN_IN_CODE_EXPIRED = "SIGN_IN_CODE_EXPIRED"
    TOO_MANY_CODE_REQUESTS = "TOO_MANY_CODE_REQUESTS"
    IDENTITY_IN_USE = "IDENTITY_IN_USE"
    MEMBER_MERGED = "MEMBER_MERGED"
    # points
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    POINTS_LIMIT_EXCEEDED = "POINTS_LIMIT_EXCEEDED"
    # coupons
    INVALID_COUPON_CODE = "INVALID_COUPON_CODE"
    TOO_MANY_COUPON_ATTEMPTS = "TOO_MANY_COUPON_ATTEMPTS"
    COUPON_ALREADY_USED = "COUPON_ALREADY_USED"
    COUPON_EXPIRED = "COUPON_EXPIRED"
    COUPON_NOT_YET_VALID = "COUPON_NOT_YET_VALID"
    COUPON_VOID = "COUPON_VOID"
    COUPON_NOT_YOURS = "COUPON_NOT_YOURS"
    COUPON_NOT_APPLICABLE = "COUPON_NOT_APPLICABLE"
    COUPON_MIN_SPEND_NOT_MET = "COUPON_MIN_SPEND_NOT_MET"
    COUPON_NOT_CLAIMABLE = "COUPON_NOT_CLAIMABLE"
    COUPONS_EXHAUSTED = "COUPONS_EXHAUSTED"
    COUPON_LIMIT_REACHED = "COUPON_LIMIT_REACHED"
    # orders and pickup
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ORDER_NOT_PAID = "ORDER_NOT_PAID"
    ORDER_ALREADY_PAID = "ORDER_ALREADY_PAID"
    ORDER_EXPIRED = "ORDER_EXPIRED"
    ORDER_CANCELLED = "ORDER_CANCELLED"
    ORDER_NOT_CANCELLABLE = "ORDER_NOT_CANCELLABLE"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    PAYMENT_REFERENCE_USED = "PAYMENT_REFERENCE_USED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_PICKUP_CODE = "INVALID_PICKUP_CODE"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    # live events
    TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"
    # events out and after-sale
    CURSOR_EXPIRED = "CURSOR_EXPIRED"
    REFUND_EXCEEDS_ORDER = "REFUND_EXCEEDS_ORDER"
    WEBHOOK_TARGET_FORBIDDEN = "WEBHOOK_TARGET_FORBIDDEN"
    # catalogue and the ERP's bulk sync
    SKU_TAKEN = "SKU_TAKEN"
    BARCODE_TAKEN = "BARCODE_TAKEN"
    NAME_TAKEN = "NAME_TAKEN"
    PRODUCT_CODE_TAKEN = "PRODUCT_CODE_TAKEN"
    PRODUCT_INACTIVE = "PRODUCT_INACTIVE"
    UNKNOWN_STORE = "UNKNOWN_STORE"
    UNKNOWN_SKU = "UNKNOWN_SKU"
    NEGATIVE_QUANTITY = "NEGATIVE_QUANTITY"
    DUPLICATE_ROW = "DUPLICATE_ROW"


class DomainError(Exception):
    """A business refusal: rendered as a userError with a stable code, never as a crash."""

    def __init__(
        self, code: ErrorCode, message: str, field: Sequence[str] | None = None, *, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = list(field) if field is not None else None
        self.retry_after = retry_after  # seconds before trying again helps (throttled refusals)

    def __repr__(self) -> str:
        return f"DomainError({self.code!s}, {self.message!r}, field={self.field!r})"


class DomainErrors(DomainError):
    """Several refusals at once (every malformed field, every short line): one userError each."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        if not errors:
            raise ValueError("DomainErrors needs at least one error")
        first = errors[0]
        super().__init__(first.code, first.message, first.field)
        self.errors = list(errors)


def refusals(error: DomainError) -> list[DomainError]:
    """Every refusal an error carries."""
    return error.errors if isinstance(error, DomainErrors) else [error]


class AccessDenied(Exception):
    """The caller may not do this. Rendered as a top-level error, the same for every refusal."""

    MESSAGE = "You do not have permission to perform this action."

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class AuthenticationRequired(Exception):
    """The operation needs a signed-in caller and none (or an invalid token) was given."""

    MESSAGE = "Authentication required: send a valid 'Authorization: Bearer <token>' header."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.MESSAGE)
