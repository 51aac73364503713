"""Decimal and DateTime as clients may send them: finite amounts of sensible size, moments in time.

strawberry's own scalars accept `NaN`, `Infinity` and `1e999999` as Decimals (which then fail deep in
a comparison or in PostgreSQL) and date-times without a time zone (which cannot be compared with the
aware ones the service keeps). Here a Decimal is finite, below MAX_DECIMAL in size, with at most
MAX_DECIMAL_PLACES places; a DateTime without an offset is taken as UTC.
"""

from __future__ import annotations

import datetime as dt
import decimal

import dateutil.parser
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateTimeDefinition, DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

MAX_DECIMAL = decimal.Decimal(10) ** 12  # a trillion: more than any amount or quantity we keep
MAX_DECIMAL_PLACES = 6


def parse_decimal(value: object) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise StrawberryInputCoercionError(f'Value cannot represent a Decimal: "{value}". Expected a string.')
    text = str(value)
    try:
        number = decimal.Decimal(text.strip())
    except decimal.DecimalException:
        raise StrawberryInputCoercionError(f'Value cannot represent a Decimal: "{text[:40]}".') from None
    if not number.is_finite() or abs(number) >= MAX_DECIMAL:
        raise StrawberryInputCoercionError(f"A Decimal must be a finite number below {MAX_DECIMAL:,}.")
    if number.as_tuple().exponent < -MAX_DECIMAL_PLACES:  # type: ignore[operator]
        raise StrawberryInputCoercionError(f"A Decimal may have at most {MAX_DECIMAL_PLACES} decimal places.")
    return number


def parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Expected a string.')
    try:
        moment: dt.datetime = dateutil.parser.isoparse(value)
    except (ValueError, OverflowError):
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value[:40]}". Expected ISO 8601, e.g. 2026-01-31T09:30:00+08:00.'
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _override(base: ScalarDefinition, parse_value: object) -> ScalarDefinition:
    return ScalarDefinition(
        name=base.name,
        description=base.description,
        specified_by_url=base.specified_by_url,
        serialize=base.serialize,
        parse_value=parse_value,  # type: ignore[arg-type]
        parse_literal=None,
        origin=base.origin,
    )


SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    decimal.Decimal: _override(DecimalDefinition, parse_decimal),
    dt.datetime: _override(DateTimeDefinition, parse_datetime),
}
