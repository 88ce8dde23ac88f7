import { Effect, Layer } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { splitStatements } from "./SqlScript.ts"
import { StatementTimeLimit } from "./TimedSql.ts"

/** The project's `migrations/` folder. */
export const defaultMigrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url))

/** Loads `<id>_<name>.sql` files, ordered by id; each runs statement by statement. */
export const sqlFileLoader = (directory: string): Migrator.Loader =>
  Effect.try({
    try: () =>
      readdirSync(directory)
        .map((file) => ({ file, match: /^(\d+)_([^.]+)\.sql$/.exec(file) }))
        .flatMap(({ file, match }): ReadonlyArray<Migrator.ResolvedMigration> =>
          match === null ? [] : [[Number(match[1]), match[2]!, Effect.succeed(runScript(join(directory, file)))]]
        )
        .sort(([a], [b]) => a - b),
    catch: (cause) =>
      new Migrator.MigrationError({ kind: "Failed", cause, message: `Cannot read the migrations in ${directory}` })
  })

const runScript = (path: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (const statement of splitStatements(readFileSync(path, "utf8"))) {
      yield* sql.unsafe(statement)
    }
  })

const runMigrations = Migrator.make({})

/**
 * Applies pending migrations at start-up. They run in one transaction, so a failure
 * leaves the database as it was; applied ones are recorded and never run again.
 */
export const migrate = (directory: string = defaultMigrationsDir) =>
  runMigrations({ loader: sqlFileLoader(directory) }).pipe(
    Effect.tap((applied) =>
      applied.length === 0
        ? Effect.logDebug("database schema is up to date")
        : Effect.logInfo("applied migrations", applied.map(([id, name]) => `${id}_${name}`))
    ),
    // A migration may rewrite a large table: its statements get minutes, not the stores' seconds.
    Effect.provideService(StatementTimeLimit, "10 minutes"),
    Effect.withSpan("Database.migrate")
  )

export const layer = (directory?: string) => Layer.effectDiscard(migrate(directory))
