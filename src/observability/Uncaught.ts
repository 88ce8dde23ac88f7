/**
 * What the process does with an exception no code caught: one thrown in a library's own callback
 * (a socket's, a timer's) or a promise nobody awaited, outside every handler and fiber of ours.
 * Node's default ends the process at once: no snapshot saved, every guild's music cut. Carrying on
 * is worse: the part that threw (a voice connection's state machine, the gateway shard) is in a state
 * nobody can name, and a bot that looks up but no longer plays is harder to notice than one that
 * restarts. So the error is logged with an id, and the program shuts down as it does on SIGTERM:
 * every player's snapshot is saved, voice is left and FFmpeg stopped, and the exit is a failure, for
 * the supervisor (Docker's restart policy, systemd) to start it again; at start-up each guild's player
 * resumes from its snapshot where it was. What arrives from Discord malformed never gets this far:
 * the gateway drops it before discord.js reads it (gateway/CheckedDispatches.ts).
 */
import { Cause, Context, Deferred, Effect, FiberSet, Layer, Schema } from "effect"
import { errorId } from "./ErrorId.ts"

/** The program stopped for an exception no handler caught. */
export class UncaughtFailure extends Schema.TaggedError<UncaughtFailure>()("UncaughtFailure", {
  errorId: Schema.String,
  origin: Schema.String
}) {
  override get message(): string {
    return `stopped after an error no handler caught (error id ${this.errorId}, in the log); ` +
      "started again, the players resume where they were"
  }
}

/** The parts of `process` the policy uses: where uncaught exceptions are reported, and the exit. */
export interface ProcessLike {
  readonly on: (event: "uncaughtException", listener: (error: unknown, origin: string) => void) => unknown
  readonly off: (event: "uncaughtException", listener: (error: unknown, origin: string) => void) => unknown
  readonly exit: (code: number) => void
}

/** How long the shutdown may take before the process ends anyway (a broken part may hang it). */
const shutdownGraceMs = 15_000

export class Uncaught extends Context.Service<Uncaught, {
  /** Fails once an exception went uncaught: the program's main fiber stops on it. */
  readonly failure: Effect.Effect<never, UncaughtFailure>
}>()("reprise/observability/Uncaught") {
  static readonly layerFor = (target: ProcessLike): Layer.Layer<Uncaught> =>
    Layer.effect(
      Uncaught,
      Effect.gen(function*() {
        const failure = yield* Deferred.make<never, UncaughtFailure>()
        const runFork = yield* FiberSet.makeRuntime<never>()
        const onUncaught = (error: unknown, origin: string) => {
          runFork(
            Effect.gen(function*() {
              const id = yield* errorId
              yield* Effect.logFatal("an error no handler caught; shutting down to be restarted", {
                errorId: id,
                origin
              }, Cause.die(error))
              yield* Deferred.fail(failure, new UncaughtFailure({ errorId: id, origin }))
            })
          )
          setTimeout(() => target.exit(1), shutdownGraceMs).unref()
        }
        yield* Effect.acquireRelease(
          Effect.sync(() => target.on("uncaughtException", onUncaught)),
          () => Effect.sync(() => target.off("uncaughtException", onUncaught))
        )
        return Uncaught.of({ failure: Deferred.await(failure) })
      })
    )

  /** The policy for this process (an unhandled rejection reaches it as an uncaught exception too). */
  static readonly layer: Layer.Layer<Uncaught> = Uncaught.layerFor({
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
    exit: (code) => process.exit(code)
  })
}
