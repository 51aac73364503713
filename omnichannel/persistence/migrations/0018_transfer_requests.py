from tortoise import migrations
from tortoise import fields
from tortoise.migrations import operations as ops

# requestTransfer's idempotency key: the same key from the same requester answers with the first
# transfer (resolvers/transfers/request.py); the unique index is the backstop of its advisory lock.
# `online`: a transfer bringing stock for an online order holds it within the source's online share.


class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0017_reports')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Transfer',
            name='idempotency_key',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='Transfer',
            name='request_fingerprint',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Transfer',
            name='online',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.RunSQL(
            [
                'CREATE UNIQUE INDEX "transfer_request_key" ON "transfer" ("requested_by", "idempotency_key") '
                'WHERE "idempotency_key" IS NOT NULL',
            ],
            reverse_sql=['DROP INDEX IF EXISTS "transfer_request_key"'],
        ),
    ]
