-- The public web pages (issue 15): whether the author agreed to publish the petition's text,
-- and the indexes the public list's filters use, so a page stays fast with a million rows.
ALTER TABLE petitions ADD COLUMN content_public bigint NOT NULL DEFAULT 0;
CREATE INDEX petitions_field ON petitions (field, id);
CREATE INDEX petitions_created ON petitions (created_at, id);
CREATE INDEX petition_outcomes_unit_pid ON petition_outcomes (unit_code, petition_id)
    WHERE unit_code IS NOT NULL;
CREATE INDEX conclusion_notices_published ON conclusion_notices (published_at)
    WHERE published_at IS NOT NULL;
