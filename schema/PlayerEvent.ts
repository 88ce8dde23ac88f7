import { Schema } from "effect"
import { EffectName, Equalizer, Volume } from "./Effects.ts"
import { GuildId, UserId } from "./Ids.ts"
import { LoopMode, QueueEntry } from "./PlayerState.ts"
import { Segment } from "./Segments.ts"
import { Substitution } from "./Track.ts"

/** What a player tells the world (now-playing message, SSE, metrics, snapshots). */

export class TrackStarted extends Schema.TaggedClass<TrackStarted>()("TrackStarted", {
  guildId: GuildId,
  entry: QueueEntry,
  /** Where in the track playback starts (non-zero after resume/previous of a paused track). */
  startMs: Schema.Int
}) {}

/** The first packet of a track that started went out: it is being heard now. */
export class TrackAudible extends Schema.TaggedClass<TrackAudible>()("TrackAudible", {
  guildId: GuildId,
  entry: QueueEntry,
  /** Set when another site plays the track in place of its own (its own would not): listeners are told. */
  substitution: Schema.optional(Substitution)
}) {}

export class TrackEnded extends Schema.TaggedClass<TrackEnded>()("TrackEnded", {
  guildId: GuildId,
  entry: QueueEntry,
  /** `finished`: played to the end; `skipped`: a command moved on; `stopped`: Stop or teardown. */
  reason: Schema.Literals(["finished", "skipped", "stopped"]),
  /** Where in the track it ended. */
  atMs: Schema.Int
}) {}

export class TrackFailed extends Schema.TaggedClass<TrackFailed>()("TrackFailed", {
  guildId: GuildId,
  entry: QueueEntry,
  reason: Schema.String,
  atMs: Schema.Int
}) {}

/** The current entry's duration became known after it started; `entry` carries it. */
export class DurationFound extends Schema.TaggedClass<DurationFound>()("DurationFound", {
  guildId: GuildId,
  entry: QueueEntry
}) {}

/** Playback went past a segment the guild skips (SponsorBlock's); one that reached the end ended the track. */
export class SegmentSkipped extends Schema.TaggedClass<SegmentSkipped>()("SegmentSkipped", {
  guildId: GuildId,
  entry: QueueEntry,
  segment: Segment
}) {}

export class Paused extends Schema.TaggedClass<Paused>()("Paused", {
  guildId: GuildId,
  positionMs: Schema.Int
}) {}

export class Resumed extends Schema.TaggedClass<Resumed>()("Resumed", {
  guildId: GuildId,
  positionMs: Schema.Int
}) {}

export class Seeked extends Schema.TaggedClass<Seeked>()("Seeked", {
  guildId: GuildId,
  positionMs: Schema.Int
}) {}

export class QueueChanged extends Schema.TaggedClass<QueueChanged>()("QueueChanged", {
  guildId: GuildId,
  /** Entries after the current one. */
  size: Schema.Int,
  loop: LoopMode
}) {}

export class VolumeChanged extends Schema.TaggedClass<VolumeChanged>()("VolumeChanged", {
  guildId: GuildId,
  volume: Volume
}) {}

export class EffectsChanged extends Schema.TaggedClass<EffectsChanged>()("EffectsChanged", {
  guildId: GuildId,
  effects: Schema.Array(EffectName),
  equalizer: Equalizer,
  normalize: Schema.Boolean
}) {}

/** The player took back the state it had before the bot restarted. */
export class Restored extends Schema.TaggedClass<Restored>()("Restored", {
  guildId: GuildId,
  entry: Schema.NullOr(QueueEntry),
  positionMs: Schema.Int,
  paused: Schema.Boolean,
  /** Entries after the current one. */
  queued: Schema.Int
}) {}

/** Autoplay (the queue ran out) found no related track that did not play lately. */
export class AutoplayFoundNothing extends Schema.TaggedClass<AutoplayFoundNothing>()("AutoplayFoundNothing", {
  guildId: GuildId,
  /** The title of the track it looked for relatives of. */
  after: Schema.String
}) {}

/** Nothing is left to play; the idle window starts. */
export class Idle extends Schema.TaggedClass<Idle>()("Idle", {
  guildId: GuildId
}) {}

/**
 * Why a player was torn down: `stopped` (Stop) and `left` (Leave) by someone; `alone` (everyone
 * left its channel), `kicked`, `lost` (the connection ended); `idle` (nothing played for the idle
 * window); `shutdown` (the bot stopped, a restart included).
 */
export const TeardownReason = Schema.Literals(["stopped", "left", "alone", "kicked", "lost", "idle", "shutdown"])
export type TeardownReason = typeof TeardownReason.Type

/** Who asked for a teardown: a member (through Discord or the dashboard) or one of the guild's API keys. */
export const Initiator = Schema.Struct({
  userId: UserId,
  origin: Schema.Literals(["discord", "http"]),
  keyName: Schema.NullOr(Schema.String)
})
export type Initiator = typeof Initiator.Type

export const Teardown = Schema.Struct({ reason: TeardownReason, by: Schema.NullOr(Initiator) })
export type Teardown = typeof Teardown.Type

/** The player was torn down and left voice. */
export class Disconnected extends Schema.TaggedClass<Disconnected>()("Disconnected", {
  guildId: GuildId,
  ...Teardown.fields
}) {}

export const PlayerEvent = Schema.Union([
  TrackStarted,
  TrackAudible,
  TrackEnded,
  TrackFailed,
  DurationFound,
  SegmentSkipped,
  Paused,
  Resumed,
  Seeked,
  QueueChanged,
  VolumeChanged,
  EffectsChanged,
  Restored,
  AutoplayFoundNothing,
  Idle,
  Disconnected
])
export type PlayerEvent = typeof PlayerEvent.Type
