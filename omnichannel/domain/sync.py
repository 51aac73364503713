"""The ERP's bulk sync: counted stock and the product master, in batches.

Rows are independent: a bad row is reported with its 0-based index and code, the good rows are
applied. A batch is identified by the ERP's batch id; the same id again changes nothing and returns
the first result (`replayed`). What a counted figure does to a level is decided here:
- the level's on hand becomes the count; reserved is untouched; a level not there yet is created;
- a count below what is reserved is applied as it is: available is then 0 (never negative), and the
  orders holding the units are not cancelled - the store finds out when it picks them;
- a count equal to the level changes nothing (`unchanged`), no ledger entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .catalogue import check_barcode, check_category_name, check_price, check_product_code, check_sku, check_title
from .errors import DomainError, ErrorCode
from .inventory import StockLevel, StockMovement

MAX_BATCH_ID = 64  # it is the SYNC movements' reference (stock_movement.reference)
MAX_ROWS = 10_000
MAX_ON_HAND = 10_000_000


def check_batch_id(batch_id: str) -> str:
    cleaned = batch_id.strip()
    if not 1 <= len(cleaned) <= MAX_BATCH_ID:
        raise DomainError(ErrorCode.INVALID_INPUT, f"batchId must be 1 to {MAX_BATCH_ID} characters.", ["batchId"])
    return cleaned


def check_row_count(count: int) -> None:
    if count > MAX_ROWS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A batch has at most {MAX_ROWS} rows.", ["rows"])


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 0-based index in the batch
    code: ErrorCode
    message: str


@dataclass(frozen=True, slots=True)
class SyncResult:
    batch_id: str
    applied: int  # rows that changed something
    unchanged: int  # rows that matched what was there
    rejected: tuple[RowError, ...]
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class StockRow:
    store_code: str
    sku: str
    on_hand: int


def check_stock_rows(rows: Sequence[StockRow]) -> tuple[list[int], list[RowError]]:
    """The indexes of rows fit to apply, and the refusals of the others (NEGATIVE_QUANTITY, a figure
    out of range, DUPLICATE_ROW for a location and SKU given again: the first one counts)."""
    good: list[int] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for n, row in enumerate(rows):
        key = (row.store_code, row.sku)
        if key in seen:
            errors.append(RowError(n, ErrorCode.DUPLICATE_ROW, f"{row.store_code}/{row.sku} is row {seen[key]} too."))
            continue
        seen[key] = n
        if row.on_hand < 0:
            errors.append(RowError(n, ErrorCode.NEGATIVE_QUANTITY, "onHand must not be negative."))
        elif row.on_hand > MAX_ON_HAND:
            errors.append(RowError(n, ErrorCode.INVALID_INPUT, f"onHand must be at most {MAX_ON_HAND}."))
        else:
            good.append(n)
    return good, errors


@dataclass(frozen=True, slots=True)
class ProductRow:
    product_code: str
    product_title: str
    category_name: str | None
    sku: str
    variant_title: str
    barcode: str | None
    list_price: Decimal


def check_product_rows(rows: Sequence[ProductRow]) -> tuple[list[ProductRow | None], list[RowError]]:
    """Each row cleaned (None where refused) and the refusals: fields as createProduct checks them,
    DUPLICATE_ROW for a SKU given again (the first one counts), and a product code whose rows disagree
    on the product's title or category (the first row of the code decides; later ones are refused)."""
    cleaned: list[ProductRow | None] = []
    errors: list[RowError] = []
    skus: dict[str, int] = {}
    barcodes: dict[str, int] = {}
    products: dict[str, ProductRow] = {}
    for n, row in enumerate(rows):
        try:
            clean = ProductRow(
                check_product_code(row.product_code, ["productCode"]),
                check_title(row.product_title, ["productTitle"]),
                check_category_name(row.category_name, ["categoryName"]) if row.category_name else None,
                check_sku(row.sku, ["sku"]),
                check_title(row.variant_title, ["variantTitle"]),
                check_barcode(row.barcode, ["barcode"]),
                check_price(row.list_price, ["listPrice"]),
            )
        except DomainError as error:
            field = (error.field or ["row"])[0]
            errors.append(RowError(n, error.code, f"{field}: {error.message}"))
            cleaned.append(None)
            continue
        refusal = None
        if clean.sku in skus:
            refusal = RowError(n, ErrorCode.DUPLICATE_ROW, f"SKU {clean.sku} is row {skus[clean.sku]} too.")
        elif clean.barcode is not None and clean.barcode in barcodes:
            refusal = RowError(
                n, ErrorCode.DUPLICATE_ROW, f"Barcode {clean.barcode} is row {barcodes[clean.barcode]} too."
            )
        else:
            first = products.get(clean.product_code)
            if first is not None and (first.product_title, first.category_name) != (
                clean.product_title,
                clean.category_name,
            ):
                refusal = RowError(
                    n, ErrorCode.INVALID_INPUT, f"Product {clean.product_code} has another title or category above."
                )
        if refusal is not None:
            errors.append(refusal)
            cleaned.append(None)
            continue
        skus[clean.sku] = n
        if clean.barcode is not None:
            barcodes[clean.barcode] = n
        products.setdefault(clean.product_code, clean)
        cleaned.append(clean)
    return cleaned, errors


@dataclass(frozen=True, slots=True)
class Resolved:
    """Which stock rows name an unknown store or SKU, and the ids of the others (by row index)."""

    unknown_stores: list[int]
    unknown_skus: list[int]
    ids: dict[int, tuple[int, int]]  # row index -> (location id, variant id)


@dataclass(frozen=True, slots=True)
class StockApplied:
    changes: list[tuple[StockMovement, StockLevel]]  # one per changed level: its SYNC entry and the level after
    unchanged: int


@dataclass(frozen=True, slots=True)
class ProductsApplied:
    applied: int
    unchanged: int
    rejected: list[RowError]
    product_ids: list[int]
