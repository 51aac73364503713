from tortoise import migrations
from tortoise.migrations import operations as ops

# The dashboards' rollups (domain/reports.py says what they count; persistence/repositories/
# report_rollups.py writes them in the transaction of the fact, report_reads.py reads them).
# Days are Asia/Shanghai dates. Rows every payment of a day would update (the online team's credit,
# a channel's sales at a busy store) are split in `shard`s (order id mod 16; reads sum them), so
# concurrent payments do not queue on one row lock until they commit. Coupons claimed and points moved are kept by triggers on the rows
# that record them (every writer of those rows, in its own transaction).

SQL = [
    # one row per paid order: what it added to the rollups, so a cancellation or a refund takes
    # back exactly that (and a fact handled twice changes nothing)
    'CREATE TABLE "report_order" ("order_id" INT PRIMARY KEY REFERENCES "customer_order" ("id") ON DELETE CASCADE, '
    '"paid_at" TIMESTAMPTZ NOT NULL, "day" DATE NOT NULL, "channel" VARCHAR(16) NOT NULL, '
    '"mode" VARCHAR(16) NOT NULL, "parts" JSONB NOT NULL, "credit" JSONB NOT NULL, '
    '"store_share" NUMERIC(7,6) NOT NULL, "refunded" JSONB NOT NULL DEFAULT \'[]\', '
    '"cancelled" BOOLEAN NOT NULL DEFAULT FALSE)',
    'COMMENT ON TABLE "report_order" IS \'What each paid order added to the report rollups (reversed exactly on cancel/refund).\'',
    'CREATE TABLE "report_sales" ("day" DATE NOT NULL, "channel" VARCHAR(16) NOT NULL, "mode" VARCHAR(16) NOT NULL, '
    '"location_id" INT NOT NULL, "orders" INT NOT NULL DEFAULT 0, "orders_once" INT NOT NULL DEFAULT 0, '
    '"units" BIGINT NOT NULL DEFAULT 0, "revenue" NUMERIC(16,2) NOT NULL DEFAULT 0, '
    '"discount" NUMERIC(16,2) NOT NULL DEFAULT 0, "points_redeemed" BIGINT NOT NULL DEFAULT 0, '
    '"refunded" NUMERIC(16,2) NOT NULL DEFAULT 0, "shard" SMALLINT NOT NULL DEFAULT 0, '
    'PRIMARY KEY ("day", "channel", "mode", "location_id", "shard"))',
    'COMMENT ON TABLE "report_sales" IS \'Paid orders (not cancelled) by payment day, channel, mode and fulfilling location.\'',
    'CREATE INDEX "report_sales_location_day" ON "report_sales" ("location_id", "day")',
    'CREATE TABLE "report_store_day" ("day" DATE NOT NULL, "location_id" INT NOT NULL, '
    '"cancelled" INT NOT NULL DEFAULT 0, "expired" INT NOT NULL DEFAULT 0, PRIMARY KEY ("day", "location_id"))',
    'CREATE TABLE "report_pickup" ("fulfillment_id" INT PRIMARY KEY REFERENCES "fulfillment" ("id") ON DELETE CASCADE, '
    '"location_id" INT NOT NULL, "day" DATE NOT NULL, "paid_at" TIMESTAMPTZ NOT NULL, '
    '"ready_at" TIMESTAMPTZ NOT NULL, "collected_at" TIMESTAMPTZ NULL)',
    'CREATE TABLE "report_wait" ("day" DATE NOT NULL, "location_id" INT NOT NULL, "kind" VARCHAR(8) NOT NULL, '
    '"bucket" INT NOT NULL, "count" INT NOT NULL DEFAULT 0, PRIMARY KEY ("location_id", "day", "kind", "bucket"))',
    'COMMENT ON TABLE "report_wait" IS \'Wait histograms by payment day: READY (payment to ready), COLLECT (ready to collected).\'',
    'CREATE TABLE "report_credit" ("day" DATE NOT NULL, "party" INT NOT NULL, "amount" NUMERIC(16,2) NOT NULL DEFAULT 0, '
    '"shard" SMALLINT NOT NULL DEFAULT 0, PRIMARY KEY ("day", "party", "shard"))',
    'COMMENT ON TABLE "report_credit" IS \'Sales credit by payment day; party 0 is the online team, else a location id.\'',
    'CREATE TABLE "report_coupon" ("day" DATE NOT NULL, "template_id" INT NOT NULL, "claimed" INT NOT NULL DEFAULT 0, '
    '"redeemed" INT NOT NULL DEFAULT 0, "discount" NUMERIC(16,2) NOT NULL DEFAULT 0, "shard" SMALLINT NOT NULL DEFAULT 0, '
    'PRIMARY KEY ("day", "template_id", "shard"))',
    'CREATE TABLE "report_points" ("day" DATE NOT NULL, "earned" BIGINT NOT NULL DEFAULT 0, '
    '"redeemed" BIGINT NOT NULL DEFAULT 0, "expired" BIGINT NOT NULL DEFAULT 0, "reversed" BIGINT NOT NULL DEFAULT 0, '
    '"shard" SMALLINT NOT NULL DEFAULT 0, PRIMARY KEY ("day", "shard"))',
    # claims: every coupon row is one claim
    'CREATE FUNCTION "report_coupon_claimed"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
    'INSERT INTO report_coupon (day, template_id, claimed, shard) '
    "VALUES ((NEW.claimed_at AT TIME ZONE 'Asia/Shanghai')::date, NEW.template_id, 1, NEW.id % 16) "
    'ON CONFLICT (day, template_id, shard) DO UPDATE SET claimed = report_coupon.claimed + 1; RETURN NULL; END $$',
    'CREATE TRIGGER "report_coupon_claimed" AFTER INSERT ON "coupon" FOR EACH ROW EXECUTE FUNCTION "report_coupon_claimed"()',
    # points: earned, redeemed net of points given back, expired, earned points taken back
    'CREATE FUNCTION "report_points_moved"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
    'INSERT INTO report_points (day, earned, redeemed, expired, reversed, shard) VALUES ('
    "(NEW.created_at AT TIME ZONE 'Asia/Shanghai')::date, "
    "CASE WHEN NEW.kind = 'EARN' THEN NEW.points ELSE 0 END, "
    "CASE WHEN NEW.kind = 'REDEEM' THEN -NEW.points WHEN NEW.kind = 'REVERSE' AND NEW.points > 0 THEN -NEW.points "
    'ELSE 0 END, '
    "CASE WHEN NEW.kind = 'EXPIRE' THEN -NEW.points ELSE 0 END, "
    "CASE WHEN NEW.kind = 'REVERSE' AND NEW.points < 0 THEN -NEW.points ELSE 0 END, NEW.id % 16) "
    'ON CONFLICT (day, shard) DO UPDATE SET earned = report_points.earned + EXCLUDED.earned, '
    'redeemed = report_points.redeemed + EXCLUDED.redeemed, expired = report_points.expired + EXCLUDED.expired, '
    'reversed = report_points.reversed + EXCLUDED.reversed; RETURN NULL; END $$',
    'CREATE TRIGGER "report_points_moved" AFTER INSERT ON "points_entry" FOR EACH ROW '
    'EXECUTE FUNCTION "report_points_moved"()',
    # rows written before this migration
    'INSERT INTO report_coupon (day, template_id, claimed) SELECT (claimed_at AT TIME ZONE \'Asia/Shanghai\')::date, '
    'template_id, count(*) FROM coupon GROUP BY 1, 2',
    'INSERT INTO report_points (day, earned, redeemed, expired, reversed) SELECT '
    "(created_at AT TIME ZONE 'Asia/Shanghai')::date, "
    "coalesce(sum(points) FILTER (WHERE kind = 'EARN'), 0), "
    "-coalesce(sum(points) FILTER (WHERE kind = 'REDEEM' OR (kind = 'REVERSE' AND points > 0)), 0), "
    "-coalesce(sum(points) FILTER (WHERE kind = 'EXPIRE'), 0), "
    "-coalesce(sum(points) FILTER (WHERE kind = 'REVERSE' AND points < 0), 0) FROM points_entry GROUP BY 1",
]

BACK = [
    'DROP TRIGGER IF EXISTS "report_points_moved" ON "points_entry"',
    'DROP FUNCTION IF EXISTS "report_points_moved"()',
    'DROP TRIGGER IF EXISTS "report_coupon_claimed" ON "coupon"',
    'DROP FUNCTION IF EXISTS "report_coupon_claimed"()',
    'DROP TABLE IF EXISTS "report_points", "report_coupon", "report_credit", "report_wait", "report_pickup", '
    '"report_store_day", "report_sales", "report_order"',
]


class Migration(migrations.Migration):
    dependencies = [('omnichannel', '0016_transfers')]

    initial = False

    operations = [ops.RunSQL(SQL, reverse_sql=BACK)]
