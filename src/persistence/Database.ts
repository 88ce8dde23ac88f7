import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, type Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { PostgresUrl, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import { Readiness } from "../observability/Readiness.ts"
import { EmbeddedPostgres } from "./EmbeddedPostgres.ts"
import * as Migrations from "./Migrations.ts"

export interface DatabaseSettings {
  /** A PostgreSQL server; none means the embedded database under `dataDir`. */
  readonly url: Option.Option<Redacted.Redacted<string>>
  readonly dataDir: string
}

export const section = Section.make({
  fields: {
    DATABASE_URL: Schema.optionalKey(Schema.RedactedFromValue(PostgresUrl, { label: "DATABASE_URL" })),
    DATA_DIR: Schema.NonEmptyString.pipe(withDefault("./data"))
  },
  secrets: ["DATABASE_URL"],
  build: (e): DatabaseSettings => ({ url: Option.fromUndefinedOr(e.DATABASE_URL), dataDir: e.DATA_DIR })
})

/** A migrated PostgreSQL client for `url`. */
export const layer = (options: {
  readonly url: Redacted.Redacted<string>
  readonly poolSize: number
  readonly migrationsDir?: string | undefined
}) =>
  Migrations.layer(options.migrationsDir).pipe(
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
        const config = yield* Section.settingsOf(section)
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
