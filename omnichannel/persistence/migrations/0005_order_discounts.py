from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0004_loyalty')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OrderDiscount',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('omnichannel.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='discounts', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('kind', fields.CharField(max_length=16)),
                ('title', fields.CharField(max_length=120)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('promotion_id', fields.IntField(null=True)),
                ('coupon_id', fields.IntField(null=True)),
                ('code', fields.CharField(null=True, max_length=16)),
                ('points', fields.IntField(default=0, db_default=0)),
            ],
            options={'table': 'order_discount', 'app': 'omnichannel', 'unique_together': (('order_id', 'position'),), 'pk_attr': 'id', 'table_description': 'Each discount an order got when it was priced: a promotion, a coupon, or points.'},
            bases=['Model'],
        ),
    ]
