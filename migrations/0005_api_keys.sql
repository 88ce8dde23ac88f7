-- API keys for the HTTP API: a script holding one acts in its guild with DJ rights
-- (src/control/ApiKeys.ts). A key is shown once, when it is made; the database keeps only the
-- SHA-256 of the whole key (64 hex digits). The keys are 32 random bytes, so a plain hash is as
-- hard to reverse as the key is to guess, and a request's key is found by hashing it again.

CREATE TABLE api_keys (
  id           bigserial PRIMARY KEY,
  guild_id     text NOT NULL,
  -- What the guild's managers call it; /apikey revoke names it.
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 32),
  key_hash     text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Set once, by a revoke; the row stays, so that who made which key and when remains known.
  revoked_at   timestamptz,
  -- Written in the background, some time after a request used the key.
  last_used_at timestamptz
);

-- Every request looks its key up by hash, in the database each time (a revoke holds from the next
-- request on). Unique over revoked keys too: a hash names one key for good.
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);

-- One live key per name in a guild, whatever the case: managers revoke keys by name. Revoked keys
-- are left out, so a name is free again once its key is revoked (a script's key can be replaced
-- under the same name) while the revoked rows keep their history. The same index lists a guild's
-- live keys.
CREATE UNIQUE INDEX api_keys_guild_name ON api_keys (guild_id, lower(name)) WHERE revoked_at IS NULL;
