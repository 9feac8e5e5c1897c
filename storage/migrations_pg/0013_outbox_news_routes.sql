ALTER TABLE outbox ADD COLUMN facts jsonb;
ALTER TABLE outbox ADD COLUMN about text;
ALTER TABLE outbox ADD COLUMN undeliverable_at timestamptz;
ALTER TABLE outbox ADD COLUMN told_on_paper_at timestamptz;
ALTER TABLE outbox ADD COLUMN told_on_paper_by bigint;
CREATE INDEX outbox_about ON outbox (about, id) WHERE about IS NOT NULL;
CREATE INDEX outbox_on_paper ON outbox (undeliverable_at, id)
    WHERE undeliverable_at IS NOT NULL AND told_on_paper_at IS NULL;
