/**
 * What a use-case waits for from the database: the reads that are a command's whole point, and
 * the writes a caller asked to keep. Playback never waits here (its writes go to the background
 * writer), so an outage is a refusal of these use-cases alone.
 */
import { type Duration, Effect, type Schema } from "effect"
import type { SqlError } from "effect/sql"
import { type Refusal, refusal, type RefusalReason } from "./Refusal.ts"

export interface StoredOptions {
  /** The log line when the database fails or does not answer, e.g. "saved playlists are unavailable". */
  readonly warning: string
  /** What the caller is told instead. */
  readonly unavailable: RefusalReason
  /** How long the caller waits at most (Discord answers within three seconds). */
  readonly timeout: Duration.Input
}

/** The answer within the time box, or the refusal; a row that does not decode is a defect, not an outage. */
export const stored = (options: StoredOptions) =>
  <A>(effect: Effect.Effect<A, SqlError.SqlError | Schema.SchemaError>): Effect.Effect<A, Refusal> =>
    effect.pipe(
      Effect.catchTag("SchemaError", (error) => Effect.die(error)),
      Effect.timeout(options.timeout),
      Effect.catch((error) => Effect.logWarning(options.warning, error).pipe(Effect.andThen(refusal(options.unavailable))))
    )
