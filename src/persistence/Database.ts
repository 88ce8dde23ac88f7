import { PgClient } from "@effect/sql-pg"
import { Context, Deferred, Effect, Layer, Option, type Redacted, Ref, Schema } from "effect"
import { Reactivity } from "effect/reactivity"
import { type Migrator, SqlClient, SqlError } from "effect/sql"
import { PostgresUrl, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import { Readiness } from "../observability/Readiness.ts"
import * as Backoff from "../resilience/Backoff.ts"
import { EmbeddedPostgres } from "./EmbeddedPostgres.ts"
import * as Migrations from "./Migrations.ts"
import * as TimedSql from "./TimedSql.ts"

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

/** Why the database can never be used: a migration failed, or the server refused us for good (a bad password). */
export type DatabaseFatal = SqlError.SqlError | Migrator.MigrationError

/** The database as what waits on it sees it: the program's Discord login waits for `ready`. */
export class DatabaseStatus extends Context.Service<DatabaseStatus, {
  /** Completes once the database answers and its migrations are applied. */
  readonly ready: Effect.Effect<void>
  /** Fails when the database can never be used; never succeeds. */
  readonly fatal: Effect.Effect<never, DatabaseFatal>
}>()("reprise/persistence/DatabaseStatus") {}

interface PoolOptions {
  readonly url: Redacted.Redacted<string>
  readonly poolSize: number
}

/** The connection pool; it connects on first use, so building it never waits for the server. */
const pool = (options: PoolOptions) =>
  Layer.effect(
    PgClient.PgClient,
    PgClient.make({
      url: options.url,
      maxConnections: options.poolSize,
      connectTimeout: "10 seconds",
      applicationName: "reprise"
    })
  )

/**
 * A migrated PostgreSQL client for `url`, its statements time-limited (TimedSql): the layer is
 * built once the migrations have run, and fails when they cannot.
 */
export const layer = (options: PoolOptions & { readonly migrationsDir?: string | undefined }) =>
  Migrations.layer(options.migrationsDir).pipe(
    Layer.provideMerge(
      Layer.effect(
        SqlClient.SqlClient,
        Effect.gen(function*() {
          return yield* TimedSql.make(yield* PgClient.PgClient)
        })
      )
    ),
    Layer.provide(pool(options)),
    Layer.provide(Reactivity.layer)
  )

const notReady = (why: string) =>
  new SqlError.SqlError({
    reason: new SqlError.ConnectionError({ cause: new Error(why), message: `the database is not ready: ${why}`, operation: "connect" })
  })

/**
 * The program's client: built at once, while the database is prepared in the background. Until
 * it answers and is migrated, every statement fails at once as a database that is away (the
 * stores' callers already live with that), `/api/ready` names the reason, and `ready` waits.
 * An unreachable or silent server is retried with backoff for as long as it takes; a refusal no
 * retry fixes (a bad password, a failing migration) completes `fatal`.
 */
const preparedInBackground = (options: PoolOptions & { readonly migrationsDir?: string | undefined }) =>
  Layer.effectContext(
    Effect.gen(function*() {
      const pg = yield* PgClient.PgClient
      const migrated = yield* Deferred.make<void>()
      const fatal = yield* Deferred.make<never, DatabaseFatal>()
      const why = yield* Ref.make("connecting")
      const gate = Effect.flatMap(Deferred.isDone(migrated), (done) =>
        done ? Effect.void : Effect.flatMap(Ref.get(why), (reason) => Effect.fail(notReady(reason))))
      const client = yield* TimedSql.make(pg, gate)
      const direct = yield* TimedSql.make(pg)

      yield* Migrations.migrate(options.migrationsDir).pipe(
        Effect.provideService(SqlClient.SqlClient, direct),
        Effect.tapError((error) =>
          error._tag === "SqlError" && error.isRetryable
            ? Ref.set(why, `cannot reach it (${error.message}); retrying`).pipe(
              Effect.andThen(Effect.logWarning("cannot reach the database; retrying", { reason: error.message }))
            )
            : Effect.void
        ),
        Effect.retry({
          schedule: Backoff.backoff({ base: "500 millis", max: "10 seconds" }),
          while: (error) => error._tag === "SqlError" && error.isRetryable
        }),
        Effect.matchEffect({
          onSuccess: () => Deferred.succeed(migrated, undefined),
          onFailure: (error) => Deferred.fail(fatal, error)
        }),
        Effect.forkScoped
      )

      const readiness = yield* Readiness
      yield* readiness.register(
        "database",
        Effect.flatMap(Deferred.isDone(migrated), (done) =>
          done
            ? client`SELECT 1`.pipe(Effect.asVoid, Effect.mapError((error) => error.message))
            : Effect.flatMap(Ref.get(why), (reason) => Effect.fail(`not ready: ${reason}`)))
      )
      return Context.make(SqlClient.SqlClient, client).pipe(
        Context.add(DatabaseStatus, DatabaseStatus.of({ ready: Deferred.await(migrated), fatal: Deferred.await(fatal) }))
      )
    })
  ).pipe(Layer.provide(pool(options)), Layer.provide(Reactivity.layer))

/**
 * The application's database: PostgreSQL at DATABASE_URL, or, when it is unset, the embedded
 * database under DATA_DIR with a pool of one connection (all it can serve), prepared in the
 * background. Closing it closes the pool, then the embedded server.
 */
export const layerConfig = Layer.unwrap(
  Effect.gen(function*() {
    const config = yield* Section.settingsOf(section)
    return Option.match(config.url, {
      onSome: (url) => preparedInBackground({ url, poolSize: 10 }),
      onNone: () =>
        Layer.unwrap(
          Effect.gen(function*() {
            const embedded = yield* EmbeddedPostgres
            return preparedInBackground({ url: embedded.url, poolSize: 1 })
          })
        ).pipe(Layer.provide(EmbeddedPostgres.layer(config.dataDir)))
    })
  })
)
