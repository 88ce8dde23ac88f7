/**
 * The SQL client every store uses: each connection taken and each statement run has a time limit,
 * so a database that stops answering (packets dropped, no reset) costs a caller at most that
 * limit, never a hang. A statement over its limit fails with `SqlError` of reason
 * `StatementTimeoutError` (retryable, so the writer counts it as an outage).
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Duration, Effect, Fiber } from "effect"
import { SqlClient, type SqlConnection, SqlError } from "effect/sql"

/**
 * How long one statement (or taking a connection for it) may take. Commands that wait on the
 * database have tighter deadlines of their own (Discord's 3 s); migrations set a far longer one.
 */
export const StatementTimeLimit = Context.Reference<Duration.Input>("reprise/persistence/StatementTimeLimit", {
  defaultValue: () => "5 seconds"
})

const timedOut = (limit: Duration.Duration, operation: string) =>
  new SqlError.SqlError({
    reason: new SqlError.StatementTimeoutError({
      cause: new Error(`no answer within ${Duration.format(limit)}`),
      message: `the database did not answer within ${Duration.format(limit)}`,
      operation
    })
  })

/**
 * `effect` within the current `StatementTimeLimit`. It runs in a fiber of its own that the caller
 * does not wait for once it gives up: interrupting a statement sent to a silent server means a
 * cancel request and a drain, seconds of waiting on the same silence, so the statement winds down
 * (and its connection is retired) on its own. An `Effect.timeout` around a statement would wait
 * for that, and so would any caller interrupted (a shorter deadline of its own) without this.
 */
export const withinLimit = (operation: string) =>
<A, R>(effect: Effect.Effect<A, SqlError.SqlError, R>): Effect.Effect<A, SqlError.SqlError, R> =>
  // Forked and watched in one step, so that no interruption in between leaves a statement unwatched.
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const limit = Duration.fromInputUnsafe(yield* StatementTimeLimit)
      const fiber = yield* Effect.forkDetach(effect)
      const letGo = Effect.asVoid(Effect.forkDetach(Fiber.interrupt(fiber)))
      return yield* restore(
        Fiber.join(fiber).pipe(
          Effect.timeoutOrElse({
            duration: limit,
            orElse: () => Effect.andThen(letGo, Effect.fail(timedOut(limit, operation)))
          })
        )
      ).pipe(Effect.onInterrupt(() => letGo))
    })
  )

/** A connection whose every statement is within the limit (a stream's rows come at the reader's pace: no limit). */
const limited = (connection: SqlConnection.Connection): SqlConnection.Connection => ({
  execute: (sql, params, transformRows) => withinLimit("execute")(connection.execute(sql, params, transformRows)),
  executeRaw: (sql, params) => withinLimit("executeRaw")(connection.executeRaw(sql, params)),
  executeStream: (sql, params, transformRows) => connection.executeStream(sql, params, transformRows),
  executeValues: (sql, params) => withinLimit("executeValues")(connection.executeValues(sql, params)),
  executeValuesUnprepared: (sql, params) =>
    withinLimit("executeValuesUnprepared")(connection.executeValuesUnprepared(sql, params)),
  executeUnprepared: (sql, params, transformRows) =>
    withinLimit("executeUnprepared")(connection.executeUnprepared(sql, params, transformRows))
})

// PostgreSQL answers a COMMIT of a transaction a failed statement aborted with ROLLBACK.
const commit = (connection: SqlConnection.Connection): Effect.Effect<void, SqlError.SqlError> =>
  Effect.flatMap(connection.executeRaw("COMMIT", []), (result) =>
    typeof result === "object" && result !== null && "command" in result && result.command === "ROLLBACK"
      ? Effect.fail(
        new SqlError.SqlError({
          reason: new SqlError.UnknownError({
            cause: new Error("COMMIT rolled back an aborted transaction"),
            message: "COMMIT rolled back an aborted transaction",
            operation: "commit"
          })
        })
      )
      : Effect.void)

/**
 * The statements of `pg` (its pool, its PostgreSQL dialect) with time limits. `gate` runs before
 * each connection is taken: it fails while the database may not be used yet (not migrated).
 */
export const make = (
  pg: PgClient.PgClient,
  gate: Effect.Effect<void, SqlError.SqlError> = Effect.void
) => {
  const acquirer = withinLimit("connect")(Effect.andThen(gate, Effect.map(pg.reserve, limited)))
  return SqlClient.make({
    acquirer,
    transactionAcquirer: acquirer,
    compiler: PgClient.makeCompiler(),
    driver: pg.driver,
    spanAttributes: [["db.system.name", "postgresql"]],
    prepareTransactionControls: true,
    commit,
    releaseSavepoint: (name) => `RELEASE SAVEPOINT ${name}`
  })
}
