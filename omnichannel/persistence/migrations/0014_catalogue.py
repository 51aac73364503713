from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0013_refunds')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Product',
            name='code',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        ops.CreateModel(
            name='ProductCategory',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.ForeignKeyField('omnichannel.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='listings', on_delete=OnDelete.CASCADE)),
                ('category', fields.ForeignKeyField('omnichannel.Category', source_field='category_id', db_constraint=True, to_field='id', related_name='listings', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0, db_default=0)),
            ],
            options={'table': 'product_category', 'app': 'omnichannel', 'unique_together': (('product_id', 'category_id'),), 'indexes': [Index(fields=['category_id', 'product_id'])], 'pk_attr': 'id', 'table_description': 'A product listed in a category (a product may be in several; product.category_id is the first).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='PriceOverride',
            name='valid_from',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='PriceOverride',
            name='valid_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.CreateModel(
            name='SyncBatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=16)),
                ('batch_id', fields.CharField(max_length=64)),
                ('result', fields.TextField()),
                ('actor', fields.CharField(default='', db_default='', max_length=140)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sync_batch', 'app': 'omnichannel', 'unique_together': (('kind', 'batch_id'),), 'pk_attr': 'id', 'table_description': 'A bulk sync batch from the ERP, kept so the same batch id again replays its first result.'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                # every product already in a category is listed there
                'INSERT INTO "product_category" (product_id, category_id) '
                'SELECT id, category_id FROM "product" WHERE category_id IS NOT NULL ON CONFLICT DO NOTHING',
                # a count below what is reserved is applied (domain.sync): reserved may exceed on hand
                'ALTER TABLE "stock_level" DROP CONSTRAINT IF EXISTS "stock_reserved_within_on_hand"',
                # look-ups by code: the unique indexes on variant.sku and variant.barcode serve them
                # one override per (variant, channel, location, window), NULL meaning "any" / "open"
                'DROP INDEX IF EXISTS "uid_price_override_scope"',
                'CREATE UNIQUE INDEX "uid_price_override_scope" ON "price_override" '
                '("variant_id", COALESCE("channel", \'\'), COALESCE("location_id", 0), '
                'COALESCE("valid_from", \'-infinity\'::timestamptz), COALESCE("valid_until", \'infinity\'::timestamptz))',
            ],
            reverse_sql=['DELETE FROM "product_category"'],
        ),
    ]
