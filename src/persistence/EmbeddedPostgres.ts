import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { mkdirSync } from "node:fs"
import { resolve } from "node:path"

export class EmbeddedDatabaseError extends Schema.TaggedError<EmbeddedDatabaseError>()("EmbeddedDatabaseError", {
  message: Schema.String,
  cause: Schema.Defect()
}) {}

/**
 * PGlite (PostgreSQL in WebAssembly) persisted under a folder, served over the Postgres wire
 * protocol on a loopback port so the same client and SQL serve it and a real server.
 *
 * The socket server runs every connection through one PGlite session, queueing protocol
 * messages one at a time, so two connections' extended-protocol sequences can interleave
 * (an unnamed statement of one replaced by the other's). It therefore accepts exactly one
 * connection, and the client pool holds one too: correctness over the extra throughput that
 * more connections measured (bench/pgliteSocket.ts).
 */
export class EmbeddedPostgres extends Context.Service<EmbeddedPostgres, {
  readonly url: Redacted.Redacted<string>
  readonly directory: string
}>()("reprise/persistence/EmbeddedPostgres") {
  static readonly layer = (dataDir: string) =>
    Layer.effect(
      EmbeddedPostgres,
      Effect.gen(function*() {
        const directory = resolve(dataDir, "pglite")
        const db = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: async () => {
              mkdirSync(directory, { recursive: true })
              return await PGlite.create(directory)
            },
            catch: (cause) =>
              new EmbeddedDatabaseError({ message: `Cannot open the embedded database in ${directory}`, cause })
          }),
          (db) => Effect.promise(() => db.close()).pipe(Effect.withSpan("EmbeddedPostgres.close"))
        )
        const server = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: async () => {
              const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 })
              await server.start()
              return server
            },
            catch: (cause) => new EmbeddedDatabaseError({ message: "Cannot serve the embedded database", cause })
          }),
          (server) => Effect.promise(() => server.stop())
        )
        const address = server.getServerConn()
        yield* Effect.logInfo("embedded database ready", { directory, address })
        return EmbeddedPostgres.of({
          url: Redacted.make(`postgres://postgres@${address}/postgres`),
          directory
        })
      }).pipe(Effect.withSpan("EmbeddedPostgres.start"))
    )
}
