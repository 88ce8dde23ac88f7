import { Context, Schema, type Effect, type Stream } from "effect"
import type { GuildId } from "../../schema/Ids.ts"
import type { OpusPacket } from "../audio/AudioPipeline.ts"

export class VoiceError extends Schema.TaggedError<VoiceError>()("VoiceError", {
  reason: Schema.String
}) {}

/**
 * Where a guild's audio goes. `play` sends the packets in real time, one every 20 ms,
 * and completes after the last one; interrupting it stops the sound at once.
 *
 * Contract for implementations: packets are pulled from the stream at the pace they are
 * sent (reading ahead at most a few packets), so a caller that counts pulled packets
 * knows the playback position within ~100 ms.
 */
export class VoiceOutput extends Context.Service<VoiceOutput, {
  readonly play: <E>(guildId: GuildId, packets: Stream.Stream<OpusPacket, E>) => Effect.Effect<void, E | VoiceError>
  /** Leaves the guild's voice channel, if connected. */
  readonly disconnect: (guildId: GuildId) => Effect.Effect<void>
}>()("reprise/voice/VoiceOutput") {}
