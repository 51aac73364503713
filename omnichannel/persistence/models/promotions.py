from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.models import Model

if TYPE_CHECKING:
    from .orders import Order


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


class OrderDiscount(Model):
    """Each discount an order got when it was priced: a promotion, a coupon, or points."""

    id = fields.BigIntField(primary_key=True)
    order: "fields.ForeignKeyRelation[Order]" = fields.ForeignKeyField(
        "omnichannel.Order", related_name="discounts", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    kind = fields.CharField(max_length=16)  # domain.pricing.DiscountKind
    title = fields.CharField(max_length=120)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    promotion_id = fields.IntField(null=True)
    coupon_id = fields.IntField(null=True)
    code = fields.CharField(max_length=16, null=True)
    points = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "order_discount"
        unique_together = (("order_id", "position"),)
