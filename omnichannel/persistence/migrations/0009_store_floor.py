from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0005_order_discounts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MemberLookup',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff_id', fields.IntField(null=True)),
                ('actor', fields.CharField(max_length=140)),
                ('location_id', fields.IntField(null=True)),
                ('key_kind', fields.CharField(max_length=16)),
                ('key_value', fields.CharField(max_length=64)),
                ('member_id', fields.IntField(null=True)),
                ('at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_lookup', 'app': 'omnichannel', 'indexes': [Index(fields=['at']), Index(fields=['member_id', 'at']), Index(fields=['staff_id', 'at'])], 'pk_attr': 'id', 'table_description': 'Every member look-up by store staff or head office: who, when, which key, whom it found.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TryOn',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('omnichannel.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='try_ons', on_delete=OnDelete.RESTRICT)),
                ('location', fields.ForeignKeyField('omnichannel.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='try_ons', on_delete=OnDelete.RESTRICT)),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='try_ons', on_delete=OnDelete.RESTRICT)),
                ('source', fields.CharField(max_length=8)),
                ('staff_id', fields.IntField(null=True)),
                ('at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'try_on', 'app': 'omnichannel', 'constraints': [CheckConstraint(check="source IN ('RFID','SCAN')", name='try_on_source_known')], 'indexes': [Index(fields=['member_id', 'at']), Index(fields=['member_id', 'variant_id', 'at'])], 'pk_attr': 'id', 'table_description': 'Try-ons captured in store (RFID or scan), tied to the member.'},
            bases=['Model'],
        ),
    ]
