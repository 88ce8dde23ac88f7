import { Duration, Effect, Schedule } from "effect"

/**
 * Jittered exponential backoff, the one retry schedule of every subsystem: waits of base,
 * 2×base, 4×base … capped at `max`, each then jittered (×0.8–1.2) so that callers failing
 * together do not retry together. `times` bounds the retries after the first attempt; without
 * it the schedule retries for as long as the caller lets it.
 */
export const backoff = (options: {
  readonly base: Duration.Input
  readonly max: Duration.Input
  readonly times?: number | undefined
}): Schedule.Schedule<Duration.Duration> => {
  const max = Duration.fromInputUnsafe(options.max)
  const capped = Schedule.exponential(options.base, 2).pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, max))),
    Schedule.jittered
  )
  return options.times === undefined ? capped : capped.pipe(Schedule.upTo({ times: options.times }))
}
