import { Schema } from "effect"
import { EffectName, EqPreset, Volume } from "./Effects.ts"
import { ChannelId, UserId } from "./Ids.ts"
import { LoopMode, PlayerState } from "./PlayerState.ts"
import { Segment } from "./Segments.ts"
import { Substitution, Track } from "./Track.ts"

/** A position as users type it: 1 is the first entry after the current track. */
export const QueuePosition = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/** Where Enqueue puts its tracks: after the last entry, right after the current track, or at a 1-based position. */
export const EnqueueAt = Schema.Union([Schema.Literals(["end", "next"]), QueuePosition])
export type EnqueueAt = typeof EnqueueAt.Type

export class Enqueue extends Schema.TaggedClass<Enqueue>()("Enqueue", {
  tracks: Schema.NonEmptyArray(Track),
  position: EnqueueAt,
  requester: UserId,
  /** The text channel that hears about playback (the now-playing message), when the player has none yet. */
  announceIn: Schema.optional(ChannelId),
  /** The guild's own limit on queued tracks, under the player's cap; none: the cap alone. */
  limit: Schema.optional(Schema.Int),
  /** The guild's duplicate policy; none: the player's. */
  allowDuplicates: Schema.optional(Schema.Boolean)
}) {}

/** Joins (or moves to) a voice channel; the player owns its guild's voice connection. */
export class Connect extends Schema.TaggedClass<Connect>()("Connect", {
  channelId: ChannelId,
  requester: UserId
}) {}

/** Skips the current track and `count - 1` queued ones. */
export class Skip extends Schema.TaggedClass<Skip>()("Skip", {
  count: QueuePosition,
  requester: UserId
}) {}

/**
 * One listener's vote to skip the current entry. The player keeps the ballot, so a new entry
 * starts a new one and two votes at once are both counted; `needed` votes skip it.
 */
export class VoteSkip extends Schema.TaggedClass<VoteSkip>()("VoteSkip", {
  needed: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  requester: UserId
}) {}

export class SkipTo extends Schema.TaggedClass<SkipTo>()("SkipTo", {
  position: QueuePosition,
  requester: UserId
}) {}

export class Previous extends Schema.TaggedClass<Previous>()("Previous", {
  requester: UserId
}) {}

export class Seek extends Schema.TaggedClass<Seek>()("Seek", {
  positionMs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  requester: UserId
}) {}

export class Pause extends Schema.TaggedClass<Pause>()("Pause", {
  requester: UserId
}) {}

export class Resume extends Schema.TaggedClass<Resume>()("Resume", {
  requester: UserId
}) {}

/** Pauses when playing, resumes when paused: decided by the player, so two presses are two toggles. */
export class TogglePause extends Schema.TaggedClass<TogglePause>()("TogglePause", {
  requester: UserId
}) {}

/** Stops playback and clears the queue; the player leaves voice after its idle window. */
export class Stop extends Schema.TaggedClass<Stop>()("Stop", {
  requester: UserId
}) {}

/** Removes the entry at `position`, or the range `position..to` (inclusive). */
export class Remove extends Schema.TaggedClass<Remove>()("Remove", {
  position: QueuePosition,
  to: Schema.optional(QueuePosition),
  requester: UserId
}) {}

export class Move extends Schema.TaggedClass<Move>()("Move", {
  from: QueuePosition,
  to: QueuePosition,
  requester: UserId
}) {}

export class Shuffle extends Schema.TaggedClass<Shuffle>()("Shuffle", {
  requester: UserId
}) {}

/** Empties the upcoming queue; the current track keeps playing. */
export class Clear extends Schema.TaggedClass<Clear>()("Clear", {
  requester: UserId
}) {}

export class SetLoop extends Schema.TaggedClass<SetLoop>()("SetLoop", {
  mode: LoopMode,
  requester: UserId
}) {}

/** off → track → queue → off. */
export class CycleLoop extends Schema.TaggedClass<CycleLoop>()("CycleLoop", {
  requester: UserId
}) {}

