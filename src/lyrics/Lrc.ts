/** LRC, the timed-lyrics text format: `[mm:ss.xx] words`, one or more time tags per line. */

export interface LrcLine {
  /** From the start of the track. */
  readonly atMs: number
  readonly text: string
}

const tag = /^\[(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?\]/

/**
 * The timed lines, in time order (a line with several tags appears at each). Lines without a
 * time tag — metadata such as `[ar: …]`, blank lines, stray text — are left out, and lines at
 * the same time keep their order in the text.
 */
export const parseLrc = (text: string): ReadonlyArray<LrcLine> => {
  const lines: Array<LrcLine> = []
  for (const raw of text.split(/\r\n|\r|\n/)) {
    let rest = raw.trim()
    const times: Array<number> = []
    for (let m = tag.exec(rest); m !== null; m = tag.exec(rest)) {
      const [whole, minutes = "0", seconds = "0", fraction = ""] = m
      // `.5` is half a second and `.05` a twentieth: the digits are a decimal fraction.
      const ms = fraction === "" ? 0 : Math.round(Number(`0.${fraction}`) * 1000)
      times.push(Number(minutes) * 60_000 + Number(seconds) * 1000 + ms)
      rest = rest.slice(whole.length).trimStart()
    }
    for (const atMs of times) lines.push({ atMs, text: rest })
  }
  // Array.prototype.sort is stable: lines at one time keep their order.
  return lines.sort((a, b) => a.atMs - b.atMs)
}

/** The index of the line sung at `positionMs`: the last one started; -1 before the first. */
export const lineAt = (lines: ReadonlyArray<LrcLine>, positionMs: number): number => {
  let low = 0
  let high = lines.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (lines[mid]!.atMs <= positionMs) low = mid + 1
    else high = mid
  }
  return low - 1
}
