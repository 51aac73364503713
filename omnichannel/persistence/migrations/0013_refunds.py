from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0011_events')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('omnichannel.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharField(max_length=12)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('currency', fields.CharField(default='CNY', db_default='CNY', max_length=3)),
                ('points_returned', fields.IntField(default=0, db_default=0)),
                ('points_reversed', fields.IntField(default=0, db_default=0)),
                ('points_shortfall', fields.IntField(default=0, db_default=0)),
                ('reason', fields.CharField(max_length=500)),
                ('restock_location', fields.ForeignKeyField('omnichannel.Location', source_field='restock_location_id', null=True, db_constraint=True, to_field='id', related_name='refunds_restocked', on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(null=True, unique=True, max_length=100)),
                ('created_by', fields.CharField(default='', db_default='', max_length=140)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refund', 'app': 'omnichannel', 'constraints': [CheckConstraint(check="status IN ('PENDING','SUCCEEDED','FAILED')", name='refund_status_known'), CheckConstraint(check='amount >= 0 AND points_returned >= 0 AND points_reversed >= 0 AND points_shortfall >= 0', name='refund_not_negative')], 'indexes': [Index(fields=['order_id', 'id'])], 'pk_attr': 'id', 'table_description': 'Money given back for some lines of a paid order (domain.refunds); the provider confirms it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefundLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('refund', fields.ForeignKeyField('omnichannel.Refund', source_field='refund_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('order_line', fields.ForeignKeyField('omnichannel.OrderLine', source_field='order_line_id', db_constraint=True, to_field='id', related_name='refund_lines', on_delete=OnDelete.RESTRICT)),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='refund_lines', on_delete=OnDelete.RESTRICT)),
                ('quantity', fields.IntField()),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={'table': 'refund_line', 'app': 'omnichannel', 'constraints': [CheckConstraint(check='quantity > 0 AND amount >= 0', name='refund_line_positive')], 'indexes': [Index(fields=['refund_id'])], 'pk_attr': 'id', 'table_description': 'Units of one order line a refund gives back, and their share of what was paid.'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                'ALTER TABLE "refund" ADD CONSTRAINT "refund_status_known" CHECK (status IN (\'PENDING\',\'SUCCEEDED\',\'FAILED\'))',
                'ALTER TABLE "refund" ADD CONSTRAINT "refund_not_negative" '
                'CHECK (amount >= 0 AND points_returned >= 0 AND points_reversed >= 0 AND points_shortfall >= 0)',
                'ALTER TABLE "refund_line" ADD CONSTRAINT "refund_line_positive" CHECK (quantity > 0 AND amount >= 0)',
            ],
            reverse_sql=[],
        ),
    ]
