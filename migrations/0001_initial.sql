-- The durable model: everything a guild or a user creates or that must survive a restart.
-- Discord ids (snowflakes) are stored as text: they exceed JavaScript's safe integers.

CREATE TABLE guild_settings (
  guild_id            text PRIMARY KEY,
  dj_role_id          text,
  volume              smallint NOT NULL DEFAULT 100 CHECK (volume BETWEEN 0 AND 200),
  loop_mode           text NOT NULL DEFAULT 'off' CHECK (loop_mode IN ('off', 'track', 'queue')),
  autoplay            boolean NOT NULL DEFAULT false,
  normalize           boolean NOT NULL DEFAULT false,
  allow_duplicates    boolean NOT NULL DEFAULT true,
  max_queue_length    integer NOT NULL DEFAULT 1000 CHECK (max_queue_length > 0),
  max_playlist_size   integer NOT NULL DEFAULT 1000 CHECK (max_playlist_size > 0),
  vote_skip_ratio     real NOT NULL DEFAULT 0.5 CHECK (vote_skip_ratio > 0 AND vote_skip_ratio <= 1),
  announce_channel_id text,
  stay_connected      boolean NOT NULL DEFAULT false,
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_settings (
  user_id        text PRIMARY KEY,
  default_volume smallint CHECK (default_volume BETWEEN 0 AND 200),
  locale         text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE playlists (
  id         bigserial PRIMARY KEY,
  owner_id   text NOT NULL,
  -- NULL: the owner's personal playlist; otherwise shared within that guild.
  guild_id   text,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One name per owner, case-insensitively: users address playlists by name.
CREATE UNIQUE INDEX playlists_owner_name ON playlists (owner_id, lower(name));
CREATE INDEX playlists_guild ON playlists (guild_id) WHERE guild_id IS NOT NULL;

CREATE TABLE playlist_tracks (
  playlist_id bigint NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  position    integer NOT NULL CHECK (position >= 0),
  track_id    text NOT NULL,
  kind        text NOT NULL,
  location    text NOT NULL,
  title       text NOT NULL,
  author      text,
  duration_ms integer CHECK (duration_ms >= 0),
  artwork_url text,
  added_by    text NOT NULL,
  added_at    timestamptz NOT NULL DEFAULT now(),
  -- Deferred so that reordering can shift positions inside one transaction.
  CONSTRAINT playlist_tracks_position UNIQUE (playlist_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE play_history (
  id          bigserial PRIMARY KEY,
  guild_id    text NOT NULL,
  requester   text NOT NULL,
  track_id    text NOT NULL,
  kind        text NOT NULL,
  location    text NOT NULL,
  title       text NOT NULL,
  duration_ms integer CHECK (duration_ms >= 0),
  started_at  timestamptz NOT NULL DEFAULT now(),
  ended_at    timestamptz,
  end_reason  text CHECK (end_reason IN ('finished', 'skipped', 'stopped', 'failed'))
);
-- /history per guild and per user, newest first; autoplay's "not played recently" check.
CREATE INDEX play_history_guild_recent ON play_history (guild_id, started_at DESC);
CREATE INDEX play_history_requester_recent ON play_history (requester, started_at DESC);
CREATE INDEX play_history_guild_track ON play_history (guild_id, track_id);

CREATE TABLE track_ratings (
  user_id  text NOT NULL,
  track_id text NOT NULL,
  guild_id text,
  rating   smallint NOT NULL CHECK (rating IN (-1, 1)),
  rated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, track_id)
);
CREATE INDEX track_ratings_track ON track_ratings (track_id);

CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  guild_id   text NOT NULL,
  actor_id   text NOT NULL,
  -- 'discord' or 'http': which edge the action came through.
  origin     text NOT NULL,
  action     text NOT NULL,
  detail     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_guild_recent ON audit_log (guild_id, created_at DESC);

-- The last known queue of each guild, so that a restart resumes where it stopped.
CREATE TABLE player_snapshots (
  guild_id         text PRIMARY KEY,
  voice_channel_id text,
  text_channel_id  text,
  state            jsonb NOT NULL,
  saved_at         timestamptz NOT NULL DEFAULT now()
);
