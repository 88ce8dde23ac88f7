import { Schema } from "effect"
import { EffectName, Equalizer, Volume } from "./Effects.ts"
import { GuildId } from "./Ids.ts"
import { LoopMode, QueueEntry } from "./PlayerState.ts"

/** What a player tells the world (now-playing message, SSE, metrics, snapshots). */

export class TrackStarted extends Schema.TaggedClass<TrackStarted>()("TrackStarted", {
  guildId: GuildId,
  entry: QueueEntry,
  /** Where in the track playback starts (non-zero after resume/previous of a paused track). */
  startMs: Schema.Int
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

/** Nothing is left to play; the idle window starts. */
export class Idle extends Schema.TaggedClass<Idle>()("Idle", {
  guildId: GuildId
}) {}

/** The player was torn down (idle window elapsed or shutdown) and left voice. */
export class Disconnected extends Schema.TaggedClass<Disconnected>()("Disconnected", {
  guildId: GuildId
}) {}

export const PlayerEvent = Schema.Union([
  TrackStarted,
  TrackEnded,
  TrackFailed,
  DurationFound,
  Paused,
  Resumed,
  Seeked,
  QueueChanged,
  VolumeChanged,
  EffectsChanged,
  Restored,
  Idle,
  Disconnected
])
export type PlayerEvent = typeof PlayerEvent.Type
