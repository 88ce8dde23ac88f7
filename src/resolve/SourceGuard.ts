import { Duration } from "effect"
import { type Guard, makeGuard } from "../resilience/Guard.ts"
import { type ResolveError, resolveError, SourceDown } from "./ResolveError.ts"
import type { ResolverSettings } from "./ResolveSettings.ts"

/** A source's circuit: one per site or API, so a broken site never opens YouTube's circuit. */
export interface SourceCircuit {
  /** The source that reports the error ("ytdlp", "spotify", "direct"). */
  readonly source: string
  readonly key: string
  readonly label: string
}

export type SourceGuard = Guard<ResolveError, SourceCircuit>

/**
 * Retries and breakers for every source: only transient faults are retried (never "video
 * unavailable"), only the source's own faults count against its circuit (a user's bad query, a
 * missing video or a full pool say nothing of its health), and an open circuit answers at once
 * with `SourceDown`.
 */
export const makeSourceGuard = (settings: Pick<ResolverSettings, "retry" | "breaker">) =>
  makeGuard<ResolveError, SourceCircuit>({
    retry: settings.retry,
    breaker: settings.breaker,
    retryable: (e) => e.retryable,
    isFault: (e) => e.sourceFault,
    whenOpen: ({ label, source }, retryAfter) =>
      resolveError(
        source,
        new SourceDown({
          message: `${label} has been failing repeatedly; not trying it again for ${
            Duration.format(Duration.max(Duration.seconds(1), retryAfter))
          }.`,
          retryAfter
        })
      )
  })
