"""The online allocation share: how much of a store's stock online channels may hold at once.

Rule: online channels (MINI_PROGRAM, APP) may hold at a store at most
`floor(online_share x (on_hand - safety_stock))` units of a variant at once; what they may still
sell there (`available_online`) is that less what online orders hold there now, never below 0 and
never more than `available`. Store channels (STORE_POS, CLERK_PAD) are not limited by it. Reason:
without it a flash sale in the app can empty a shop whose walk-in customers then find bare shelves.

Shares are kept to 4 decimal places (basis points of a hundredth) so the floor is exact integer
arithmetic, the same in Python and in SQL. Every store starts at share 1 (online may sell
everything), manual; with `automatic` a daily job sets the share from the store's online share of
units sold over the last 28 days, clamped to min_share..max_share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .catalog import SalesChannel
from .errors import DomainError, DomainErrors, ErrorCode
from .inventory import StockLevel

ONLINE_CHANNELS = frozenset({SalesChannel.MINI_PROGRAM, SalesChannel.APP})
SCALE = 10_000  # shares in units of 1/10,000
WINDOW_DAYS = 28


def is_online(channel: SalesChannel) -> bool:
    return channel in ONLINE_CHANNELS


def scaled(share: float) -> int:
    """A share in 1/10,000ths (what the cap is computed with)."""
    return round(share * SCALE)


def available_online(level: StockLevel, share: float) -> int:
    """What online channels may still sell from this level under this share."""
    cap = scaled(share) * (level.on_hand - level.safety_stock) // SCALE - level.online_reserved
    return max(0, min(cap, level.available))


@dataclass(frozen=True, slots=True)
class AllocationPolicy:
    location_id: int
    online_share: float = 1.0
    automatic: bool = False
    min_share: float = 0.0
    max_share: float = 1.0
    updated_at: datetime | None = None  # None: never set (the default policy)


def changed(
    current: AllocationPolicy,
    *,
    online_share: float | None,
    automatic: bool | None,
    min_share: float | None,
    max_share: float | None,
) -> AllocationPolicy:
    """The policy with these changes (None: keep), checked; every bad value is reported at once."""
    problems = []
    for name, value in (("onlineShare", online_share), ("minShare", min_share), ("maxShare", max_share)):
        if value is not None and not (0.0 <= value <= 1.0):  # NaN fails both comparisons
            problems.append(DomainError(ErrorCode.INVALID_INPUT, f"{name} must be between 0 and 1.", [name]))
    if problems:
        raise problems[0] if len(problems) == 1 else DomainErrors(problems)
    if online_share is None and automatic is None and min_share is None and max_share is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give at least one setting to change.", None)
    low = _round(min_share) if min_share is not None else current.min_share
    high = _round(max_share) if max_share is not None else current.max_share
    if low > high:
        raise DomainError(ErrorCode.INVALID_INPUT, "minShare must not be above maxShare.", ["minShare"])
    share = _round(online_share) if online_share is not None else current.online_share
    return AllocationPolicy(
        current.location_id,
        share,
        automatic if automatic is not None else current.automatic,
        low,
        high,
        current.updated_at,
    )


def _round(share: float) -> float:
    return scaled(share) / SCALE


@dataclass(frozen=True, slots=True)
class ShareDecision:
    """What the daily job decided for one store, and why (it is logged)."""

    location_id: int
    previous: float
    share: float
    online_units: int
    store_units: int

    @property
    def reason(self) -> str:
        total = self.online_units + self.store_units
        if total == 0:
            return f"no sales in {WINDOW_DAYS} days: share kept at {self.share:g}"
        mix = self.online_units / total
        return (
            f"{self.online_units} of {total} units sold in {WINDOW_DAYS} days went online ({mix:.1%}): "
            f"share {self.previous:g} -> {self.share:g}"
        )


def automatic_share(policy: AllocationPolicy, online_units: int, store_units: int) -> ShareDecision:
    """The share the daily job sets: the online share of units sold in the window, clamped to
    min_share..max_share; unchanged when nothing sold (no evidence either way)."""
    total = online_units + store_units
    if total == 0:
        share = policy.online_share
    else:
        share = min(policy.max_share, max(policy.min_share, _round(online_units / total)))
    return ShareDecision(policy.location_id, policy.online_share, share, online_units, store_units)
