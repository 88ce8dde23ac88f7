import { Effect, Random } from "effect"

/**
 * A short id for an unexpected failure: the log line (and the trace, and any answer the user gets)
 * carries it, so what someone quotes leads to the details.
 */
export const errorId: Effect.Effect<string> = Effect.map(
  Random.nextInt,
  (n) => n.toString(36).replace("-", "").slice(0, 8).padStart(6, "0")
)
