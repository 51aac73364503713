from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0006_hardening')]

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
        ops.CreateModel(
            name='CommissionRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('rate_percent', fields.DecimalField(max_digits=7, decimal_places=4)),
                ('channels', fields.CharField(default='', db_default='', max_length=120)),
                ('category_ids', fields.TextField(default='', db_default='', unique=False)),
                ('valid_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.CharField(default='', db_default='', max_length=140)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'commission_rule', 'app': 'omnichannel', 'constraints': [CheckConstraint(check='rate_percent > 0 AND rate_percent <= 100', name='commission_rate_range')], 'pk_attr': 'id', 'table_description': 'Commission rules by head office: rate, channels, categories, validity; ended, never edited.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CommissionEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff_id', fields.IntField()),
                ('location_id', fields.IntField(null=True)),
                ('order_id', fields.IntField()),
                ('kind', fields.CharField(max_length=8)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('sales', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('rule_id', fields.IntField(null=True)),
                ('reference', fields.CharField(default='', db_default='', max_length=64)),
                ('at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'commission_entry', 'app': 'omnichannel', 'unique_together': (('order_id', 'kind', 'reference'),), 'constraints': [CheckConstraint(check="kind IN ('EARNED','REVERSED')", name='commission_entry_kind_known'), CheckConstraint(check="(kind = 'EARNED' AND amount >= 0) OR (kind = 'REVERSED' AND amount <= 0)", name='commission_entry_sign')], 'indexes': [Index(fields=['staff_id', 'at']), Index(fields=['location_id', 'at']), Index(fields=['at'])], 'pk_attr': 'id', 'table_description': 'Commission entries: EARNED at payment, REVERSED on cancellation and refunds.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CommissionLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry_id', fields.BigIntField()),
                ('position', fields.IntField()),
                ('base', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('rule_id', fields.IntField(null=True)),
                ('rate_percent', fields.DecimalField(max_digits=7, decimal_places=4)),
            ],
            options={'table': 'commission_line', 'app': 'omnichannel', 'indexes': [Index(fields=['entry_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SalesCreditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order_id', fields.IntField()),
                ('location_id', fields.IntField(null=True)),
                ('share', fields.DecimalField(max_digits=7, decimal_places=6)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('store_share', fields.DecimalField(max_digits=7, decimal_places=6)),
                ('reference', fields.CharField(default='', db_default='', max_length=64)),
                ('at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sales_credit', 'app': 'omnichannel', 'indexes': [Index(fields=['order_id']), Index(fields=['at']), Index(fields=['location_id', 'at'])], 'pk_attr': 'id', 'table_description': 'Sales credited to a store team or the online team (null store): at payment, less refunds.'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                # recommendations' aggregates, kept in the payment's transaction (see persistence.recommendations)
                'CREATE TABLE "member_purchase" ("member_id" INT NOT NULL, "variant_id" INT NOT NULL, '
                '"orders" INT NOT NULL, "last_paid_at" TIMESTAMPTZ NOT NULL, PRIMARY KEY ("member_id", "variant_id"))',
                'CREATE TABLE "variant_pair" ("variant_id" INT NOT NULL, "other_id" INT NOT NULL, '
                '"orders" INT NOT NULL, PRIMARY KEY ("variant_id", "other_id"))',
                'CREATE INDEX "idx_variant_pair_top" ON "variant_pair" ("variant_id", "orders" DESC, "other_id")',
                'CREATE TABLE "category_sales" ("category_id" INT NOT NULL, "variant_id" INT NOT NULL, '
                '"units" BIGINT NOT NULL, "orders" INT NOT NULL, PRIMARY KEY ("category_id", "variant_id"))',
                'CREATE INDEX "idx_category_sales_top" ON "category_sales" ("category_id", "units" DESC, "variant_id")',
                # the paid orders already there, counted once (the same SQL as recommendations.rebuild)
                "INSERT INTO member_purchase (member_id, variant_id, orders, last_paid_at) SELECT o.member_id, l.variant_id, count(DISTINCT o.id), max(o.paid_at) FROM customer_order o JOIN order_line l ON l.order_id = o.id WHERE o.paid_at IS NOT NULL AND o.status <> 'CANCELLED' AND o.member_id IS NOT NULL GROUP BY 1, 2",
                "INSERT INTO variant_pair (variant_id, other_id, orders) SELECT a.variant_id, b.variant_id, count(DISTINCT o.id) FROM customer_order o JOIN order_line a ON a.order_id = o.id JOIN order_line b ON b.order_id = o.id AND b.variant_id <> a.variant_id WHERE o.paid_at IS NOT NULL AND o.status <> 'CANCELLED' GROUP BY 1, 2",
                "INSERT INTO category_sales (category_id, variant_id, units, orders) SELECT c.category_id, l.variant_id, sum(l.quantity), count(DISTINCT o.id) FROM customer_order o JOIN order_line l ON l.order_id = o.id JOIN (SELECT v.id AS variant_id, p.category_id FROM variant v JOIN product p ON p.id = v.product_id) c ON c.variant_id = l.variant_id WHERE o.paid_at IS NOT NULL AND o.status <> 'CANCELLED' AND c.category_id IS NOT NULL GROUP BY 1, 2",
                # one credit row per party and cause: a repeated payment, cancellation or refund writes nothing
                'CREATE UNIQUE INDEX "uid_sales_credit_party" ON "sales_credit" '
                '("order_id", "reference", (coalesce("location_id", 0)))',
            ],
            reverse_sql=[
                'DROP TABLE IF EXISTS "category_sales"',
                'DROP TABLE IF EXISTS "variant_pair"',
                'DROP TABLE IF EXISTS "member_purchase"',
            ],
        ),
    ]
