from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.db_defaults import Now
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RoutingRules',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('store_preference_km', fields.FloatField(default=10.0, db_default=10.0)),
                ('allow_split', fields.BooleanField(default=True, db_default=True)),
                ('max_locations', fields.IntField(default=3, db_default=3)),
                ('merge_window_minutes', fields.IntField(default=30, db_default=30)),
                ('transfer_enabled', fields.BooleanField(default=False, db_default=False)),
                ('transfer_hours_per_10km', fields.FloatField(default=2.0, db_default=2.0)),
                ('search_radius_km', fields.FloatField(default=50.0, db_default=50.0)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
                ('updated_by', fields.CharField(default='', db_default='', max_length=120)),
            ],
            options={'table': 'routing_rules', 'app': 'omnichannel', 'constraints': [CheckConstraint(check='id = 1', name='routing_rules_single_row'), CheckConstraint(check='store_preference_km >= 0 AND store_preference_km <= 1000', name='routing_rules_store_preference'), CheckConstraint(check='max_locations BETWEEN 1 AND 10', name='routing_rules_max_locations'), CheckConstraint(check='merge_window_minutes BETWEEN 0 AND 1440', name='routing_rules_merge_window'), CheckConstraint(check='transfer_hours_per_10km >= 0 AND transfer_hours_per_10km <= 240', name='routing_rules_transfer_hours'), CheckConstraint(check='search_radius_km >= 1 AND search_radius_km <= 1000', name='routing_rules_search_radius')], 'pk_attr': 'id', 'table_description': "Head office's routing settings: one row (id 1), absent until first changed (defaults apply)."},
            bases=['Model'],
        ),
        # CreateModel does not emit CHECK constraints: the same ones as the model declares
        ops.RunSQL(
            [
                'ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_single_row" CHECK (id = 1)',
                'ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_store_preference" '
                'CHECK (store_preference_km >= 0 AND store_preference_km <= 1000)',
                'ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_max_locations" '
                'CHECK (max_locations BETWEEN 1 AND 10)',
                'ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_merge_window" '
                'CHECK (merge_window_minutes BETWEEN 0 AND 1440)',
                'ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_transfer_hours" '
                'CHECK (transfer_hours_per_10km >= 0 AND transfer_hours_per_10km <= 240)',
                'ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_search_radius" '
                'CHECK (search_radius_km >= 1 AND search_radius_km <= 1000)',
            ],
            reverse_sql=[],
        ),
    ]
