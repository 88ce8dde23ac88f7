-- A guild's own limits are optional: without one, the bot's caps (MAX_QUEUE_LENGTH,
-- MAX_PLAYLIST_SIZE) apply. Nothing ever set these columns before, so the old default of 1000
-- is no guild's choice; it becomes "none", which the caps' defaults of 1000 keep as it was.
ALTER TABLE guild_settings ALTER COLUMN max_queue_length DROP NOT NULL;
ALTER TABLE guild_settings ALTER COLUMN max_queue_length DROP DEFAULT;
ALTER TABLE guild_settings ALTER COLUMN max_playlist_size DROP NOT NULL;
ALTER TABLE guild_settings ALTER COLUMN max_playlist_size DROP DEFAULT;
UPDATE guild_settings SET max_queue_length = NULL WHERE max_queue_length = 1000;
UPDATE guild_settings SET max_playlist_size = NULL WHERE max_playlist_size = 1000;

-- The action groups the guild keeps for DJs (src/control/Authorization.ts), as a JSON array of
-- their names; the default is what the rules always kept for them.
ALTER TABLE guild_settings ADD COLUMN dj_actions jsonb NOT NULL DEFAULT '["volume", "effects", "stop", "clear"]'::jsonb;
