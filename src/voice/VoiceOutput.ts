import { Context, type Effect, type PubSub, Schema, type Scope, type Stream } from "effect"
import { type ChannelId, GuildId } from "../../schema/Ids.ts"
import type { OpusPacket } from "../audio/AudioPipeline.ts"

/** The guild is not reachable (not cached, or gone). */
export class Unavailable extends Schema.TaggedClass<Unavailable>()("Unavailable", {}) {
  get message() {
    return "the server is not available right now"
  }
}

export class ConnectFailed extends Schema.TaggedClass<ConnectFailed>()("ConnectFailed", {
  /** Took longer than the connect timeout, as opposed to refused. */
  timedOut: Schema.Boolean
}) {
  get message() {
    return this.timedOut ? "connecting to the voice channel took too long" : "I could not connect to the voice channel"
  }
}

export class NotConnected extends Schema.TaggedClass<NotConnected>()("NotConnected", {}) {
  get message() {
    return "not connected to a voice channel"
  }
}

/** Playback ended before its last packet: the connection went away, or the source stalled too long. */
export class Interrupted extends Schema.TaggedClass<Interrupted>()("Interrupted", {
  cause: Schema.Literals(["connection-ended", "stalled"])
}) {
  get message() {
    return this.cause === "connection-ended"
      ? "playback stopped: the voice connection ended"
      : "playback stopped: the audio stalled"
  }
}

export class PlaybackFailed extends Schema.TaggedClass<PlaybackFailed>()("PlaybackFailed", {
  detail: Schema.String
}) {
  get message() {
    return `playback failed: ${this.detail}`
  }
}

export const VoiceErrorReason = Schema.Union([Unavailable, ConnectFailed, NotConnected, Interrupted, PlaybackFailed])
export type VoiceErrorReason = typeof VoiceErrorReason.Type

/** The one error of voice; its message is fit to show the user. */
export class VoiceError extends Schema.TaggedError<VoiceError>()("VoiceError", { reason: VoiceErrorReason }) {
  override get message(): string {
    return this.reason.message
  }
}

export const voiceError = (reason: VoiceErrorReason): VoiceError => new VoiceError({ reason })

/** Why the bot left a voice channel without being asked to. */
export const VoiceLeaveReason = Schema.Literals(["kicked", "alone", "lost"])
export type VoiceLeaveReason = typeof VoiceLeaveReason.Type

/** The bot is no longer in voice in this guild; whoever owns the guild's playback should stop it. */
export class VoiceLeft extends Schema.TaggedClass<VoiceLeft>()("VoiceLeft", {
  guildId: GuildId,
  reason: VoiceLeaveReason
}) {}

/**
 * A guild's voice connection and where its audio goes. The guild's player is its only user:
 * it joins, plays, and leaves when it is torn down; `left` tells the player registry when a
 * connection ended on its own (kicked, alone too long, lost for good). A connection that drops, or
 * whose server stops answering, is made again without the player: `play` waits, then goes on.
 *
 * `play` sends the packets in real time, one every 20 ms, and completes after the last one;
 * interrupting it stops the sound at once. Packets are pulled from the stream at the pace they
 * are sent (reading ahead at most a few), so a caller that counts pulled packets knows the
 * playback position within ~100 ms.
 */
export class VoiceOutput extends Context.Service<VoiceOutput, {
  /** Joins (or moves to) a voice channel and waits until audio can flow. */
  readonly join: (guildId: GuildId, channelId: ChannelId) => Effect.Effect<void, VoiceError>
  /** Leaves the guild's voice channel, if in one; reported by no `VoiceLeft`. */
  readonly leave: (guildId: GuildId) => Effect.Effect<void>
  readonly play: <E>(guildId: GuildId, packets: Stream.Stream<OpusPacket, E>) => Effect.Effect<void, E | VoiceError>
  /** The channel the bot is in (or joining) in this guild. */
  readonly channelOf: (guildId: GuildId) => Effect.Effect<ChannelId | null>
  /** Connections that ended without `leave`; receives from the moment it returns. */
  readonly left: Effect.Effect<PubSub.Subscription<VoiceLeft>, never, Scope.Scope>
}>()("reprise/voice/VoiceOutput") {}

