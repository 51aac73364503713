"""Head office's catalogue edits: what a category, a product, a variant and a price may be.

Every check raises DomainError with the `field` path of the offending input (relative to the
mutation's `input`), so a client can point at the wrong box; several refusals of one request are
raised together (DomainErrors) so a form shows them all at once. Nothing here touches storage: the
use cases check first and write only what passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from .errors import DomainError, DomainErrors, ErrorCode
from .money import CENT

T = TypeVar("T")

MAX_TITLE = 200
MAX_CATEGORY_NAME = 80
MAX_DESCRIPTION = 5000
MAX_SKU = 64
MAX_BARCODE = 32
MAX_PRODUCT_CODE = 64
MAX_VARIANTS = 100  # per createProduct
MAX_CATEGORIES = 20  # per product
MAX_PRICE = Decimal("9999999999.99")  # numeric(12, 2)


def _text(value: str, field: Sequence[str], *, what: str, low: int, high: int) -> str:
    cleaned = value.strip()
    if "\x00" in cleaned:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{what} must not contain NUL characters.", field)
    if not low <= len(cleaned) <= high:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{what} must be {low} to {high} characters.", field)
    return cleaned


def check_title(value: str, field: Sequence[str]) -> str:
    return _text(value, field, what="A title", low=1, high=MAX_TITLE)


def check_category_name(value: str, field: Sequence[str]) -> str:
    return _text(value, field, what="A category name", low=1, high=MAX_CATEGORY_NAME)


def check_description(value: str | None, field: Sequence[str]) -> str | None:
    if value is None:
        return None
    return _text(value, field, what="A description", low=0, high=MAX_DESCRIPTION) or None


def check_sku(value: str, field: Sequence[str]) -> str:
    return _text(value, field, what="A SKU", low=1, high=MAX_SKU)


def check_barcode(value: str | None, field: Sequence[str]) -> str | None:
    if value is None or not value.strip():
        return None
    return _text(value, field, what="A barcode", low=1, high=MAX_BARCODE)


def check_product_code(value: str, field: Sequence[str]) -> str:
    return _text(value, field, what="A product code", low=1, high=MAX_PRODUCT_CODE)


def check_price(value: Decimal, field: Sequence[str]) -> Decimal:
    """A price is positive, in whole cents, and fits the column."""
    if not value.is_finite() or value <= 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "A price must be greater than 0.", field)
    if value > MAX_PRICE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A price must be at most {MAX_PRICE}.", field)
    if value != value.quantize(CENT):
        raise DomainError(ErrorCode.INVALID_INPUT, "A price has at most 2 decimals.", field)
    return value.quantize(CENT)


def check_window(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise DomainError(ErrorCode.INVALID_INPUT, "validUntil must be after validFrom.", ["validUntil"])


@dataclass(frozen=True, slots=True)
class NewVariant:
    sku: str
    barcode: str | None
    title: str
    list_price: Decimal


def check_variant(sku: str, barcode: str | None, title: str, list_price: Decimal, field: Sequence[str]) -> NewVariant:
    """A variant's fields, every refusal at once (field paths under `field`)."""
    errors: list[DomainError] = []

    def checked(check: Callable[[], T]) -> T | None:
        try:
            return check()
        except DomainError as error:
            errors.append(error)
            return None

    clean_sku = checked(lambda: check_sku(sku, [*field, "sku"]))
    clean_barcode = checked(lambda: check_barcode(barcode, [*field, "barcode"]))
    clean_title = checked(lambda: check_title(title, [*field, "title"]))
    clean_price = checked(lambda: check_price(list_price, [*field, "listPrice"]))
    raise_all(errors)
    assert clean_sku is not None and clean_title is not None and clean_price is not None
    return NewVariant(clean_sku, clean_barcode, clean_title, clean_price)


def check_unique_codes(variants: Sequence[NewVariant], field: Sequence[str]) -> None:
    """Two variants of one request may not share a SKU or a barcode."""
    errors: list[DomainError] = []
    skus: set[str] = set()
    barcodes: set[str] = set()
    for n, variant in enumerate(variants):
        if variant.sku in skus:
            errors.append(DomainError(ErrorCode.SKU_TAKEN, "This SKU is given twice.", [*field, str(n), "sku"]))
        if variant.barcode is not None and variant.barcode in barcodes:
            errors.append(
                DomainError(ErrorCode.BARCODE_TAKEN, "This barcode is given twice.", [*field, str(n), "barcode"])
            )
        skus.add(variant.sku)
        if variant.barcode is not None:
            barcodes.add(variant.barcode)
    raise_all(errors)


def raise_all(errors: Sequence[DomainError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
