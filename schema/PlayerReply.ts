import { Schema } from "effect"
import { EffectName, Equalizer, Volume } from "./Effects.ts"
import { ChannelId } from "./Ids.ts"
import { LoopMode, QueueEntry } from "./PlayerState.ts"
import { Track } from "./Track.ts"

/** What each user command answers with on success, keyed by the command's tag. */

export const EnqueueReply = Schema.Struct({
  added: Schema.Array(QueueEntry),
  /** 1-based position of the first added entry; 0 when it started playing at once. */
  position: Schema.Int,
  /** Tracks that were already queued: added anyway when duplicates are allowed, left out otherwise. */
  duplicates: Schema.Array(Track),
  duplicatesAllowed: Schema.Boolean
})
export type EnqueueReply = typeof EnqueueReply.Type

export const SkipReply = Schema.Struct({
  skipped: Schema.Array(QueueEntry),
  /** What plays now; null when the queue ran out. */
  now: Schema.NullOr(QueueEntry)
})
export type SkipReply = typeof SkipReply.Type

/** A vote that did not reach `needed` yet (`repeated`: the listener had voted already), or the skip it caused. */
export const VoteReply = Schema.Union([
  Schema.TaggedStruct("Voted", { entry: QueueEntry, votes: Schema.Int, needed: Schema.Int, repeated: Schema.Boolean }),
  Schema.TaggedStruct("Skipped", { skipped: Schema.Array(QueueEntry), now: Schema.NullOr(QueueEntry) })
])
export type VoteReply = typeof VoteReply.Type

export const ConnectReply = Schema.Struct({ channelId: ChannelId })
export type ConnectReply = typeof ConnectReply.Type

export const NowReply = Schema.Struct({ now: QueueEntry })
export type NowReply = typeof NowReply.Type

export const PositionReply = Schema.Struct({ positionMs: Schema.Int })
export type PositionReply = typeof PositionReply.Type

export const ToggleReply = Schema.Struct({ paused: Schema.Boolean, positionMs: Schema.Int })
export type ToggleReply = typeof ToggleReply.Type

export const RemoveReply = Schema.Struct({ removed: Schema.Array(QueueEntry) })
export type RemoveReply = typeof RemoveReply.Type

export const MoveReply = Schema.Struct({ entry: QueueEntry, from: Schema.Int, to: Schema.Int })
export type MoveReply = typeof MoveReply.Type

export const CountReply = Schema.Struct({ count: Schema.Int })
export type CountReply = typeof CountReply.Type

export const LoopReply = Schema.Struct({ mode: LoopMode })
export type LoopReply = typeof LoopReply.Type

export const VolumeReply = Schema.Struct({ volume: Volume })
export type VolumeReply = typeof VolumeReply.Type

export const EffectsReply = Schema.Struct({
  effects: Schema.Array(EffectName),
  equalizer: Equalizer,
  normalize: Schema.Boolean
})
export type EffectsReply = typeof EffectsReply.Type

/** Whether the snapshot was taken back (a player that already plays keeps its own state). */
export const RestoreReply = Schema.Struct({ restored: Schema.Boolean })
export type RestoreReply = typeof RestoreReply.Type

export interface Replies {
  readonly Enqueue: EnqueueReply
  readonly Connect: ConnectReply
  readonly Skip: SkipReply
  readonly VoteSkip: VoteReply
  readonly SkipTo: SkipReply
  readonly Previous: NowReply
  readonly Seek: PositionReply
  readonly Pause: PositionReply
  readonly Resume: PositionReply
  readonly TogglePause: ToggleReply
  /** How many entries were dropped, the current one included. */
  readonly Stop: CountReply
  readonly Remove: RemoveReply
  readonly Move: MoveReply
  readonly Shuffle: CountReply
  readonly Clear: CountReply
  readonly SetLoop: LoopReply
  readonly CycleLoop: LoopReply
  readonly SetVolume: VolumeReply
  readonly SetEffects: EffectsReply
  readonly ToggleEffect: EffectsReply
  readonly SetEqualizer: EffectsReply
  readonly Restore: RestoreReply
}

/** The success type of a command: `ReplyOf<Skip>` is `SkipReply`. */
export type ReplyOf<C extends { readonly _tag: keyof Replies }> = Replies[C["_tag"]]
