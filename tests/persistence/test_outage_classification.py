"""What counts as "the database is unavailable" (a warning and a retry) rather than a bug (an error
with its traceback): the background jobs and the API's 503 rely on persistence.db.is_unavailable."""

from __future__ import annotations

import asyncpg
import pytest
from tortoise.exceptions import OperationalError

from omnichannel.persistence.db import is_unavailable


async def test_a_connection_the_server_ended_while_idle_in_a_transaction_is_unavailable(database_url):
    """A webhook slot keeps its transaction open while it posts; a restart ends the connection under it."""
    url = database_url.split("?")[0]
    victim, killer = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        transaction = victim.transaction()
        await transaction.start()
        await victim.fetch("SELECT 1")
        await killer.fetch("SELECT pg_terminate_backend($1)", victim.get_server_pid())
        with pytest.raises(Exception) as failed:  # which one depends on what asyncpg read first
            await victim.execute("COMMIT")
        assert is_unavailable(failed.value), repr(failed.value)
    finally:
        victim.terminate()
        await killer.close()


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (
            asyncpg.exceptions.InternalClientError("cannot switch to state 15; another operation (2) is in progress"),
            True,
        ),
        (asyncpg.exceptions.InterfaceError("connection is closed"), True),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (asyncpg.exceptions.InternalClientError("unknown error in protocol implementation"), False),
        (asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress"), False),
        (asyncpg.exceptions.PostgresSyntaxError("syntax error at or near"), False),
        (ValueError("a bug"), False),
    ],
)
def test_outages_and_bugs_are_told_apart_also_when_wrapped(error, unavailable):
    assert is_unavailable(error) is unavailable
    try:
        try:
            raise error
        except Exception as cause:
            raise OperationalError(str(cause)) from cause  # how tortoise hands asyncpg's errors on
    except OperationalError as wrapped:
        assert is_unavailable(wrapped) is unavailable
