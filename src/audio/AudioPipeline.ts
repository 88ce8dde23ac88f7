import { Context, Schema, type Stream } from "effect"
import type { EffectName, Equalizer } from "../../schema/Effects.ts"
import type { Playable } from "./Playable.ts"

/** One Opus packet holding 20 ms of 48 kHz stereo audio. */
export type OpusPacket = Uint8Array

/**
 * The end of the outgoing track, mixed into the start of this one: its source from `startMs`
 * (track time), faded out over `ms` of played time while this track fades in from 0:00.
 */
export interface Crossfade {
  readonly source: Playable
  readonly startMs: number
  readonly ms: number
}

/** Everything that shapes the sound of one pipeline run. */
export interface PipelineRequest {
  readonly source: Playable
  /** Position in the track to start from, in milliseconds. */
  readonly startMs: number
  readonly effects: ReadonlyArray<EffectName>
  readonly equalizer: Equalizer
  /** Volume as shown to users, 0–200 %. */
  readonly volume: number
  /** Per-guild loudness normalisation. */
  readonly normalize: boolean
  /** Set only for the run that takes over from a track ending on its own (always transcoded). */
  readonly crossfade?: Crossfade | undefined
}

export class PipelineError extends Schema.TaggedError<PipelineError>()("PipelineError", {
  /** Short, user-presentable reason (e.g. "the file could not be decoded"). */
  reason: Schema.String,
  /** FFmpeg's own words (its last stderr lines), for logs and traces. */
  detail: Schema.String,
  /**
   * The run broke off (the process was killed, ran out of memory or crashed; the source's connection
   * dropped) rather than its input being refused: going on from the position reached may work.
   */
  crashed: Schema.optional(Schema.Boolean)
}) {}

/**
 * Turns a source into a stream of Opus packets. Each stream owns its FFmpeg process:
 * ending or interrupting the stream kills it.
 */
export class AudioPipeline extends Context.Service<AudioPipeline, {
  readonly open: (request: PipelineRequest) => Stream.Stream<OpusPacket, PipelineError>
}>()("reprise/audio/AudioPipeline") {}
