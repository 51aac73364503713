"""Rows that other rows reference by foreign key: loaded as `X | None`, present unless the database
is inconsistent. `referenced` says so to the type checker and, if it ever happens, fails with the
row named (an internal error, masked for clients) instead of an AttributeError on None."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def referenced(value: T | None, what: str, key: object) -> T:
    if value is None:
        raise LookupError(f"{what} {key!r} is referenced but missing")
    return value


__all__ = ["referenced"]
