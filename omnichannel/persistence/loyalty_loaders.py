"""Per-request DataLoaders of the loyalty area: coupons, templates, promotions, spend, identities and
order discount lines (exposed through persistence.loaders.Loaders)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiodataloader import DataLoader

from ..domain.coupons import Coupon, CouponTemplate
from ..domain.members import Identity
from ..domain.pricing import DiscountLine
from ..domain.promotions import Promotion
from .repositories import coupons, members, order_discounts, points, promotions


def _by_id(items: Sequence[Any], keys: Sequence[int]) -> list[Any]:
    index = {item.id: item for item in items}
    return [index.get(k) for k in keys]


class CouponById(DataLoader[int, Coupon | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Coupon | None]:
        return _by_id(await coupons.coupons_by_ids(keys), keys)


class CouponsByMember(DataLoader[int, list[Coupon]]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Coupon]]:
        grouped: dict[int, list[Coupon]] = defaultdict(list)
        for coupon in await coupons.coupons_of_members(keys):
            grouped[coupon.member_id].append(coupon)
        return [grouped.get(k, []) for k in keys]


class TemplateById(DataLoader[int, CouponTemplate | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[CouponTemplate | None]:
        return _by_id(await coupons.templates_by_ids(keys), keys)


class PromotionById(DataLoader[int, Promotion | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Promotion | None]:
        return _by_id(await promotions.by_ids(list(keys)), keys)


SpendKey = tuple[int, datetime]


class SpendByMember(DataLoader[SpendKey, Decimal]):
    """Key: (member id, start of the window). The net spend since then (0 when none)."""

    async def batch_load_fn(self, keys: Sequence[SpendKey]) -> list[Decimal]:
        by_since: dict[datetime, list[int]] = defaultdict(list)
        for member_id, since in keys:
            by_since[since].append(member_id)
        found: dict[SpendKey, Decimal] = {}
        for since, member_ids in by_since.items():
            for member_id, total in (await points.spend_since(member_ids, since)).items():
                found[(member_id, since)] = total
        return [found.get(key, Decimal(0)) for key in keys]


class IdentitiesByMember(DataLoader[int, list[Identity]]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Identity]]:
        grouped: dict[int, list[Identity]] = defaultdict(list)
        for member_id, identity in await members.identities_of(keys):
            grouped[member_id].append(identity)
        return [grouped.get(k, []) for k in keys]


class DiscountsByOrder(DataLoader[int, list[DiscountLine]]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[DiscountLine]]:
        grouped: dict[int, list[DiscountLine]] = defaultdict(list)
        for order_id, line in await order_discounts.of_orders(keys):
            grouped[order_id].append(line)
        return [grouped.get(k, []) for k in keys]
