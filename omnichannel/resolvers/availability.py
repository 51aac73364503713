"""Whether a failure means "the database is down, try again shortly" (a 503 with Retry-After, logged
as a warning) rather than a bug (masked, logged as an error)."""

from __future__ import annotations

import asyncio

from ..persistence.db import is_unavailable

RETRY_AFTER_SECONDS = 5  # what a client is told to wait when the database cannot be reached


class ServiceUnavailable(Exception):
    """The database cannot be reached now; the request may be retried after RETRY_AFTER_SECONDS."""

    def __init__(self) -> None:
        super().__init__(f"The service is briefly unavailable; retry in {RETRY_AFTER_SECONDS} seconds.")


def cancelled() -> bool:
    """Whether the running task is being cancelled. A background job's `except Exception` checks it:
    a cancellation that lands inside a database call can come out as another error (the pool closing
    under it), and a job that went on sweeping would hold the app's shutdown for ever."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


__all__ = ["RETRY_AFTER_SECONDS", "ServiceUnavailable", "cancelled", "is_unavailable"]
