from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0005_order_discounts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Throttle',
            name='pending',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Throttle',
            name='pending_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
