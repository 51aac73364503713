from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0015_inventory')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SalesDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('location', fields.ForeignKeyField('omnichannel.Location', source_field='location_id', db_constraint=False, to_field='id', related_name='sales_days', on_delete=OnDelete.CASCADE)),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=False, to_field='id', related_name='sales_days', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('units', fields.IntField(default=0, db_default=0)),
                ('last_sold_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sales_day', 'app': 'omnichannel', 'unique_together': (('location_id', 'variant_id', 'day'),), 'constraints': [CheckConstraint(check='units >= 0', name='sales_day_units_non_negative')], 'indexes': [Index(fields=['variant_id', 'day'])], 'pk_attr': 'id', 'table_description': 'Units of a variant sold at a location on one day (Shanghai date), kept as sales happen (handover, shipment).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Transfer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=16)),
                ('from_location', fields.ForeignKeyField('omnichannel.Location', source_field='from_location_id', db_constraint=True, to_field='id', related_name='transfers_out', on_delete=OnDelete.RESTRICT)),
                ('to_location', fields.ForeignKeyField('omnichannel.Location', source_field='to_location_id', db_constraint=True, to_field='id', related_name='transfers_in', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharField(max_length=12)),
                ('note', fields.CharField(default='', db_default='', max_length=500)),
                ('reference', fields.CharField(null=True, max_length=64)),
                ('requested_by', fields.CharField(default='', db_default='', max_length=140)),
                ('requested_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('shipped_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'transfer', 'app': 'omnichannel', 'constraints': [CheckConstraint(check="status IN ('REQUESTED','IN_TRANSIT','RECEIVED','CANCELLED')", name='transfer_status_known'), CheckConstraint(check='from_location_id <> to_location_id', name='transfer_two_locations')], 'indexes': [Index(fields=['from_location_id', 'id']), Index(fields=['to_location_id', 'id']), Index(fields=['reference'])], 'pk_attr': 'id', 'table_description': 'Stock moved between two locations (domain.transfers).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TransferLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('transfer', fields.ForeignKeyField('omnichannel.Transfer', source_field='transfer_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='transfer_lines', on_delete=OnDelete.RESTRICT)),
                ('quantity', fields.IntField()),
                ('received_quantity', fields.IntField(null=True)),
            ],
            options={'table': 'transfer_line', 'app': 'omnichannel', 'unique_together': (('transfer_id', 'variant_id'),), 'constraints': [CheckConstraint(check='quantity > 0 AND (received_quantity IS NULL OR received_quantity BETWEEN 0 AND quantity)', name='transfer_line_quantities')], 'pk_attr': 'id', 'table_description': 'Units of one variant on a transfer; received_quantity is null until it arrives.'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                'ALTER TABLE "transfer" ADD CONSTRAINT "transfer_status_known" '
                "CHECK (status IN ('REQUESTED','IN_TRANSIT','RECEIVED','CANCELLED'))",
                'ALTER TABLE "transfer" ADD CONSTRAINT "transfer_two_locations" CHECK (from_location_id <> to_location_id)',
                'ALTER TABLE "transfer_line" ADD CONSTRAINT "transfer_line_quantities" '
                'CHECK (quantity > 0 AND (received_quantity IS NULL OR received_quantity BETWEEN 0 AND quantity))',
                'ALTER TABLE "sales_day" ADD CONSTRAINT "sales_day_units_non_negative" CHECK (units >= 0)',
            ],
            reverse_sql=[],
        ),
    ]
