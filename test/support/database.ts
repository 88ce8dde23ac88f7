import { describe, it } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Database from "../../src/persistence/Database.ts"
import { EmbeddedPostgres } from "../../src/persistence/EmbeddedPostgres.ts"
import { describeWith } from "./services.ts"

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `reprise-${prefix}-`))

/** The embedded database in `dataDir`, migrated from `migrationsDir` (the project's by default). */
export const embeddedDatabase = (dataDir: string, migrationsDir?: string) =>
  Layer.unwrap(
    Effect.gen(function*() {
      const embedded = yield* EmbeddedPostgres
      return Database.layer({ url: embedded.url, poolSize: 1, migrationsDir })
    })
  ).pipe(Layer.provide(EmbeddedPostgres.layer(dataDir)), Layer.provide(Logger.layer([])))

/**
 * The PostgreSQL service named by TEST_DATABASE_URL, if any. `.ci/run` sets it; where it is
 * unset the PostgreSQL half of the database tests cannot run, and says so.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL

/**
 * A describe block of tests on the PostgreSQL service at TEST_DATABASE_URL. Without it, one test
 * says so in every run's output, and fails where CI should have set it.
 */
export const describePostgres = describeWith({
  variable: "TEST_DATABASE_URL",
  name: "PostgreSQL",
  example: "postgres://postgres@127.0.0.1:5432/test",
  url: testDatabaseUrl
})

/**
 * One test of the stores in `layer` on both kinds of database, each new and migrated: the
 * embedded PGlite, and the PostgreSQL service (see `describePostgres`). `subject` names the
 * stores, `what` the tests (and the embedded database's folder).
 */
export const onBothDatabases = <ROut, E>(options: {
  readonly subject: string
  readonly what: string
  readonly title: string
  readonly layer: Layer.Layer<ROut, E, SqlClient.SqlClient>
  readonly checks: Effect.Effect<void, unknown, ROut | SqlClient.SqlClient>
}) => {
  const { subject, what, title, layer, checks } = options
  describe(`${subject} on the embedded PGlite`, () => {
    it.live(title, () =>
      checks.pipe(Effect.provide(layer.pipe(Layer.provideMerge(embeddedDatabase(tempDir(what.replace(/\W+/g, "-"))))))), 60_000)
  })
  describePostgres(`${subject} on the PostgreSQL service (TEST_DATABASE_URL)`, what, (url) => {
    it.live(title, () =>
      Effect.gen(function*() {
        const scratch = yield* scratchPostgres(url)
        yield* checks.pipe(Effect.provide(layer.pipe(Layer.provideMerge(Database.layer({ url: scratch, poolSize: 4 })))))
      }).pipe(Effect.scoped), 60_000)
  })
}

/**
 * A fresh database on the PostgreSQL service for one test, dropped when the scope closes,
 * so runs never see each other's tables. Yields its URL.
 */
export const scratchPostgres = (serverUrl: string) =>
  Effect.gen(function*() {
    const name = `reprise_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`
    const sql = Context.get(yield* Layer.build(PgClient.layer({ url: Redacted.make(serverUrl) })), SqlClient.SqlClient)
    yield* Effect.acquireRelease(
      sql.unsafe(`CREATE DATABASE ${name}`),
      () => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)
    )
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    return Redacted.make(url.toString())
  })

/**
 * A database of its own on the PostgreSQL service, for a program under test (which connects by
 * URL): `admin` runs statements on the server (to take the database away and bring it back),
 * `query` in the database itself. `drop` removes it.
 */
export const programDatabase = (serverUrl: string) => {
  const name = `reprise_e2e_${process.pid}_${Math.floor(Math.random() * 1e9)}`
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const server = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(serverUrl) }))
  const inside = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(url.toString()) }))
  const run = (runtime: typeof server) => <A extends object = Record<string, unknown>>(statement: string) =>
    runtime.runPromise(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      return yield* sql.unsafe<A>(statement)
    }))
  return {
    name,
    url: url.toString(),
    create: () => run(server)(`CREATE DATABASE ${name}`),
    admin: run(server),
    query: run(inside),
    drop: async () => {
      await inside.dispose()
      await run(server)(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await server.dispose()
    }
  }
}
