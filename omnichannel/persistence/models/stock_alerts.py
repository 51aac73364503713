"""Low-stock alerts, the online allocation policy of a store, and units sold per store, day and channel group."""

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.models import Model

if TYPE_CHECKING:
    from .catalog import Variant
    from .locations import Location


class LowStockAlert(Model):
    """A level that fell to its safety stock or below; open (resolved_at null) until it rises above it."""

    id = fields.BigIntField(primary_key=True)
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="low_stock_alerts", on_delete=fields.CASCADE
    )
    location: "fields.ForeignKeyRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="low_stock_alerts", on_delete=fields.CASCADE
    )
    on_hand = fields.IntField()
    reserved = fields.IntField()
    safety_stock = fields.IntField()
    raised_at = fields.DatetimeField(db_default=Now())
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "low_stock_alert"
        indexes = (("location_id", "id"),)


class AllocationPolicy(Model):
    """The share of a store's stock online channels may hold at once (no row: share 1, manual)."""

    id = fields.IntField(primary_key=True)
    location: "fields.OneToOneRelation[Location]" = fields.OneToOneField(
        "omnichannel.Location", related_name="allocation_policy", on_delete=fields.CASCADE
    )
    online_share = fields.FloatField(default=1.0, db_default=1.0)
    automatic = fields.BooleanField(default=False, db_default=False)
    min_share = fields.FloatField(default=0.0, db_default=0.0)
    max_share = fields.FloatField(default=1.0, db_default=1.0)
    decided_on = fields.DateField(null=True)  # the day the automatic job last set the share (its claim)
    updated_at = fields.DatetimeField(db_default=Now())
    updated_by = fields.CharField(max_length=140, default="", db_default="")

    class Meta:
        table = "allocation_policy"


class ChannelSales(Model):
    """Units sold (handed over or shipped) per location and day, online channels apart from the store's own."""

    id = fields.BigIntField(primary_key=True)
    location: "fields.ForeignKeyRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="channel_sales", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    online_units = fields.IntField(default=0, db_default=0)
    store_units = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "channel_sales"
        unique_together = (("location_id", "day"),)
