import opus from "@discordjs/opus"
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

export const sampleRate = 48_000
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

/** Decodes 48 kHz stereo Opus frames to mono samples in [-1, 1] (the channels averaged). */
export const decodeOpus = (frames: ReadonlyArray<OpusFrame>): Float32Array => {
  const decoder = new opus.OpusEncoder(sampleRate, 2)
  const pcm = frames.map((frame) => decoder.decode(frame.payload))
  const samples = new Float32Array(pcm.reduce((n, b) => n + b.length / 4, 0))
  let i = 0
  for (const buffer of pcm) {
    for (let offset = 0; offset < buffer.length; offset += 4) {
      samples[i++] = (buffer.readInt16LE(offset) + buffer.readInt16LE(offset + 2)) / 65_536
    }
  }
  return samples
}

/** Goertzel: the power of one frequency, cheaper than a full FFT when scanning a range. */
const power = (samples: Float32Array, frequency: number): number => {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate)
  let s1 = 0
  let s2 = 0
  for (const x of samples) {
    const s0 = x + coefficient * s1 - s2
    s2 = s1
    s1 = s0
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2
}

export interface FrequencyWindow {
  /** Skips the codec's start-up. Default 100 ms. */
  readonly fromMs?: number | undefined
  readonly durationMs?: number | undefined
  readonly minHz?: number | undefined
  readonly maxHz?: number | undefined
}

/** The strongest frequency in a window, to 0.5 Hz: a 5 Hz scan, refined around its peak. */
export const dominantFrequency = (samples: Float32Array, window: FrequencyWindow = {}): number => {
  const from = Math.floor(((window.fromMs ?? 100) * sampleRate) / 1000)
  const slice = samples.subarray(from, from + Math.floor(((window.durationMs ?? 1000) * sampleRate) / 1000))
  const peak = (lo: number, hi: number, step: number): number => {
    let best = lo
    let bestPower = -1
    for (let f = lo; f <= hi; f += step) {
      const p = power(slice, f)
      if (p > bestPower) [best, bestPower] = [f, p]
    }
    return best
  }
  const coarse = peak(window.minHz ?? 50, window.maxHz ?? 4000, 5)
  return peak(coarse - 5, coarse + 5, 0.5)
}

/** Root mean square level in dB relative to full scale (a full-scale sine is about -3 dB). */
export const rmsDb = (samples: Float32Array): number => {
  let sum = 0
  for (const x of samples) sum += x * x
  return 10 * Math.log10(sum / Math.max(1, samples.length))
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
