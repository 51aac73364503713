"""Who is calling and what each role may do. Refusals raise AccessDenied / AuthenticationRequired."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import AccessDenied, AuthenticationRequired


class Role(StrEnum):
    MEMBER = "MEMBER"
    CLERK = "CLERK"
    STORE_MANAGER = "STORE_MANAGER"
    HQ_ADMIN = "HQ_ADMIN"
    ANALYST = "ANALYST"
    SERVICE = "SERVICE"


STORE_ROLES = frozenset({Role.CLERK, Role.STORE_MANAGER})
STAFF_ROLES = frozenset({Role.CLERK, Role.STORE_MANAGER, Role.HQ_ADMIN, Role.ANALYST})
INTROSPECTION_ROLES = frozenset({Role.HQ_ADMIN, Role.ANALYST})


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, from a verified token. `anonymous` when no token was sent."""

    role: Role | None
    subject: str = ""
    staff_id: int | None = None
    member_id: int | None = None
    store_code: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.role is None

    @property
    def is_store_staff(self) -> bool:
        return self.role in STORE_ROLES

    def works_at(self, store_code: str) -> bool:
        return self.is_store_staff and self.store_code == store_code

    @property
    def may_introspect(self) -> bool:
        return self.role in INTROSPECTION_ROLES


ANONYMOUS = Principal(role=None)


def require_signed_in(principal: Principal) -> None:
    if principal.is_anonymous:
        raise AuthenticationRequired()


def require_role(principal: Principal, *roles: Role) -> None:
    require_signed_in(principal)
    if principal.role not in roles:
        raise AccessDenied()


def require_stock_admin(principal: Principal, store_code: str) -> None:
    """Stock changes: head office and ERP anywhere, a store manager only at their own store."""
    require_signed_in(principal)
    if principal.role in (Role.HQ_ADMIN, Role.SERVICE):
        return
    if principal.role is Role.STORE_MANAGER and principal.works_at(store_code):
        return
    raise AccessDenied()
