"""Loyalty rules: how points are earned and spent, when they expire, and the tiers.

Every number here is configurable (the composition root builds `LoyaltyRules` from settings);
the defaults are the chain's published programme: 1 point per yuan paid, 100 points = 1 yuan,
points pay at most half of an order, points expire at the end of the year after they were earned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal

# The chain's business day is Shanghai's (UTC+8, no daylight saving): "the end of the year" is local.
BUSINESS_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    min_spend: Decimal  # rolling 12-month spend (yuan) that reaches this tier
    multiplier: Decimal  # points earned are multiplied by this


DEFAULT_TIERS = (
    Tier("BASIC", Decimal(0), Decimal("1")),
    Tier("SILVER", Decimal(2000), Decimal("1.2")),
    Tier("GOLD", Decimal(8000), Decimal("1.5")),
    Tier("PLATINUM", Decimal(20000), Decimal("2")),
)


@dataclass(frozen=True, slots=True)
class LoyaltyRules:
    points_per_yuan: Decimal = Decimal(1)
    point_value: Decimal = Decimal("0.01")  # yuan one point pays for
    max_redeem_share: Decimal = Decimal("0.5")  # share of the amount due that points may pay
    expiry_years_after: int = 1  # 1: points expire at the end of the year after the one they were earned in
    tiers: tuple[Tier, ...] = field(default=DEFAULT_TIERS)
    tier_window: timedelta = timedelta(days=365)

    def __post_init__(self) -> None:
        if self.points_per_yuan < 0:
            raise ValueError("points_per_yuan must not be negative")
        if self.point_value <= 0:
            raise ValueError("point_value must be positive")
        if not (0 <= self.max_redeem_share <= 1):
            raise ValueError("max_redeem_share must be between 0 and 1")
        if self.expiry_years_after < 0:
            raise ValueError("expiry_years_after must not be negative")
        if not self.tiers or self.tiers[0].min_spend != 0:
            raise ValueError("the first tier must start at a spend of 0")
        spends = [t.min_spend for t in self.tiers]
        if spends != sorted(spends) or len(set(spends)) != len(spends):
            raise ValueError("tier thresholds must be strictly increasing")
        if any(t.multiplier < 0 for t in self.tiers):
            raise ValueError("tier multipliers must not be negative")

    def tier_for(self, spend: Decimal) -> Tier:
        """The highest tier whose threshold the rolling spend reaches."""
        chosen = self.tiers[0]
        for tier in self.tiers:
            if spend >= tier.min_spend:
                chosen = tier
        return chosen

    def tier_named(self, name: str) -> Tier:
        for tier in self.tiers:
            if tier.name == name:
                return tier
        return self.tiers[0]

    def points_to_earn(self, amount_paid: Decimal, tier: Tier) -> int:
        """Whole points for an amount paid, rounded down (nothing for a free or negative amount)."""
        if amount_paid <= 0:
            return 0
        return int((amount_paid * self.points_per_yuan * tier.multiplier).to_integral_value(rounding=ROUND_FLOOR))

    def value_of(self, points: int) -> Decimal:
        return (self.point_value * points).quantize(Decimal("0.01"))

    def max_points_for(self, amount_due: Decimal) -> int:
        """The most points an order may use: their value stays within the share of the amount due."""
        if amount_due <= 0:
            return 0
        cap = amount_due * self.max_redeem_share / self.point_value
        return int(cap.to_integral_value(rounding=ROUND_FLOOR))

    def expiry_for(self, earned_at: datetime) -> datetime:
        """Points earned at this moment expire at the start of this local year (in UTC)."""
        local = earned_at.astimezone(BUSINESS_TZ)
        return datetime(local.year + self.expiry_years_after + 1, 1, 1, tzinfo=BUSINESS_TZ).astimezone(UTC)

    def tier_window_start(self, now: datetime) -> datetime:
        """Start of the rolling window, to the day (so one request, or one day, sees one window)."""
        return (now - self.tier_window).replace(hour=0, minute=0, second=0, microsecond=0)


def parse_tiers(spec: str) -> tuple[Tier, ...]:
    """'BASIC:0:1,SILVER:2000:1.2,...' (name:min spend:multiplier) to tiers; ValueError when malformed."""
    tiers = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        name, min_spend, multiplier = part.split(":")
        tiers.append(Tier(name.strip().upper(), Decimal(min_spend), Decimal(multiplier)))
    return tuple(tiers)
