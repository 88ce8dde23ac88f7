import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Readiness } from "../observability/Readiness.ts"

/** Readiness fails while the database does not answer a trivial query. */
export const databaseReadiness = Readiness.probe(
  "database",
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return sql`SELECT 1`.pipe(Effect.asVoid, Effect.mapError((error) => error.message))
  })
)
