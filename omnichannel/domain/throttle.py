"""Limits on repeated failures (passwords, pickup codes, coupon codes) so secrets cannot be guessed.

An attempt is checked and counted in one step, before the secret is tried (`begin`): while a key is
locked the attempt is refused with the seconds left; while the failures so far plus the attempts in
flight already reach the limit, it waits for those to finish (`must_wait`) - so concurrent guesses
cannot all slip through before the count catches up, and honest concurrent attempts (30 tills of one
store) queue instead of being refused. `finish` ends the attempt and counts it when it was wrong.
Attempts in flight are forgotten after PENDING_TIMEOUT, so a process that dies mid-attempt blocks
nobody for long. Every refusal says when trying again can succeed (`retry_after`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

PENDING_TIMEOUT = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    window: timedelta
    lockout: timedelta


# staff passwords: one address may try one account 10 times in a row, and 30 times across accounts,
# within 15 minutes; the right password keeps working from every other address (an attacker cannot
# lock head office out)
SIGN_IN_ACCOUNT_FROM_ADDRESS = ThrottlePolicy(
    max_failures=10, window=timedelta(minutes=15), lockout=timedelta(minutes=15)
)
SIGN_IN_FROM_ADDRESS = ThrottlePolicy(max_failures=30, window=timedelta(minutes=15), lockout=timedelta(minutes=15))


@dataclass(frozen=True, slots=True)
class ThrottleState:
    failures: int
    window_started_at: datetime
    locked_until: datetime | None
    pending: int = 0  # attempts begun and not finished
    pending_until: datetime | None = None  # after this, `pending` is stale (its process died)

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the lock ends (at least 1 while locked; 0 when not locked)."""
        if not self.is_locked(now):
            return 0
        assert self.locked_until is not None
        return max(1, math.ceil((self.locked_until - now).total_seconds()))

    def in_flight(self, now: datetime) -> int:
        return self.pending if self.pending_until is not None and now < self.pending_until else 0


def _current(state: ThrottleState | None, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
    """The state with its window restarted when it has passed (a lock outlives its window)."""
    if state is None:
        return ThrottleState(0, now, None)
    if now - state.window_started_at > policy.window and not state.is_locked(now):
        return replace(state, failures=0, window_started_at=now, locked_until=None)
    return state


def after_failure(state: ThrottleState | None, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
    """Count one more failure; too many locks the key."""
    state = _current(state, policy, now)
    failures = state.failures + 1
    locked_until = now + policy.lockout if failures >= policy.max_failures else state.locked_until
    return replace(state, failures=failures, locked_until=locked_until)


def must_wait(state: ThrottleState | None, policy: ThrottlePolicy, now: datetime) -> bool:
    """The failures so far and the attempts in flight already use the whole budget."""
    state = _current(state, policy, now)
    return state.failures + state.in_flight(now) >= policy.max_failures


def begin(state: ThrottleState | None, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
    """One more attempt in flight (call when neither locked nor must_wait)."""
    state = _current(state, policy, now)
    return replace(state, pending=state.in_flight(now) + 1, pending_until=now + PENDING_TIMEOUT)


def finish(state: ThrottleState, policy: ThrottlePolicy, now: datetime, *, wrong: bool) -> ThrottleState:
    """The attempt begun is over; a wrong one counts as a failure."""
    state = replace(state, pending=max(0, state.in_flight(now) - 1))
    return after_failure(state, policy, now) if wrong else state


def retry_after(states: dict[str, ThrottleState], now: datetime) -> int:
    """Seconds until every one of these keys is unlocked (0: none is locked)."""
    return max((s.retry_after(now) for s in states.values()), default=0)
