from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from .catalog import Variant
    from .locations import Location

TRANSFER_STATUSES = "'REQUESTED','IN_TRANSIT','RECEIVED','CANCELLED'"


class Transfer(Model):
    """Stock moved between two locations (domain.transfers)."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=16, unique=True)
    from_location: "fields.ForeignKeyRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="transfers_out", on_delete=fields.RESTRICT
    )
    to_location: "fields.ForeignKeyRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="transfers_in", on_delete=fields.RESTRICT
    )
    status = fields.CharField(max_length=12)
    note = fields.CharField(max_length=500, default="", db_default="")
    reference = fields.CharField(max_length=64, null=True)
    requested_by = fields.CharField(max_length=140, default="", db_default="")
    requested_at = fields.DatetimeField(db_default=Now())
    shipped_at = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    idempotency_key = fields.CharField(max_length=100, null=True)  # the requester's, unique per requester
    request_fingerprint = fields.CharField(max_length=64, null=True)  # domain.transfers.TransferRequest.fingerprint
    online = fields.BooleanField(default=False, db_default=False)  # for an online order: an online hold at the source

    class Meta:
        table = "transfer"
        indexes = (("from_location_id", "id"), ("to_location_id", "id"), ("reference",))
        constraints = (
            CheckConstraint(check=f"status IN ({TRANSFER_STATUSES})", name="transfer_status_known"),
            CheckConstraint(check="from_location_id <> to_location_id", name="transfer_two_locations"),
        )


class TransferLine(Model):
    """Units of one variant on a transfer; received_quantity is null until it arrives."""

    id = fields.IntField(primary_key=True)
    transfer: "fields.ForeignKeyRelation[Transfer]" = fields.ForeignKeyField(
        "omnichannel.Transfer", related_name="lines", on_delete=fields.CASCADE
    )
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="transfer_lines", on_delete=fields.RESTRICT
    )
    quantity = fields.IntField()
    received_quantity = fields.IntField(null=True)

    class Meta:
        table = "transfer_line"
        unique_together = (("transfer_id", "variant_id"),)
        constraints = (
            CheckConstraint(
                check="quantity > 0 AND (received_quantity IS NULL OR received_quantity BETWEEN 0 AND quantity)",
                name="transfer_line_quantities",
            ),
        )
