-- /stats reads a guild's history over a period (a day to all of it) four ways: plays per track,
-- plays per requester, skips per track, and the rated tracks among those played. Each list must
-- stay fast on a year of history, so each is answered from an index alone.

-- Plays per track and per requester over a period: the guild's rows since its start, in index
-- order, with the two columns they group by, so neither list touches the table. It keeps the key
-- of the index it replaces (the newest first for /history), which would only be a second copy.
DROP INDEX IF EXISTS play_history_guild_recent;
CREATE INDEX play_history_guild_recent_stats ON play_history (guild_id, started_at DESC) INCLUDE (track_id, requester);

-- Over all (or most) of the history, grouping is cheaper on rows that come already grouped: the
-- guild's plays by requester here, by track below.
CREATE INDEX play_history_guild_requester ON play_history (guild_id, requester, started_at DESC);

-- Skips per track: a fifth of plays or fewer are skips, and only they are kept here.
CREATE INDEX play_history_guild_skipped ON play_history (guild_id, started_at DESC) INCLUDE (track_id)
  WHERE end_reason = 'skipped';

-- By track: plays per track over all the history, whether the guild played a rated track (in a
-- period too), and the title shown for a track, its latest play's, one step down. It serves all
-- that the index it replaces did.
DROP INDEX IF EXISTS play_history_guild_track;
CREATE INDEX play_history_guild_track_recent ON play_history (guild_id, track_id, started_at DESC);

-- A track's net score: its ratings summed without reading the table.
DROP INDEX IF EXISTS track_ratings_track;
CREATE INDEX track_ratings_track_score ON track_ratings (track_id) INCLUDE (rating);
