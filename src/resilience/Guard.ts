import { Cause, Duration, Effect, Exit, Schedule } from "effect"
import { CircuitBreaker } from "effect/persistence"
import { backoff } from "./Backoff.ts"

/**
 * Retries and a circuit breaker around calls to something external, for any error type.
 *
 * Only the mechanism lives here; what a failure means is the caller's policy: which errors are
 * worth another attempt, which count against the circuit, and the error a call fails with while
 * its circuit is open. Track resolution's policy (transient faults retried, a user's bad query
 * never counted, "YouTube has been failing repeatedly") is in src/resolve/SourceGuard.ts. Kept
 * generic rather than moved whole into src/resolve because the mechanism is the same for any
 * flaky dependency, and resilience sits below every room that has one, so it must not know
 * their errors.
 */

/** One circuit: a key (a site, an API) and the name users know it by. */
export interface Circuit {
  readonly key: string
  /** Shown to users while the circuit is open ("YouTube", "Spotify", "example.com"). */
  readonly label: string
}

export interface GuardPolicy<E, C extends Circuit> {
  readonly retry: { readonly times: number; readonly base: Duration.Input }
  readonly breaker: { readonly failures: number; readonly openDuration: Duration.Input }
  /** Worth another attempt after a backoff. */
  readonly retryable: (error: E) => boolean
  /** Counts against the circuit: the other side misbehaved. A defect always counts. */
  readonly isFault: (error: E) => boolean
  /** What a call fails with, at once and untried, while its circuit is open. */
  readonly whenOpen: (circuit: C, retryAfter: Duration.Duration) => E
}

export interface Guard<E, C extends Circuit> {
  /**
   * Wraps one external operation (already timed out per attempt): retries it with backoff
   * while its error is retryable, then runs the whole thing through the circuit's breaker.
   */
  readonly run: (circuit: C) => <A, R>(attempt: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * A circuit breaker private to one guard (not the app-wide `CircuitBreaker` service, so each
 * subsystem keeps its own trip policy): one circuit per key, opened after `failures` consecutive
 * faults, kept open for `openDuration` (doubling on repeated openings, up to ten times that).
 */
const makeBreaker = (options: GuardPolicy<unknown, Circuit>["breaker"]) =>
  CircuitBreaker.make({
    tripPolicy: CircuitBreaker.consecutive(options.failures),
    openDuration: Schedule.exponential(options.openDuration, 2),
    maxOpenDuration: Duration.times(Duration.fromInputUnsafe(options.openDuration), 10)
  }).pipe(Effect.provide(CircuitBreaker.layerStoreMemory()))

export const makeGuard = Effect.fnUntraced(function*<E, C extends Circuit>(policy: GuardPolicy<E, C>) {
  const breaker = yield* makeBreaker(policy.breaker)
  const schedule = backoff({ base: policy.retry.base, max: "10 seconds", times: policy.retry.times })

  const classify = <A>(exit: Exit.Exit<A, E>): CircuitBreaker.Outcome => {
    if (Exit.isSuccess(exit)) return CircuitBreaker.success
    const error = Cause.findErrorOption(exit.cause)
    return error._tag === "None" || policy.isFault(error.value) ? CircuitBreaker.failure() : CircuitBreaker.success
  }

  const run: Guard<E, C>["run"] = (circuit) => (attempt) =>
    attempt.pipe(
      Effect.retry({ schedule, while: policy.retryable }),
      breaker.execute({ key: circuit.key, classify }),
      Effect.catchIf(
        (e): e is CircuitBreaker.CircuitBreakerError => e instanceof CircuitBreaker.CircuitBreakerError,
        (e) => Effect.fail(policy.whenOpen(circuit, e.reason._tag === "CircuitOpen" ? e.reason.retryAfter : Duration.seconds(1)))
      )
    )

  return { run } satisfies Guard<E, C>
})
