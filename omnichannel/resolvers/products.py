"""createProduct, updateProduct, addVariant: head office edits the catalogue.

Load -> decide (domain.catalogue checks every field, all refusals at once) -> one transaction.
SKUs and barcodes are checked against the catalogue before writing (SKU_TAKEN / BARCODE_TAKEN with
the input's field path); the unique indexes settle a race between two editors. Every change records
CatalogueChanged, so cached catalogue answers are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..domain.access import Role
from ..domain.catalog import Product, Variant
from ..domain.catalogue import (
    MAX_CATEGORIES,
    MAX_VARIANTS,
    NewVariant,
    check_description,
    check_title,
    check_unique_codes,
    check_variant,
    raise_all,
)
from ..domain.errors import DomainError, ErrorCode
from ..domain.events import CatalogueChanged
from ..domain.ports import UnitOfWork
from .context import Context
from .mutation import requires


@dataclass(frozen=True, slots=True)
class VariantFields:
    sku: str
    barcode: str | None
    title: str
    list_price: Decimal


def _variants(given: Sequence[VariantFields], field: Sequence[str]) -> tuple[list[NewVariant], list[DomainError]]:
    checked: list[NewVariant] = []
    errors: list[DomainError] = []
    for n, v in enumerate(given):
        try:
            checked.append(check_variant(v.sku, v.barcode, v.title, v.list_price, [*field, str(n)]))
        except DomainError as error:
            errors.extend(_each(error))
    return checked, errors


async def _check_codes_free(uow: UnitOfWork, variants: Sequence[NewVariant], field: Sequence[str]) -> None:
    skus, barcodes = await uow.products.taken_codes(
        [v.sku for v in variants], [v.barcode for v in variants if v.barcode is not None]
    )
    errors = []
    for n, v in enumerate(variants):
        if v.sku in skus:
            errors.append(DomainError(ErrorCode.SKU_TAKEN, f"SKU {v.sku} is in use.", [*field, str(n), "sku"]))
        if v.barcode is not None and v.barcode in barcodes:
            errors.append(
                DomainError(ErrorCode.BARCODE_TAKEN, f"Barcode {v.barcode} is in use.", [*field, str(n), "barcode"])
            )
    raise_all(errors)


async def _check_categories(uow: UnitOfWork, category_ids: Sequence[int]) -> None:
    if len(category_ids) > MAX_CATEGORIES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {MAX_CATEGORIES} categories.", ["categoryIds"])
    missing = await uow.categories.missing(category_ids)
    if missing:
        index = list(category_ids).index(missing[0])
        raise DomainError(ErrorCode.NOT_FOUND, "No such category.", ["categoryIds", str(index)])


@requires(Role.HQ_ADMIN)
async def create_product(
    ctx: Context,
    uow: UnitOfWork,
    *,
    title: str,
    description: str | None,
    category_ids: Sequence[int],
    variants: Sequence[VariantFields],
) -> Product:
    errors: list[DomainError] = []
    clean_title = clean_description = None
    try:
        clean_title = check_title(title, ["title"])
    except DomainError as error:
        errors.append(error)
    try:
        clean_description = check_description(description, ["description"])
    except DomainError as error:
        errors.append(error)
    if not variants:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, "A product needs at least one variant.", ["variants"]))
    if len(variants) > MAX_VARIANTS:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, f"At most {MAX_VARIANTS} variants.", ["variants"]))
    checked, variant_errors = _variants(variants[:MAX_VARIANTS], ["variants"])
    raise_all(errors + variant_errors)
    check_unique_codes(checked, ["variants"])
    categories = list(dict.fromkeys(category_ids))
    assert clean_title is not None

    async def write(tx: UnitOfWork) -> Product:
        await _check_categories(tx, categories)
        await _check_codes_free(tx, checked, ["variants"])
        product = await tx.products.create(
            title=clean_title, description=clean_description, category_ids=categories, variants=checked
        )
        tx.record(CatalogueChanged(what="PRODUCT", ids=(product.id,), at=ctx.now()))
        return product

    return await uow.atomic(write)


@requires(Role.HQ_ADMIN)
async def update_product(
    ctx: Context,
    uow: UnitOfWork,
    *,
    product_id: int,
    title: str | None,
    description: str | None,
    set_description: bool,
    category_ids: Sequence[int] | None,
    active: bool | None,
) -> Product:
    errors: list[DomainError] = []
    clean_title = clean_description = None
    if title is not None:
        try:
            clean_title = check_title(title, ["title"])
        except DomainError as error:
            errors.append(error)
    if set_description:
        try:
            clean_description = check_description(description, ["description"])
        except DomainError as error:
            errors.append(error)
    raise_all(errors)
    categories = list(dict.fromkeys(category_ids)) if category_ids is not None else None

    async def write(tx: UnitOfWork) -> Product:
        if await tx.products.get_for_update(product_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such product.", ["productId"])
        if categories is not None:
            await _check_categories(tx, categories)
        product = await tx.products.update(
            product_id,
            title=clean_title,
            description=clean_description,
            set_description=set_description,
            category_ids=categories,
            active=active,
        )
        tx.record(CatalogueChanged(what="PRODUCT", ids=(product.id,), at=ctx.now()))
        return product

    return await uow.atomic(write)


@requires(Role.HQ_ADMIN)
async def add_variant(ctx: Context, uow: UnitOfWork, *, product_id: int, variant: VariantFields) -> Variant:
    checked, errors = _variants([variant], ["variant"])
    if errors:  # field paths are input.variant.<name>, not input.variant.0.<name>
        raise_all([DomainError(e.code, e.message, ["variant", *(e.field or [])[2:]]) for e in errors])

    async def write(tx: UnitOfWork) -> Variant:
        if await tx.products.get_for_update(product_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such product.", ["productId"])
        try:
            await _check_codes_free(tx, checked, ["variant"])
        except DomainError as error:
            raise_all([DomainError(e.code, e.message, ["variant", *(e.field or [])[2:]]) for e in _each(error)])
        added = await tx.products.add_variant(product_id, checked[0])
        tx.record(CatalogueChanged(what="VARIANT", ids=(added.id,), at=ctx.now()))
        return added

    return await uow.atomic(write)


def _each(error: DomainError) -> list[DomainError]:
    return list(getattr(error, "errors", [error]))
