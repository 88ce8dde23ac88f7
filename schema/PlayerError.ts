import { Schema } from "effect"

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/**
 * Why a player refused a command. Each reason renders a short message fit to show the user;
 * the pure queue model answers with these, the player wraps them in one `PlayerError`.
 */
export class NothingPlaying extends Schema.TaggedClass<NothingPlaying>()("NothingPlaying", {}) {
  get message() {
    return "nothing is playing"
  }
}

export class PositionOutOfRange extends Schema.TaggedClass<PositionOutOfRange>()("PositionOutOfRange", {
  /** The 1-based position the user gave. */
  position: Schema.Number,
  /** How many entries the queue holds (the current one excluded). */
  size: Schema.Int
}) {
  get message() {
    return this.size === 0
      ? `position ${this.position} does not exist, the queue is empty`
      : `position ${this.position} does not exist, the queue has ${plural(this.size, "track")}`
  }
}

export class DuplicateTrack extends Schema.TaggedClass<DuplicateTrack>()("DuplicateTrack", {
  trackId: Schema.String,
  title: Schema.String
}) {
  get message() {
    return `"${this.title}" is already in the queue`
  }
}

export class QueueFull extends Schema.TaggedClass<QueueFull>()("QueueFull", {
  limit: Schema.Int,
  queued: Schema.Int,
  requested: Schema.Int
}) {
  get message() {
    const room = this.limit - this.queued
    return room <= 0
      ? `the queue is full (${plural(this.limit, "track")}); skip or remove some first`
      : `the queue holds at most ${plural(this.limit, "track")}: ${room} more fit, not ${this.requested}`
  }
}

export class NothingToGoBack extends Schema.TaggedClass<NothingToGoBack>()("NothingToGoBack", {}) {
  get message() {
    return "there is no previous track"
  }
}

export class AlreadyPaused extends Schema.TaggedClass<AlreadyPaused>()("AlreadyPaused", {}) {
  get message() {
    return "playback is already paused"
  }
}

export class NotPaused extends Schema.TaggedClass<NotPaused>()("NotPaused", {}) {
  get message() {
    return "playback is not paused"
  }
}

export class SeekOutOfRange extends Schema.TaggedClass<SeekOutOfRange>()("SeekOutOfRange", {
  positionMs: Schema.Number,
  /** null for live streams, which cannot seek at all. */
  durationMs: Schema.NullOr(Schema.Number)
}) {
  get message() {
    return this.durationMs === null
      ? "this track is a live stream and cannot seek"
      : `cannot seek to ${formatMs(this.positionMs)}, the track is ${formatMs(this.durationMs)} long`
  }
}

export class InvalidArgument extends Schema.TaggedClass<InvalidArgument>()("InvalidArgument", {
  reason: Schema.String
}) {
  get message() {
    return this.reason
  }
}

/** The player could not take the command: it is shutting down, or it crashed and restarts. */
export class PlayerUnavailable extends Schema.TaggedClass<PlayerUnavailable>()("PlayerUnavailable", {
  reason: Schema.String
}) {
  get message() {
    return `the player is unavailable: ${this.reason}`
  }
}

/** What the pure queue model can answer with. */
export const QueueError = Schema.Union([
  NothingPlaying,
  PositionOutOfRange,
  DuplicateTrack,
  QueueFull,
  NothingToGoBack,
  InvalidArgument
])
export type QueueError = typeof QueueError.Type

export const PlayerErrorReason = Schema.Union([
  NothingPlaying,
  PositionOutOfRange,
  DuplicateTrack,
  QueueFull,
  NothingToGoBack,
  AlreadyPaused,
  NotPaused,
  SeekOutOfRange,
  InvalidArgument,
  PlayerUnavailable
])
export type PlayerErrorReason = typeof PlayerErrorReason.Type

/** The one error of a guild player; `reason` says which rule refused the command. */
export class PlayerError extends Schema.TaggedError<PlayerError>()("PlayerError", {
  reason: PlayerErrorReason
}) {
  override get message(): string {
    return this.reason.message
  }
}

export const playerError = (reason: PlayerErrorReason): PlayerError => new PlayerError({ reason })

/** `m:ss` (or `h:mm:ss`), as users read track times. */
export const formatMs = (ms: number): string => {
  const total = Math.floor(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, "0")
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`
}
