import { Duration, Effect, Metric, Schema, Semaphore } from "effect"

/** Processes running and requests waiting, per pool. */
export const poolRunning = Metric.gauge("reprise_process_pool_running", { description: "External processes running" })
export const poolWaiting = Metric.gauge("reprise_process_pool_waiting", {
  description: "Requests waiting for a process slot"
})

/** Why a request got no slot. */
export class PoolFull extends Schema.TaggedError<PoolFull>()("PoolFull", {
  /** How long the request waited; null when the queue was already full. */
  waited: Schema.NullOr(Schema.DurationFromMillis)
}) {}

/**
 * A bounded pool of process slots: at most `size` run at once; others wait, but only
 * `maxQueue` of them and each for at most `maxWait`, so a burst is refused quickly instead of
 * piling up behind slow yt-dlp runs.
 */
export interface ProcessPool {
  readonly withSlot: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | PoolFull, R>
  readonly running: Effect.Effect<number>
  readonly waiting: Effect.Effect<number>
}

export const make = Effect.fnUntraced(function*(options: {
  readonly name: string
  readonly size: number
  readonly maxQueue: number
  readonly maxWait: Duration.Input
}) {
  const semaphore = yield* Semaphore.make(options.size)
  const labels = { pool: options.name }
  const runningGauge = Metric.withAttributes(poolRunning, labels)
  const waitingGauge = Metric.withAttributes(poolWaiting, labels)
  const maxWait = Duration.fromInputUnsafe(options.maxWait)
  let running = 0
  let waiting = 0

  const withSlot = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | PoolFull, R> =>
    Effect.scoped(Effect.gen(function*() {
      // Fast path: a free slot is taken without queueing.
      const immediate = yield* Effect.acquireRelease(
        semaphore.takeIfAvailable(1),
        (taken) => (taken ? semaphore.release(1) : Effect.void)
      )
      if (!immediate) {
        if (waiting >= options.maxQueue) return yield* Effect.fail(new PoolFull({ waited: null }))
        waiting++
        yield* Metric.update(waitingGauge, waiting)
        const got = yield* semaphore.takeScoped(1).pipe(
          Effect.timeoutOption(maxWait),
          Effect.ensuring(Effect.suspend(() => {
            waiting--
            return Metric.update(waitingGauge, waiting)
          }))
        )
        if (got._tag === "None") return yield* Effect.fail(new PoolFull({ waited: maxWait }))
      }
      running++
      yield* Metric.update(runningGauge, running)
      return yield* effect.pipe(Effect.ensuring(Effect.suspend(() => {
        running--
        return Metric.update(runningGauge, running)
      })))
    }))

  return {
    withSlot,
    running: Effect.sync(() => running),
    waiting: Effect.sync(() => waiting)
  } satisfies ProcessPool
})
