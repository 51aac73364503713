"""The points ledger as members and head office read it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ..domain.points import PointsEntry as DomainEntry
from .enums import PointsEntryKind
from .relay import PageInfo, encode_id


@strawberry.type(description="One line of a member's points ledger; the balance is their sum.")
class PointsEntry:
    id: strawberry.ID
    kind: PointsEntryKind
    points: int = strawberry.field(description="positive: credited; negative: taken")
    reason: str
    order_id: strawberry.ID | None
    created_at: datetime
    expires_at: datetime | None = strawberry.field(description="credits: when what is left of them expires")
    remaining: int = strawberry.field(description="credits: how many of these points are still unspent")

    @staticmethod
    def from_domain(entry: DomainEntry) -> PointsEntry:
        return PointsEntry(
            id=strawberry.ID(encode_id("PointsEntry", entry.id)),
            kind=entry.kind,
            points=entry.points,
            reason=entry.reason,
            order_id=strawberry.ID(encode_id("Order", entry.order_id)) if entry.order_id is not None else None,
            created_at=entry.created_at,
            expires_at=entry.expires_at,
            remaining=entry.remaining,
        )


@strawberry.type
class PointsEntryEdge:
    cursor: str
    node: PointsEntry


@strawberry.type
class PointsEntryConnection:
    edges: list[PointsEntryEdge]
    page_info: PageInfo
