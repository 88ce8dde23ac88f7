import { Effect } from "effect"

/** How a use-case failed, as the user is told: the refusal's reason (or the error's own tag) and the message. */
export const refusedWith = <A, E extends { readonly _tag: string; readonly message: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(effect), (error) => ({
    reason: error._tag === "Refusal" && "reason" in error && typeof error.reason === "object" && error.reason !== null &&
        "_tag" in error.reason
      ? String(error.reason._tag)
      : error._tag,
    message: error.message
  }))
