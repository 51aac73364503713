from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Category',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=80)),
                ('parent', fields.ForeignKeyField('omnichannel.Category', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.SET_NULL)),
                ('position', fields.IntField(default=0, db_default=0)),
            ],
            options={'table': 'category', 'app': 'omnichannel', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Location',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=16)),
                ('name', fields.CharField(max_length=120)),
                ('kind', fields.CharField(max_length=24)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('modes', fields.CharField(default='', db_default='', max_length=64)),
                ('delivery_radius_km', fields.FloatField(default=0.0, db_default=0.0)),
                ('opening_hours', fields.CharField(default='', db_default='', max_length=64)),
                ('city', fields.CharField(default='', db_default='', max_length=64)),
                ('address', fields.CharField(default='', db_default='', max_length=200)),
                ('active', fields.BooleanField(default=True, db_default=True)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'location', 'app': 'omnichannel', 'indexes': [Index(fields=['lat', 'lng'])], 'pk_attr': 'id', 'table_description': 'A store or a regional warehouse.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Member',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_number', fields.CharField(unique=True, max_length=20)),
                ('display_name', fields.CharField(null=True, max_length=120)),
                ('phone', fields.CharField(null=True, unique=True, max_length=20)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member', 'app': 'omnichannel', 'pk_attr': 'id', 'table_description': 'One customer across every channel.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Product',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(null=True, unique=False)),
                ('category', fields.ForeignKeyField('omnichannel.Category', source_field='category_id', null=True, db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.SET_NULL)),
                ('active', fields.BooleanField(default=True, db_default=True)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'product', 'app': 'omnichannel', 'indexes': [Index(fields=['category_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Staff',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=200)),
                ('name', fields.CharField(max_length=120)),
                ('role', fields.CharField(max_length=16)),
                ('location', fields.ForeignKeyField('omnichannel.Location', source_field='location_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.RESTRICT)),
                ('password_hash', fields.CharField(max_length=200)),
                ('active', fields.BooleanField(default=True, db_default=True)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff', 'app': 'omnichannel', 'indexes': [Index(fields=['location_id', 'role'])], 'pk_attr': 'id', 'table_description': 'Store staff, head office, analysts. Signs in with email and an argon2 password hash.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Throttle',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200)),
                ('failures', fields.IntField(default=0, db_default=0)),
                ('window_started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'throttle', 'app': 'omnichannel', 'pk_attr': 'key', 'table_description': 'Failed-attempt counters (sign-in, pickup codes, coupon codes), shared by every server process.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Variant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.ForeignKeyField('omnichannel.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='variants', on_delete=OnDelete.CASCADE)),
                ('sku', fields.CharField(unique=True, max_length=64)),
                ('barcode', fields.CharField(null=True, unique=True, max_length=32)),
                ('title', fields.CharField(max_length=200)),
                ('list_price', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('position', fields.IntField(default=0, db_default=0)),
                ('active', fields.BooleanField(default=True, db_default=True)),
            ],
            options={'table': 'variant', 'app': 'omnichannel', 'constraints': [CheckConstraint(check='list_price >= 0', name='variant_list_price_non_negative')], 'indexes': [Index(fields=['product_id', 'position'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PriceOverride',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='price_overrides', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharField(null=True, max_length=16)),
                ('location', fields.ForeignKeyField('omnichannel.Location', source_field='location_id', null=True, db_constraint=True, to_field='id', related_name='price_overrides', on_delete=OnDelete.CASCADE)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
            ],
            options={'table': 'price_override', 'app': 'omnichannel', 'constraints': [CheckConstraint(check='amount >= 0', name='price_override_amount_non_negative')], 'indexes': [Index(fields=['variant_id'])], 'pk_attr': 'id', 'table_description': "Replaces a variant's list price in one channel, at one location, or both."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StockLevel',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='stock_levels', on_delete=OnDelete.CASCADE)),
                ('location', fields.ForeignKeyField('omnichannel.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='stock_levels', on_delete=OnDelete.CASCADE)),
                ('on_hand', fields.IntField(default=0, db_default=0)),
                ('reserved', fields.IntField(default=0, db_default=0)),
                ('safety_stock', fields.IntField(default=0, db_default=0)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'stock_level', 'app': 'omnichannel', 'unique_together': (('variant_id', 'location_id'),), 'constraints': [CheckConstraint(check='on_hand >= 0', name='stock_on_hand_non_negative'), CheckConstraint(check='reserved >= 0', name='stock_reserved_non_negative'), CheckConstraint(check='safety_stock >= 0', name='stock_safety_non_negative'), CheckConstraint(check='reserved <= on_hand', name='stock_reserved_within_on_hand')], 'indexes': [Index(fields=['location_id', 'variant_id'])], 'pk_attr': 'id', 'table_description': 'On hand, reserved and safety stock of one variant at one location.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StockMovement',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('variant', fields.ForeignKeyField('omnichannel.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='movements', on_delete=OnDelete.CASCADE)),
                ('location', fields.ForeignKeyField('omnichannel.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='movements', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=16)),
                ('on_hand_delta', fields.IntField()),
                ('reserved_delta', fields.IntField(default=0, db_default=0)),
                ('on_hand_after', fields.IntField()),
                ('reserved_after', fields.IntField()),
                ('note', fields.CharField(default='', db_default='', max_length=200)),
                ('reference', fields.CharField(null=True, max_length=64)),
                ('actor', fields.CharField(default='', db_default='', max_length=120)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'stock_movement', 'app': 'omnichannel', 'indexes': [Index(fields=['location_id', 'variant_id', 'created_at']), Index(fields=['reference'])], 'pk_attr': 'id', 'table_description': 'The stock ledger: every change of a level, written in the same transaction as the change.'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                'ALTER TABLE "variant" ADD CONSTRAINT "variant_list_price_non_negative" CHECK (list_price >= 0)',
                'ALTER TABLE "price_override" ADD CONSTRAINT "price_override_amount_non_negative" CHECK (amount >= 0)',
                'ALTER TABLE "stock_level" ADD CONSTRAINT "stock_on_hand_non_negative" CHECK (on_hand >= 0)',
                'ALTER TABLE "stock_level" ADD CONSTRAINT "stock_reserved_non_negative" CHECK (reserved >= 0)',
                'ALTER TABLE "stock_level" ADD CONSTRAINT "stock_safety_non_negative" CHECK (safety_stock >= 0)',
                'ALTER TABLE "stock_level" ADD CONSTRAINT "stock_reserved_within_on_hand" CHECK (reserved <= on_hand)',
                # one override per (variant, channel, location), NULL meaning "any"
                'CREATE UNIQUE INDEX "uid_price_override_scope" ON "price_override" '
                '("variant_id", COALESCE("channel", \'\'), COALESCE("location_id", 0))',
            ],
            reverse_sql=[
                'DROP INDEX IF EXISTS "uid_price_override_scope"',
            ],
        ),
    ]
