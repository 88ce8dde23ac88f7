import { Schema } from "effect"

/** The named effects a guild can switch on; each maps to an FFmpeg filter chain in `src/audio/EffectCatalog.ts`. */
export const EffectName = Schema.Literals([
  "bassboost",
  "nightcore",
  "vaporwave",
  "8d",
  "reverb",
  "slow",
  "speedup",
  "karaoke",
  "tremolo",
  "vibrato",
  "lofi",
  "treble",
  "limiter",
  "mono",
  "pitchup",
  "pitchdown",
  "chorus"
])
export type EffectName = typeof EffectName.Type

/** Named equalizer presets; each is a set of 15 band gains. */
export const EqPreset = Schema.Literals([
  "flat",
  "bass",
  "rock",
  "pop",
  "jazz",
  "classical",
  "electronic",
  "vocal",
  "soft",
  "treble"
])
export type EqPreset = typeof EqPreset.Type

/** One equalizer band gain in dB. */
export const BandGain = Schema.Number.check(Schema.isBetween({ minimum: -12, maximum: 12 }))

/** 15 band gains (25 Hz … 16 kHz, two bands an octave apart); all zero means the equalizer is off. */
export const Equalizer = Schema.Array(BandGain).check(Schema.isBetweenLength(15, 15))
export type Equalizer = typeof Equalizer.Type

/** Volume as users see it, in percent. */
export const Volume = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 200 }))
export type Volume = typeof Volume.Type
