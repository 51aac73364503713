"""Per-request DataLoaders of the catalogue tree (exposed through persistence.loaders.Loaders)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence

from aiodataloader import DataLoader

from ..domain.catalog import Category, Product
from .repositories import categories


class CategoryById(DataLoader[int, Category | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Category | None]:
        index = {c.id: c for c in await categories.categories_by_ids(keys)}
        return [index.get(k) for k in keys]


class CategoriesOfProduct(DataLoader[int, list[Category]]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Category]]:
        grouped: dict[int, list[Category]] = defaultdict(list)
        for product_id, category in await categories.categories_of_products(keys):
            grouped[product_id].append(category)
        return [grouped.get(k, []) for k in keys]


# (category id, after product id, how many, with inactive products): one statement per distinct page
ProductsOfCategoryKey = tuple[int, int | None, int, bool]


class ProductsOfCategory(DataLoader[ProductsOfCategoryKey, list[Product]]):
    async def batch_load_fn(self, keys: Sequence[ProductsOfCategoryKey]) -> list[list[Product]]:
        pages: dict[tuple[int | None, int, bool], list[int]] = defaultdict(list)
        for category_id, after_id, limit, with_inactive in keys:
            pages[(after_id, limit, with_inactive)].append(category_id)
        found: dict[Hashable, list[Product]] = defaultdict(list)
        for (after_id, limit, with_inactive), category_ids in pages.items():
            listed = await categories.products_of_categories(
                category_ids, after_id=after_id, limit=limit, with_inactive=with_inactive
            )
            for category_id, product in listed:
                found[(category_id, after_id, limit, with_inactive)].append(product)
        return [found.get(key, []) for key in keys]
