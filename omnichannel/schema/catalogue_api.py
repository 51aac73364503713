"""Head office's catalogue mutations: createProduct, updateProduct, addVariant."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from ..domain.catalogue import MAX_CATEGORIES, MAX_VARIANTS
from ..resolvers import products as use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .catalog import Product, Variant
from .errors import UserError
from .relay import decode_id


@strawberry.input
class VariantInput:
    sku: str
    barcode: str | None = None
    title: str
    list_price: Decimal

    def fields(self) -> use_cases.VariantFields:
        return use_cases.VariantFields(self.sku, self.barcode, self.title, self.list_price)


@strawberry.input
class CreateProductInput:
    title: str
    description: str | None = None
    category_ids: list[strawberry.ID] | None = None
    variants: list[VariantInput]


@strawberry.input
class UpdateProductInput:
    product_id: strawberry.ID
    title: str | None = None
    description: str | None = strawberry.field(default=strawberry.UNSET, description="null clears it")
    category_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="replaces the listings")
    active: bool | None = None


@strawberry.input
class AddVariantInput:
    product_id: strawberry.ID
    variant: VariantInput


@strawberry.type
class ProductPayload:
    product: Product | None
    user_errors: list[UserError]


@strawberry.type
class VariantPayload:
    variant: Variant | None
    user_errors: list[UserError]


def _categories(ids: list[strawberry.ID] | None) -> list[int] | None:
    if ids is None:
        return None
    return [decode_id(i, "Category") for i in ids[: MAX_CATEGORIES + 1]]


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(description="Head office adds a product with its variants; it is active at once.")
    async def create_product(self, info: Info[Context, None], input: CreateProductInput) -> ProductPayload:
        result = await mutate(
            info.context,
            use_cases.create_product,
            title=input.title,
            description=input.description,
            category_ids=_categories(input.category_ids) or [],
            variants=[v.fields() for v in input.variants[: MAX_VARIANTS + 1]],
        )
        product = Product.from_domain(result.value) if result.value is not None else None
        return ProductPayload(product=product, user_errors=UserError.many(result.errors))

    @strawberry.mutation(description="Head office changes a product's title, description, categories or active flag.")
    async def update_product(self, info: Info[Context, None], input: UpdateProductInput) -> ProductPayload:
        set_description = input.description is not strawberry.UNSET
        result = await mutate(
            info.context,
            use_cases.update_product,
            product_id=decode_id(input.product_id, "Product"),
            title=input.title,
            description=input.description if set_description else None,
            set_description=set_description,
            category_ids=_categories(input.category_ids),
            active=input.active,
        )
        product = Product.from_domain(result.value) if result.value is not None else None
        return ProductPayload(product=product, user_errors=UserError.many(result.errors))

    @strawberry.mutation(description="Head office adds a variant to a product.")
    async def add_variant(self, info: Info[Context, None], input: AddVariantInput) -> VariantPayload:
        result = await mutate(
            info.context,
            use_cases.add_variant,
            product_id=decode_id(input.product_id, "Product"),
            variant=input.variant.fields(),
        )
        variant = Variant.from_domain(result.value) if result.value is not None else None
        return VariantPayload(variant=variant, user_errors=UserError.many(result.errors))
