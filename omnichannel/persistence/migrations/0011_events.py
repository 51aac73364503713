from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

# The sequencer (persistence.repositories.event_log.sequence) in one round trip. Each statement of a
# volatile function takes a new snapshot (READ COMMITTED): once the state row's lock is ours, the
# UPDATE sees every commit made before it, including the previous sequencer's positions.
SEQUENCE_FUNCTION = """
CREATE FUNCTION omnichannel_event_log_sequence(batch integer)
RETURNS TABLE (head bigint, placed integer, deliveries integer) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  last bigint;
  n integer;
  d integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM event_log e WHERE e.position IS NULL) THEN
    -- nothing to do (another process was first): no lock taken, so no write to commit
    RETURN QUERY SELECT s.last_position, 0, 0 FROM event_log_state s WHERE s.id = 1;
    RETURN;
  END IF;
  SELECT s.last_position INTO last FROM event_log_state s WHERE s.id = 1 FOR UPDATE;
  WITH todo AS (
    SELECT u.id, row_number() OVER (ORDER BY u.id) AS k
    FROM (SELECT e.id FROM event_log e WHERE e.position IS NULL ORDER BY e.id LIMIT batch) AS u
  ), done AS (
    UPDATE event_log e SET position = last + todo.k FROM todo WHERE e.id = todo.id RETURNING e.id, e.type
  ), scheduled AS (
    INSERT INTO webhook_delivery (webhook_id, event_id, attempt, status, due_at, at)
    SELECT w.id, done.id, 1, 'PENDING', now(), now()
    FROM done JOIN webhook w ON w.active AND done.type = ANY(w.event_types)
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM done), (SELECT count(*) FROM scheduled) INTO n, d;
  IF n > 0 THEN
    UPDATE event_log_state SET last_position = last + n WHERE id = 1;
    PERFORM pg_notify('omnichannel_event_log', (last + n)::text);
  END IF;
  RETURN QUERY SELECT last + n, n, d;
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0009_store_floor')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EventLogEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('position', fields.BigIntField(null=True, unique=True)),
                ('type', fields.CharField(max_length=64)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('payload', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('event', fields.TextField(unique=False)),
                ('order_id', fields.IntField(null=True)),
                ('member_id', fields.IntField(null=True)),
                ('variant_id', fields.IntField(null=True)),
                ('store_ids', ArrayField(null=True, element_type='INT')),
            ],
            options={'table': 'event_log', 'app': 'omnichannel', 'indexes': [Index(fields=['type', 'position'])], 'pk_attr': 'id', 'table_description': 'The durable event log: one row per business event, written in the transaction of the change.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventLogState',
            fields=[
                ('id', fields.SmallIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('last_position', fields.BigIntField(default=0, db_default=0)),
                ('pruned_through', fields.BigIntField(default=0, db_default=0)),
            ],
            options={'table': 'event_log_state', 'app': 'omnichannel', 'pk_attr': 'id', 'table_description': "One row: the last position given (the sequencer's lock) and how far retention pruned."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Webhook',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('url', fields.CharField(max_length=2000)),
                ('event_types', ArrayField(element_type='VARCHAR(64)')),
                ('secret', fields.CharField(max_length=100)),
                ('active', fields.BooleanField(default=True, db_default=True)),
                ('created_by', fields.CharField(default='', db_default='', max_length=140)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook', 'app': 'omnichannel', 'pk_attr': 'id', 'table_description': "An outside system's endpoint for some event types; signed with its secret."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('webhook', fields.ForeignKeyField('omnichannel.Webhook', source_field='webhook_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('omnichannel.EventLogEntry', source_field='event_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('attempt', fields.SmallIntField()),
                ('status', fields.CharField(max_length=12)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('response_status', fields.SmallIntField(null=True)),
                ('error', fields.CharField(null=True, max_length=500)),
            ],
            options={'table': 'webhook_delivery', 'app': 'omnichannel', 'unique_together': (('webhook_id', 'event_id', 'attempt'),), 'constraints': [CheckConstraint(check="status IN ('PENDING','DELIVERED','RETRYING','FAILED')", name='webhook_delivery_status_known'), CheckConstraint(check='attempt >= 1', name='webhook_delivery_attempt_positive')], 'indexes': [Index(fields=['webhook_id', 'id']), Index(fields=['event_id'])], 'pk_attr': 'id', 'table_description': 'One attempt to deliver one event to one webhook; the PENDING row is the next attempt due.'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                # the sequencer's lock and counter, and how far retention pruned: one row
                'ALTER TABLE "event_log_state" ADD CONSTRAINT "event_log_state_one_row" CHECK (id = 1)',
                'INSERT INTO "event_log_state" (id, last_position, pruned_through) VALUES (1, 0, 0)',
                'ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_status_known" '
                'CHECK (status IN (\'PENDING\',\'DELIVERED\',\'RETRYING\',\'FAILED\'))',
                'ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_attempt_positive" CHECK (attempt >= 1)',
                # committed entries still waiting for a position, oldest first
                'CREATE INDEX "idx_event_log_unpositioned" ON "event_log" ("id") WHERE position IS NULL',
                # the delivery workers' queue: attempts due, soonest first
                'CREATE INDEX "idx_webhook_delivery_due" ON "webhook_delivery" ("due_at") WHERE status = \'PENDING\'',
                SEQUENCE_FUNCTION,
            ],
            reverse_sql=[
                'DROP FUNCTION IF EXISTS omnichannel_event_log_sequence(integer)',
                'DROP INDEX IF EXISTS "idx_webhook_delivery_due"',
                'DROP INDEX IF EXISTS "idx_event_log_unpositioned"',
            ],
        ),
    ]
