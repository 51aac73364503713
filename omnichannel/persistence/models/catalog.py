from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from .locations import Location


class Category(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    parent: "fields.ForeignKeyNullableRelation[Category]" = fields.ForeignKeyField(
        "omnichannel.Category", related_name="children", null=True, on_delete=fields.SET_NULL
    )
    position = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "category"


class Product(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True, null=True)  # the ERP's productCode (syncProducts)
    title = fields.CharField(max_length=200)
    description = fields.TextField(null=True)
    category: "fields.ForeignKeyNullableRelation[Category]" = fields.ForeignKeyField(
        "omnichannel.Category", related_name="products", null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True, db_default=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        table = "product"
        indexes = (("category_id",),)


class ProductCategory(Model):
    """A product listed in a category (a product may be in several; product.category_id is the first)."""

    id = fields.IntField(primary_key=True)
    product: "fields.ForeignKeyRelation[Product]" = fields.ForeignKeyField(
        "omnichannel.Product", related_name="listings", on_delete=fields.CASCADE
    )
    category: "fields.ForeignKeyRelation[Category]" = fields.ForeignKeyField(
        "omnichannel.Category", related_name="listings", on_delete=fields.CASCADE
    )
    position = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "product_category"
        unique_together = (("product_id", "category_id"),)
        indexes = (("category_id", "product_id"),)


class Variant(Model):
    id = fields.IntField(primary_key=True)
    product: "fields.ForeignKeyRelation[Product]" = fields.ForeignKeyField(
        "omnichannel.Product", related_name="variants", on_delete=fields.CASCADE
    )
    sku = fields.CharField(max_length=64, unique=True)
    barcode = fields.CharField(max_length=32, unique=True, null=True)
    title = fields.CharField(max_length=200)
    list_price = fields.DecimalField(max_digits=12, decimal_places=2)
    position = fields.IntField(default=0, db_default=0)
    active = fields.BooleanField(default=True, db_default=True)

    class Meta:
        table = "variant"
        indexes = (("product_id", "position"),)
        constraints = (CheckConstraint(check="list_price >= 0", name="variant_list_price_non_negative"),)


class PriceOverride(Model):
    """Replaces a variant's list price in one channel, at one location, or both."""

    id = fields.IntField(primary_key=True)
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="price_overrides", on_delete=fields.CASCADE
    )
    channel = fields.CharField(max_length=16, null=True)  # domain.catalog.SalesChannel
    location: "fields.ForeignKeyNullableRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="price_overrides", null=True, on_delete=fields.CASCADE
    )
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    valid_from = fields.DatetimeField(null=True)  # in force from (inclusive); None: always was
    valid_until = fields.DatetimeField(null=True)  # in force until (exclusive); None: no end

    class Meta:
        table = "price_override"
        indexes = (("variant_id",),)
        constraints = (CheckConstraint(check="amount >= 0", name="price_override_amount_non_negative"),)
