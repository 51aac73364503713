"""The smart guide's follow-up: what to suggest to a member after a visit, each with a reason.

Rule, in this order (MISSION capability 8): first what the member tried on and did not buy
(the most recent first), then what other members bought together with what this member bought or
tried (co-occurrence over paid orders: the more orders, the higher), then the best sellers of the
member's categories. Never a variant the member has already bought; each variant once, under its
first reason. Scores fall in bands (tried 3-4, bought together 2-3, best sellers 1-2) so the order
of the reasons holds whatever the figures. Reason: a clerk follows up on what the customer
touched before anything a statistic suggests, and a statistic from this member's own basket
before the chain's best sellers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .access import Principal, Role, require_signed_in
from .catalog import Variant
from .errors import AccessDenied

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # the chain's time zone (no daylight saving)
DEFAULT_FIRST = 10
MAX_FIRST = 50
SEEDS = 30  # the member's most recent variants that co-occurrence starts from
TRY_ONS_READ = 50  # the member's most recent try-ons read
PER_SEED = 30  # partners read per seed (the strongest)


@dataclass(frozen=True, slots=True)
class Tried:
    variant_id: int
    store_name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BoughtWith:
    variant_id: int
    orders: int  # paid orders that had it together with one of the member's variants
    via_variant_id: int  # the member's variant it was most often bought with
    via_title: str = ""


@dataclass(frozen=True, slots=True)
class BestSeller:
    variant_id: int
    units: int
    category_name: str


@dataclass
class Signals:
    """What one member's recommendations are made from (read in one go)."""

    bought: set[int] = field(default_factory=set)
    tried: list[Tried] = field(default_factory=list)
    bought_with: list[BoughtWith] = field(default_factory=list)
    best_sellers: list[BestSeller] = field(default_factory=list)
    variants: dict[int, Variant] = field(default_factory=dict)  # every variant named above


@dataclass(frozen=True, slots=True)
class Recommendation:
    variant_id: int
    reason: str
    score: float


def check_may_read(principal: Principal, member_id: int | None) -> int:
    """Whose recommendations: a member's own (memberId omitted or theirs); store staff and head office
    any member's (memberId required)."""
    require_signed_in(principal)
    if principal.role is Role.MEMBER and principal.member_id is not None:
        if member_id is not None and member_id != principal.member_id:
            raise AccessDenied()
        return principal.member_id
    if (principal.is_store_staff or principal.role is Role.HQ_ADMIN) and member_id is not None:
        return member_id
    raise AccessDenied()


def day_label(at: datetime) -> str:
    local = at.astimezone(SHANGHAI)
    return f"{local.day} {local.strftime('%b')}"


def recommend(
    *,
    bought: set[int],
    tried: Sequence[Tried],
    bought_with: Sequence[BoughtWith],
    best_sellers: Sequence[BestSeller],
    now: datetime,
    first: int,
) -> list[Recommendation]:
    picked: dict[int, Recommendation] = {}

    def add(variant_id: int, reason: str, score: float) -> None:
        if variant_id not in bought and variant_id not in picked:
            picked[variant_id] = Recommendation(variant_id, reason, round(score, 4))

    for t in sorted(tried, key=lambda t: t.at, reverse=True):
        days = max((now - t.at).total_seconds() / 86400, 0.0)
        add(t.variant_id, f"tried on at {t.store_name} on {day_label(t.at)}", 3 + 1 / (1 + days))
    strongest = max((b.orders for b in bought_with), default=1) or 1
    for b in sorted(bought_with, key=lambda b: (-b.orders, b.variant_id)):
        via = b.via_title or "what you chose"
        times = "1 order" if b.orders == 1 else f"{b.orders} orders"
        add(b.variant_id, f"often bought with {via} ({times})", 2 + b.orders / strongest)
    top = max((s.units for s in best_sellers), default=1) or 1
    for s in sorted(best_sellers, key=lambda s: (-s.units, s.variant_id)):
        add(s.variant_id, f"a best seller in {s.category_name}", 1 + s.units / top)
    return sorted(picked.values(), key=lambda r: -r.score)[:first]
