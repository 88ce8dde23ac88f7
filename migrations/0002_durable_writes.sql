-- The background writer replays a batch that failed halfway: a key of its own per row makes the
-- replay a no-op (ON CONFLICT DO NOTHING), so no history or audit row is ever doubled.
ALTER TABLE play_history ADD COLUMN write_key text;
CREATE UNIQUE INDEX play_history_write_key ON play_history (write_key);
-- How much of the track was heard, and why a failed one failed.
ALTER TABLE play_history ADD COLUMN played_ms integer CHECK (played_ms >= 0);
ALTER TABLE play_history ADD COLUMN fail_reason text;

ALTER TABLE audit_log ADD COLUMN write_key text;
CREATE UNIQUE INDEX audit_log_write_key ON audit_log (write_key);

-- A track starting closes the guild's play a killed process left open: found through this small
-- index of the open plays, not by reading the guild's whole history.
CREATE INDEX play_history_open ON play_history (guild_id) WHERE ended_at IS NULL;
