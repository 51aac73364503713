from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0003_orders')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CouponEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=24)),
                ('at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('template_id', fields.IntField(null=True)),
                ('coupon_id', fields.IntField(null=True)),
                ('member_id', fields.IntField(null=True)),
                ('channel', fields.CharField(null=True, max_length=16)),
                ('store_id', fields.IntField(null=True)),
                ('staff_id', fields.IntField(null=True)),
                ('order_id', fields.IntField(null=True)),
                ('code', fields.CharField(null=True, max_length=40)),
                ('error_code', fields.CharField(null=True, max_length=40)),
                ('detail', fields.CharField(default='', db_default='', max_length=200)),
                ('actor', fields.CharField(default='', db_default='', max_length=120)),
            ],
            options={'table': 'coupon_event', 'app': 'omnichannel', 'indexes': [Index(fields=['template_id', 'id']), Index(fields=['coupon_id', 'id']), Index(fields=['kind', 'id'])], 'pk_attr': 'id', 'table_description': 'The coupon audit trail: claims, uses, returns and refusals, for head office.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CouponTemplate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=120)),
                ('kind', fields.CharField(max_length=16)),
                ('value', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('max_discount', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('min_spend', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('category_ids', fields.TextField(default='', db_default='', unique=False)),
                ('product_ids', fields.TextField(default='', db_default='', unique=False)),
                ('channels', fields.CharField(default='', db_default='', max_length=120)),
                ('store_ids', fields.TextField(default='', db_default='', unique=False)),
                ('valid_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('total_quantity', fields.IntField(null=True)),
                ('per_member_limit', fields.IntField(null=True)),
                ('issued_count', fields.IntField(default=0, db_default=0)),
                ('active', fields.BooleanField(default=True, db_default=True)),
                ('created_by', fields.CharField(default='', db_default='', max_length=120)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'coupon_template', 'app': 'omnichannel', 'constraints': [CheckConstraint(check='issued_count >= 0 AND (total_quantity IS NULL OR issued_count <= total_quantity)', name='coupon_template_issued_within_total')], 'pk_attr': 'id', 'table_description': "What head office offers; lists are comma-separated ids/names, empty meaning 'all'."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Coupon',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('template', fields.ForeignKeyField('omnichannel.CouponTemplate', source_field='template_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.RESTRICT)),
                ('member', fields.ForeignKeyField('omnichannel.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.RESTRICT)),
                ('code', fields.CharField(unique=True, max_length=16)),
                ('status', fields.CharField(default='ACTIVE', db_default='ACTIVE', max_length=12)),
                ('claimed_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('valid_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('order_id', fields.IntField(null=True)),
                ('store', fields.ForeignKeyField('omnichannel.Location', source_field='store_id', null=True, db_constraint=True, to_field='id', related_name='coupons_used', on_delete=OnDelete.RESTRICT)),
                ('staff', fields.ForeignKeyField('omnichannel.Staff', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='coupons_redeemed', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'coupon', 'app': 'omnichannel', 'indexes': [Index(fields=['member_id', 'template_id']), Index(fields=['order_id'])], 'pk_attr': 'id', 'table_description': "One member's coupon with its unique code. Used at most once (status moves ACTIVE -> REDEEMED)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberIdentity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('omnichannel.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='identities', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=20)),
                ('value', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member_identity', 'app': 'omnichannel', 'unique_together': (('kind', 'value'),), 'indexes': [Index(fields=['member_id'])], 'pk_attr': 'id', 'table_description': 'A way to recognise a member (phone, WeChat openid/unionid, store card); one member per value.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberMerge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survivor', fields.ForeignKeyField('omnichannel.Member', source_field='survivor_id', db_constraint=True, to_field='id', related_name='merges_in', on_delete=OnDelete.RESTRICT)),
                ('duplicate', fields.OneToOneField('omnichannel.Member', source_field='duplicate_id', db_constraint=True, to_field='id', related_name='merge_out', on_delete=OnDelete.RESTRICT)),
                ('points', fields.IntField(default=0, db_default=0)),
                ('coupons', fields.IntField(default=0, db_default=0)),
                ('identities', fields.IntField(default=0, db_default=0)),
                ('orders', fields.IntField(default=0, db_default=0)),
                ('actor', fields.CharField(default='', db_default='', max_length=120)),
                ('merged_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_merge', 'app': 'omnichannel', 'pk_attr': 'id', 'table_description': 'Head office folded `duplicate` into `survivor`: what moved, when and by whom.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberSpend',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('omnichannel.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='spend', on_delete=OnDelete.RESTRICT)),
                ('order_id', fields.IntField(null=True)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_spend', 'app': 'omnichannel', 'indexes': [Index(fields=['member_id', 'at'])], 'pk_attr': 'id', 'table_description': 'What a member paid (or got back) per order, for tiers by rolling 12-month spend.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('omnichannel.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='points_entries', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=16)),
                ('points', fields.IntField()),
                ('reason', fields.CharField(max_length=200)),
                ('order_id', fields.IntField(null=True)),
                ('key', fields.CharField(null=True, unique=True, max_length=64)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('remaining', fields.IntField(default=0, db_default=0)),
                ('actor', fields.CharField(default='', db_default='', max_length=120)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'points_entry', 'app': 'omnichannel', 'constraints': [CheckConstraint(check='points <> 0', name='points_entry_not_zero'), CheckConstraint(check='remaining >= 0 AND remaining <= GREATEST(points, 0)', name='points_remaining_range')], 'indexes': [Index(fields=['member_id', 'id']), Index(fields=['order_id'])], 'pk_attr': 'id', 'table_description': 'The points ledger (append-only). A credit is also a lot: `remaining` of it is still unspent.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Promotion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=120)),
                ('kind', fields.CharField(max_length=20)),
                ('threshold', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('amount_off', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('percent', fields.DecimalField(null=True, max_digits=5, decimal_places=2)),
                ('category_ids', fields.TextField(default='', db_default='', unique=False)),
                ('product_ids', fields.TextField(default='', db_default='', unique=False)),
                ('valid_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('active', fields.BooleanField(default=True, db_default=True)),
                ('created_by', fields.CharField(default='', db_default='', max_length=120)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'promotion', 'app': 'omnichannel', 'indexes': [Index(fields=['active'])], 'pk_attr': 'id', 'table_description': 'An automatic promotion, the same in every channel.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SignInCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('phone', fields.CharField(max_length=20)),
                ('code_hash', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0, db_default=0)),
            ],
            options={'table': 'sign_in_code', 'app': 'omnichannel', 'indexes': [Index(fields=['phone', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A one-time sign-in code sent to a phone; only its keyed hash is stored.'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='Member',
            options={'table': 'member', 'app': 'omnichannel', 'constraints': [CheckConstraint(check='points_balance >= 0', name='member_points_non_negative')], 'pk_attr': 'id', 'table_description': "One customer across every channel. `points_balance` is the sum of the member's points entries."},
        ),
        ops.AddField(
            model_name='Member',
            name='closed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Member',
            name='merged_into',
            field=fields.ForeignKeyField('omnichannel.Member', source_field='merged_into_id', null=True, db_constraint=True, to_field='id', related_name='merged_members', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Member',
            name='points_balance',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddConstraint(
            model_name='Member',
            constraint=CheckConstraint(check='points_balance >= 0', name='member_points_non_negative'),
        ),
        ops.RunSQL(
            [
                'ALTER TABLE "coupon_template" ADD CONSTRAINT "coupon_template_issued_within_total" '
                'CHECK (issued_count >= 0 AND (total_quantity IS NULL OR issued_count <= total_quantity))',
                'ALTER TABLE "points_entry" ADD CONSTRAINT "points_entry_not_zero" CHECK (points <> 0)',
                'ALTER TABLE "points_entry" ADD CONSTRAINT "points_remaining_range" '
                'CHECK (remaining >= 0 AND remaining <= GREATEST(points, 0))',
                # open lots of a member, soonest to expire first; and the expiry job's scan
                'CREATE INDEX "idx_points_entry_open_lots" ON "points_entry" ("member_id", "expires_at") '
                'WHERE remaining > 0',
                'CREATE INDEX "idx_points_entry_due" ON "points_entry" ("expires_at") WHERE remaining > 0',
                'CREATE INDEX "idx_member_merge_survivor" ON "member_merge" ("survivor_id")',
                'CREATE INDEX "idx_coupon_event_at" ON "coupon_event" ("at")',
                # members who already have a phone get it as their PHONE identity
                "INSERT INTO member_identity (member_id, kind, value) "
                "SELECT id, 'PHONE', phone FROM member WHERE phone IS NOT NULL ON CONFLICT DO NOTHING",
            ],
            reverse_sql=[
                'DROP INDEX IF EXISTS "idx_coupon_event_at"',
                'DROP INDEX IF EXISTS "idx_member_merge_survivor"',
                'DROP INDEX IF EXISTS "idx_points_entry_due"',
                'DROP INDEX IF EXISTS "idx_points_entry_open_lots"',
            ],
        ),
    ]
