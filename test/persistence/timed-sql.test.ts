import { assert, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Redacted } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import * as Database from "../../src/persistence/Database.ts"
import { StatementTimeLimit } from "../../src/persistence/TimedSql.ts"
import { describePostgres, scratchPostgres } from "../support/database.ts"
import { startTcpProxy } from "../support/tcpProxy.ts"

/** A migrated database of its own, reached through a proxy that can black-hole, and its client. */
const throughProxy = (serverUrl: string) =>
  Effect.gen(function*() {
    const scratch = Redacted.value(yield* scratchPostgres(serverUrl))
    const target = new URL(scratch)
    const proxy = yield* Effect.acquireRelease(
      Effect.promise(() => startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })),
      (proxy) => Effect.promise(() => proxy.close())
    )
    const services = yield* Layer.build(Database.layer({ url: Redacted.make(proxy.through(scratch)), poolSize: 2 }))
    return { proxy, sql: Context.get(services, SqlClient.SqlClient) }
  })

const elapsed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const exit = yield* Effect.exit(effect)
    return { exit, ms: performance.now() - started }
  })

const reasonOf = <A>(exit: Exit.Exit<A, SqlError.SqlError>) =>
  Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error.reason._tag : undefined

describePostgres("statements' time limit on the PostgreSQL service (TEST_DATABASE_URL)", "timed sql", (url) => {
  it.live("a statement to a black-holed server fails as a timeout within its limit, and works again once it answers", () =>
    Effect.gen(function*() {
      const { proxy, sql } = yield* throughProxy(url)
      const [before] = yield* sql<{ readonly n: number }>`SELECT 1::int4 AS n`
      assert.strictEqual(before?.n, 1)

      proxy.blackHole()
      // On the connection already open, and then on one the pool has to open.
      const open = yield* elapsed(sql`SELECT 2`.pipe(Effect.provideService(StatementTimeLimit, "700 millis")))
      assert.strictEqual(reasonOf(open.exit), "StatementTimeoutError")
      const both = yield* elapsed(
        Effect.all([sql`SELECT 3`, sql`SELECT 4`], { concurrency: 2 }).pipe(Effect.provideService(StatementTimeLimit, "700 millis"))
      )
      assert.strictEqual(reasonOf(both.exit), "StatementTimeoutError")
      // Given up at the limit, not once the abandoned statement has wound down (a cancel request into the silence).
      assert.isBelow(open.ms, 2_500)
      assert.isBelow(both.ms, 2_500)

      // A caller's own, shorter deadline is kept too: giving up on the statement does not wait for it.
      const deadline = yield* elapsed(sql`SELECT 5`.pipe(Effect.timeout("300 millis")))
      assert.isTrue(Exit.isFailure(deadline.exit))
      assert.isBelow(deadline.ms, 2_000)

      proxy.restore()
      const after = yield* sql<{ readonly n: number }>`SELECT 6::int4 AS n`.pipe(
        Effect.retry({ times: 20, schedule: undefined, while: (error) => error.isRetryable }),
        Effect.provideService(StatementTimeLimit, "10 seconds")
      )
      assert.strictEqual(after[0]?.n, 6)
    }).pipe(Effect.scoped), 60_000)
})
