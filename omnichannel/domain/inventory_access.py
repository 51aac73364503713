"""Who may read a store's stock records (ledger, alerts) and who may change its stock settings.

- the ledger and the alerts of a store: its staff (clerks and the manager), head office, analysts;
- safety stock and the online allocation share: that store's manager and head office;
- live low-stock alerts: staff of the stores asked for (their own when none is named), head office.
Everyone else is refused with FORBIDDEN, the same answer whatever they asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from .access import Principal, Role, require_signed_in
from .errors import AccessDenied

READ_ALL = frozenset({Role.HQ_ADMIN, Role.ANALYST})


def check_may_read(principal: Principal, store_code: str | None) -> None:
    """The ledger or the alerts of one store (None: a store that does not exist)."""
    require_signed_in(principal)
    if principal.role in READ_ALL:
        return
    if store_code is not None and principal.works_at(store_code):
        return
    raise AccessDenied()


def readable_stores(principal: Principal, store_codes: Sequence[str | None] | None) -> Sequence[str] | None:
    """The stores a list covers: those asked for when the caller may read each one (else refused), the
    caller's own store when none is named, or None (every store) for head office and analysts."""
    require_signed_in(principal)
    if store_codes is None:
        if principal.role in READ_ALL:
            return None
        if principal.is_store_staff and principal.store_code is not None:
            return [principal.store_code]
        raise AccessDenied()
    for code in store_codes:
        check_may_read(principal, code)
    return [code for code in store_codes if code is not None]


def check_may_configure(principal: Principal, store_code: str) -> None:
    """Safety stock and the allocation policy: the store's manager and head office."""
    require_signed_in(principal)
    if principal.role is Role.HQ_ADMIN:
        return
    if principal.role is Role.STORE_MANAGER and principal.works_at(store_code):
        return
    raise AccessDenied()


def watched_stores(principal: Principal, store_codes: Sequence[str] | None) -> Sequence[str] | None:
    """The stores a live low-stock feed covers: named ones (each the caller's own, or any for head
    office), the caller's own when none is named, or None (all) for head office."""
    require_signed_in(principal)
    if principal.role is Role.HQ_ADMIN:
        return list(store_codes) if store_codes is not None else None
    if not principal.is_store_staff or principal.store_code is None:
        raise AccessDenied()
    if store_codes is None:
        return [principal.store_code]
    if any(not principal.works_at(code) for code in store_codes):
        raise AccessDenied()
    return list(store_codes)
