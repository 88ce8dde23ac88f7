import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Exit } from "effect"
import { makeApp } from "./App.ts"
import { decodeConfig } from "./AppConfig.ts"
import { readEnvironment } from "./config/Environment.ts"
import { DiscordGateway } from "./gateway/DiscordGateway.ts"
import { Uncaught } from "./observability/Uncaught.ts"
import { DatabaseStatus } from "./persistence/Database.ts"

/** What the user reads when start-up fails: one line per problem, never a stack trace. */
const explain = (error: unknown): ReadonlyArray<string> => {
  if (typeof error !== "object" || error === null || !("_tag" in error)) return [String(error)]
  switch (error._tag) {
    case "ConfigInvalid":
    case "GatewayError":
    case "UncaughtFailure":
      return (error as unknown as Error).message.split("\n")
    case "SqlError":
    case "MigrationError":
    case "EmbeddedDatabaseError": {
      const message = (error as unknown as Error).message
      const cause = "cause" in error && error.cause instanceof Error ? error.cause.message : undefined
      return [`the database could not be prepared: ${message}${cause && cause !== message ? `: ${cause}` : ""}`]
    }
    case "ServeError":
      return [`the HTTP server could not start: ${"cause" in error ? String(error.cause) : "unknown reason"}`]
    default:
      return [`stopped by an unexpected error (${error._tag}); the log has the details`]
  }
}

const report = (cause: Cause.Cause<unknown>) =>
  Cause.hasInterruptsOnly(cause)
    ? Effect.void
    : Effect.forEach(
      cause.reasons.some(Cause.isFailReason)
        ? cause.reasons.filter(Cause.isFailReason).flatMap((reason) => explain(reason.error))
        : ["stopped by an unexpected defect; the log has the details"],
      (line) => Console.error(`reprise: ${line}`),
      { discard: true }
    )

const started = performance.now()

const program = Effect.gen(function*() {
  const config = yield* decodeConfig(readEnvironment(), process.stdout.isTTY === true)
  yield* Effect.gen(function*() {
    const discord = yield* DiscordGateway
    const uncaught = yield* Uncaught
    const database = yield* DatabaseStatus
    yield* Effect.logInfo("Reprise is up", {
      http: `http://${config.http.host}:${config.http.port}`,
      startupMs: Math.round(performance.now() - started)
    })
    return yield* Effect.raceAllFirst([discord.fatal, uncaught.failure, database.fatal])
  }).pipe(
    Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("stopping", cause)),
    Effect.provide(makeApp(config))
  )
})

NodeRuntime.runMain(program.pipe(Effect.tapCause(report)), {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
})
