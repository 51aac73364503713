"""Who may place, see, pay, cancel and prepare which orders. Refusals raise AccessDenied.

- Members order for themselves in the app and the mini-program, and see only their own orders.
- Store staff take till (STORE_POS) and clerk-pad (CLERK_PAD) orders, see and work the orders their
  store fulfils or took, and hand them over; a clerk-pad order is attributed to its clerk.
- Head office sees and may cancel everything; analysts and services (ERP, payment provider) read.
- The payment provider (SERVICE) confirms payments; store staff confirm the till orders they took.
- Refunds: head office, the payment provider, or a store manager of a store that fulfilled the order
  (a return at the counter), who puts returned goods back on hand at their own store only. Taking an
  order is not enough: the money goes back for goods the store handed over.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .access import STORE_ROLES, Principal, Role, require_signed_in
from .catalog import SalesChannel
from .errors import AccessDenied
from .orders import Canceller, Order

MEMBER_CHANNELS = frozenset({SalesChannel.MINI_PROGRAM, SalesChannel.APP})
STAFF_CHANNELS = frozenset({SalesChannel.STORE_POS, SalesChannel.CLERK_PAD})
READ_ALL_ROLES = frozenset({Role.HQ_ADMIN, Role.ANALYST, Role.SERVICE})


@dataclass(frozen=True, slots=True)
class Placement:
    """Whose order it is and who took it."""

    member_id: int | None
    placed_by: str
    placed_by_staff_id: int | None
    placed_at_store_code: str | None
    attributed_staff_id: int | None


def actor(principal: Principal) -> str:
    return f"{principal.role.value if principal.role else 'ANONYMOUS'}:{principal.subject}"


def placement(principal: Principal, channel: SalesChannel, member_id: int | None) -> Placement:
    require_signed_in(principal)
    if principal.role is Role.MEMBER:
        if channel not in MEMBER_CHANNELS or principal.member_id is None:
            raise AccessDenied()
        if member_id is not None and member_id != principal.member_id:
            raise AccessDenied()
        return Placement(principal.member_id, actor(principal), None, None, None)
    if principal.role in STORE_ROLES and principal.staff_id is not None and principal.store_code:
        if channel not in STAFF_CHANNELS:
            raise AccessDenied()
        attributed = principal.staff_id if channel is SalesChannel.CLERK_PAD else None
        return Placement(member_id, actor(principal), principal.staff_id, principal.store_code, attributed)
    raise AccessDenied()


def till_placement(principal: Principal, member_id: int | None, store_code: str) -> Placement:
    """A till sale: rung up by store staff at their own store, and attributed to them."""
    require_signed_in(principal)
    if principal.role not in STORE_ROLES or principal.staff_id is None or principal.store_code != store_code:
        raise AccessDenied()
    who = actor(principal)
    return Placement(member_id, who, principal.staff_id, principal.store_code, principal.staff_id)


def may_view(principal: Principal, order: Order, store_codes: Collection[str]) -> bool:
    """store_codes: the stores that fulfil the order or took it."""
    if principal.role is Role.MEMBER:
        return principal.member_id is not None and order.member_id == principal.member_id
    if principal.role in STORE_ROLES:
        return principal.store_code is not None and principal.store_code in store_codes
    return principal.role in READ_ALL_ROLES


def may_see_pickup_code(principal: Principal, order: Order) -> bool:
    if principal.role is Role.MEMBER:
        return principal.member_id is not None and order.member_id == principal.member_id
    return principal.role is Role.HQ_ADMIN


def canceller(principal: Principal, order: Order, fulfilling_codes: Collection[str]) -> Canceller:
    require_signed_in(principal)
    if principal.role is Role.MEMBER and principal.member_id is not None and order.member_id == principal.member_id:
        return Canceller.MEMBER
    if principal.role in STORE_ROLES and principal.store_code in fulfilling_codes:
        return Canceller.STORE
    if principal.role is Role.HQ_ADMIN:
        return Canceller.HEAD_OFFICE
    raise AccessDenied()


REFUND_ROLES = frozenset({Role.HQ_ADMIN, Role.SERVICE, Role.STORE_MANAGER})


def check_may_refund(principal: Principal, fulfilling_codes: Collection[str], restock_code: str | None) -> None:
    """fulfilling_codes: the stores that fulfil the order; restock_code: where returned goods go, if anywhere."""
    require_signed_in(principal)
    if principal.role in (Role.HQ_ADMIN, Role.SERVICE):
        return
    if principal.role is not Role.STORE_MANAGER or principal.store_code not in fulfilling_codes:
        raise AccessDenied()
    if restock_code is not None and restock_code != principal.store_code:
        raise AccessDenied()


def check_may_confirm_payment(principal: Principal, order: Order, taken_at_code: str | None) -> None:
    require_signed_in(principal)
    if principal.role is Role.SERVICE:
        return
    if (
        principal.role in STORE_ROLES
        and order.channel in STAFF_CHANNELS
        and taken_at_code is not None
        and principal.store_code == taken_at_code
    ):
        return
    raise AccessDenied()


def check_works_at(principal: Principal, store_code: str | None) -> None:
    """Picking, packing, shipping and handing over: staff of that store only."""
    require_signed_in(principal)
    if store_code is None or not principal.works_at(store_code):
        raise AccessDenied()


@dataclass(frozen=True, slots=True)
class ListScope:
    """Which orders a list may show: one member's, one store's, or (both None) all."""

    member_id: int | None
    store_code: str | None


def list_scope(principal: Principal, store_code: str | None) -> ListScope:
    """orders(storeId:): members see their own; store staff their store; head office all."""
    require_signed_in(principal)
    if principal.role is Role.MEMBER and principal.member_id is not None:
        return ListScope(principal.member_id, store_code)
    if principal.role in STORE_ROLES and principal.store_code:
        if store_code is not None and store_code != principal.store_code:
            raise AccessDenied()
        return ListScope(None, principal.store_code)
    if principal.role in READ_ALL_ROLES:
        return ListScope(None, store_code)
    raise AccessDenied()


def check_may_watch_store(principal: Principal, store_code: str | None) -> None:
    """storeOrders(storeId): the store's own staff (and head office)."""
    require_signed_in(principal)
    if principal.role is Role.HQ_ADMIN and store_code is not None:
        return
    if store_code is None or not principal.works_at(store_code):
        raise AccessDenied()
