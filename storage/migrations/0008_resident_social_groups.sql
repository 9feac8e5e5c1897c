-- Social groups a resident declares in /hoso (nhóm xã hội, seed 004 II.2.2): a comma-separated
-- list of SocialGroup codes, '' when none, so thematic sessions reach the people they are for.
ALTER TABLE residents ADD COLUMN social_groups TEXT NOT NULL DEFAULT '';
