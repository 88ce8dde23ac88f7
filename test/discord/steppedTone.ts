/**
 * A track whose position can be read off its sound: one-second tones a step apart (300 Hz, 360 Hz,
 * …). Each received 20 ms frame is placed in its second by its dominant tone, and the frame where the
 * tone steps up marks a whole second of the track; frames count on from there.
 */
import { decodeMono, dominantFrequency, rmsDb } from "../support/audioAnalysis.ts"
import type { OpusFrame } from "../fake-discord/ReceivedAudio.ts"

export const stepHz = 60
export const steps = (seconds: number): ReadonlyArray<number> => Array.from({ length: seconds }, (_, i) => 300 + stepHz * i)

const FRAME_SAMPLES = 960

/** Per frame: the second of the track it belongs to, or null for a silent frame. */
const secondsOf = (frames: ReadonlyArray<OpusFrame>, frequencies: ReadonlyArray<number>): Array<number | null> => {
  const samples = decodeMono(frames.map((frame) => frame.payload))
  return frames.map((_, i) => {
    const frame = samples.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES)
    if (frame.length < FRAME_SAMPLES || rmsDb(frame) < -40) return null
    return frequencies.indexOf(dominantFrequency(frame, frequencies))
  })
}

/** The first frame of each second heard whole enough to trust: three frames in a row agree after a step. */
const boundaries = (seconds: ReadonlyArray<number | null>): Array<{ readonly frame: number; readonly second: number }> => {
  const out: Array<{ frame: number; second: number }> = []
  for (let i = 1; i + 2 < seconds.length; i++) {
    const s = seconds[i]
    if (s === null || s === undefined || seconds[i - 1] !== s - 1) continue
    if (seconds[i + 1] === s && seconds[i + 2] === s) out.push({ frame: i, second: s })
  }
  return out
}

/** Track position (ms) of every frame, counted from the nearest step; null before the first step. */
export const positions = (frames: ReadonlyArray<OpusFrame>, frequencies: ReadonlyArray<number>): Array<number | null> => {
  const seconds = secondsOf(frames, frequencies)
  const marks = boundaries(seconds)
  return frames.map((_, i) => {
    // The mark nearest to this frame: before it counts forward, after it counts back.
    let best: { frame: number; second: number } | undefined
    for (const mark of marks) if (best === undefined || Math.abs(mark.frame - i) < Math.abs(best.frame - i)) best = mark
    return best === undefined ? null : best.second * 1000 + (i - best.frame) * 20
  })
}

/** Where the track was at the first and at the last frame of `frames`. */
export const span = (frames: ReadonlyArray<OpusFrame>, frequencies: ReadonlyArray<number>) => {
  const all = positions(frames, frequencies)
  const known = all.flatMap((ms, i) => (ms === null ? [] : [{ ms, at: frames[i]!.at }]))
  return { first: known[0], last: known.at(-1) }
}
