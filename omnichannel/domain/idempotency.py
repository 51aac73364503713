"""Idempotency keys, one set of rules for every request that takes one (placeOrder, sellAtTill,
requestTransfer): what a key may be, the fingerprint of the request it names, and the refusal of a
key sent again with another request."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .errors import DomainError, ErrorCode

MAX_KEY_LENGTH = 100


def key_error(key: str | None) -> DomainError | None:
    """What is wrong with a client's key (1 to MAX_KEY_LENGTH printable characters), if anything."""
    if key is None or (1 <= len(key) <= MAX_KEY_LENGTH and key.isprintable()):
        return None
    return DomainError(
        ErrorCode.INVALID_INPUT,
        f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} printable characters.",
        ["idempotencyKey"],
    )


def digest(canonical: Any) -> str:
    """The fingerprint of a request given as JSON-ready data (its key excluded)."""
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()


def check_same_request(stored: str | None, given: str, what: str) -> None:
    """A key names one request: the same key with another request (`what`: "order", "transfer") is refused."""
    if stored != given:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            f"This idempotency key was already used for a different {what}.",
            ["idempotencyKey"],
        )
