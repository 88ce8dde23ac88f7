import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, type Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Readiness } from "../observability/Readiness.ts"
import { DatabaseConfig } from "./DatabaseConfig.ts"
import { EmbeddedPostgres } from "./EmbeddedPostgres.ts"
import { layerMigrations } from "./Migrations.ts"

/** A migrated PostgreSQL client for `url`. */
export const layer = (options: {
  readonly url: Redacted.Redacted<string>
  readonly poolSize: number
  readonly migrationsDir?: string | undefined
}) =>
  layerMigrations(options.migrationsDir).pipe(
    Layer.provideMerge(
      PgClient.layer({
        url: options.url,
        maxConnections: options.poolSize,
        connectTimeout: "10 seconds",
        applicationName: "reprise"
      })
    )
  )

/** Readiness fails while the database does not answer a trivial query. */
const readiness = Readiness.probe(
  "database",
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return sql`SELECT 1`.pipe(Effect.asVoid, Effect.mapError((error) => error.message))
  })
)

/**
 * The application's database: PostgreSQL at DATABASE_URL, or, when it is unset, the
 * embedded database under DATA_DIR with a pool of one connection (all it can serve).
 * Closing it closes the pool, then the embedded server.
 */
export const layerConfig = readiness.pipe(
  Layer.provideMerge(
    Layer.unwrap(
      Effect.gen(function*() {
        const config = yield* DatabaseConfig
        return Option.match(config.url, {
          onSome: (url) => layer({ url, poolSize: 10 }),
          onNone: () =>
            Layer.unwrap(
              Effect.gen(function*() {
                const embedded = yield* EmbeddedPostgres
                return layer({ url: embedded.url, poolSize: 1 })
              })
            ).pipe(Layer.provide(EmbeddedPostgres.layer(config.dataDir)))
        })
      })
    )
  )
)
