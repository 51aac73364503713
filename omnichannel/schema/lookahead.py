"""Reading ahead in a query: what a list field's caller will select below it.

A page resolver that knows the nested fields can load them for the whole page in a few batched
statements before its children run; they then complete synchronously from the request's loaders.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from ..resolvers.catalog import CatalogReads
from .relay import InvalidId, decode_ids


def fields(selections: Iterable[Selection], name: str) -> Iterator[SelectedField]:
    """The selected fields called `name` among these selections, looking through fragments."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from fields(selection.selections, name)


def path(selections: Iterable[Selection], *names: str) -> list[SelectedField]:
    """Fields reached by following `names` down from these selections (every alias, every fragment)."""
    found = list(selections)
    result: list[SelectedField] = []
    for depth, name in enumerate(names):
        result = list(fields(found, name))
        if depth < len(names) - 1:
            found = [s for f in result for s in f.selections]
    return result


def catalog_reads(info: Info[Any, Any], *to_product: str) -> CatalogReads:
    """What a query reads below the products that `to_product` (e.g. "edges", "node") leads to."""
    variants = path(info.selected_fields[0].selections, *to_product, "variants")
    if not variants:
        return CatalogReads()
    below = [s for v in variants for s in v.selections]
    stock_sets: list[tuple[int, ...] | None] = []
    locations = False
    for stock in fields(below, "stock"):
        try:
            ids = decode_ids(stock.arguments.get("storeIds"), "Store")
        except InvalidId:
            continue  # the field itself reports the bad ID
        stock_sets.append(tuple(sorted(set(ids))) if ids is not None else None)
        locations = locations or any(True for _ in fields(stock.selections, "store"))
    return CatalogReads(
        variants=True,
        prices=any(True for _ in fields(below, "price")),
        stock_at=tuple(dict.fromkeys(stock_sets)),
        stock_locations=locations,
    )
