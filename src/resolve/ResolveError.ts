import { Duration, Schema } from "effect"

/**
 * Why a query or a track could not be resolved. Every reason carries a `message` written for
 * the person who typed the query (it is shown in Discord as is); `detail` is for logs.
 */
export class InvalidQuery extends Schema.TaggedClass<InvalidQuery>()("InvalidQuery", {
  message: Schema.String
}) {}

/** The URL points somewhere the bot must not fetch (scheme, private address, …). */
export class UnsafeUrl extends Schema.TaggedClass<UnsafeUrl>()("UnsafeUrl", {
  message: Schema.String
}) {}

/** No source handles this input (e.g. a Spotify podcast link, an unknown file type). */
export class Unsupported extends Schema.TaggedClass<Unsupported>()("Unsupported", {
  message: Schema.String,
  detail: Schema.optional(Schema.String)
}) {}

/** The source is switched off or not configured (no Spotify credentials, no MUSIC_DIR). */
export class SourceDisabled extends Schema.TaggedClass<SourceDisabled>()("SourceDisabled", {
  message: Schema.String
}) {}

/** The thing asked for does not exist or cannot be played (video unavailable, no search results). */
export class NotFound extends Schema.TaggedClass<NotFound>()("NotFound", {
  message: Schema.String,
  detail: Schema.optional(Schema.String)
}) {}

/** The attachment or file breaks a limit (size, type, playlist length). */
export class Rejected extends Schema.TaggedClass<Rejected>()("Rejected", {
  message: Schema.String
}) {}

/** YouTube asked yt-dlp to sign in ("confirm you're not a bot"): the operator needs YTDLP_COOKIES. */
export class BotCheck extends Schema.TaggedClass<BotCheck>()("BotCheck", {
  message: Schema.String,
  detail: Schema.String
}) {}

/** A failure worth retrying: network errors, HTTP 5xx / 429, a process that died oddly. */
export class Transient extends Schema.TaggedClass<Transient>()("Transient", {
  message: Schema.String,
  detail: Schema.String
}) {}

/** An external call took longer than its budget and was abandoned (its process killed). */
export class Timeout extends Schema.TaggedClass<Timeout>()("Timeout", {
  message: Schema.String,
  after: Schema.DurationFromMillis
}) {}

/** Every yt-dlp slot is taken and the wait for one ran out (or the queue is full). */
export class Busy extends Schema.TaggedClass<Busy>()("Busy", {
  message: Schema.String
}) {}

/** The source's circuit breaker is open after repeated failures: answered at once, not tried. */
export class SourceDown extends Schema.TaggedClass<SourceDown>()("SourceDown", {
  message: Schema.String,
  retryAfter: Schema.DurationFromMillis
}) {}

/** Anything else: a permanent failure we did not classify (bad JSON, unexpected exit). */
export class Failed extends Schema.TaggedClass<Failed>()("Failed", {
  message: Schema.String,
  detail: Schema.String
}) {}

export const ResolveErrorReason = Schema.Union([
  InvalidQuery,
  UnsafeUrl,
  Unsupported,
  SourceDisabled,
  NotFound,
  Rejected,
  BotCheck,
  Transient,
  Timeout,
  Busy,
  SourceDown,
  Failed
])
export type ResolveErrorReason = typeof ResolveErrorReason.Type

/** The one error of track resolution; `source` names the module that failed ("ytdlp", "spotify", …). */
export class ResolveError extends Schema.TaggedError<ResolveError>()("ResolveError", {
  source: Schema.String,
  reason: ResolveErrorReason
}) {
  override get message(): string {
    return this.reason.message
  }

  /** Worth another attempt with backoff: only transient faults, never "video unavailable". */
  get retryable(): boolean {
    return this.reason._tag === "Transient"
  }

  /**
   * Counts against the source's circuit breaker: the source itself misbehaved. A user's bad
   * query, a missing video or a full pool says nothing about the source's health.
   */
  get sourceFault(): boolean {
    switch (this.reason._tag) {
      case "Transient":
      case "Timeout":
      case "Failed":
      case "BotCheck":
        return true
      default:
        return false
    }
  }
}

export const resolveError = (source: string, reason: ResolveErrorReason): ResolveError =>
  new ResolveError({ source, reason })

export const timeoutError = (source: string, what: string, after: Duration.Input): ResolveError => {
  const d = Duration.fromInputUnsafe(after)
  return resolveError(source, new Timeout({ message: `${what} took longer than ${Duration.format(d)}`, after: d }))
}
