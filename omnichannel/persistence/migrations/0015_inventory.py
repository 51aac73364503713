from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0014_catalogue')]

    initial = False

    operations = [
        ops.AddField(
            model_name='StockLevel',
            name='online_reserved',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.CreateModel(
            name='LowStockAlert',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='low_stock_alerts', on_delete=OnDelete.CASCADE)),
                ('location', fields.ForeignKeyField('omnichannel.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='low_stock_alerts', on_delete=OnDelete.CASCADE)),
                ('on_hand', fields.IntField()),
                ('reserved', fields.IntField()),
                ('safety_stock', fields.IntField()),
                ('raised_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'low_stock_alert', 'app': 'omnichannel', 'indexes': [Index(fields=['location_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A level that fell to its safety stock or below; open (resolved_at null) until it rises above it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AllocationPolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('location', fields.OneToOneField('omnichannel.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='allocation_policy', on_delete=OnDelete.CASCADE)),
                ('online_share', fields.FloatField(default=1.0, db_default=1.0)),
                ('automatic', fields.BooleanField(default=False, db_default=False)),
                ('min_share', fields.FloatField(default=0.0, db_default=0.0)),
                ('max_share', fields.FloatField(default=1.0, db_default=1.0)),
                ('decided_on', fields.DateField(null=True)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('updated_by', fields.CharField(default='', db_default='', max_length=140)),
            ],
            options={'table': 'allocation_policy', 'app': 'omnichannel', 'pk_attr': 'id', 'table_description': "The share of a store's stock online channels may hold at once (no row: share 1, manual)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChannelSales',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('location', fields.ForeignKeyField('omnichannel.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='channel_sales', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('online_units', fields.IntField(default=0, db_default=0)),
                ('store_units', fields.IntField(default=0, db_default=0)),
            ],
            options={'table': 'channel_sales', 'app': 'omnichannel', 'unique_together': (('location_id', 'day'),), 'pk_attr': 'id', 'table_description': 'Units sold (handed over or shipped) per location and day, online channels apart from the store\'s own.'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                # orders placed before this migration: their online holds (the same SQL as
                # persistence.repositories.allocation, checked by tests/persistence/test_inventory_migration.py)
                "UPDATE stock_level s SET online_reserved = LEAST(h.held, s.reserved) FROM (SELECT f.location_id, fl.variant_id, SUM(fl.quantity)::int AS held FROM fulfillment f JOIN fulfillment_line fl ON fl.fulfillment_id = f.id JOIN customer_order o ON o.id = f.order_id WHERE f.status IN ('PENDING', 'PICKING', 'READY_FOR_PICKUP') AND o.channel IN ('MINI_PROGRAM', 'APP') GROUP BY f.location_id, fl.variant_id) h WHERE s.location_id = h.location_id AND s.variant_id = h.variant_id",
                "INSERT INTO channel_sales (location_id, day, online_units, store_units) SELECT m.location_id, (m.created_at AT TIME ZONE 'UTC')::date AS day, COALESCE(SUM(-m.on_hand_delta) FILTER (WHERE o.channel IN ('MINI_PROGRAM', 'APP')), 0)::int AS online_units, COALESCE(SUM(-m.on_hand_delta) FILTER (WHERE o.channel NOT IN ('MINI_PROGRAM', 'APP')), 0)::int AS store_units FROM stock_movement m JOIN customer_order o ON o.number = m.reference WHERE m.reason = 'SALE' AND m.created_at >= now() - interval '28 days' GROUP BY 1, 2 ON CONFLICT (location_id, day) DO NOTHING",
                'ALTER TABLE "stock_level" ADD CONSTRAINT "stock_online_reserved_within" '
                'CHECK (online_reserved >= 0 AND online_reserved <= reserved)',
                # one open alert per level at a time
                'CREATE UNIQUE INDEX "uniq_low_stock_alert_open" ON "low_stock_alert" ("location_id", "variant_id") '
                'WHERE resolved_at IS NULL',
                'ALTER TABLE "low_stock_alert" ADD CONSTRAINT "low_stock_alert_counts" '
                'CHECK (on_hand >= 0 AND reserved >= 0 AND safety_stock > 0)',
                'ALTER TABLE "allocation_policy" ADD CONSTRAINT "allocation_policy_shares" CHECK (online_share >= 0 '
                'AND online_share <= 1 AND min_share >= 0 AND max_share <= 1 AND min_share <= max_share)',
                # the ledger of one store, newest first
                'CREATE INDEX "idx_stock_movement_location_id" ON "stock_movement" ("location_id", "id")',
            ],
            reverse_sql=[
                'DROP INDEX IF EXISTS "idx_stock_movement_location_id"',
                'DROP INDEX IF EXISTS "uniq_low_stock_alert_open"',
                'ALTER TABLE "stock_level" DROP CONSTRAINT IF EXISTS "stock_online_reserved_within"',
            ],
        ),
    ]
