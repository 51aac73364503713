"""Whether a failure means "the database is down, try again shortly" (a 503 with Retry-After, logged
as a warning) rather than a bug (masked, logged as an error)."""

from __future__ import annotations

from ..persistence.db import is_unavailable

RETRY_AFTER_SECONDS = 5  # what a client is told to wait when the database cannot be reached


class ServiceUnavailable(Exception):
    """The database cannot be reached now; the request may be retried after RETRY_AFTER_SECONDS."""

    def __init__(self) -> None:
        super().__init__(f"The service is briefly unavailable; retry in {RETRY_AFTER_SECONDS} seconds.")


__all__ = ["RETRY_AFTER_SECONDS", "ServiceUnavailable", "is_unavailable"]
