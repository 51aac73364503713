"""The store floor: the audit of member look-ups at the counter, and try-on records."""

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from .catalog import Variant
    from .locations import Location
    from .people import Member


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
    member: "fields.ForeignKeyRelation[Member]" = fields.ForeignKeyField(
        "omnichannel.Member", related_name="try_ons", on_delete=fields.RESTRICT
    )
    location: "fields.ForeignKeyRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="try_ons", on_delete=fields.RESTRICT
    )
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="try_ons", on_delete=fields.RESTRICT
    )
    source = fields.CharField(max_length=8)  # domain.try_ons.TryOnSource
    staff_id = fields.IntField(null=True)  # who recorded it
    at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "try_on"
        table_description = "Try-ons captured in store (RFID or scan), tied to the member."
        indexes = (("member_id", "at"), ("member_id", "variant_id", "at"))
        constraints = (CheckConstraint(check="source IN ('RFID','SCAN')", name="try_on_source_known"),)


class CommissionRule(Model):
    """Head office's rule: a percentage of what was paid, by channel and category, for a time. Never edited."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    rate_percent = fields.DecimalField(max_digits=7, decimal_places=4)
    channels = fields.CharField(max_length=120, default="", db_default="")  # comma-separated; empty: all
    category_ids = fields.TextField(default="", db_default="")  # comma-separated ids; empty: all
    valid_from = fields.DatetimeField(null=True)
    valid_until = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    created_by = fields.CharField(max_length=140, default="", db_default="")
    created_at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "commission_rule"
        table_description = (
            "Commission rules by head office: rate, channels, categories, validity; ended, never edited."
        )
        constraints = (CheckConstraint(check="rate_percent > 0 AND rate_percent <= 100", name="commission_rate_range"),)


class CommissionEntry(Model):
    """EARNED when an attributed order is paid, REVERSED for what is given back. Append-only."""

    id = fields.BigIntField(primary_key=True)
    staff_id = fields.IntField()
    location_id = fields.IntField(null=True)  # the store the sale is attributed to
    order_id = fields.IntField()
    kind = fields.CharField(max_length=8)  # EARNED, REVERSED
    amount = fields.DecimalField(max_digits=12, decimal_places=2)  # negative for REVERSED
    sales = fields.DecimalField(max_digits=12, decimal_places=2)  # what was paid (negative: given back)
    rule_id = fields.IntField(null=True)
    reference = fields.CharField(max_length=64, default="", db_default="")  # what caused it (payment, refund id)
    at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "commission_entry"
        table_description = "Commission entries: EARNED at payment, REVERSED on cancellation and refunds."
        unique_together = (("order_id", "kind", "reference"),)
        indexes = (("staff_id", "at"), ("location_id", "at"), ("at",))
        constraints = (
            CheckConstraint(check="kind IN ('EARNED','REVERSED')", name="commission_entry_kind_known"),
            CheckConstraint(
                check="(kind = 'EARNED' AND amount >= 0) OR (kind = 'REVERSED' AND amount <= 0)",
                name="commission_entry_sign",
            ),
        )


class CommissionLine(Model):
    """How an EARNED entry was computed, line by line: the base, the rule and its rate at the time."""

    id = fields.BigIntField(primary_key=True)
    entry_id = fields.BigIntField()
    position = fields.IntField()
    base = fields.DecimalField(max_digits=12, decimal_places=2)
    rule_id = fields.IntField(null=True)
    rate_percent = fields.DecimalField(max_digits=7, decimal_places=4)

    class Meta:
        table = "commission_line"
        indexes = (("entry_id",),)


class SalesCreditEntry(Model):
    """The credit ledger: each party's credit for a paid order, and the reversals of refunds."""

    id = fields.BigIntField(primary_key=True)
    order_id = fields.IntField()
    location_id = fields.IntField(null=True)  # null: the online team
    share = fields.DecimalField(max_digits=7, decimal_places=6)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    store_share = fields.DecimalField(max_digits=7, decimal_places=6)  # the setting the split was made with
    reference = fields.CharField(max_length=64, default="", db_default="")
    at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "sales_credit"
        table_description = (
            "Sales credited to a store's team or the online team (null store): at payment, less refunds."
        )
        indexes = (("order_id",), ("at",), ("location_id", "at"))


# Aggregates kept at payment for recommendations (created by the migration: composite keys, no models):
#   member_purchase (member_id, variant_id) -> orders, last_paid_at: what a member has paid for
#   variant_pair (variant_id, other_id) -> orders: paid orders with both (both directions)
#   category_sales (category_id, variant_id) -> units, orders: best sellers per category
