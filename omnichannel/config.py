"""Settings from the environment, read once at the composition root (app.py, cli.py)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


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
    )


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
