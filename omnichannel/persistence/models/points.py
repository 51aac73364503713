from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from .people import Member


class PointsEntry(Model):
    """The points ledger (append-only). A credit is also a lot: `remaining` of it is still unspent."""

    id = fields.BigIntField(primary_key=True)
    member: "fields.ForeignKeyRelation[Member]" = fields.ForeignKeyField(
        "omnichannel.Member", related_name="points_entries", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=16)  # domain.points.EntryKind
    points = fields.IntField()
    reason = fields.CharField(max_length=200)
    order_id = fields.IntField(null=True)
    key = fields.CharField(max_length=64, unique=True, null=True)  # idempotency: posted once, ever
    expires_at = fields.DatetimeField(null=True)
    remaining = fields.IntField(default=0, db_default=0)
    actor = fields.CharField(max_length=120, default="", db_default="")
    created_at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "points_entry"
        indexes = (("member_id", "id"), ("order_id",))
        constraints = (
            CheckConstraint(check="points <> 0", name="points_entry_not_zero"),
            CheckConstraint(check="remaining >= 0 AND remaining <= GREATEST(points, 0)", name="points_remaining_range"),
        )
