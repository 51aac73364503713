"""Try-ons: a member tried a variant on in a store, read by the fitting room's RFID or scanned by a clerk.

Rule: the same member and variant within TRY_ON_WINDOW of the last record are one try-on, not two.
Reason: an RFID antenna reads a garment again every time it moves, and a clerk may scan twice; the
smart guide wants "what did she try", not how often the tag was seen. A batch names each variant
once however often it lists it; the order of first mention is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .access import Principal, Role, require_signed_in
from .errors import AccessDenied

TRY_ON_WINDOW = timedelta(minutes=10)
MAX_VARIANTS_PER_CALL = 50


class TryOnSource(StrEnum):
    RFID = "RFID"
    SCAN = "SCAN"


@dataclass(frozen=True, slots=True)
class TryOn:
    id: int
    member_id: int
    location_id: int
    variant_id: int
    source: TryOnSource
    at: datetime
    purchased: bool = False  # the member paid for this variant after trying it on


def distinct(variant_ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(variant_ids))


def to_record(variant_ids: Sequence[int], last_seen: Mapping[int, datetime], now: datetime) -> list[int]:
    """The variants that are new try-ons now: not recorded for this member within the window."""
    return [v for v in distinct(variant_ids) if v not in last_seen or now - last_seen[v] >= TRY_ON_WINDOW]


def check_may_record(principal: Principal, store_code: str | None) -> None:
    """Store staff of the store the member is in."""
    require_signed_in(principal)
    if store_code is None or not principal.works_at(store_code):
        raise AccessDenied()


def may_read(principal: Principal, member_id: int) -> bool:
    """A member's try-ons: the member, store staff serving them, head office."""
    if principal.role is Role.MEMBER:
        return principal.member_id == member_id
    return principal.is_store_staff or principal.role is Role.HQ_ADMIN
