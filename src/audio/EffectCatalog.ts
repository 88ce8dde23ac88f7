import type { EffectName, EqPreset } from "../../schema/Effects.ts"

/**
 * The sound of every named effect as an FFmpeg audio filter chain, the equalizer presets, and
 * the rule that orders a combination of effects into one graph.
 *
 * All chains assume 48 kHz input: `filterGraph` (FfmpegArgs.ts) resamples to 48 kHz before the
 * first effect, so the rate-based effects (`asetrate`) know the rate they multiply.
 */

/** Where an effect sits in the graph; stages run in this order. */
export type EffectStage = "tempo" | "tone" | "modulation" | "spatial" | "dynamics"

export const STAGE_ORDER: ReadonlyArray<EffectStage> = ["tempo", "tone", "modulation", "spatial", "dynamics"]

export interface EffectDefinition {
  readonly name: EffectName
  readonly label: string
  readonly stage: EffectStage
  /** Comma-separated FFmpeg filters (one `-af` chain segment). */
  readonly filters: string
  /** Track time per unit of played time: 1.25 means the track advances 25 % faster than the clock. */
  readonly speed: number
}

/** Numbers as FFmpeg reads them: plain decimals, at most 6 places, no exponent. */
export const formatNumber = (n: number): string => {
  const fixed = n.toFixed(6)
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed
}

const RATE = 48000
/** Two semitones: 2^(2/12). */
const WHOLE_TONE = Math.pow(2, 2 / 12)

/** Plays `factor` times faster and higher, like a record at the wrong speed (tempo and pitch together). */
const rateShift = (factor: number): string => `asetrate=${Math.round(RATE * factor)},aresample=${RATE}`

/** Shifts the pitch by `factor` and restores the tempo with atempo (cheap; fine for ±a few semitones). */
const pitchShift = (factor: number): string => `${rateShift(factor)},atempo=${formatNumber(1 / factor)}`

const definitions: ReadonlyArray<EffectDefinition> = [
  // tempo and pitch first: later stages then shape the sound the listener actually hears
  { name: "nightcore", label: "Nightcore", stage: "tempo", filters: rateShift(1.25), speed: 1.25 },
  { name: "vaporwave", label: "Vaporwave", stage: "tempo", filters: rateShift(0.8), speed: 0.8 },
  { name: "slow", label: "Slowed", stage: "tempo", filters: "atempo=0.8", speed: 0.8 },
  { name: "speedup", label: "Sped up", stage: "tempo", filters: "atempo=1.25", speed: 1.25 },
  { name: "pitchup", label: "Pitch up", stage: "tempo", filters: pitchShift(WHOLE_TONE), speed: 1 },
  { name: "pitchdown", label: "Pitch down", stage: "tempo", filters: pitchShift(1 / WHOLE_TONE), speed: 1 },
  { name: "bassboost", label: "Bass boost", stage: "tone", filters: "bass=g=8:f=100:w=0.6", speed: 1 },
  { name: "treble", label: "Treble boost", stage: "tone", filters: "treble=g=6:f=4000:w=0.6", speed: 1 },
  { name: "lofi", label: "Lo-fi", stage: "tone", filters: "lowpass=f=3000,highpass=f=120", speed: 1 },
  { name: "tremolo", label: "Tremolo", stage: "modulation", filters: "tremolo=f=5:d=0.5", speed: 1 },
  { name: "vibrato", label: "Vibrato", stage: "modulation", filters: "vibrato=f=5:d=0.3", speed: 1 },
  {
    name: "chorus",
    label: "Chorus",
    stage: "modulation",
    filters: "chorus=0.6:0.9:50|60:0.4|0.32:0.25|0.4:2|1.3",
    speed: 1
  },
  // karaoke before mono: removing the centre needs the stereo difference that mono throws away
  { name: "karaoke", label: "Karaoke", stage: "spatial", filters: "stereotools=mlev=0.015625", speed: 1 },
  { name: "mono", label: "Mono", stage: "spatial", filters: "pan=stereo|c0=0.5*c0+0.5*c1|c1=0.5*c0+0.5*c1", speed: 1 },
  { name: "reverb", label: "Reverb", stage: "spatial", filters: "aecho=0.8:0.7:40|70:0.25|0.15", speed: 1 },
  // 8D after mono so a mono mix still circles the head
  { name: "8d", label: "8D", stage: "spatial", filters: "apulsator=hz=0.125", speed: 1 },
  // level=false: alimiter's auto-level would otherwise push quiet music up to the ceiling
  { name: "limiter", label: "Limiter", stage: "dynamics", filters: "alimiter=limit=0.7079:level=false", speed: 1 }
]

