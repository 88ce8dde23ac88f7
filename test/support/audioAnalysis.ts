/**
 * Listening to Opus, wherever it was caught: what the pipeline emits, what the recording voice
 * output sent, what the fake Discord received. Decode the packets to PCM and measure it.
 *
 * - `decodeOpus(packets)` → 48 kHz interleaved stereo `Int16Array` (via @discordjs/opus).
 * - `toMono(pcm)` → `Float32Array` in −1…1, the input of every measure below; `decodeMono` does both.
 * - `goertzelPower`, `dominantFrequency` (among candidates), `peakFrequency` (scan a range).
 * - `rmsDb` (dBFS: a full-scale sine is −3.01 dB), `toneTimeline` and `findTransition` for seeks.
 *
 * Raw Opus decoding does not apply the encoder's pre-skip, so decoded audio starts ~6.5 ms late
 * (`OPUS_DECODER_DELAY_MS`); allow for it when timing boundaries.
 */
// A CommonJS addon: Node's ESM loader sees only its default export.
import opus from "@discordjs/opus"

export const SAMPLE_RATE = 48000
export const CHANNELS = 2
/** Samples per channel in one 20 ms Opus packet at 48 kHz. */
export const SAMPLES_PER_PACKET = 960
/** libopus' default pre-skip (312 samples) as milliseconds. */
export const OPUS_DECODER_DELAY_MS = 312 / 48

/** Decodes Opus packets (48 kHz stereo) into interleaved 16-bit PCM. */
export const decodeOpus = (packets: ReadonlyArray<Uint8Array>): Int16Array => {
  const decoder = new opus.OpusEncoder(SAMPLE_RATE, CHANNELS)
  const buffers = packets.map((p) => decoder.decode(Buffer.from(p.buffer, p.byteOffset, p.byteLength)))
  const total = buffers.reduce((n, b) => n + b.length, 0)
  const out = new Int16Array(total / 2)
  let offset = 0
  for (const b of buffers) {
    out.set(new Int16Array(b.buffer, b.byteOffset, b.length / 2), offset)
    offset += b.length / 2
  }
  return out
}

/** Averages the channels of interleaved PCM into samples in −1…1. */
export const toMono = (pcm: Int16Array, channels = CHANNELS): Float32Array => {
  const frames = Math.floor(pcm.length / channels)
  const out = new Float32Array(frames)
  for (let i = 0; i < frames; i++) {
    let sum = 0
    for (let c = 0; c < channels; c++) sum += pcm[i * channels + c]!
    out[i] = sum / channels / 32768
  }
  return out
}

/** The packets decoded and their channels averaged. */
export const decodeMono = (packets: ReadonlyArray<Uint8Array>): Float32Array => toMono(decodeOpus(packets))

/** `samples` from `fromMs` for `lengthMs` (clamped to what exists). */
export const slice = (samples: Float32Array, fromMs: number, lengthMs: number, rate = SAMPLE_RATE): Float32Array =>
  samples.subarray(Math.round(fromMs * rate / 1000), Math.round((fromMs + lengthMs) * rate / 1000))

/** Signal power at one frequency (Goertzel), normalised by the window length. */
export const goertzelPower = (samples: Float32Array, frequency: number, rate = SAMPLE_RATE): number => {
  const coefficient = 2 * Math.cos(2 * Math.PI * frequency / rate)
  let s1 = 0
  let s2 = 0
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i]! + coefficient * s1 - s2
    s2 = s1
    s1 = s0
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
  return samples.length === 0 ? 0 : power / (samples.length * samples.length)
}

/** The candidate frequency with the most power in `samples`. */
export const dominantFrequency = (
  samples: Float32Array,
  candidates: ReadonlyArray<number>,
  rate = SAMPLE_RATE
): number => {
  let best = candidates[0]!
  let bestPower = -1
  for (const f of candidates) {
    const p = goertzelPower(samples, f, rate)
    if (p > bestPower) {
      best = f
      bestPower = p
    }
  }
  return best
}

/**
 * The strongest frequency between `low` and `high` Hz, scanned in `step` Hz (then refined to 0.5 Hz
 * around the best). Use ≥ 0.25 s of audio: the resolution of a window is about 1 / its length.
 */
export const peakFrequency = (samples: Float32Array, low: number, high: number, step = 2, rate = SAMPLE_RATE) => {
  const scan = (from: number, to: number, by: number) => {
    let best = from
    let bestPower = -1
    for (let f = from; f <= to; f += by) {
      const p = goertzelPower(samples, f, rate)
      if (p > bestPower) {
        best = f
        bestPower = p
      }
    }
    return best
  }
  const coarse = scan(low, high, step)
  return scan(coarse - step, coarse + step, 0.5)
}

/** Root mean square level in dBFS (−Infinity for digital silence). */
export const rmsDb = (samples: Float32Array): number => {
  let sum = 0
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!
  return 10 * Math.log10(sum / Math.max(1, samples.length))
}

export interface TimelinePoint {
  readonly ms: number
  readonly frequency: number
}

/** The dominant candidate in 10 ms windows every `hopMs` ms. */
export const toneTimeline = (
  samples: Float32Array,
  candidates: ReadonlyArray<number>,
  hopMs = 2,
  windowMs = 10,
  rate = SAMPLE_RATE
): Array<TimelinePoint> => {
  const out: Array<TimelinePoint> = []
  const window = Math.round(windowMs * rate / 1000)
  const hop = Math.round(hopMs * rate / 1000)
  for (let start = 0; start + window <= samples.length; start += hop) {
    out.push({
      ms: (start + window / 2) * 1000 / rate,
      frequency: dominantFrequency(samples.subarray(start, start + window), candidates, rate)
    })
  }
  return out
}

/**
 * Milliseconds into `samples` where the tone changes from `from` to `to` Hz: the centre of the first
 * 10 ms window of a run of `to` at least `holdMs` long that follows a run of `from` as long (so a
 * click or the encoder's start-up cannot pass for the boundary). Undefined if it never does.
 */
export const findTransition = (
  samples: Float32Array,
  from: number,
  to: number,
  holdMs = 20,
  rate = SAMPLE_RATE
): number | undefined => {
  const timeline = toneTimeline(samples, [from, to], 1, 10, rate)
  let fromRun = 0
  for (let i = 0; i < timeline.length; i++) {
    const point = timeline[i]!
    if (point.frequency === from) {
      fromRun++
      continue
    }
    if (fromRun >= holdMs) {
      const run = timeline.slice(i, i + holdMs)
      if (run.length === holdMs && run.every((p) => p.frequency === to)) return point.ms
    }
    fromRun = 0
  }
  return undefined
}
