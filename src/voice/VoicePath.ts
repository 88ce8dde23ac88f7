/**
 * Whether a voice server still answers, judged from the probes @discordjs/voice already sends:
 * UDP keepalives (every 5 s) on the media path, heartbeats on the voice WebSocket. Pure: the
 * caller counts probes sent and answers received, and steps each path with the time.
 */

/** The two ways a voice connection reaches its server. */
export type VoicePathKind = "udp" | "ws"

/** Probes sent and answers received on one path so far; both only grow. */
export interface ProbeCounts {
  readonly sent: number
  readonly answered: number
}

export type PathHealth = "answering" | "silent" | "dead"

export interface PathState {
  readonly sent: number
  readonly answered: number
  /**
   * Whether this server ever answered here. Voice servers need not echo UDP keepalives (many
   * stopped in 2023), and silence from one that never answered says nothing about the path.
   */
  readonly everAnswered: boolean
  /** When the first probe after the latest answer was seen going out; null while none is owed. */
  readonly owedSince: number | null
  readonly health: PathHealth
}

export interface PathThresholds {
  /** An answer owed this long (ms) makes the path silent: worth a warning. */
  readonly warnAfterMs: number
  /** An answer owed this long (ms) makes it dead: time to reconnect. */
  readonly deadAfterMs: number
}

export const freshPath = (counts: ProbeCounts): PathState => ({
  sent: counts.sent,
  answered: counts.answered,
  everAnswered: false,
  owedSince: null,
  health: "answering"
})

/** How long the path has owed an answer at `now` (0 when it owes none or never answered). */
export const owedFor = (state: PathState, now: number): number =>
  state.everAnswered && state.owedSince !== null ? Math.max(0, now - state.owedSince) : 0

/**
 * The path after new counts seen at `now`. An answer seen together with a new probe counts as
 * the answer to it: between two looks a round trip is far more likely than a lost probe.
 */
export const stepPath = (state: PathState, counts: ProbeCounts, now: number, thresholds: PathThresholds): PathState => {
  const answered = counts.answered !== state.answered
  const probed = counts.sent !== state.sent
  const everAnswered = state.everAnswered || answered
  const owedSince = answered ? null : probed && state.owedSince === null ? now : state.owedSince
  const next = { sent: counts.sent, answered: counts.answered, everAnswered, owedSince, health: state.health }
  const owed = owedFor(next, now)
  const health: PathHealth = owed >= thresholds.deadAfterMs
    ? "dead"
    : owed >= thresholds.warnAfterMs
    ? "silent"
    : "answering"
  return { ...next, health }
}

/** What a step changed, for the log and the metrics: a path fell silent, died, or answers again. */
export type PathChange = "silent" | "dead" | "recovered"

/** The changes from `before` to `after`; one that dies without a silent step first fell silent too. */
export const changesOf = (before: PathHealth, after: PathHealth): ReadonlyArray<PathChange> => {
  if (before === after) return []
  if (after === "answering") return ["recovered"]
  if (after === "silent") return before === "answering" ? ["silent"] : []
  return before === "answering" ? ["silent", "dead"] : ["dead"]
}
