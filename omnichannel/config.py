"""Settings from the environment, read once at the composition root (app.py, cli.py)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .domain.loyalty import DEFAULT_TIERS, LoyaltyRules, parse_tiers
from .domain.webhooks import DEFAULT_RETRY_BASE, WebhookPolicy


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    redis_url: str | None
    home: Path
    jwt_secret: str | None
    reservation_ttl: int
    db_pool_size: int
    expiry_sweep_interval: float = 5.0
    demo: bool = False
    broker_namespace: str = "omnichannel"
    allowed_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    points_expiry_interval: int = 3600
    allocation_interval: int = 3600
    response_cache_ttl: float = 0.0
    fast_executor: bool = True
    loyalty: LoyaltyRules = field(default_factory=LoyaltyRules)
    max_body_bytes: int = 2 * 1024 * 1024
    max_sync_body_bytes: int = 16 * 1024 * 1024  # SERVICE and HQ_ADMIN tokens (bulk sync)
    max_token_ttl: int = 30 * 24 * 3600
    store_credit_share: Decimal = Decimal("0.3")
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy)
    event_retention_days: int = 30
    event_log: bool = True

    @property
    def embedded_database(self) -> bool:
        return self.database_url is None


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= 3600:
        raise ConfigError(f"{name} must be between 0 (off) and 3600 seconds, got {value}")
    return value


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw not in ("0", "1"):
        raise ConfigError(f"{name} must be 1 (on) or 0 (off), got {raw!r}")
    return raw == "1"


def load_settings(env: Mapping[str, str] | None = None, *, demo: bool = False) -> Settings:
    env = os.environ if env is None else env
    home = Path(env.get("OMNICHANNEL_HOME") or "./.omnichannel").expanduser().resolve()
    origins = tuple(o.strip() for o in env.get("OMNICHANNEL_ALLOWED_ORIGINS", "").split(",") if o.strip())
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        redis_url=env.get("REDIS_URL") or None,
        home=home,
        jwt_secret=env.get("OMNICHANNEL_JWT_SECRET") or None,
        reservation_ttl=_int(env, "OMNICHANNEL_RESERVATION_TTL", 900),
        db_pool_size=_int(env, "OMNICHANNEL_DB_POOL_SIZE", 10),
        expiry_sweep_interval=_seconds(env, "OMNICHANNEL_EXPIRY_SWEEP_INTERVAL", 5.0),
        demo=demo or env.get("OMNICHANNEL_DEMO") == "1",
        allowed_origins=origins,
        broker_namespace=env.get("OMNICHANNEL_BROKER_NAMESPACE") or "omnichannel",
        log_level=env.get("OMNICHANNEL_LOG_LEVEL", "INFO").upper(),
        points_expiry_interval=_int(env, "OMNICHANNEL_POINTS_EXPIRY_INTERVAL", 3600, minimum=0),
        allocation_interval=_int(env, "OMNICHANNEL_ALLOCATION_INTERVAL", 3600, minimum=0),
        response_cache_ttl=_seconds(env, "OMNICHANNEL_RESPONSE_CACHE_TTL", 0.0),
        fast_executor=_switch(env, "OMNICHANNEL_FAST_EXECUTOR", True),
        loyalty=_loyalty(env),
        max_body_bytes=_int(env, "OMNICHANNEL_MAX_BODY_BYTES", 2 * 1024 * 1024, minimum=1024),
        max_sync_body_bytes=_int(env, "OMNICHANNEL_MAX_SYNC_BODY_BYTES", 16 * 1024 * 1024, minimum=1024),
        max_token_ttl=_int(env, "OMNICHANNEL_MAX_TOKEN_TTL", 30 * 24 * 3600, minimum=60),
        store_credit_share=_share(env, "OMNICHANNEL_STORE_CREDIT_SHARE", "0.3"),
        webhooks=_webhooks(env),
        event_retention_days=_int(env, "OMNICHANNEL_EVENT_RETENTION_DAYS", 30),
        event_log=_switch(env, "OMNICHANNEL_EVENT_LOG", True),
    )


def _webhooks(env: Mapping[str, str]) -> WebhookPolicy:
    """OMNICHANNEL_WEBHOOK_PRIVATE_TARGETS=allow lets webhooks reach private addresses (on-premise
    ERPs, tests); OMNICHANNEL_WEBHOOK_RETRY_BASE is the first retry's delay in seconds."""
    private = (env.get("OMNICHANNEL_WEBHOOK_PRIVATE_TARGETS") or "").strip().lower()
    if private not in ("", "allow", "refuse"):
        raise ConfigError(f"OMNICHANNEL_WEBHOOK_PRIVATE_TARGETS must be 'allow' or unset, got {private!r}")
    raw = env.get("OMNICHANNEL_WEBHOOK_RETRY_BASE") or ""
    try:
        base = float(raw) if raw else DEFAULT_RETRY_BASE
    except ValueError:
        raise ConfigError(f"OMNICHANNEL_WEBHOOK_RETRY_BASE must be a number of seconds, got {raw!r}") from None
    if not 0 < base <= 3600:
        raise ConfigError(f"OMNICHANNEL_WEBHOOK_RETRY_BASE must be above 0 and at most 3600 seconds, got {base}")
    return WebhookPolicy(allow_private_targets=private == "allow", retry_base=base)


def _decimal(env: Mapping[str, str], name: str, default: str) -> Decimal:
    raw = env.get(name) or default
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _share(env: Mapping[str, str], name: str, default: str) -> Decimal:
    value = _decimal(env, name, default)
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(1):
        raise ConfigError(f"{name} must be a share between 0 and 1, got {value}")
    return value


def _loyalty(env: Mapping[str, str]) -> LoyaltyRules:
    """The loyalty programme: OMNICHANNEL_POINTS_PER_YUAN, _POINT_VALUE (yuan per point),
    _POINTS_MAX_SHARE (of an order), _POINTS_EXPIRY_YEARS, OMNICHANNEL_TIERS ('NAME:min spend:multiplier,...')."""
    try:
        tiers = parse_tiers(env["OMNICHANNEL_TIERS"]) if env.get("OMNICHANNEL_TIERS") else DEFAULT_TIERS
        return LoyaltyRules(
            points_per_yuan=_decimal(env, "OMNICHANNEL_POINTS_PER_YUAN", "1"),
            point_value=_decimal(env, "OMNICHANNEL_POINT_VALUE", "0.01"),
            max_redeem_share=_decimal(env, "OMNICHANNEL_POINTS_MAX_SHARE", "0.5"),
            expiry_years_after=_int(env, "OMNICHANNEL_POINTS_EXPIRY_YEARS", 1, minimum=0),
            tiers=tiers,
        )
    except (ValueError, InvalidOperation) as error:
        raise ConfigError(f"loyalty settings: {error}") from None


def jwt_secret(settings: Settings) -> str:
    """The signing key. Required in production; in demo mode generated once and kept in the home."""
    if settings.jwt_secret:
        return settings.jwt_secret
    path = settings.home / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    if not settings.demo:
        raise ConfigError("OMNICHANNEL_JWT_SECRET is missing: set it (any long random string) or run with --demo.")
    settings.home.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(secret)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return secret
