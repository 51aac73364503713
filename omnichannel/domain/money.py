"""Money as Decimal amounts in one currency; never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CURRENCY = "CNY"
CENT = Decimal("0.01")


def to_amount(value: Decimal | int | str) -> Decimal:
    """Round a value to whole cents, half up (the way tills round)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of money; immutable, so instances are shared freely."""

    amount: Decimal
    currency: str = CURRENCY

    @staticmethod
    def of(value: Decimal | int | str, currency: str = CURRENCY) -> Money:
        if currency is CURRENCY and type(value) is Decimal and value.is_finite() and not value.is_signed():
            # (not -0: it equals 0 and would hand every later zero its sign)
            # a price list holds few distinct amounts and Money is immutable: share one per amount
            money = _SHARED.get(value)
            if money is None:
                if len(_SHARED) >= SHARED_MAX:
                    _SHARED.clear()
                money = _SHARED[value] = Money(to_amount(value), currency)
            return money
        return Money(to_amount(value), currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(to_amount(self.amount * quantity), self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")


SHARED_MAX = 65_536
_SHARED: dict[Decimal, Money] = {}  # Money.of(amount) in the default currency, by amount
