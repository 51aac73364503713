"""The store floor: the audit of member look-ups at the counter, and try-on records."""

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model


class MemberLookup(Model):
    """Who looked a member up, when, by which key, and whom it found (personal data: every look-up is kept)."""

    id = fields.BigIntField(primary_key=True)
    staff_id = fields.IntField(null=True)
    actor = fields.CharField(max_length=140)
    location_id = fields.IntField(null=True)  # the store the staff member works at
    key_kind = fields.CharField(max_length=16)  # PHONE, STORE_CARD, MEMBER_NUMBER
    key_value = fields.CharField(max_length=64)
    member_id = fields.IntField(null=True)  # the member found, if any
    at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "member_lookup"
        table_description = "Every member look-up by store staff or head office: who, when, which key, whom it found."
        indexes = (("at",), ("member_id", "at"), ("staff_id", "at"))


class TryOn(Model):
    """A member tried a variant on in a store (an RFID fitting-room read or a clerk's scan)."""

    id = fields.BigIntField(primary_key=True)
    member = fields.ForeignKeyField("omnichannel.Member", related_name="try_ons", on_delete=fields.RESTRICT)
    location = fields.ForeignKeyField("omnichannel.Location", related_name="try_ons", on_delete=fields.RESTRICT)
    variant = fields.ForeignKeyField("omnichannel.Variant", related_name="try_ons", on_delete=fields.RESTRICT)
    source = fields.CharField(max_length=8)  # domain.try_ons.TryOnSource
    staff_id = fields.IntField(null=True)  # who recorded it
    at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "try_on"
        table_description = "Try-ons captured in store (RFID or scan), tied to the member."
        indexes = (("member_id", "at"), ("member_id", "variant_id", "at"))
        constraints = (CheckConstraint(check="source IN ('RFID','SCAN')", name="try_on_source_known"),)
