/**
 * Shorthands for driving an `AudioPipeline` in tests: a request with defaults, a Playable for a
 * fixture, and "open, collect every packet, decode".
 */
import { Effect, Stream } from "effect"
import { AudioPipeline, type OpusPacket, type PipelineRequest } from "../../src/audio/AudioPipeline.ts"
import type { Playable } from "../../src/audio/Playable.ts"
import { decodeMono } from "./audioAnalysis.ts"

export const FLAT_EQ: ReadonlyArray<number> = Array<number>(15).fill(0)

/** A Playable for a local file or URL; the codec defaults to "unknown" (always re-encoded). */
export const playable = (input: string, codec: Playable["codec"] = "unknown"): Playable => ({
  input,
  httpHeaders: {},
  codec,
  expiresAt: null,
  isLive: false
})

/** A request with default settings: from the start, no effect, flat EQ, 100 %, no normalisation. */
export const pipelineRequest = (source: Playable, overrides: Partial<PipelineRequest> = {}): PipelineRequest => ({
  source,
  startMs: 0,
  effects: [],
  equalizer: FLAT_EQ,
  volume: 100,
  normalize: false,
  ...overrides
})

/** Opens the request and collects every packet (fails with the pipeline's error). */
export const collectPackets = (request: PipelineRequest) =>
  AudioPipeline.use((pipeline) => Stream.runCollect(pipeline.open(request))).pipe(
    Effect.map((packets): ReadonlyArray<OpusPacket> => packets)
  )

/** Opens the request, collects and decodes: the packets and the mono samples (48 kHz, −1…1). */
export const collectAudio = (request: PipelineRequest) =>
  Effect.map(collectPackets(request), (packets) => ({ packets, samples: decodeMono(packets) }))
