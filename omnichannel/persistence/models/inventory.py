from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from .catalog import Variant
    from .locations import Location


class StockLevel(Model):
    """On hand, reserved and safety stock of one variant at one location."""

    id = fields.IntField(primary_key=True)
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="stock_levels", on_delete=fields.CASCADE
    )
    location: "fields.ForeignKeyRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="stock_levels", on_delete=fields.CASCADE
    )
    on_hand = fields.IntField(default=0, db_default=0)
    reserved = fields.IntField(default=0, db_default=0)
    safety_stock = fields.IntField(default=0, db_default=0)
    online_reserved = fields.IntField(default=0, db_default=0)  # the part of `reserved` online orders hold
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())

    class Meta:
        table = "stock_level"
        unique_together = (("variant_id", "location_id"),)
        indexes = (("location_id", "variant_id"),)
        # no "reserved <= on_hand": a stock count below what is reserved is applied (domain.sync)
        constraints = (
            CheckConstraint(check="on_hand >= 0", name="stock_on_hand_non_negative"),
            CheckConstraint(check="reserved >= 0", name="stock_reserved_non_negative"),
            CheckConstraint(check="safety_stock >= 0", name="stock_safety_non_negative"),
            CheckConstraint(
                check="online_reserved >= 0 AND online_reserved <= reserved", name="stock_online_reserved_within"
            ),
        )


class StockMovement(Model):
    """The stock ledger: every change of a level, written in the same transaction as the change."""

    id = fields.BigIntField(primary_key=True)
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="movements", on_delete=fields.CASCADE
    )
    location: "fields.ForeignKeyRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="movements", on_delete=fields.CASCADE
    )
    reason = fields.CharField(max_length=16)  # domain.inventory.MovementReason
    on_hand_delta = fields.IntField()
    reserved_delta = fields.IntField(default=0, db_default=0)
    on_hand_after = fields.IntField()
    reserved_after = fields.IntField()
    note = fields.CharField(max_length=200, default="", db_default="")
    reference = fields.CharField(max_length=64, null=True)
    actor = fields.CharField(max_length=120, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        table = "stock_movement"
        indexes = (("location_id", "variant_id", "created_at"), ("reference",))
