from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from .locations import Location


class Staff(Model):
    """Store staff, head office, analysts. Signs in with email and an argon2 password hash."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=200, unique=True)
    name = fields.CharField(max_length=120)
    role = fields.CharField(max_length=16)  # domain.access.Role
    location: "fields.ForeignKeyNullableRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="staff", null=True, on_delete=fields.RESTRICT
    )
    password_hash = fields.CharField(max_length=200)
    active = fields.BooleanField(default=True, db_default=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        table = "staff"
        indexes = (("location_id", "role"),)


class Member(Model):
    """One customer across every channel. `points_balance` is the sum of the member's points entries."""

    id = fields.IntField(primary_key=True)
    member_number = fields.CharField(max_length=20, unique=True)
    display_name = fields.CharField(max_length=120, null=True)
    phone = fields.CharField(max_length=20, unique=True, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())
    points_balance = fields.IntField(default=0, db_default=0)
    merged_into: "fields.ForeignKeyNullableRelation[Member]" = fields.ForeignKeyField(
        "omnichannel.Member", related_name="merged_members", null=True, on_delete=fields.RESTRICT
    )
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "member"
        constraints = (CheckConstraint(check="points_balance >= 0", name="member_points_non_negative"),)
