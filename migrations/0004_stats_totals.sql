-- /stats over all (or most) of a guild's history would group every play it ever made: on a busy
-- guild that is hundreds of thousands of index entries per list. These tables keep the totals
-- instead, per guild and track and per guild and requester, up to date with every play the
-- history records. A window that reaches back far enough is then its totals minus the few plays
-- before it (src/persistence/StatsRepo.ts).

-- Every play updates a row of each table, so neither has an index beyond its key: an update that
-- changes no indexed column is a HOT update, which writes no index entry and whose dead versions
-- the page itself reclaims. The 30 % of each page left free makes room for them. A guild's rows are
-- few enough (its tracks, its requesters) to be ordered whole when a list is asked for.
CREATE TABLE guild_track_totals (
  guild_id        text NOT NULL,
  track_id        text NOT NULL,
  plays           integer NOT NULL DEFAULT 0,
  last_played_at  timestamptz NOT NULL,
  skips           integer NOT NULL DEFAULT 0,
  last_skipped_at timestamptz,
  PRIMARY KEY (guild_id, track_id)
) WITH (fillfactor = 70);

CREATE TABLE guild_requester_totals (
  guild_id       text NOT NULL,
  requester      text NOT NULL,
  plays          integer NOT NULL DEFAULT 0,
  last_played_at timestamptz NOT NULL,
  PRIMARY KEY (guild_id, requester)
) WITH (fillfactor = 70);

-- A play is counted when its row is inserted (a replayed insert that does nothing is not), and
-- counted as a skip when it is inserted or later ended as skipped; an end written again changes
-- nothing, since only a change of end_reason moves the count.
CREATE FUNCTION play_history_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO guild_track_totals AS t (guild_id, track_id, plays, last_played_at, skips, last_skipped_at)
    VALUES (NEW.guild_id, NEW.track_id, 1, NEW.started_at,
      CASE WHEN NEW.end_reason = 'skipped' THEN 1 ELSE 0 END,
      CASE WHEN NEW.end_reason = 'skipped' THEN NEW.started_at END)
    ON CONFLICT (guild_id, track_id) DO UPDATE SET
      plays = t.plays + 1,
      last_played_at = greatest(t.last_played_at, EXCLUDED.last_played_at),
      skips = t.skips + EXCLUDED.skips,
      last_skipped_at = greatest(t.last_skipped_at, EXCLUDED.last_skipped_at);
    INSERT INTO guild_requester_totals AS r (guild_id, requester, plays, last_played_at)
    VALUES (NEW.guild_id, NEW.requester, 1, NEW.started_at)
    ON CONFLICT (guild_id, requester) DO UPDATE SET
      plays = r.plays + 1,
      last_played_at = greatest(r.last_played_at, EXCLUDED.last_played_at);
  ELSIF (NEW.end_reason IS NOT DISTINCT FROM 'skipped') <> (OLD.end_reason IS NOT DISTINCT FROM 'skipped') THEN
    -- A skip taken back leaves last_skipped_at as it was: it only orders ties.
    UPDATE guild_track_totals SET
      skips = skips + CASE WHEN NEW.end_reason = 'skipped' THEN 1 ELSE -1 END,
      last_skipped_at = CASE WHEN NEW.end_reason = 'skipped' THEN greatest(last_skipped_at, NEW.started_at)
        ELSE last_skipped_at END
    WHERE guild_id = NEW.guild_id AND track_id = NEW.track_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER play_history_counted AFTER INSERT ON play_history
  FOR EACH ROW EXECUTE FUNCTION play_history_count();
CREATE TRIGGER play_history_skip_counted AFTER UPDATE OF end_reason ON play_history
  FOR EACH ROW EXECUTE FUNCTION play_history_count();

-- The history recorded before this migration.
INSERT INTO guild_track_totals (guild_id, track_id, plays, last_played_at, skips, last_skipped_at)
SELECT guild_id, track_id, count(*), max(started_at),
  count(*) FILTER (WHERE end_reason = 'skipped'), max(started_at) FILTER (WHERE end_reason = 'skipped')
FROM play_history GROUP BY guild_id, track_id;

INSERT INTO guild_requester_totals (guild_id, requester, plays, last_played_at)
SELECT guild_id, requester, count(*), max(started_at) FROM play_history GROUP BY guild_id, requester;
