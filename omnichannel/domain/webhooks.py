"""Webhooks: which URLs may receive events, how a delivery is signed, when a failed one is retried.

- Targets are http(s) URLs on public addresses. Loopback, private, link-local, shared and reserved
  addresses are refused (WEBHOOK_TARGET_FORBIDDEN) unless the operator allows private targets
  (on-premise ERPs, tests): a webhook must never become a way to reach inside our network. The
  sender checks every address again when it connects, so DNS that changes later gains nothing.
- The signature is `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`: the receiver
  recomputes it from the raw body and rejects old timestamps, which stops forged and replayed calls.
- A failed attempt is retried after `base * 2^(attempt-1)` seconds, at most an hour apart; the
  twelfth failure is final (FAILED). Each attempt is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from .errors import DomainError, ErrorCode
from .event_log import EVENT_TYPES, MAX_TYPE_LENGTH

MAX_URL_LENGTH = 2000
MAX_EVENT_TYPES = 32
MAX_ATTEMPTS = 12
MAX_DELAY_SECONDS = 3600.0
DEFAULT_RETRY_BASE = 5.0
TIMEOUT_SECONDS = 10.0
MAX_WEBHOOKS = 100


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    allow_private_targets: bool = False
    retry_base: float = DEFAULT_RETRY_BASE
    timeout: float = TIMEOUT_SECONDS  # a 2xx within this many seconds counts as delivered


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # the next attempt, due at `due_at`
    DELIVERED = "DELIVERED"  # the receiver answered 2xx in time
    RETRYING = "RETRYING"  # this attempt failed; another one is scheduled
    FAILED = "FAILED"  # this attempt failed and was the last


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    url: str
    event_types: tuple[str, ...]
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    id: int
    webhook_id: int
    event_id: int
    attempt: int
    status: DeliveryStatus
    response_status: int | None
    error: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def check_url(raw: str) -> Target:
    """A well-formed http(s) URL with a host; the address check comes separately (it needs DNS)."""
    url = raw.strip()
    if not url or len(url) > MAX_URL_LENGTH or not url.isprintable() or any(c.isspace() for c in url):
        raise DomainError(ErrorCode.INVALID_INPUT, f"url must be 1 to {MAX_URL_LENGTH} printable characters.", ["url"])
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, "url is not a valid URL.", ["url"]) from None
    if parts.scheme not in ("http", "https"):
        raise DomainError(ErrorCode.INVALID_INPUT, "url must start with http:// or https://.", ["url"])
    if not parts.hostname:
        raise DomainError(ErrorCode.INVALID_INPUT, "url must name a host.", ["url"])
    if parts.username is not None or parts.password is not None:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "url must not carry credentials; the signature proves the sender.", ["url"]
        )
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80))


def check_event_types(types: Sequence[str]) -> tuple[str, ...]:
    """Known types, each once, in the order given."""
    if not types:
        raise DomainError(ErrorCode.INVALID_INPUT, "Name at least one event type.", ["eventTypes"])
    if len(types) > MAX_EVENT_TYPES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {MAX_EVENT_TYPES} event types.", ["eventTypes"])
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        shown = ", ".join(repr(t[:MAX_TYPE_LENGTH]) for t in unknown[:3])
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Unknown event type(s) {shown}; known types: {', '.join(EVENT_TYPES)}.",
            ["eventTypes"],
        )
    return tuple(dict.fromkeys(types))


def forbidden_address(address: str) -> bool:
    """True for addresses a webhook may not reach: anything not on the public internet."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Every address the host resolves to must be public; one private address is enough to refuse."""
    found = list(addresses)
    if not found:
        raise DomainError(ErrorCode.INVALID_INPUT, f"The host {host!r} does not resolve.", ["url"])
    bad = [a for a in found if forbidden_address(a)]
    if bad:
        raise DomainError(
            ErrorCode.WEBHOOK_TARGET_FORBIDDEN,
            f"Webhooks may not target loopback, private or link-local addresses ({host} is {bad[0]}).",
            ["url"],
        )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Omnichannel-Signature header value."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def retry_delay(attempt: int, base: float) -> float:
    """Seconds between the failed `attempt` (1-based) and the next one."""
    return float(min(MAX_DELAY_SECONDS, base * 2 ** min(attempt - 1, 30)))


@dataclass(frozen=True, slots=True)
class Outcome:
    status: DeliveryStatus  # of the attempt just made
    retry_in: float | None  # seconds until the next attempt, if there is one


def outcome(attempt: int, delivered: bool, base: float) -> Outcome:
    if delivered:
        return Outcome(DeliveryStatus.DELIVERED, None)
    if attempt >= MAX_ATTEMPTS:
        return Outcome(DeliveryStatus.FAILED, None)
    return Outcome(DeliveryStatus.RETRYING, retry_delay(attempt, base))