export class SetVolume extends Schema.TaggedClass<SetVolume>()("SetVolume", {
  volume: Volume,
  requester: UserId
}) {}

/** Replaces the set of effects (the equalizer stays). */
export class SetEffects extends Schema.TaggedClass<SetEffects>()("SetEffects", {
  effects: Schema.Array(EffectName),
  requester: UserId
}) {}

/** Switches one effect on when it is off and off when it is on; the others stay as they are. */
export class ToggleEffect extends Schema.TaggedClass<ToggleEffect>()("ToggleEffect", {
  effect: EffectName,
  requester: UserId
}) {}

export class SetEqualizer extends Schema.TaggedClass<SetEqualizer>()("SetEqualizer", {
  preset: EqPreset,
  requester: UserId
}) {}

/**
 * Sent by a playback run to its own player. `runId` names the run, so a report from a
 * pipeline that has since been replaced (seek, volume, effects, skip) is ignored.
 */
export class TrackEnded extends Schema.TaggedClass<TrackEnded>()("TrackEnded", {
  runId: Schema.Int
}) {}

/** The run's first packet went out. */
export class TrackAudible extends Schema.TaggedClass<TrackAudible>()("TrackAudible", {
  runId: Schema.Int,
  /** Set when another site plays the track in place of its own. */
  substitution: Schema.optional(Substitution)
}) {}

export class TrackFailed extends Schema.TaggedClass<TrackFailed>()("TrackFailed", {
  runId: Schema.Int,
  /** Short, user-presentable reason. */
  reason: Schema.String,
  /** Longer technical detail for logs. */
  detail: Schema.String,
  /**
   * Set when the audio process died under a track that was playing fine (killed, out of memory,
   * crashed): the track can go on from here rather than be given up.
   */
  resumeAtMs: Schema.optional(Schema.Int)
}) {}

/**
 * The run learnt how long its track is, when the track came without a duration (a feed's episode,
 * a container that does not say): from now on it shows its length and can be sought.
 */
export class DurationFound extends Schema.TaggedClass<DurationFound>()("DurationFound", {
  runId: Schema.Int,
  durationMs: Schema.Int.check(Schema.isGreaterThan(0))
}) {}

/**
 * The run reached the start of a segment the guild skips (SponsorBlock's, of its categories): the
 * player decides whether to go past it, and whether that ends the track.
 */
export class SegmentReached extends Schema.TaggedClass<SegmentReached>()("SegmentReached", {
  runId: Schema.Int,
  segment: Segment
}) {}

/**
 * Takes back the state the guild's player had before a restart: the queue, the sound, the
 * position, paused or not. Only a fresh player takes it; one that already has music keeps its own.
 */
export class Restore extends Schema.TaggedClass<Restore>()("Restore", {
  state: PlayerState,
  positionMs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  paused: Schema.Boolean,
  requester: UserId
}) {}

/** What users (through the application core) may ask of a player. */
export const UserCommand = Schema.Union([
  Enqueue,
  Connect,
  Skip,
  VoteSkip,
  SkipTo,
  Previous,
  Seek,
  Pause,
  Resume,
  TogglePause,
  Stop,
  Remove,
  Move,
  Shuffle,
  Clear,
  SetLoop,
  CycleLoop,
  SetVolume,
  SetEffects,
  ToggleEffect,
  SetEqualizer,
  Restore
])
export type UserCommand = typeof UserCommand.Type

/** Reports a playback run sends to its player's mailbox; never accepted from users. */
export const PlaybackReport = Schema.Union([TrackAudible, TrackEnded, TrackFailed, DurationFound, SegmentReached])
export type PlaybackReport = typeof PlaybackReport.Type

/** Everything a player's mailbox carries. */
export const PlayerCommand = Schema.Union([UserCommand, PlaybackReport])
export type PlayerCommand = typeof PlayerCommand.Type
