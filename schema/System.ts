import { Schema } from "effect"

/** Liveness: the process runs and serves HTTP. */
export const Health = Schema.Struct({
  status: Schema.Literal("ok"),
  uptimeSeconds: Schema.Number
})

/** The outcome of one readiness check (database, ffmpeg, discord, …). */
export const Check = Schema.Struct({
  name: Schema.String,
  ok: Schema.Boolean,
  /** Why the check failed, in a few words; null when it passed. */
  detail: Schema.NullOr(Schema.String)
})
export type Check = typeof Check.Type

export const Ready = Schema.Struct({
  status: Schema.Literal("ready"),
  checks: Schema.Array(Check)
})

/** 503: one or more dependencies are not ready; `failing` names them. */
export class NotReady extends Schema.TaggedError<NotReady>()("NotReady", {
  failing: Schema.Array(Schema.String),
  checks: Schema.Array(Check)
}, { httpApiStatus: 503 }) {}
