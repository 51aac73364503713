"""Pickup codes: unguessable, easy to read aloud and type, and throttled against guessing.

A code is 8 characters of Crockford base32 (40 bits of randomness); the clerk types it (with or
without the hyphen, any case, O/0 and I/L/1 confused freely) or scans it. Codes are unique among a
store's open orders. Wrong codes count against the clerk and against the store, and too many lock
both out for a while, so guessing 2^40 codes at a counter is hopeless.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from .throttle import ThrottlePolicy

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 8
CODE_BITS = 5 * CODE_LENGTH
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = str.maketrans("", "", " -_.")
SCAN_PREFIX = "PICKUP:"  # what the member's QR code holds before the code

PER_STAFF = ThrottlePolicy(max_failures=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
# a second scan of a code this long after its order was handed over is a double scan, not a guess
DOUBLE_SCAN_WINDOW = timedelta(minutes=10)
PER_STORE = ThrottlePolicy(max_failures=20, window=timedelta(minutes=15), lockout=timedelta(minutes=15))


def new_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    return "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(CODE_LENGTH))


def normalise(raw: str) -> str | None:
    """The code a clerk typed or scanned, in canonical form; None when it cannot be a code."""
    text = raw.strip().upper()
    if text.startswith(SCAN_PREFIX):
        text = text[len(SCAN_PREFIX) :]
    text = text.translate(_IGNORED).translate(_CONFUSABLE)
    if len(text) != CODE_LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text


def display(code: str) -> str:
    """How the member sees it: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def staff_key(staff_ref: str) -> str:
    return f"pickup:staff:{staff_ref}"


def store_key(location_id: int) -> str:
    return f"pickup:store:{location_id}"
