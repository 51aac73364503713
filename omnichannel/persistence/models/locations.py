from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.models import Model


class Location(Model):
    """A store or a regional warehouse."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    name = fields.CharField(max_length=120)
    kind = fields.CharField(max_length=24)  # domain.locations.LocationKind
    lat = fields.FloatField()
    lng = fields.FloatField()
    modes = fields.CharField(max_length=64, default="", db_default="")  # comma-separated FulfillmentMode values
    delivery_radius_km = fields.FloatField(default=0.0, db_default=0.0)
    opening_hours = fields.CharField(max_length=64, default="", db_default="")
    city = fields.CharField(max_length=64, default="", db_default="")
    address = fields.CharField(max_length=200, default="", db_default="")
    active = fields.BooleanField(default=True, db_default=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        table = "location"
        indexes = (("lat", "lng"),)
