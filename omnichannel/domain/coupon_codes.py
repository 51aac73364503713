"""Coupon codes: 70 random bits in Crockford base32 plus a check character, shown as XXXXX-XXXXX-XXXXX.

Crockford's alphabet has no I, L, O or U, and reading accepts the look-alikes (O for 0, I and L for 1),
lower case, spaces and hyphens, so a code read aloud or typed from a receipt still works. The last
character is a Luhn mod 32 check: every single mistyped character and most swapped neighbours are
caught before the database is asked (and before a wrong guess is counted against the clerk).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)
DATA_LENGTH = 14  # 14 x 5 = 70 random bits
CODE_LENGTH = DATA_LENGTH + 1
GROUP = 5
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_ALIASES = {"O": "0", "I": "1", "L": "1"}


def check_character(data: str) -> str:
    """Luhn mod N over the alphabet (N = 32)."""
    factor = 2
    total = 0
    for char in reversed(data):
        addend = factor * _VALUES[char]
        factor = 1 if factor == 2 else 2
        total += addend // BASE + addend % BASE
    return ALPHABET[(BASE - total % BASE) % BASE]


def generate() -> str:
    """A new canonical code (15 characters, no separators)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_character(data)


def canonical(text: str) -> str | None:
    """The canonical form of what someone typed or scanned; None when it cannot be a code."""
    cleaned = "".join(_ALIASES.get(c, c) for c in text.upper() if c not in " -_\t")
    if len(cleaned) != CODE_LENGTH or any(c not in _VALUES for c in cleaned):
        return None
    if check_character(cleaned[:-1]) != cleaned[-1]:
        return None
    return cleaned


def display(code: str) -> str:
    """XXXXX-XXXXX-XXXXX: how a code is printed and shown in the app."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
