/**
 * What the fake Discord received on a voice stream: the Opus frames out of the encrypted RTP, their
 * timing and numbering, and (through test/support/audioAnalysis.ts) their pitch and level.
 */
import { decodeMono, peakFrequency, rmsDb, slice } from "../support/audioAnalysis.ts"
import { decryptRtpSize, rtpHeader } from "./Crypto.ts"
import type { VoiceStream } from "./FakeDiscord.ts"

export interface OpusFrame {
  /** `performance.now()` when the packet arrived. */
  readonly at: number
  readonly sequence: number
  readonly timestamp: number
  readonly payload: Buffer
}

export interface DecryptedStream {
  /** Audio frames in arrival order, the Opus silence frames left out. */
  readonly frames: ReadonlyArray<OpusFrame>
  /** The player sends up to five `F8 FF FE` frames when it stops or pauses. */
  readonly silenceFrames: number
  readonly decryptFailures: number
}

export interface Pacing {
  readonly count: number
  readonly meanMs: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxGapMs: number
  /** From the first arrival to the last. */
  readonly spanMs: number
}

export interface Continuity {
  /** Consecutive packets whose sequence numbers do not step by one (mod 2^16). */
  readonly sequenceBreaks: number
  /** Consecutive packets whose timestamps do not step by 960 (20 ms at 48 kHz, mod 2^32). */
  readonly timestampBreaks: number
}

const silence = Buffer.from([0xf8, 0xff, 0xfe])

/** Decrypts a stream's RTP with the session key and mode. */
export const opusFrames = (stream: VoiceStream): DecryptedStream => {
  const frames: Array<OpusFrame> = []
  let silenceFrames = 0
  let decryptFailures = 0
  for (const packet of stream.packets) {
    let payload: Buffer
    try {
      payload = decryptRtpSize(packet.bytes, stream.key, stream.mode)
    } catch {
      decryptFailures++
      continue
    }
    if (payload.equals(silence)) {
      silenceFrames++
      continue
    }
    const { sequence, timestamp } = rtpHeader(packet.bytes)
    frames.push({ at: packet.at, sequence, timestamp, payload })
  }
  return { frames, silenceFrames, decryptFailures }
}

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0

/** Inter-arrival statistics; @discordjs/voice aims at one packet every 20 ms. */
export const pacing = (frames: ReadonlyArray<{ readonly at: number }>): Pacing => {
  const gaps = frames.slice(1).map((frame, i) => frame.at - (frames[i]?.at ?? frame.at))
  const sorted = [...gaps].sort((a, b) => a - b)
  return {
    count: frames.length,
    meanMs: gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxGapMs: sorted.at(-1) ?? 0,
    spanMs: (frames.at(-1)?.at ?? 0) - (frames[0]?.at ?? 0)
  }
}

export const continuity = (frames: ReadonlyArray<OpusFrame>): Continuity => {
  let sequenceBreaks = 0
  let timestampBreaks = 0
  frames.slice(1).forEach((frame, i) => {
    const previous = frames[i]
    if (previous === undefined) return
    if (((frame.sequence - previous.sequence) & 0xffff) !== 1) sequenceBreaks++
    if (((frame.timestamp - previous.timestamp) >>> 0) !== 960) timestampBreaks++
  })
  return { sequenceBreaks, timestampBreaks }
}

export interface FrequencyWindow {
  /** Default 100 ms: skips the codec's start-up. */
  readonly fromMs?: number | undefined
  /** Default 1 s. */
  readonly durationMs?: number | undefined
}

/**
 * The audio frames of `stream` that arrived from `sinceMs` (performance.now()) on,
 * with their pacing and continuity, the strongest frequency in a window (50 Hz to 4 kHz, to 0.5 Hz)
 * and the level in dBFS after the first 100 ms (4800 samples: the codec's start-up).
 */
export const analyse = (stream: VoiceStream, sinceMs = 0) => {
  const decrypted = opusFrames({ ...stream, packets: stream.packets.filter((p) => p.at >= sinceMs) })
  const samples = decodeMono(decrypted.frames.map((frame) => frame.payload))
  return {
    ...decrypted,
    pacing: pacing(decrypted.frames),
    continuity: continuity(decrypted.frames),
    frequency: (window: FrequencyWindow = {}) =>
      peakFrequency(slice(samples, window.fromMs ?? 100, window.durationMs ?? 1000), 50, 4000, 5),
    level: rmsDb(samples.subarray(Math.min(samples.length, 4800)))
  }
}
