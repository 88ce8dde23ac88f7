import { Schema } from "effect"

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** Errors a player command answers with. Each renders a short message fit to show the user. */
export class NothingPlaying extends Schema.TaggedError<NothingPlaying>()("NothingPlaying", {}) {
  override get message() {
    return "nothing is playing"
  }
}

export class PositionOutOfRange extends Schema.TaggedError<PositionOutOfRange>()("PositionOutOfRange", {
  /** The 1-based position the user gave. */
  position: Schema.Number,
  /** How many entries the queue holds (the current one excluded). */
  size: Schema.Int
}) {
  override get message() {
    return this.size === 0
      ? `position ${this.position} does not exist, the queue is empty`
      : `position ${this.position} does not exist, the queue has ${plural(this.size, "track")}`
  }
}

export class DuplicateTrack extends Schema.TaggedError<DuplicateTrack>()("DuplicateTrack", {
  trackId: Schema.String,
  title: Schema.String
}) {
  override get message() {
    return `"${this.title}" is already in the queue`
  }
}

export class QueueFull extends Schema.TaggedError<QueueFull>()("QueueFull", {
  limit: Schema.Int,
  queued: Schema.Int,
  requested: Schema.Int
}) {
  override get message() {
    return `the queue is full: ${plural(this.queued, "track")} queued, the limit is ${this.limit}, ` +
      `${this.requested} more requested`
  }
}

export class NothingToGoBack extends Schema.TaggedError<NothingToGoBack>()("NothingToGoBack", {}) {
  override get message() {
    return "there is no previous track"
  }
}

export class AlreadyPaused extends Schema.TaggedError<AlreadyPaused>()("AlreadyPaused", {}) {
  override get message() {
    return "playback is already paused"
  }
}

export class NotPaused extends Schema.TaggedError<NotPaused>()("NotPaused", {}) {
  override get message() {
    return "playback is not paused"
  }
}

export class SeekOutOfRange extends Schema.TaggedError<SeekOutOfRange>()("SeekOutOfRange", {
  positionMs: Schema.Number,
  /** null for live streams, which cannot seek at all. */
  durationMs: Schema.NullOr(Schema.Number)
}) {
  override get message() {
    return this.durationMs === null
      ? "this track is a live stream and cannot seek"
      : `cannot seek to ${formatMs(this.positionMs)}, the track is ${formatMs(this.durationMs)} long`
  }
}

export class InvalidArgument extends Schema.TaggedError<InvalidArgument>()("InvalidArgument", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/** The player could not take the command: it is shutting down, or crashed while handling it (and restarts). */
export class PlayerUnavailable extends Schema.TaggedError<PlayerUnavailable>()("PlayerUnavailable", {
  reason: Schema.String
}) {
  override get message() {
    return `the player is unavailable: ${this.reason}`
  }
}

export const QueueError = Schema.Union([
  NothingPlaying,
  PositionOutOfRange,
  DuplicateTrack,
  QueueFull,
  NothingToGoBack,
  InvalidArgument
])
export type QueueError = typeof QueueError.Type

export const PlayerError = Schema.Union([
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
export type PlayerError = typeof PlayerError.Type

/** `m:ss` (or `h:mm:ss`), as users read track times. */
export const formatMs = (ms: number): string => {
  const total = Math.floor(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, "0")
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`
}
