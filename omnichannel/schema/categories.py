"""The catalogue tree: Category, createCategory, categories."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ..domain import catalog as domain
from ..resolvers import categories as use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .errors import UserError
from .node import register_node
from .relay import Node, PageInfo, decode_cursor, decode_id, encode_cursor, encode_id

if TYPE_CHECKING:
    from .catalog import ProductConnection

CATALOG = "omnichannel.schema.catalog"


@strawberry.type(description="A shelf of the catalogue; categories form a tree.")
class Category(Node):
    name: str
    _category: strawberry.Private[domain.Category]

    @staticmethod
    def from_domain(category: domain.Category) -> Category:
        return Category(id=strawberry.ID(encode_id("Category", category.id)), name=category.name, _category=category)

    @strawberry.field(description="the category this one sits in (null at the top of the tree)")
    async def parent(self, info: Info[Context, None]) -> Category | None:
        parent_id = self._category.parent_id
        if parent_id is None:
            return None
        found = await use_cases.category(info.context, parent_id)
        return Category.from_domain(found) if found is not None else None

    @strawberry.field(description="products listed here, in a stable order (inactive ones for staff only)")
    async def products(
        self, info: Info[Context, None], first: int | None = 20, after: str | None = None
    ) -> Annotated[ProductConnection, strawberry.lazy(CATALOG)]:
        from .catalog import Product, ProductConnection, ProductEdge  # catalog imports this module

        found, has_next = await use_cases.products_of(
            info.context, self._category.id, first=first, after_id=decode_cursor(after, "product")
        )
        edges = [ProductEdge(cursor=encode_cursor("product", p.id), node=Product.from_domain(p)) for p in found]
        return ProductConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=after is not None),
        )


@strawberry.input
class CreateCategoryInput:
    name: str
    parent_id: strawberry.ID | None = None


@strawberry.type
class CategoryPayload:
    category: Category | None
    user_errors: list[UserError]


@strawberry.type
class CategoryQuery:
    @strawberry.field(description="every category, children included, in display order")
    async def categories(self, info: Info[Context, None]) -> list[Category]:
        return [Category.from_domain(c) for c in await use_cases.categories(info.context)]


@strawberry.type
class CategoryMutation:
    @strawberry.mutation(description="Head office adds a category, at the top or under a parent.")
    async def create_category(self, info: Info[Context, None], input: CreateCategoryInput) -> CategoryPayload:
        parent_id = decode_id(input.parent_id, "Category") if input.parent_id is not None else None
        result = await mutate(info.context, use_cases.create_category, name=input.name, parent_id=parent_id)
        category = Category.from_domain(result.value) if result.value is not None else None
        return CategoryPayload(category=category, user_errors=UserError.many(result.errors))


async def _fetch_category(ctx: Context, pk: int) -> Category | None:
    found = await use_cases.category(ctx, pk)
    return Category.from_domain(found) if found is not None else None


register_node("Category", _fetch_category)
