/**
 * Volume as users see it (0–200 %) to the linear gain FFmpeg applies.
 *
 * Mapping: `gain = referenceGain × shown / 100`, linear in amplitude, with `referenceGain` the gain
 * at 100 % (default 0.25, a quarter of full scale: the seed bot's level, ≈ −12 dB, because sources
 * mastered near 0 dBFS are far louder than voice chat). Halving the shown value halves the amplitude,
 * so 50 % vs 100 % is −6.02 dB and 200 % is +6.02 dB (gain 0.5, still below full scale). 0 % is silence.
 *
 * A linear-in-amplitude slider is coarse near the top and fine near the bottom, which suits a
 * gentle default: the useful range (25–200 %) spans −24 … +6 dB around the default.
 */

/** The gain at 100 % shown when nothing else is configured. */
export const DEFAULT_REFERENCE_GAIN = 0.25

export const MIN_VOLUME = 0
export const MAX_VOLUME = 200

/** Linear gain for a shown volume; out-of-range or non-finite input is clamped to 0–200 %. */
export const volumeGain = (shown: number, referenceGain: number = DEFAULT_REFERENCE_GAIN): number => {
  const clamped = Number.isFinite(shown) ? Math.min(MAX_VOLUME, Math.max(MIN_VOLUME, shown)) : 100
  return referenceGain * clamped / 100
}

/** The gain change between two shown volumes, in dB (−Infinity towards 0 %). */
export const volumeChangeDb = (from: number, to: number, referenceGain: number = DEFAULT_REFERENCE_GAIN): number =>
  20 * Math.log10(volumeGain(to, referenceGain) / volumeGain(from, referenceGain))
