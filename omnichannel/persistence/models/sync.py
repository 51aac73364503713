from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.models import Model


class SyncBatch(Model):
    """A bulk sync batch from the ERP, kept so the same batch id again replays its first result."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16)  # STOCK or PRODUCTS
    batch_id = fields.CharField(max_length=64)
    result = fields.TextField()  # the SyncResult as JSON
    actor = fields.CharField(max_length=140, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        table = "sync_batch"
        unique_together = (("kind", "batch_id"),)
