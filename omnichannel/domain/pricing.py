"""The one pricing function: every channel prices a cart here, so a promotion is the same everywhere.

Order of work, each step on what the previous ones left:
1. lines at the channel/store price (the caller looks prices up with catalog.effective_price);
2. automatic PERCENT_OFF promotions, line by line (the best one for each line);
3. the best SPEND_AMOUNT_OFF promotion whose threshold is met;
4. coupons, in the order given (each checked with coupons.check_use, then min spend on its scope);
5. points, at most the rules' share of what is still due;
6. the total, and the points the total will earn.
Every discount is spread over the lines it covers (whole cents, largest remainder), so each line
knows its net amount for returns; the order keeps every discount line.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from .catalog import SalesChannel
from .coupons import Coupon, CouponTemplate, check_use
from .errors import DomainError, ErrorCode
from .loyalty import LoyaltyRules, Tier
from .money import CENT, to_amount
from .promotions import Promotion, PromotionKind

MAX_COUPONS = 5
ZERO = Decimal("0.00")


class DiscountKind(StrEnum):
    PROMOTION = "PROMOTION"
    COUPON = "COUPON"
    POINTS = "POINTS"


@dataclass(frozen=True, slots=True)
class CartLine:
    variant_id: int
    product_id: int
    category_ids: frozenset[int]  # every category the product is listed in, and their ancestors
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class DiscountLine:
    kind: DiscountKind
    title: str
    amount: Decimal
    promotion_id: int | None = None
    coupon_id: int | None = None
    code: str | None = None
    points: int = 0
    template_id: int | None = None


@dataclass(frozen=True, slots=True)
class PricedLine:
    variant_id: int
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class PricedCart:
    channel: SalesChannel
    lines: tuple[PricedLine, ...]
    discounts: tuple[DiscountLine, ...]
    subtotal: Decimal
    discount_total: Decimal  # promotions + coupons + the value of the points
    total: Decimal  # what the customer pays
    points_redeemed: int
    points_to_earn: int
    tier: str

    @property
    def coupon_ids(self) -> list[int]:
        return [d.coupon_id for d in self.discounts if d.coupon_id is not None]


@dataclass(frozen=True, slots=True)
class CouponOffer:
    coupon: Coupon
    template: CouponTemplate
    # already used on the order being repriced: its use was checked then and is not checked again
    # (its scope, minimum spend and one-per-kind still are)
    applied: bool = False


def price_cart(
    lines: Sequence[CartLine],
    *,
    channel: SalesChannel,
    store_ids: Collection[int],
    now: datetime,
    rules: LoyaltyRules,
    tier: Tier,
    promotions: Sequence[Promotion] = (),
    coupons: Sequence[CouponOffer] = (),
    member_id: int | None = None,
    points_balance: int | None = None,
    points_to_redeem: int = 0,
    kept_promotions: Sequence[Promotion] = (),
) -> PricedCart:
    """Price a cart for a channel and the stores making the sale (none: online without a store).
    `promotions` apply while live; `kept_promotions` (an order being repriced keeps those it was placed
    with) apply whether or not they still run. Raises DomainError for a coupon or points refusal."""
    if not lines:
        raise DomainError(ErrorCode.INVALID_INPUT, "A cart needs at least one line.", ["lines"])
    subtotals = [to_amount(line.unit_price * line.quantity) for line in lines]
    net = list(subtotals)
    kept_ids = {p.id for p in kept_promotions}
    running = [*kept_promotions, *(p for p in promotions if p.live(now) and p.id not in kept_ids)]
    discounts: list[DiscountLine] = []
    discounts += _percent_promotions(lines, net, running)
    discounts += _spend_promotion(lines, net, running)
    discounts += _coupons(lines, net, coupons, channel=channel, store_ids=store_ids, now=now, member_id=member_id)
    discounts += _points(net, rules, points_balance, points_to_redeem)
    subtotal = sum(subtotals, ZERO)
    total = sum(net, ZERO)
    priced = tuple(
        PricedLine(line.variant_id, line.quantity, to_amount(line.unit_price), sub, sub - after, after)
        for line, sub, after in zip(lines, subtotals, net, strict=True)
    )
    return PricedCart(
        channel=channel,
        lines=priced,
        discounts=tuple(discounts),
        subtotal=subtotal,
        discount_total=subtotal - total,
        total=total,
        points_redeemed=points_to_redeem,
        points_to_earn=rules.points_to_earn(total, tier),
        tier=tier.name,
    )


def _percent_promotions(
    lines: Sequence[CartLine], net: list[Decimal], promotions: list[Promotion]
) -> list[DiscountLine]:
    by_promotion: dict[int, Decimal] = {}
    chosen: dict[int, Promotion] = {}
    percent_offs = sorted((p for p in promotions if p.kind is PromotionKind.PERCENT_OFF), key=lambda p: p.id)
    for i, line in enumerate(lines):
        covering = [p for p in percent_offs if p.scope.covers(line.product_id, line.category_ids)]
        if not covering:
            continue
        best = max(covering, key=lambda p: (p.percent or 0, -p.id))
        off = min(net[i], (net[i] * (best.percent or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP))
        net[i] -= off
        by_promotion[best.id] = by_promotion.get(best.id, ZERO) + off
        chosen[best.id] = best
    return [
        DiscountLine(DiscountKind.PROMOTION, chosen[pid].title, amount, promotion_id=pid)
        for pid, amount in sorted(by_promotion.items())
        if amount > 0
    ]


def _spend_promotion(lines: Sequence[CartLine], net: list[Decimal], promotions: list[Promotion]) -> list[DiscountLine]:
    best: tuple[Decimal, Promotion, list[int]] | None = None
    for promotion in sorted((p for p in promotions if p.kind is PromotionKind.SPEND_AMOUNT_OFF), key=lambda p: p.id):
        covered = [i for i, line in enumerate(lines) if promotion.scope.covers(line.product_id, line.category_ids)]
        base = sum((net[i] for i in covered), ZERO)
        if promotion.threshold is None or promotion.amount_off is None or base < promotion.threshold:
            continue
        off = min(promotion.amount_off, base)
        if best is None or off > best[0]:
            best = (off, promotion, covered)
    if best is None or best[0] <= 0:
        return []
    off, promotion, covered = best
    _allocate(net, covered, off)
    return [DiscountLine(DiscountKind.PROMOTION, promotion.title, off, promotion_id=promotion.id)]


def _coupons(
    lines: Sequence[CartLine],
    net: list[Decimal],
    offers: Sequence[CouponOffer],
    *,
    channel: SalesChannel,
    store_ids: Collection[int],
    now: datetime,
    member_id: int | None,
) -> list[DiscountLine]:
    if len(offers) > MAX_COUPONS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Use at most {MAX_COUPONS} coupons on one order.", ["couponCodes"])
    result: list[DiscountLine] = []
    seen_templates: set[int] = set()
    seen_coupons: set[int] = set()
    for n, offer in enumerate(offers):
        field = ["couponCodes", str(n)]
        coupon, template = offer.coupon, offer.template
        if coupon.id in seen_coupons or template.id in seen_templates:
            raise DomainError(ErrorCode.COUPON_NOT_APPLICABLE, "Only one coupon of each kind per order.", field)
        seen_coupons.add(coupon.id)
        seen_templates.add(template.id)
        if not offer.applied:
            check_use(coupon, template, now=now, channel=channel, store_ids=store_ids, member_id=member_id, field=field)
        covered = [i for i, line in enumerate(lines) if template.scope.covers(line.product_id, line.category_ids)]
        base = sum((net[i] for i in covered), ZERO)
        if template.min_spend is not None and base < template.min_spend:
            raise DomainError(
                ErrorCode.COUPON_MIN_SPEND_NOT_MET,
                f"This coupon needs a spend of {template.min_spend} on qualifying items; the cart has {base}.",
                field,
            )
        off = template.discount_on(base)
        if off <= 0:
            raise DomainError(ErrorCode.COUPON_NOT_APPLICABLE, "Nothing in the cart qualifies for this coupon.", field)
        _allocate(net, covered, off)
        result.append(
            DiscountLine(
                DiscountKind.COUPON, template.title, off, coupon_id=coupon.id, code=coupon.code, template_id=template.id
            )
        )
    return result


def _points(net: list[Decimal], rules: LoyaltyRules, balance: int | None, points: int) -> list[DiscountLine]:
    if points == 0:
        return []
    if points < 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "pointsToRedeem must not be negative.", ["pointsToRedeem"])
    if balance is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Points need a member on the order.", ["pointsToRedeem"])
    if points > balance:
        raise DomainError(ErrorCode.INSUFFICIENT_POINTS, f"Only {balance} points are available.", ["pointsToRedeem"])
    due = sum(net, ZERO)
    limit = rules.max_points_for(due)
    if points > limit:
        raise DomainError(
            ErrorCode.POINTS_LIMIT_EXCEEDED,
            f"Points may pay at most {rules.max_redeem_share * 100:g}% of {due}: up to {limit} points.",
            ["pointsToRedeem"],
        )
    value = rules.value_of(points)
    _allocate(net, list(range(len(net))), value)
    return [DiscountLine(DiscountKind.POINTS, f"{points} points", value, points=points)]


def _allocate(net: list[Decimal], covered: list[int], amount: Decimal) -> None:
    """Take amount off the covered lines in proportion to what each still costs (whole cents)."""
    base = sum((net[i] for i in covered), ZERO)
    if amount <= 0 or base <= 0:
        return
    if amount > base:
        raise AssertionError("a discount larger than what it covers")
    shares = {i: (amount * net[i] / base).quantize(CENT, rounding=ROUND_DOWN) for i in covered}
    left = amount - sum(shares.values(), ZERO)
    remainders = sorted(covered, key=lambda i: (-(amount * net[i] / base - shares[i]), i))
    while left > 0:
        for i in remainders:
            if left > 0 and shares[i] + CENT <= net[i]:
                shares[i] += CENT
                left -= CENT
    for i in covered:
        net[i] -= shares[i]
