import { assert, describe, it } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Logger, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Database from "../../src/persistence/Database.ts"
import { EmbeddedPostgres } from "../../src/persistence/EmbeddedPostgres.ts"

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
export const describePostgres = (title: string, what: string, tests: (url: string) => void) =>
  describe(title, () => {
    if (testDatabaseUrl === undefined) {
      it("needs TEST_DATABASE_URL", () => {
        const message = `TEST_DATABASE_URL is not set: the PostgreSQL ${what} tests did not run. ` +
          "Set it to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test"
        if (process.env.CI === "true") assert.fail(message)
        process.stderr.write(`\n  ⚠ ${message}\n`)
      })
      return
    }
    tests(testDatabaseUrl)
  })

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
