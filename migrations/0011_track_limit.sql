-- A guild's own limit on a track's length, in minutes (schema/GuildRules.ts): null, every guild's
-- until it chooses, leaves only the bot's MAX_TRACK_DURATION.
ALTER TABLE guild_settings ADD COLUMN max_track_minutes integer
  CHECK (max_track_minutes BETWEEN 1 AND 1440);
