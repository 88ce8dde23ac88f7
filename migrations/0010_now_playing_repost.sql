-- Whether the now-playing message is posted anew at the bottom of the channel for each track
-- (the old one deleted) instead of edited where it first appeared.
ALTER TABLE guild_settings ADD COLUMN repost_now_playing boolean NOT NULL DEFAULT false;
