import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"

interface Outcome {
  readonly wrongRows: number
  readonly errors: number
  readonly queriesPerSecond: number
}

/** 2,000 small queries, 50 at a time, through a client pool against a pglite-socket server. */
const run = async (serverConnections: number, poolSize: number): Promise<Outcome> => {
  const db = await PGlite.create()
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: serverConnections })
  await server.start()
  const queries = 2000
  let wrongRows = 0
  let errors = 0
  const started = performance.now()
  await Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Effect.forEach(
        Array.from({ length: queries }, (_, i) => i),
        (i) =>
          sql<{ readonly v: number }>`SELECT ${i}::int4 AS v, repeat('x', ${i % 50}) AS pad`.pipe(
            Effect.map((rows) => {
              if (rows[0]?.v !== i) wrongRows++
            }),
            Effect.timeout("5 seconds"),
            Effect.catchCause(() => Effect.sync(() => void errors++))
          ),
        { concurrency: 50, discard: true }
      )
    }).pipe(
      Effect.provide(PgClient.layer({
        url: Redacted.make(`postgres://postgres@${server.getServerConn()}/postgres`),
        maxConnections: poolSize
      })),
      Effect.scoped
    )
  )
  const elapsed = (performance.now() - started) / 1000
  await server.stop()
  await db.close()
  return { wrongRows, errors, queriesPerSecond: Math.round(queries / elapsed) }
}

/**
 * What pglite-socket takes: the same load at several server limits and pool sizes. The
 * program uses server 1 / pool 1 (src/persistence/EmbeddedPostgres.ts explains why).
 */
export const pgliteSocketBench = async (): Promise<Record<string, Outcome>> => {
  const results: Record<string, Outcome> = {}
  for (const [server, pool] of [[1, 1], [1, 4], [4, 4], [8, 8]] as const) {
    results[`server_${server}_pool_${pool}`] = await run(server, pool)
  }
  return results
}
