-- Dashboard sessions: a member who logged in with Discord (src/http/Sessions.ts). The cookie holds
-- a session id of 32 random bytes; the database keeps only its SHA-256 (64 hex digits), so a copy
-- of this table lets nobody in. The ids are random, so a plain hash is as hard to reverse as the id
-- is to guess, and a request's session is found by hashing its cookie again.

CREATE TABLE sessions (
  id_hash     text PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
  user_id     text NOT NULL,
  username    text NOT NULL,
  -- Discord's avatar hash, if the user has one.
  avatar      text,
  -- The ids of the guilds Discord said the user is in at login (the `guilds` scope), as a JSON
  -- array of strings: the guilds the dashboard lists. What a session may do in a guild is decided
  -- from the gateway's member at each request, never from this list.
  guild_ids   jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);

-- Each login removes the sessions that have expired by then.
CREATE INDEX sessions_expires ON sessions (expires_at);
