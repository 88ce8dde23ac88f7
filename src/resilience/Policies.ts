import { Cause, Duration, Effect, Exit, Schedule } from "effect"
import { CircuitBreaker } from "effect/persistence"
import { type ResolveError, resolveError, SourceDown } from "../resolve/ResolveError.ts"
import { backoff } from "./Backoff.ts"

/**
 * A circuit breaker private to the resolver (not the app-wide `CircuitBreaker` service, so other
 * subsystems keep their own trip policies): one circuit per key, opened after `failures`
 * consecutive source faults, kept open for `openDuration` (doubling on repeated openings, up to
 * ten times that).
 */
export const makeBreaker = (options: { readonly failures: number; readonly openDuration: Duration.Input }) =>
  CircuitBreaker.make({
    tripPolicy: CircuitBreaker.consecutive(options.failures),
    openDuration: Schedule.exponential(options.openDuration, 2),
    maxOpenDuration: Duration.times(Duration.fromInputUnsafe(options.openDuration), 10)
  }).pipe(Effect.provide(CircuitBreaker.layerStoreMemory()))

export interface Guard {
  /**
   * Wraps one external operation (already timed out per attempt): retries transient failures
   * with backoff, then runs the whole thing through the key's circuit. While the circuit is
   * open the call fails at once with `SourceDown`.
   */
  readonly run: (options: {
    readonly source: string
    readonly key: string
    /** Shown to users while the circuit is open ("YouTube", "Spotify", "example.com"). */
    readonly label: string
  }) => <A, R>(attempt: Effect.Effect<A, ResolveError, R>) => Effect.Effect<A, ResolveError, R>
}

export const makeGuard = Effect.fnUntraced(function*(options: {
  readonly retry: { readonly times: number; readonly base: Duration.Input }
  readonly breaker: { readonly failures: number; readonly openDuration: Duration.Input }
}) {
  const breaker = yield* makeBreaker(options.breaker)
  const schedule = backoff({ base: options.retry.base, max: "10 seconds", times: options.retry.times })

  const classify = <A>(exit: Exit.Exit<A, ResolveError>): CircuitBreaker.Outcome => {
    if (Exit.isSuccess(exit)) return CircuitBreaker.success
    const error = Cause.findErrorOption(exit.cause)
    // A defect is a fault too; a user's error is not (the source answered, correctly).
    return error._tag === "None" || error.value.sourceFault ? CircuitBreaker.failure() : CircuitBreaker.success
  }

  const run: Guard["run"] = ({ key, label, source }) => (attempt) =>
    attempt.pipe(
      Effect.retry({ schedule, while: (e) => e.retryable }),
      breaker.execute({ key, classify }),
      Effect.catchTag("CircuitBreakerError", (e) => {
        const retryAfter = e.reason._tag === "CircuitOpen" ? e.reason.retryAfter : Duration.seconds(1)
        return Effect.fail(resolveError(
          source,
          new SourceDown({
            message: `${label} has been failing repeatedly; not trying it again for ${
              Duration.format(Duration.max(Duration.seconds(1), retryAfter))
            }.`,
            retryAfter
          })
        ))
      })
    )

  return { run, state: breaker.state } satisfies Guard & { readonly state: CircuitBreaker.CircuitBreaker["state"] }
})

