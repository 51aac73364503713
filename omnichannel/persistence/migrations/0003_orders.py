from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0002_routing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Order',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=24)),
                ('channel', fields.CharField(max_length=16)),
                ('status', fields.CharField(max_length=20)),
                ('mode', fields.CharField(max_length=16)),
                ('member', fields.ForeignKeyField('omnichannel.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('placed_by', fields.CharField(max_length=140)),
                ('placed_by_staff', fields.ForeignKeyField('omnichannel.Staff', source_field='placed_by_staff_id', null=True, db_constraint=True, to_field='id', related_name='placed_orders', on_delete=OnDelete.RESTRICT)),
                ('placed_at_location', fields.ForeignKeyField('omnichannel.Location', source_field='placed_at_location_id', null=True, db_constraint=True, to_field='id', related_name='taken_orders', on_delete=OnDelete.RESTRICT)),
                ('attributed_staff', fields.ForeignKeyField('omnichannel.Staff', source_field='attributed_staff_id', null=True, db_constraint=True, to_field='id', related_name='attributed_orders', on_delete=OnDelete.RESTRICT)),
                ('pickup_location', fields.ForeignKeyField('omnichannel.Location', source_field='pickup_location_id', null=True, db_constraint=True, to_field='id', related_name='pickup_orders', on_delete=OnDelete.RESTRICT)),
                ('shipping_address', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('subtotal', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('discount_total', fields.DecimalField(default=0, db_default=0, max_digits=12, decimal_places=2)),
                ('total', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('currency', fields.CharField(default='CNY', db_default='CNY', max_length=3)),
                ('points_redeemed', fields.IntField(default=0, db_default=0)),
                ('points_earned', fields.IntField(default=0, db_default=0)),
                ('reservation_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pickup_code', fields.CharField(null=True, max_length=16)),
                ('cancel_reason', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'customer_order', 'app': 'omnichannel', 'constraints': [CheckConstraint(check="status IN ('PENDING_PAYMENT','CONFIRMED','PICKING','READY_FOR_PICKUP','SHIPPED','COMPLETED','CANCELLED','EXPIRED')", name='order_status_known'), CheckConstraint(check='total >= 0 AND subtotal >= 0 AND discount_total >= 0', name='order_money_positive'), CheckConstraint(check='points_redeemed >= 0 AND points_earned >= 0', name='order_points_positive')], 'indexes': [Index(fields=['member_id', 'id']), Index(fields=['placed_at_location_id', 'id']), Index(fields=['updated_at'])], 'pk_attr': 'id', 'table_description': 'One order from any channel (`order` is an SQL keyword, hence customer_order).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Fulfillment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('omnichannel.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='fulfillments', on_delete=OnDelete.CASCADE)),
                ('location', fields.ForeignKeyField('omnichannel.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='fulfillments', on_delete=OnDelete.RESTRICT)),
                ('mode', fields.CharField(max_length=16)),
                ('status', fields.CharField(max_length=20)),
                ('ships_with', fields.ForeignKeyField('omnichannel.Fulfillment', source_field='ships_with_id', null=True, db_constraint=True, to_field='id', related_name='merged', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'fulfillment', 'app': 'omnichannel', 'constraints': [CheckConstraint(check="status IN ('PENDING','PICKING','READY_FOR_PICKUP','SHIPPED','COMPLETED','CANCELLED')", name='fulfillment_status_known')], 'indexes': [Index(fields=['order_id']), Index(fields=['location_id', 'order_id'])], 'pk_attr': 'id', 'table_description': 'The part of an order one location picks and hands over (PICKUP) or ships.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FulfillmentLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('fulfillment', fields.ForeignKeyField('omnichannel.Fulfillment', source_field='fulfillment_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='fulfillment_lines', on_delete=OnDelete.RESTRICT)),
                ('quantity', fields.IntField()),
                ('unit_price', fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={'table': 'fulfillment_line', 'app': 'omnichannel', 'constraints': [CheckConstraint(check='quantity > 0', name='fulfillment_line_positive')], 'indexes': [Index(fields=['fulfillment_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('caller', fields.CharField(max_length=140)),
                ('key', fields.CharField(max_length=100)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('order', fields.ForeignKeyField('omnichannel.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='idempotency_keys', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_key', 'app': 'omnichannel', 'unique_together': (('caller', 'key'),), 'indexes': [Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': "placeOrder's idempotency keys, per caller: the same key returns the first order."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('omnichannel.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='order_lines', on_delete=OnDelete.RESTRICT)),
                ('quantity', fields.IntField()),
                ('unit_price', fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={'table': 'order_line', 'app': 'omnichannel', 'unique_together': (('order_id', 'position'),), 'constraints': [CheckConstraint(check='quantity > 0 AND unit_price >= 0', name='order_line_positive')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('omnichannel.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(unique=True, max_length=100)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('currency', fields.CharField(default='CNY', db_default='CNY', max_length=3)),
                ('actor', fields.CharField(max_length=140)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment', 'app': 'omnichannel', 'indexes': [Index(fields=['order_id'])], 'pk_attr': 'id', 'table_description': "A confirmed payment; the provider's reference is unique, so a repeated callback is a no-op."},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                'ALTER TABLE "customer_order" ADD CONSTRAINT "order_status_known" CHECK (status IN (\'PENDING_PAYMENT\',\'CONFIRMED\',\'PICKING\',\'READY_FOR_PICKUP\',\'SHIPPED\',\'COMPLETED\',\'CANCELLED\',\'EXPIRED\'))',
                'ALTER TABLE "customer_order" ADD CONSTRAINT "order_money_positive" CHECK (total >= 0 AND subtotal >= 0 AND discount_total >= 0)',
                'ALTER TABLE "customer_order" ADD CONSTRAINT "order_points_positive" CHECK (points_redeemed >= 0 AND points_earned >= 0)',
                'ALTER TABLE "order_line" ADD CONSTRAINT "order_line_positive" CHECK (quantity > 0 AND unit_price >= 0)',
                'ALTER TABLE "fulfillment" ADD CONSTRAINT "fulfillment_status_known" CHECK (status IN (\'PENDING\',\'PICKING\',\'READY_FOR_PICKUP\',\'SHIPPED\',\'COMPLETED\',\'CANCELLED\'))',
                'ALTER TABLE "fulfillment_line" ADD CONSTRAINT "fulfillment_line_positive" CHECK (quantity > 0)',
                # a pickup code identifies one open order at its store
                'CREATE UNIQUE INDEX "uid_order_open_pickup_code" ON "customer_order" ("pickup_location_id", "pickup_code") '
                'WHERE pickup_code IS NOT NULL AND status IN (\'CONFIRMED\',\'PICKING\',\'READY_FOR_PICKUP\')',
                # the expiry sweeper reads only unpaid orders, oldest hold first
                'CREATE INDEX "idx_order_unpaid_hold" ON "customer_order" ("reservation_expires_at") '
                'WHERE status = \'PENDING_PAYMENT\'',
            ],
            reverse_sql=[
                'DROP INDEX IF EXISTS "idx_order_unpaid_hold"',
                'DROP INDEX IF EXISTS "uid_order_open_pickup_code"',
            ],
        ),
    ]
