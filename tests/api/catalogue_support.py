"""Helpers of the catalogue tests: products they create are retired afterwards (the demo catalogue
that other tests count stays as it was)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from omnichannel.persistence import db


@pytest_asyncio.fixture
async def retire_new_products(app: Any) -> AsyncIterator[None]:
    """Products a test creates are made inactive when it ends, pass or fail, so anonymous reads
    (which other tests count) see the demo catalogue only; their stock levels go too (a bulk sync
    test leaves 10,000 of them, which later tests reading stock network-wide would count), except
    those still holding an order's units (the expiry sweeper releases them later)."""
    before = (await db.fetch("SELECT coalesce(max(id), 0) AS n FROM product"))[0]["n"]
    yield
    await db.execute("UPDATE product SET active = false WHERE id > $1", [before])
    await db.execute(
        "DELETE FROM stock_level s USING variant v WHERE v.id = s.variant_id AND v.product_id > $1 AND s.reserved = 0",
        [before],
    )
