from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from .catalog import Variant
    from .locations import Location


class SalesDay(Model):
    """Units of a variant sold at a location on one day (Shanghai date), kept as sales happen: added
    in the transaction that hands a pickup over or ships a parcel (resolvers/sales_history.py)."""

    id = fields.BigIntField(primary_key=True)
    location: "fields.ForeignKeyRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="sales_days", on_delete=fields.CASCADE, db_constraint=False
    )
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="sales_days", on_delete=fields.CASCADE, db_constraint=False
    )
    day = fields.DateField()
    units = fields.IntField(default=0, db_default=0)
    last_sold_at = fields.DatetimeField()

    class Meta:
        table = "sales_day"
        unique_together = (("location_id", "variant_id", "day"),)
        indexes = (("variant_id", "day"),)
        constraints = (CheckConstraint(check="units >= 0", name="sales_day_units_non_negative"),)
