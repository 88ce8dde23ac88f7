import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Database from "../../src/persistence/Database.ts"
import { describePostgres, embeddedDatabase, scratchPostgres, tempDir } from "../support/database.ts"

const tables = [
  "api_keys",
  "audit_log",
  "guild_requester_totals",
  "guild_settings",
  "guild_track_totals",
  "play_history",
  "player_snapshots",
  "playlist_tracks",
  "playlists",
  "sessions",
  "track_ratings",
  "user_settings"
]

const listTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly tableName: string }>`
    SELECT table_name AS "tableName" FROM information_schema.tables
    WHERE table_schema = 'public' AND table_name <> 'effect_sql_migrations' ORDER BY table_name`
  return rows.map((row) => row.tableName)
})

const appliedMigrations = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly id: number }>`SELECT migration_id AS id FROM effect_sql_migrations`
  return rows.map((row) => row.id)
})

/** The ids of the project's migrations, as the migrator records them. */
const projectMigrations = readdirSync(new URL("../../migrations", import.meta.url))
  .flatMap((file) => /^(\d+)_.+\.sql$/.exec(file)?.[1] ?? [])
  .map(Number)
  .sort((a, b) => a - b)

/** The same checks on every kind of database: the schema is what the migrations say. */
const schemaChecks = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  assert.deepStrictEqual(yield* listTables, tables)
  assert.deepStrictEqual(yield* appliedMigrations, projectMigrations)
  // Keys and constraints hold: a track in a missing playlist and an out-of-range volume are refused.
  const orphan = yield* Effect.flip(sql`INSERT INTO playlist_tracks
    (playlist_id, position, track_id, kind, location, title, added_by)
    VALUES (424242, 0, 't', 'file', '/a.mp3', 'A', '123456789012345678')`)
  assert.strictEqual(orphan.reason._tag, "ConstraintError")
  const loud = yield* Effect.flip(sql`INSERT INTO guild_settings (guild_id, volume) VALUES ('1', 500)`)
  assert.strictEqual(loud.reason._tag, "ConstraintError")
})

describe("database on the embedded PGlite", () => {
  it.live("migrates an empty database, then starts again without re-applying, keeping the data", () =>
    Effect.gen(function*() {
      const dataDir = tempDir("pglite")
      yield* Effect.gen(function*() {
        yield* schemaChecks
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO guild_settings (guild_id, volume) VALUES ('111111111111111111', 42)`
      }).pipe(Effect.provide(embeddedDatabase(dataDir)))

      // A second start on the same folder: nothing to apply, and the row is still there.
      yield* Effect.gen(function*() {
        assert.deepStrictEqual(yield* appliedMigrations, projectMigrations)
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ readonly volume: number }>`
          SELECT volume FROM guild_settings WHERE guild_id = '111111111111111111'`
        assert.deepStrictEqual(rows.map((row) => row.volume), [42])
      }).pipe(Effect.provide(embeddedDatabase(dataDir)))
    }), 60_000)

  it.live("serves many concurrent queries from the pool without mixing their answers", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const answers = yield* Effect.forEach(
        Array.from({ length: 500 }, (_, i) => i),
        (i) => sql<{ readonly v: number; readonly pad: string }>`SELECT ${i}::int4 AS v, repeat('x', ${i % 64}) AS pad`,
        { concurrency: 100 }
      )
      answers.forEach((rows, i) => {
        assert.strictEqual(rows[0]?.v, i)
        assert.strictEqual(rows[0]?.pad.length, i % 64)
      })
      // A transaction holds the single connection; concurrent queries wait for it and see its result.
      yield* Effect.all([
        sql`INSERT INTO user_settings (user_id, locale) VALUES ('222222222222222222', 'fr')`.pipe(
          Effect.andThen(Effect.sleep("20 millis")),
          Effect.andThen(sql`UPDATE user_settings SET locale = 'de' WHERE user_id = '222222222222222222'`),
          sql.withTransaction
        ),
        Effect.forEach(Array.from({ length: 20 }, (_, i) => i), (i) => sql`SELECT ${i}::int4 AS v`, { concurrency: 20 })
      ], { concurrency: 2 })
      const locale = yield* sql<{ readonly locale: string }>`
        SELECT locale FROM user_settings WHERE user_id = '222222222222222222'`
      assert.strictEqual(locale[0]?.locale, "de")
    }).pipe(Effect.provide(embeddedDatabase(tempDir("pglite-concurrency")))), 60_000)

  it.live("stops on a failed migration and leaves the database as it was", () =>
    Effect.gen(function*() {
      const dataDir = tempDir("pglite-bad")
      const migrations = tempDir("migrations")
      writeFileSync(join(migrations, "0001_first.sql"), "CREATE TABLE first_table (id int PRIMARY KEY);")
      yield* Effect.provide(Effect.void, embeddedDatabase(dataDir, migrations))

      writeFileSync(
        join(migrations, "0002_broken.sql"),
        "CREATE TABLE half_done (id int);\nALTER TABLE no_such_table ADD COLUMN x int;"
      )
      const error = yield* Effect.flip(Effect.provide(Effect.void, embeddedDatabase(dataDir, migrations)))
      assert.strictEqual(error._tag, "MigrationError")
      assert.include(error.message, "2_broken")

      yield* Effect.gen(function*() {
        assert.deepStrictEqual(yield* appliedMigrations, [1])
        assert.deepStrictEqual(yield* listTables, ["first_table"])
      }).pipe(Effect.provide(embeddedDatabase(dataDir, tempDir("migrations-none"))))
    }), 60_000)
})

describePostgres("database on the PostgreSQL service (TEST_DATABASE_URL)", "migration", (url) => {
  it.live("migrates an empty database and is idempotent on a second start", () =>
    Effect.gen(function*() {
      const scratch = yield* scratchPostgres(url)
      yield* schemaChecks.pipe(Effect.provide(Database.layer({ url: scratch, poolSize: 4 })))
      // Second start: nothing is applied again and the tables are unchanged.
      yield* schemaChecks.pipe(Effect.provide(Database.layer({ url: scratch, poolSize: 4 })))
    }).pipe(Effect.scoped), 60_000)
})
