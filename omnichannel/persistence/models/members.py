from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.models import Model

if TYPE_CHECKING:
    from .people import Member


class MemberIdentity(Model):
    """A way to recognise a member (phone, WeChat openid/unionid, store card); one member per value."""

    id = fields.IntField(primary_key=True)
    member: "fields.ForeignKeyRelation[Member]" = fields.ForeignKeyField(
        "omnichannel.Member", related_name="identities", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=20)  # domain.members.IdentityKind
    value = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        table = "member_identity"
        unique_together = (("kind", "value"),)
        indexes = (("member_id",),)


class SignInCode(Model):
    """A one-time sign-in code sent to a phone; only its keyed hash is stored."""

    id = fields.BigIntField(primary_key=True)
    phone = fields.CharField(max_length=20)
    code_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(db_default=Now())
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "sign_in_code"
        indexes = (("phone", "created_at"),)


class MemberMerge(Model):
    """Head office folded `duplicate` into `survivor`: what moved, when and by whom."""

    id = fields.IntField(primary_key=True)
    survivor: "fields.ForeignKeyRelation[Member]" = fields.ForeignKeyField(
        "omnichannel.Member", related_name="merges_in", on_delete=fields.RESTRICT
    )
    duplicate: "fields.OneToOneRelation[Member]" = fields.OneToOneField(
        "omnichannel.Member", related_name="merge_out", on_delete=fields.RESTRICT
    )
    points = fields.IntField(default=0, db_default=0)
    coupons = fields.IntField(default=0, db_default=0)
    identities = fields.IntField(default=0, db_default=0)
    orders = fields.IntField(default=0, db_default=0)
    actor = fields.CharField(max_length=120, default="", db_default="")
    merged_at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "member_merge"


class MemberSpend(Model):
    """What a member paid (or got back) per order, for tiers by rolling 12-month spend."""

    id = fields.BigIntField(primary_key=True)
    member: "fields.ForeignKeyRelation[Member]" = fields.ForeignKeyField(
        "omnichannel.Member", related_name="spend", on_delete=fields.RESTRICT
    )
    order_id = fields.IntField(null=True)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    key = fields.CharField(max_length=64, unique=True)
    at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "member_spend"
        indexes = (("member_id", "at"),)
