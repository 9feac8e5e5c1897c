ALTER TABLE residents ADD COLUMN social_groups text NOT NULL DEFAULT '';
