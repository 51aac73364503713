"""The pick list: what a store's paid fulfilments still to be prepared need, one line per variant.

Rule: a fulfilment is on the list from payment until it is ready (PENDING or PICKING at this store,
its order paid); each line adds up every such fulfilment's quantity of one variant and names the
orders, oldest payment first, so the clerk walks the shelves once and packs in the order customers paid.
"""

from __future__ import annotations

from dataclasses import dataclass

from .access import Principal, Role, require_signed_in
from .errors import AccessDenied
from .orders import PAID_OPEN_STATUSES, FulfillmentStatus

TO_PICK = (FulfillmentStatus.PENDING, FulfillmentStatus.PICKING)
PAID_OPEN = tuple(sorted(PAID_OPEN_STATUSES))  # a split order may be partly ready already


@dataclass(frozen=True, slots=True)
class PickListLine:
    variant_id: int
    quantity: int
    order_ids: tuple[int, ...]  # oldest payment first


def check_may_read(principal: Principal, store_code: str | None) -> None:
    """The store's own staff, and head office."""
    require_signed_in(principal)
    if principal.role is Role.HQ_ADMIN:
        return
    if store_code is None or not principal.works_at(store_code):
        raise AccessDenied()
