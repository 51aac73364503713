"""Limits on repeated failures (passwords, pickup codes, coupon codes) so secrets cannot be guessed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    window: timedelta
    lockout: timedelta


SIGN_IN = ThrottlePolicy(max_failures=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15))


@dataclass(frozen=True, slots=True)
class ThrottleState:
    failures: int
    window_started_at: datetime
    locked_until: datetime | None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def after_failure(state: ThrottleState | None, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
    """Count one more failure; the window restarts when it has passed; too many locks the key."""
    if state is None or now - state.window_started_at > policy.window:
        state = ThrottleState(0, now, None)
    failures = state.failures + 1
    locked_until = now + policy.lockout if failures >= policy.max_failures else state.locked_until
    return ThrottleState(failures, state.window_started_at, locked_until)
