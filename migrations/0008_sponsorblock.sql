-- The SponsorBlock categories the guild skips in YouTube videos (src/sponsorblock/), as a JSON
-- array of their names; empty: nothing is skipped. The default skips only what is not music.
ALTER TABLE guild_settings ADD COLUMN sponsorblock_categories jsonb NOT NULL DEFAULT '["music_offtopic"]'::jsonb;
