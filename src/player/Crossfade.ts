/**
 * Whether a track change may be crossfaded, and where: a pure rule over what the playback knows
 * when it readies the next track. A crossfade is one FFmpeg mixing the outgoing track's last
 * seconds into the incoming track's first (FfmpegArgs.ts), so it needs both lengths and a place
 * in the outgoing track to start reading from.
 */

/** The run that plays when the next track is readied. */
export interface Outgoing {
  readonly entryId: number
  readonly durationMs: number | null
  readonly isLive: boolean
  /** Where the run started and where it has got to, in track time. */
  readonly startMs: number
  readonly positionMs: number
}

export interface Incoming {
  readonly entryId: number
  readonly durationMs: number | null
}

/**
 * Time the crossfade's pipeline is given to open before the outgoing run must be cut for it; a
 * track readied later than this (queued in the last seconds) just follows gaplessly.
 */
export const crossfadeOpenMs = 1_000

/**
 * Where in the outgoing track (track time) its run hands over to the crossfade, or null for a
 * plain gapless change: no crossfade set, a track looping into itself, a live or unmeasured
 * track, a track too short to spend two fades on (its whole length would be fading), or a run
 * already inside (or too near) the last seconds, where a seek took the listener.
 * `speed`: track time per played time under the effects (a fade lasts `fadeMs` as heard).
 */
export const crossfadeCut = (fadeMs: number, speed: number, outgoing: Outgoing, incoming: Incoming): number | null => {
  if (fadeMs <= 0 || outgoing.entryId === incoming.entryId || outgoing.isLive) return null
  const { durationMs } = outgoing
  if (durationMs === null || incoming.durationMs === null) return null
  const trackFadeMs = fadeMs * speed
  if (durationMs < 2 * trackFadeMs || incoming.durationMs < 2 * trackFadeMs) return null
  const cutAtMs = durationMs - trackFadeMs
  if (outgoing.startMs >= cutAtMs || outgoing.positionMs > cutAtMs - crossfadeOpenMs * speed) return null
  return cutAtMs
}
