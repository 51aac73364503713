from tortoise import fields
from tortoise.models import Model


class Throttle(Model):
    """Failed-attempt counters (sign-in, pickup codes, coupon codes), shared by every server process."""

    key = fields.CharField(max_length=200, primary_key=True)
    failures = fields.IntField(default=0, db_default=0)
    window_started_at = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)
    pending = fields.IntField(default=0, db_default=0)  # attempts begun and not finished
    pending_until = fields.DatetimeField(null=True)  # when `pending` goes stale (its process died)

    class Meta:
        table = "throttle"