const byName: ReadonlyMap<EffectName, EffectDefinition> = new Map(definitions.map((d) => [d.name, d]))
const position: ReadonlyMap<EffectName, number> = new Map(
  [...definitions]
    .sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage))
    .map((d, i) => [d.name, i])
)

/** Every effect, in graph order. */
export const EFFECTS: ReadonlyArray<EffectDefinition> = [...definitions].sort((a, b) =>
  position.get(a.name)! - position.get(b.name)!
)

export const effectDefinition = (name: EffectName): EffectDefinition => byName.get(name)!

/**
 * The effects of a request in graph order, duplicates removed. `dynamics` effects (the limiter)
 * are left out: the caller puts them after the equalizer and the volume.
 */
export const orderEffects = (effects: ReadonlyArray<EffectName>): ReadonlyArray<EffectDefinition> =>
  [...new Set(effects)]
    .map(effectDefinition)
    .sort((a, b) => position.get(a.name)! - position.get(b.name)!)

/**
 * How fast the track advances per second played under these effects (nightcore 1.25, slow 0.8, …;
 * the pitch shifts restore their tempo). The player multiplies packets × 20 ms by it for the position.
 */
export const playbackSpeed = (effects: ReadonlyArray<EffectName>): number =>
  [...new Set(effects)].reduce((speed, name) => speed * effectDefinition(name).speed, 1)

/** Centre frequencies of the 15 equalizer bands, in Hz (ISO 2/3-octave series). */
export const EQ_BANDS: ReadonlyArray<number> = [
  25,
  40,
  63,
  100,
  160,
  250,
  400,
  630,
  1000,
  1600,
  2500,
  4000,
  6300,
  10000,
  16000
]

/** Gains in dB for each preset, one per band of `EQ_BANDS`. */
export const EQ_PRESETS: Readonly<Record<EqPreset, ReadonlyArray<number>>> = {
  flat: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  bass: [6, 6, 5, 4, 2.5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  rock: [4, 3.5, 3, 2, 0, -1.5, -2, -1, 0.5, 1.5, 2.5, 3, 3.5, 3, 2.5],
  pop: [-1, -1, 0, 1, 2.5, 3.5, 3.5, 2, 0.5, -0.5, -1, -1, -1, -1, -1.5],
  jazz: [3, 3, 2, 1.5, 0, -1, -1, 0, 1, 1.5, 2, 2.5, 2.5, 2, 2],
  classical: [3, 3, 2, 1.5, 0, 0, 0, 0, 0, 0, 0, -1, -1.5, -2, -3],
  electronic: [5, 5, 4, 2, 0, -1.5, -1, 0, 1, 0.5, 1, 2.5, 3.5, 4, 4.5],
  vocal: [-3, -3, -2.5, -1.5, 0, 2, 3.5, 4, 3.5, 2.5, 1.5, 0, -1, -1.5, -2],
  soft: [0, 0, 0, 0, 0, 0, 0, -0.5, -1, -2, -3, -4, -5, -6, -6],
  treble: [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4.5, 6, 6, 6]
}

/** The preset whose gains these are, or `custom`. */
export const presetOf = (gains: ReadonlyArray<number>): EqPreset | "custom" =>
  (Object.keys(EQ_PRESETS) as Array<EqPreset>).find((preset) =>
    EQ_PRESETS[preset].every((gain, band) => gains[band] === gain)
  ) ?? "custom"

/** Bandwidth of each peaking filter, in octaves: the spacing of the bands, so neighbours overlap at −3 dB. */
const BAND_WIDTH_OCTAVES = 2 / 3

/** True when no band changes the sound (missing bands count as 0 dB). */
export const isFlat = (gains: ReadonlyArray<number>): boolean => gains.every((g) => g === 0 || !Number.isFinite(g))

/**
 * The 15-band equalizer as FFmpeg `equalizer` (peaking biquad) filters, one per band whose gain is
 * not 0 dB; undefined when every band is flat. Gains are clamped to ±12 dB.
 */
export const equalizerFilters = (gains: ReadonlyArray<number>): string | undefined => {
  const parts: Array<string> = []
  EQ_BANDS.forEach((frequency, i) => {
    const gain = gains[i] ?? 0
    if (gain === 0 || !Number.isFinite(gain)) return
    const clamped = Math.max(-12, Math.min(12, gain))
    parts.push(`equalizer=f=${frequency}:t=o:w=${formatNumber(BAND_WIDTH_OCTAVES)}:g=${formatNumber(clamped)}`)
  })
  return parts.length === 0 ? undefined : parts.join(",")
}
