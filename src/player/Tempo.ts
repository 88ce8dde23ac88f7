import type { EffectName } from "../../schema/Effects.ts"
import { playbackSpeed } from "../audio/EffectCatalog.ts"

/**
 * Track milliseconds covered by one 20 ms Opus packet under these effects, so that the
 * position counted in packets stays in track time under nightcore or slowed playback.
 */
export const trackMsPerPacket = (effects: ReadonlyArray<EffectName>): number => 20 * playbackSpeed(effects)
