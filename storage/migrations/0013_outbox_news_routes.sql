-- Zalo's 7-day window (issue 14). A personal row of transactional news (bot/domain/news.py)
-- keeps the facts its paid template is filled with (JSON, written at enqueue time) and what it
-- is about (petition:<code>, session:<id>) for the staff timeline. delivered_channel now also
-- says zalo_template or zns. A row no route could deliver gets undeliverable_at and waits on
-- the secretary's list of people to reach on paper until told_on_paper_at is set.
ALTER TABLE outbox ADD COLUMN facts TEXT;
ALTER TABLE outbox ADD COLUMN about TEXT;
ALTER TABLE outbox ADD COLUMN undeliverable_at TEXT;
ALTER TABLE outbox ADD COLUMN told_on_paper_at TEXT;
ALTER TABLE outbox ADD COLUMN told_on_paper_by INTEGER;
CREATE INDEX outbox_about ON outbox (about, id) WHERE about IS NOT NULL;
CREATE INDEX outbox_on_paper ON outbox (undeliverable_at, id)
    WHERE undeliverable_at IS NOT NULL AND told_on_paper_at IS NULL;
