import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, type Redacted } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { EmbeddedPostgres } from "./EmbeddedPostgres.ts"
import { layerMigrations } from "./Migrations.ts"

/** A migrated PostgreSQL client for `url`. */
export const layerPg = (options: {
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

/**
 * The application's database: PostgreSQL at DATABASE_URL, or, when it is unset, the
 * embedded database under DATA_DIR with a pool of one connection (all it can serve).
 * Closing it closes the pool, then the embedded server.
 */
export const layerDatabase = (options: { readonly migrationsDir?: string | undefined } = {}) =>
  Layer.unwrap(
    Effect.gen(function*() {
      const config = yield* AppConfig
      return Option.match(config.database.url, {
        onSome: (url) => layerPg({ url, poolSize: 10, migrationsDir: options.migrationsDir }),
        onNone: () =>
          Layer.unwrap(
            Effect.gen(function*() {
              const embedded = yield* EmbeddedPostgres
              return layerPg({ url: embedded.url, poolSize: 1, migrationsDir: options.migrationsDir })
            })
          ).pipe(Layer.provide(EmbeddedPostgres.layer(config.database.dataDir)))
      })
    })
  )
