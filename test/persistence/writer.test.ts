import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as Database from "../../src/persistence/Database.ts"
import { Writer } from "../../src/persistence/Writer.ts"
import { describePostgres, embeddedDatabase, scratchPostgres, tempDir } from "../support/database.ts"

const createTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS writer_latest (k text PRIMARY KEY, v integer NOT NULL)`
  yield* sql`CREATE TABLE IF NOT EXISTS writer_rows (n integer PRIMARY KEY, at serial)`
})

/** Writes for the test tables, idempotent as the writer requires. */
const writes = (sql: SqlClient.SqlClient) => ({
  latest: (k: string, v: number) => ({
    kind: "snapshot" as const,
    key: `latest:${k}`,
    statement: sql`INSERT INTO writer_latest (k, v) VALUES (${k}, ${v}) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`
  }),
  row: (n: number) => ({
    kind: "history" as const,
    statement: sql`INSERT INTO writer_rows (n) VALUES (${n}) ON CONFLICT (n) DO NOTHING`
  })
})

/** A writer on the database at `url`, with the test tables created, and its writes. */
const writerOn = (url: Redacted.Redacted<string>, options: { readonly poolSize: number; readonly capacity?: number }) =>
  Effect.gen(function*() {
    const services = yield* Layer.build(
      Writer.layer({ capacity: options.capacity, batchSize: 50 }).pipe(
        Layer.provideMerge(Database.layer({ url, poolSize: options.poolSize }))
      )
    )
    const sql = Context.get(services, SqlClient.SqlClient)
    yield* createTables.pipe(Effect.provideService(SqlClient.SqlClient, sql))
    return { sql, writer: Context.get(services, Writer), w: writes(sql) }
  })

describe("the background writer", () => {
  it.live("coalesces a key's pending writes into the newest, keeps the others in order, and flush waits for them", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* createTables
      const writer = yield* Writer
      const w = writes(sql)
      for (let v = 1; v <= 5; v++) yield* writer.submit(w.latest("guild", v))
      for (let n = 1; n <= 300; n++) {
        yield* writer.submit(w.row(n))
        // One statement the database refuses, mid-batch: it alone is given up.
        if (n === 150) yield* writer.submit({ kind: "history", statement: sql`INSERT INTO no_such_table VALUES (1)` })
      }
      yield* writer.flush
      assert.strictEqual((yield* writer.stats).givenUp.history, 1)
      assert.strictEqual(yield* writer.pending, 0)
      const [latest] = yield* sql<{ readonly v: number }>`SELECT v FROM writer_latest WHERE k = 'guild'`
      assert.strictEqual(latest?.v, 5)
      const rows = yield* sql<{ readonly n: number }>`SELECT n FROM writer_rows ORDER BY at`
      assert.deepStrictEqual(rows.map((r) => r.n), Array.from({ length: 300 }, (_, i) => i + 1))
    }).pipe(Effect.provide(Writer.layer().pipe(Layer.provideMerge(embeddedDatabase(tempDir("writer")))))), 60_000)

  it.live("keeps every write while PGlite's socket is closed, and lands each once when it opens again", () =>
    Effect.gen(function*() {
      const db = yield* Effect.acquireRelease(Effect.promise(() => PGlite.create()), (db) => Effect.promise(() => db.close()))
      const socket = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 })
      yield* Effect.acquireRelease(Effect.promise(() => socket.start()), () => Effect.promise(() => socket.stop()))
      const url = Redacted.make(`postgres://postgres@${socket.getServerConn()}/postgres`)
      const { sql, writer, w } = yield* writerOn(url, { poolSize: 1 })
      for (let n = 1; n <= 10; n++) yield* writer.submit(w.row(n))
      yield* writer.flush

      // Closed: the connection is cut and nothing listens on the port.
      yield* Effect.promise(() => socket.stop())
      for (let n = 11; n <= 100; n++) yield* writer.submit(w.row(n))
      for (let v = 1; v <= 10; v++) yield* writer.submit(w.latest("guild", v))
      yield* Effect.sleep("2 seconds")
      assert.strictEqual(yield* writer.pending, 91, "90 rows and one coalesced snapshot wait")

      // Open again on the same port.
      yield* Effect.promise(() => socket.start())
      yield* writer.flush.pipe(Effect.timeout("30 seconds"))
      const rows = yield* sql<{ readonly n: number }>`SELECT n FROM writer_rows ORDER BY n`
      assert.deepStrictEqual(rows.map((r) => r.n), Array.from({ length: 100 }, (_, i) => i + 1))
      const [latest] = yield* sql<{ readonly v: number }>`SELECT v FROM writer_latest WHERE k = 'guild'`
      assert.strictEqual(latest?.v, 10)
      assert.deepStrictEqual((yield* writer.stats).givenUp, { snapshot: 0, history: 0, rating: 0, audit: 0, "key-use": 0 })
    }).pipe(Effect.scoped), 60_000)
})

describePostgres("the background writer, with the PostgreSQL service going away and coming back", "writer outage", (server) => {
    it.live("keeps every write through an outage, lands each exactly once, and gives up history first when full", () =>
      Effect.gen(function*() {
        const scratch = yield* scratchPostgres(server)
        const name = new URL(Redacted.value(scratch)).pathname.slice(1)
        const admin = Context.get(yield* Layer.build(PgClient.layer({ url: Redacted.make(server) })), SqlClient.SqlClient)
        const { sql, writer, w } = yield* writerOn(scratch, { poolSize: 2, capacity: 150 })
        for (let n = 1; n <= 20; n++) yield* writer.submit(w.row(n))
        yield* writer.flush

        // Down: no new connection is let in, and the open ones are cut.
        yield* admin.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`)
        yield* admin.unsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`)
        const droppedBefore = (yield* writer.stats).givenUp.history
        for (let n = 21; n <= 220; n++) yield* writer.submit(w.row(n))
        for (let v = 1; v <= 30; v++) yield* writer.submit(w.latest("guild", v))
        yield* Effect.sleep("2 seconds")
        assert.isAtLeast(yield* writer.pending, 150, "everything waits while the database is down")

        yield* admin.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
        yield* writer.flush.pipe(Effect.timeout("30 seconds"))
        const rows = yield* sql<{ readonly n: number }>`SELECT n FROM writer_rows ORDER BY n`
        const kept = rows.map((r) => r.n)
        // Full at 150 pending writes: each history row beyond made room by giving up an older one.
        const dropped = (yield* writer.stats).givenUp.history - droppedBefore
        assert.strictEqual(dropped, 50)
        assert.strictEqual(kept.length, 20 + 150, "every kept write landed, none twice")
        assert.deepStrictEqual(kept.slice(0, 20), Array.from({ length: 20 }, (_, i) => i + 1))
        assert.isTrue(kept.every((n) => n >= 1 && n <= 220))
        const [latest] = yield* sql<{ readonly v: number }>`SELECT v FROM writer_latest WHERE k = 'guild'`
        assert.strictEqual(latest?.v, 30, "the snapshot is never given up, and the newest one landed")
      }).pipe(Effect.scoped), 90_000)
})
