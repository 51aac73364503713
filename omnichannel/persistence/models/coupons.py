from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from .locations import Location
    from .people import Member, Staff


class CouponTemplate(Model):
    """What head office offers; lists are comma-separated ids/names, empty meaning 'all'."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=120)
    kind = fields.CharField(max_length=16)  # domain.coupons.CouponKind
    value = fields.DecimalField(max_digits=12, decimal_places=2)
    max_discount = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    min_spend = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    category_ids = fields.TextField(default="", db_default="")
    product_ids = fields.TextField(default="", db_default="")
    channels = fields.CharField(max_length=120, default="", db_default="")
    store_ids = fields.TextField(default="", db_default="")
    valid_from = fields.DatetimeField(null=True)
    valid_until = fields.DatetimeField(null=True)
    total_quantity = fields.IntField(null=True)
    per_member_limit = fields.IntField(null=True)
    issued_count = fields.IntField(default=0, db_default=0)
    active = fields.BooleanField(default=True, db_default=True)
    created_by = fields.CharField(max_length=120, default="", db_default="")
    created_at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "coupon_template"
        constraints = (
            CheckConstraint(
                check="issued_count >= 0 AND (total_quantity IS NULL OR issued_count <= total_quantity)",
                name="coupon_template_issued_within_total",
            ),
        )


class Coupon(Model):
    """One member's coupon with its unique code. Used at most once (status moves ACTIVE -> REDEEMED)."""

    id = fields.IntField(primary_key=True)
    template: "fields.ForeignKeyRelation[CouponTemplate]" = fields.ForeignKeyField(
        "omnichannel.CouponTemplate", related_name="coupons", on_delete=fields.RESTRICT
    )
    member: "fields.ForeignKeyRelation[Member]" = fields.ForeignKeyField(
        "omnichannel.Member", related_name="coupons", on_delete=fields.RESTRICT
    )
    code = fields.CharField(max_length=16, unique=True)
    status = fields.CharField(max_length=12, default="ACTIVE", db_default="ACTIVE")  # domain.coupons.CouponStatus
    claimed_at = fields.DatetimeField(db_default=Now())
    valid_from = fields.DatetimeField(null=True)
    valid_until = fields.DatetimeField(null=True)
    used_at = fields.DatetimeField(null=True)
    order_id = fields.IntField(null=True)
    store: "fields.ForeignKeyNullableRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="coupons_used", null=True, on_delete=fields.RESTRICT
    )
    staff: "fields.ForeignKeyNullableRelation[Staff]" = fields.ForeignKeyField(
        "omnichannel.Staff", related_name="coupons_redeemed", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "coupon"
        indexes = (("member_id", "template_id"), ("order_id",))


class CouponEvent(Model):
    """The coupon audit trail: claims, uses, returns and refusals, for head office."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=24)  # domain.coupons.AuditKind
    at = fields.DatetimeField(db_default=Now())
    template_id = fields.IntField(null=True)
    coupon_id = fields.IntField(null=True)
    member_id = fields.IntField(null=True)
    channel = fields.CharField(max_length=16, null=True)
    store_id = fields.IntField(null=True)
    staff_id = fields.IntField(null=True)
    order_id = fields.IntField(null=True)
    code = fields.CharField(max_length=40, null=True)
    error_code = fields.CharField(max_length=40, null=True)
    detail = fields.CharField(max_length=200, default="", db_default="")
    actor = fields.CharField(max_length=120, default="", db_default="")

    class Meta:
        table = "coupon_event"
        indexes = (("template_id", "id"), ("coupon_id", "id"), ("kind", "id"))
