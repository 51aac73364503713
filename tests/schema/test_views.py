"""Views built in bulk are the views strawberry's own constructor builds."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from omnichannel.domain.inventory import StockLevel as DomainStockLevel
from omnichannel.schema.inventory import StockLevel
from omnichannel.schema.locations import Store
from omnichannel.schema.views import bulk_view


def test_bulk_views_equal_constructed_views():
    level = DomainStockLevel(1, 2, on_hand=10, reserved=3, safety_stock=2)
    fields = {
        "on_hand": 10,
        "reserved": 3,
        "safety_stock": 2,
        "available": level.available,
        "store": None,
        "_level": level,
    }
    built = bulk_view(StockLevel, dict(fields))
    constructed = StockLevel(**fields)  # type: ignore[arg-type]
    assert type(built) is StockLevel
    assert vars(built) == vars(constructed)
    assert built == constructed


def test_stock_level_views_built_in_bulk_equal_constructed_views():
    level = DomainStockLevel(1, 2, on_hand=10, reserved=3, safety_stock=9)
    store = object()  # the request's view of location 1
    ctx = SimpleNamespace(memo={})
    Store.views(ctx.memo)[1] = store
    built = StockLevel.many([level], ctx)[0]  # type: ignore[arg-type]
    constructed = StockLevel(
        on_hand=10,
        reserved=3,
        safety_stock=9,
        available=0,
        store=store,  # type: ignore[arg-type]
        _level=level,
    )
    assert type(built) is StockLevel
    assert built == constructed  # every field, onHand/reserved/safetyStock read from the level
    assert (built.on_hand, built.reserved, built.safety_stock, built.available) == (10, 3, 9, 0)
    with pytest.raises(AttributeError):
        built.no_such_field  # noqa: B018


def test_bulk_variant_views_equal_constructed_views():
    from decimal import Decimal

    from omnichannel.domain.catalog import Variant as DomainVariant
    from omnichannel.schema.catalog import Variant

    variant = DomainVariant(7, 3, "SKU-7", "6900000000007", "Seven", Decimal("9.90"))
    built = Variant.many([variant])[0]
    constructed = Variant.from_domain(variant)
    assert type(built) is Variant
    assert vars(built) == vars(constructed)


SHIMS = {
    "object.__new__": re.compile(r"object\.__new__"),
    "__getattr__": re.compile(r"def __getattr__\("),
    "an attribute that may hold an awaitable": re.compile(r"^\s+\w+: [\w\[\]. ]+ \| Awaitable\[", re.M),
}
# the executor builds its own objects (paths, infos) without constructors: it is the seam itself
EXECUTOR = {"execution.py", "compiled.py", "views.py"}


def test_the_performance_shims_live_in_views_alone():
    schema_dir = Path(__file__).resolve().parents[2] / "omnichannel" / "schema"
    found = [
        f"{path.name}: {what}"
        for path in sorted(schema_dir.glob("*.py"))
        if path.name not in EXECUTOR
        for what, pattern in SHIMS.items()
        if pattern.search(path.read_text())
    ]
    assert found == [], "use schema/views.py (bulk_view, NEW_VIEW, ReadThrough, Eventually) instead"
