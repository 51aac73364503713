"""A resolver's arguments on the fast path: converted once, never handed out to be mutated twice.

graphql-core and strawberry convert a field's arguments for every call, so each resolver call gets
lists and dicts of its own. The fast executor converts them once per operation, or once for every
request of a document without variables (`plans.py`), and shares the result between calls. Values
that cannot be changed in place (strings, numbers, enums, tuples of them...) are shared as they are;
every other value (a list of IDs, a JSON object) is copied for each call, so a resolver that sorts
or appends to its argument changes nothing for the next object or the next request
(`tests/schema/test_executor_arguments.py`).
"""

from __future__ import annotations

import copy
import datetime
import enum
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types.arguments import convert_arguments

_IMMUTABLE = frozenset(
    {str, int, float, bool, type(None), Decimal, datetime.datetime, datetime.date, datetime.time, uuid.UUID}
)


def immutable(value: Any) -> bool:
    """Whether a converted argument value can be shared between calls: nothing in it changes in place."""
    kind = type(value)
    if kind in _IMMUTABLE or isinstance(value, enum.Enum):
        return True
    if kind is tuple or kind is frozenset:
        return all(immutable(item) for item in value)
    return False


def fresh(value: Any) -> Any:
    """A value equal to `value` sharing nothing mutable with it (what a conversion of its own gives)."""
    kind = type(value)
    if kind is list:
        return [fresh(item) for item in value]
    if kind is dict:
        return {key: fresh(item) for key, item in value.items()}
    return value if immutable(value) else copy.deepcopy(value)


Copy = tuple[tuple[str, Callable[[Any], Any]], ...]  # (argument name, how to copy its value)


def copier(value: Any) -> Callable[[Any], Any]:
    """How to copy a mutable value for a call: a list of immutable items (IDs, numbers...) with
    `list.copy` (C, no Python call: the catalogue page copies 150 of them), anything else with `fresh`."""
    if type(value) is list and all(immutable(item) for item in value):
        return list.copy
    return fresh


class Converted:
    """A field's converted arguments and how to copy those that must be copied for each call."""

    __slots__ = ("copies", "values")

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.copies: Copy = tuple((name, copier(value)) for name, value in values.items() if not immutable(value))

    def for_call(self) -> dict[str, Any]:
        """The arguments for one call: the shared dict when nothing in it can change, else a copy."""
        return copied(self.values, self.copies) if self.copies else self.values


def copied(values: dict[str, Any], copies: Copy) -> dict[str, Any]:
    """`values` with the values `copies` names copied (`FastExecutor._call_field` inlines this)."""
    values = dict(values)
    for name, copy_value in copies:
        values[name] = copy_value(values[name])
    return values


def convert(
    field_def: Any,
    field_details: Any,
    variable_values: VariableValues,
    hide_suggestions: bool,
    strawberry_field: Any,
    converter: Any,
    info: Any,
) -> Converted:
    """A field's arguments as strawberry passes them (variables and defaults applied, enums and IDs
    converted): the same for every object of one operation."""
    raw = (
        get_argument_values(
            field_def,
            field_details.node,
            variable_values,
            field_details.fragment_variable_values,
            hide_suggestions,
        )
        if field_def.args or field_details.node.arguments
        else {}
    )
    values = convert_arguments(
        raw,
        strawberry_field.arguments,
        scalar_registry=converter.scalar_registry,
        config=converter.config,
        info=info,
    )
    return Converted(values)


__all__ = ["Converted", "Copy", "convert", "copied", "copier", "fresh", "immutable"]
