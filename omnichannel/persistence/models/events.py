from typing import Any

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

DELIVERY_STATUSES = "'PENDING','DELIVERED','RETRYING','FAILED'"


class EventLogEntry(Model):
    """The durable event log: one row per business event, written in the transaction of the change.

    A transactional outbox: `position` is given after commit, in commit order, by the sequencer
    (persistence.repositories.event_log); readers page by it."""

    id = fields.BigIntField(primary_key=True)
    position = fields.BigIntField(null=True, unique=True)
    type = fields.CharField(max_length=64)
    at = fields.DatetimeField()
    recorded_at = fields.DatetimeField(db_default=Now())
    payload: "fields.JSONField[Any]" = fields.JSONField()
    event = fields.TextField()  # the domain event's record (domain.event_records), for live replay
    order_id = fields.IntField(null=True)
    member_id = fields.IntField(null=True)
    variant_id = fields.IntField(null=True)
    store_ids = ArrayField("int", null=True)

    class Meta:
        table = "event_log"
        indexes = (("type", "position"),)


class EventLogState(Model):
    """One row: the last position given (the sequencer's lock) and how far retention pruned."""

    id = fields.SmallIntField(primary_key=True)
    last_position = fields.BigIntField(default=0, db_default=0)
    pruned_through = fields.BigIntField(default=0, db_default=0)

    class Meta:
        table = "event_log_state"


class Webhook(Model):
    """An outside system's endpoint for some event types; signed with its secret."""

    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    event_types = ArrayField("varchar(64)")
    secret = fields.CharField(max_length=100)
    active = fields.BooleanField(default=True, db_default=True)
    created_by = fields.CharField(max_length=140, default="", db_default="")
    created_at = fields.DatetimeField(db_default=Now())
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook"


class WebhookDelivery(Model):
    """One attempt to deliver one event to one webhook; the PENDING row is the next attempt due."""

    id = fields.BigIntField(primary_key=True)
    webhook: "fields.ForeignKeyRelation[Webhook]" = fields.ForeignKeyField(
        "omnichannel.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    event: "fields.ForeignKeyRelation[EventLogEntry]" = fields.ForeignKeyField(
        "omnichannel.EventLogEntry", related_name="deliveries", on_delete=fields.CASCADE
    )
    attempt = fields.SmallIntField()
    status = fields.CharField(max_length=12)
    due_at = fields.DatetimeField()
    at = fields.DatetimeField(db_default=Now())
    response_status = fields.SmallIntField(null=True)
    error = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "webhook_delivery"
        unique_together = (("webhook_id", "event_id", "attempt"),)
        indexes = (("webhook_id", "id"), ("event_id",))
        constraints = (
            CheckConstraint(check=f"status IN ({DELIVERY_STATUSES})", name="webhook_delivery_status_known"),
            CheckConstraint(check="attempt >= 1", name="webhook_delivery_attempt_positive"),
        )
