-- How long a track that ends on its own fades into the next, in seconds (src/player/Crossfade.ts);
-- 0, every guild's until it chooses, keeps the gapless change.
ALTER TABLE guild_settings ADD COLUMN crossfade_seconds smallint NOT NULL DEFAULT 0
  CHECK (crossfade_seconds BETWEEN 0 AND 12);
