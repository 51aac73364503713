"""The catalogue tree: createCategory (head office), categories, Category.products, Product.categories."""

from __future__ import annotations

from ..domain.access import Role
from ..domain.catalog import Category, Product
from ..domain.catalogue import check_category_name
from ..domain.errors import DomainError, ErrorCode
from ..domain.ports import UnitOfWork
from ..persistence.repositories import categories as repo
from .catalog import check_page_size
from .context import Context
from .mutation import requires
from .visibility import sees_inactive


@requires(Role.HQ_ADMIN)
async def create_category(ctx: Context, uow: UnitOfWork, *, name: str, parent_id: int | None) -> Category:
    clean = check_category_name(name, ["name"])

    async def write(tx: UnitOfWork) -> Category:
        if parent_id is not None and await tx.categories.missing([parent_id]):
            raise DomainError(ErrorCode.NOT_FOUND, "No such parent category.", ["parentId"])
        return await tx.categories.create(clean, parent_id)

    created = await uow.atomic(write)
    ctx.loaders.category.prime(created.id, created)
    return created


async def categories(ctx: Context) -> list[Category]:
    found = await repo.all_categories()
    for found_category in found:
        ctx.loaders.category.prime(found_category.id, found_category)
    return found


async def category(ctx: Context, category_id: int) -> Category | None:
    found: Category | None = await ctx.loaders.category.load(category_id)
    return found


async def products_of(
    ctx: Context, category_id: int, *, first: int | None, after_id: int | None
) -> tuple[list[Product], bool]:
    """A page of a category's products (inactive ones only for staff) and whether more follow."""
    size = check_page_size(first)
    found: list[Product] = await ctx.loaders.products_of_category.load(
        (category_id, after_id, size + 1, sees_inactive(ctx))
    )
    page = found[:size]
    ctx.loaders.product.prime_many((p.id, p) for p in page)
    return page, len(found) > size


async def categories_of(ctx: Context, product_id: int) -> list[Category]:
    found: list[Category] = await ctx.loaders.categories_of_product.load(product_id)
    return found
