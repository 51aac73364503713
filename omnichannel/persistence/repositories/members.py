"""Members across channels: identities, sign-in codes, merges, and following a merged member."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.members import Identity, IdentityKind, MergeSummary, SignInCode, member_number
from ...domain.people import Member
from ..db import execute, fetch
from ..mappers import MEMBER_COLUMNS, to_member
from ..session import Session

MAX_MERGE_HOPS = 8
CODE_COLUMNS = "id, phone, code_hash, created_at, expires_at, used_at, attempts"


async def survivors(member_ids: Sequence[int], *, conn: BaseDBAsyncClient | None = None) -> dict[int, int]:
    """Each known id mapped to the member it now is (itself, or the survivor it was merged into)."""
    result: dict[int, int] = {}
    pending = {i: i for i in set(member_ids)}
    for _ in range(MAX_MERGE_HOPS):
        if not pending:
            break
        rows = await fetch(
            "SELECT id, merged_into_id FROM member WHERE id = ANY($1::int[])", [list(set(pending.values()))], conn=conn
        )
        target = {r["id"]: r["merged_into_id"] for r in rows}
        nxt: dict[int, int] = {}
        for original, current in pending.items():
            if current not in target:
                continue  # no such member
            if target[current] is None:
                result[original] = current
            else:
                nxt[original] = target[current]
        pending = nxt
    return result


async def by_identity(identity: Identity, *, conn: BaseDBAsyncClient | None = None) -> Member | None:
    rows = await fetch(
        f"SELECT {', '.join('m.' + c.strip() for c in MEMBER_COLUMNS.split(','))} FROM member_identity i "
        "JOIN member m ON m.id = i.member_id WHERE i.kind = $1 AND i.value = $2",
        [identity.kind.value, identity.value],
        conn=conn,
    )
    return to_member(rows[0]) if rows else None


async def identities_of(member_ids: Sequence[int]) -> list[tuple[int, Identity]]:
    rows = await fetch(
        "SELECT member_id, kind, value FROM member_identity WHERE member_id = ANY($1::int[]) ORDER BY id",
        [list(member_ids)],
    )
    return [(r["member_id"], Identity(IdentityKind(r["kind"]), r["value"])) for r in rows]


class MemberStore:
    """The member repository of the unit of work (domain.ports.MemberRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _conn(self) -> BaseDBAsyncClient | None:
        return self._session.conn

    async def get(self, member_id: int) -> Member | None:
        found: Member | None = await self._session.loaders.member.load(member_id)
        return found

    async def current(self, member_id: int) -> Member | None:
        """The member this id is now: itself, or the survivor it was merged into."""
        member = await self.get(member_id)
        if member is None or member.merged_into_id is None:
            return member
        survivor = (await survivors([member_id], conn=self._conn)).get(member_id)
        return await self.get(survivor) if survivor is not None else None

    async def by_identity(self, identity: Identity) -> Member | None:
        return await by_identity(identity, conn=self._conn)

    async def lock(self, member_ids: Sequence[int]) -> dict[int, Member]:
        """Lock these member rows (in id order, so two merges never deadlock)."""
        rows = await fetch(
            f"SELECT {MEMBER_COLUMNS} FROM member WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE",
            [sorted(set(member_ids))],
            conn=self._conn,
        )
        return {r["id"]: to_member(r) for r in rows}

    async def lock_current(self, member_id: int) -> Member | None:
        """Lock the member this id now is (a merged member's survivor)."""
        for _ in range(MAX_MERGE_HOPS):
            found = (await self.lock([member_id])).get(member_id)
            if found is None or found.merged_into_id is None:
                return found
            member_id = found.merged_into_id
        return None

    async def create(self, phone: str) -> Member:
        """A new member with the next member number, reachable by this phone."""
        rows = await fetch("SELECT nextval(pg_get_serial_sequence('member', 'id')) AS id", conn=self._conn)
        new_id = int(rows[0]["id"])
        rows = await fetch(
            f"INSERT INTO member (id, member_number, phone) VALUES ($1, $2, $3) RETURNING {MEMBER_COLUMNS}",
            [new_id, member_number(new_id), phone],
            conn=self._conn,
        )
        return to_member(rows[0])

    async def link(self, member_id: int, identity: Identity) -> int:
        """Attach an identity; returns the member that holds it (another member when already taken)."""
        rows = await fetch(
            "INSERT INTO member_identity (member_id, kind, value) VALUES ($1, $2, $3) "
            "ON CONFLICT (kind, value) DO NOTHING RETURNING member_id",
            [member_id, identity.kind.value, identity.value],
            conn=self._conn,
        )
        if rows:
            return member_id
        owner = await fetch(
            "SELECT member_id FROM member_identity WHERE kind = $1 AND value = $2",
            [identity.kind.value, identity.value],
            conn=self._conn,
        )
        return int(owner[0]["member_id"])

    async def merge(self, survivor: Member, duplicate: Member, *, now: datetime, actor: str) -> MergeSummary:
        """Move everything of `duplicate` to `survivor` and close it (both rows locked by the caller)."""
        conn = self._conn
        pair = [survivor.id, duplicate.id]
        await execute("UPDATE points_entry SET member_id = $1 WHERE member_id = $2", pair, conn=conn)
        await execute("UPDATE member_spend SET member_id = $1 WHERE member_id = $2", pair, conn=conn)
        await execute("UPDATE try_on SET member_id = $1 WHERE member_id = $2", pair, conn=conn)
        coupons = _count(await execute("UPDATE coupon SET member_id = $1 WHERE member_id = $2", pair, conn=conn))
        identities = _count(
            await execute("UPDATE member_identity SET member_id = $1 WHERE member_id = $2", pair, conn=conn)
        )
        orders = _count(await execute("UPDATE customer_order SET member_id = $1 WHERE member_id = $2", pair, conn=conn))
        await execute(
            "UPDATE member SET points_balance = 0, phone = NULL, merged_into_id = $2, closed_at = $3 WHERE id = $1",
            [duplicate.id, survivor.id, now],
            conn=conn,
        )
        await execute(
            "UPDATE member SET points_balance = points_balance + $2, phone = COALESCE(phone, $3), "
            "display_name = COALESCE(display_name, $4) WHERE id = $1",
            [survivor.id, duplicate.points_balance, duplicate.phone, duplicate.display_name],
            conn=conn,
        )
        # members merged into the duplicate earlier now point straight at the survivor
        await execute(
            "UPDATE member SET merged_into_id = $1 WHERE merged_into_id = $2", [survivor.id, duplicate.id], conn=conn
        )
        summary = MergeSummary(duplicate.points_balance, coupons, identities, orders)
        for member_id in pair:
            self._session.stale("member", member_id)
        await execute(
            "INSERT INTO member_merge (survivor_id, duplicate_id, points, coupons, identities, orders, actor, "
            "merged_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [survivor.id, duplicate.id, summary.points, coupons, identities, orders, actor, now],
            conn=conn,
        )
        return summary

    # --- one-time sign-in codes ---

    async def recent_codes(self, phone: str, since: datetime) -> list[SignInCode]:
        rows = await fetch(
            f"SELECT {CODE_COLUMNS} FROM sign_in_code WHERE phone = $1 AND created_at >= $2 ORDER BY created_at",
            [phone, since],
            conn=self._conn,
        )
        return [SignInCode(**dict(r)) for r in rows]

    async def lock_phone(self, phone: str) -> None:
        """Serialise code requests and checks for one phone (a transaction-scoped advisory lock)."""
        await fetch("SELECT pg_advisory_xact_lock(hashtext('signin:' || $1))", [phone], conn=self._conn)

    async def add_code(self, phone: str, code_hash: str, now: datetime, expires_at: datetime) -> None:
        await execute(
            "INSERT INTO sign_in_code (phone, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            [phone, code_hash, now, expires_at],
            conn=self._conn,
        )

    async def latest_code(self, phone: str) -> SignInCode | None:
        rows = await fetch(
            f"SELECT {CODE_COLUMNS} FROM sign_in_code "
            "WHERE phone = $1 ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE",
            [phone],
            conn=self._conn,
        )
        return SignInCode(**dict(rows[0])) if rows else None

    async def count_wrong_attempt(self, code_id: int) -> None:
        await execute("UPDATE sign_in_code SET attempts = attempts + 1 WHERE id = $1", [code_id], conn=self._conn)

    async def use_code(self, code_id: int, now: datetime) -> bool:
        """Single use: only the first caller flips used_at."""
        done = await execute(
            "UPDATE sign_in_code SET used_at = $2 WHERE id = $1 AND used_at IS NULL", [code_id, now], conn=self._conn
        )
        return _count(done) == 1


def _count(status: str) -> int:
    """Rows affected, from asyncpg's status string ('UPDATE 3')."""
    return int(status.rsplit(" ", 1)[-1])
