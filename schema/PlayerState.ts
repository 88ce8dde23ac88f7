import { Schema } from "effect"
import { EffectName, Equalizer, Volume } from "./Effects.ts"
import { ChannelId, GuildId } from "./Ids.ts"
import { Track } from "./Track.ts"

/**
 * A place in a guild's queue. The entry id is the entry's own identity, distinct from
 * `Track.id`, so the same track can be queued twice and each copy moved or removed alone.
 */
export const EntryId = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)).pipe(Schema.brand("EntryId"))
export type EntryId = typeof EntryId.Type

export class QueueEntry extends Schema.Class<QueueEntry>("reprise/QueueEntry")({
  entryId: EntryId,
  track: Track
}) {}

/** `track` replays the current entry when it ends; `queue` sends each played entry to the back of the queue. */
export const LoopMode = Schema.Literals(["off", "track", "queue"])
export type LoopMode = typeof LoopMode.Type

/** The queue part of a player's state: what the pure model in `src/player/Queue.ts` works on. */
export const QueueState = Schema.Struct({
  current: Schema.NullOr(QueueEntry),
  /** Entries after the current one; user-facing position 1 is `upcoming[0]`. */
  upcoming: Schema.Array(QueueEntry),
  /** Played entries, oldest first, bounded by the guild's history size. */
  history: Schema.Array(QueueEntry),
  loop: LoopMode,
  /** The id the next added entry gets. */
  nextEntryId: EntryId
})
export type QueueState = typeof QueueState.Type

/**
 * Where playback stood at `atMs` (epoch milliseconds). While `playing`, a client extrapolates
 * `ms + (now - atMs)`; the player's own `position` reads the packet count instead.
 */
export const PlaybackPosition = Schema.Struct({
  ms: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  atMs: Schema.Number,
  playing: Schema.Boolean
})
export type PlaybackPosition = typeof PlaybackPosition.Type

/** Everything one guild's player knows, as published to the API and the now-playing message. */
export const PlayerState = Schema.Struct({
  guildId: GuildId,
  queue: QueueState,
  volume: Volume,
  effects: Schema.Array(EffectName),
  equalizer: Equalizer,
  normalize: Schema.Boolean,
  paused: Schema.Boolean,
  position: PlaybackPosition,
  /** Where the now-playing message goes: the text channel playback was first started from. */
  textChannelId: Schema.NullOr(ChannelId)
})
export type PlayerState = typeof PlayerState.Type

/** Where playback stands at `nowMs`, extrapolated from the published position. */
export const positionNow = (state: PlayerState, nowMs: number): number =>
  state.position.playing ? state.position.ms + Math.max(0, nowMs - state.position.atMs) : state.position.ms

/**
 * How long until the entry at `index` of the upcoming queue starts, at `nowMs`: what is left of
 * the current track plus the length of every entry before it. Null when one of those lengths is
 * unknown (a live stream, a track not looked at yet): a guess would mislead. Loop `track` replays
 * the current entry for ever, so nothing after it has a start.
 */
export const startsInMs = (state: PlayerState, nowMs: number, index: number): number | null => {
  const { current, upcoming, loop } = state.queue
  if (current !== null && loop === "track") return null
  let wait = 0
  if (current !== null) {
    if (current.track.durationMs === null) return null
    wait = Math.max(0, current.track.durationMs - positionNow(state, nowMs))
  }
  for (let i = 0; i < index; i++) {
    const durationMs = upcoming[i]?.track.durationMs
    if (durationMs === undefined) break
    if (durationMs === null) return null
    wait += durationMs
  }
  return wait
}

/** The length of the upcoming queue, and how many of its entries have no known length (left out of it). */
export const queueLength = (state: PlayerState): { readonly ms: number; readonly unknown: number } =>
  state.queue.upcoming.reduce(
    (sum, entry) =>
      entry.track.durationMs === null
        ? { ms: sum.ms, unknown: sum.unknown + 1 }
        : { ms: sum.ms + entry.track.durationMs, unknown: sum.unknown },
    { ms: 0, unknown: 0 }
  )

/** Fifteen zero gains: the equalizer is off. */
export const flatEqualizer: Equalizer = Array.from({ length: 15 }, () => 0)

export const emptyQueueState: QueueState = {
  current: null,
  upcoming: [],
  history: [],
  loop: "off",
  nextEntryId: EntryId.make(1)
}

export const initialPlayerState = (guildId: GuildId): PlayerState => ({
  guildId,
  queue: emptyQueueState,
  volume: 100,
  effects: [],
  equalizer: flatEqualizer,
  normalize: false,
  paused: false,
  position: { ms: 0, atMs: 0, playing: false },
  textChannelId: null
})
