// Track times as the dashboard writes them.

/** `m:ss`, or `h:mm:ss` from an hour on. */
export const clock = (ms) => {
  const total = Math.max(0, Math.floor(ms / 1000))
  const hours = Math.floor(total / 3600)
  const mm = String(Math.floor((total % 3600) / 60)).padStart(hours > 0 ? 2 : 1, "0")
  const ss = String(total % 60).padStart(2, "0")
  return hours > 0 ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`
}

/** A track's length; only a live stream is "live", a file whose length is not known yet has none to show. */
export const length = (track) => (track.live ? "live" : track.durationMs === null ? "length unknown" : clock(track.durationMs))
