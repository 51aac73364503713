"""Relay conventions: the Node interface, opaque global IDs and cursor pagination."""

from __future__ import annotations

import base64
import binascii
import functools
import re

import strawberry

# Row numbers are PostgreSQL integers: every object with a global ID has an int4 key; two lists
# page over bigint keys. A number outside its column's range (or written any other way than we
# write it) is an ID we never issued, refused here rather than by the database.
MAX_ID = 2**31 - 1
MAX_BIGINT = 2**63 - 1
BIGINT_CURSORS = frozenset({"cursor.points", "cursor.audit", "cursor.events", "cursor.delivery", "Event"})
_NUMBER = re.compile(r"[0-9]{1,19}")


class InvalidId(ValueError):
    """A client sent an ID or cursor we did not issue (or one of another type)."""


def _shown(value: str) -> str:
    """The value as quoted in an error message: short, printable."""
    text = value if len(value) <= 60 else value[:57] + "..."
    return "".join(c if c.isprintable() else "?" for c in text)


def _with_article(name: str) -> str:
    return f"an {name}" if name[:1].upper() in "AEIOU" else f"a {name}"


@functools.lru_cache(maxsize=65536)  # views are rebuilt per request; their IDs need not be
def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


@functools.lru_cache(maxsize=4096)  # a page asks for the same store IDs once per variant
def split_id(value: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidId(f"'{_shown(value)}' is not a valid ID.") from None
    type_name, _, number = raw.partition(":")
    if not _NUMBER.fullmatch(number):
        raise InvalidId(f"'{_shown(value)}' is not a valid ID.")
    pk = int(number)
    if pk > (MAX_BIGINT if type_name in BIGINT_CURSORS else MAX_ID):
        raise InvalidId(f"'{_shown(value)}' is not a valid ID.")
    return type_name, pk


def decode_id(value: str, expected: str) -> int:
    type_name, pk = split_id(value)
    if type_name != expected:
        raise InvalidId(f"'{_shown(value)}' is not {_with_article(expected)} ID.")
    return pk


def decode_ids(values: list[strawberry.ID] | None, expected: str) -> list[int] | None:
    ids = decode_id_tuple(values, expected)
    return None if ids is None else list(ids)


@functools.lru_cache(maxsize=1024)  # the same ID list comes once per item of a page
def _decode_many(values: tuple[str, ...], expected: str) -> tuple[int, ...]:
    return tuple(decode_id(v, expected) for v in values)


def decode_id_tuple(values: list[strawberry.ID] | None, expected: str) -> tuple[int, ...] | None:
    """decode_ids as a tuple: no copy for callers that key caches with it."""
    return None if values is None else _decode_many(tuple(values), expected)


def encode_cursor(kind: str, value: int) -> str:
    return encode_id(f"cursor.{kind}", value)


def decode_cursor(value: str | None, kind: str) -> int | None:
    if value is None:
        return None
    try:
        return decode_id(value, f"cursor.{kind}")
    except InvalidId:
        raise InvalidId(f"'{_shown(value)}' is not a cursor of this list.") from None


@strawberry.interface(description="An object with a global ID, refetchable through node(id:).")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @staticmethod
    def of(cursors: list[str], *, has_next: bool, has_previous: bool) -> PageInfo:
        return PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )
