from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.models import Model


class Promotion(Model):
    """An automatic promotion, the same in every channel."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=120)
    kind = fields.CharField(max_length=20)  # domain.promotions.PromotionKind
    threshold = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    amount_off = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    percent = fields.DecimalField(max_digits=5, decimal_places=2, null=True)
    category_ids = fields.TextField(default="", db_default="")
    product_ids = fields.TextField(default="", db_default="")
    valid_from = fields.DatetimeField(null=True)
    valid_until = fields.DatetimeField(null=True)
    active = fields.BooleanField(default=True, db_default=True)
    created_by = fields.CharField(max_length=120, default="", db_default="")
    created_at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "promotion"
        indexes = (("active",),)
