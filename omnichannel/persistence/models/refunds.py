from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from .catalog import Variant
    from .locations import Location
    from .orders import Order, OrderLine

REFUND_STATUSES = "'PENDING','SUCCEEDED','FAILED'"


class Refund(Model):
    """Money given back for some lines of a paid order (domain.refunds); the provider confirms it."""

    id = fields.IntField(primary_key=True)
    order: "fields.ForeignKeyRelation[Order]" = fields.ForeignKeyField(
        "omnichannel.Order", related_name="refunds", on_delete=fields.RESTRICT
    )
    status = fields.CharField(max_length=12)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    currency = fields.CharField(max_length=3, default="CNY", db_default="CNY")
    points_returned = fields.IntField(default=0, db_default=0)
    points_reversed = fields.IntField(default=0, db_default=0)
    points_shortfall = fields.IntField(default=0, db_default=0)
    reason = fields.CharField(max_length=500)
    restock_location: "fields.ForeignKeyNullableRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="refunds_restocked", null=True, on_delete=fields.RESTRICT
    )
    reference = fields.CharField(max_length=100, null=True, unique=True)
    created_by = fields.CharField(max_length=140, default="", db_default="")
    created_at = fields.DatetimeField(db_default=Now())
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refund"
        indexes = (("order_id", "id"),)
        constraints = (
            CheckConstraint(check=f"status IN ({REFUND_STATUSES})", name="refund_status_known"),
            CheckConstraint(
                check="amount >= 0 AND points_returned >= 0 AND points_reversed >= 0 AND points_shortfall >= 0",
                name="refund_not_negative",
            ),
        )


class RefundLine(Model):
    """Units of one order line a refund gives back, and their share of what was paid."""

    id = fields.IntField(primary_key=True)
    refund: "fields.ForeignKeyRelation[Refund]" = fields.ForeignKeyField(
        "omnichannel.Refund", related_name="lines", on_delete=fields.CASCADE
    )
    order_line: "fields.ForeignKeyRelation[OrderLine]" = fields.ForeignKeyField(
        "omnichannel.OrderLine", related_name="refund_lines", on_delete=fields.RESTRICT
    )
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="refund_lines", on_delete=fields.RESTRICT
    )
    quantity = fields.IntField()
    amount = fields.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        table = "refund_line"
        indexes = (("refund_id",),)
        constraints = (CheckConstraint(check="quantity > 0 AND amount >= 0", name="refund_line_positive"),)
