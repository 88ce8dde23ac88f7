/**
 * Play history written by hand, as the player will have recorded it: the stats tests set up the
 * rows they count.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export type EndReason = "finished" | "skipped" | "stopped" | "failed"

export interface PlayedTrack {
  readonly guildId: string
  readonly requester: string
  readonly trackId: string
  readonly title: string
  /** Where the track is; a link made from the id when absent. */
  readonly location?: string | undefined
  readonly startedAt: Date
  readonly endReason: EndReason
}

const durationMs = 180_000

export const historyRow = (play: PlayedTrack) => ({
  guild_id: play.guildId,
  requester: play.requester,
  track_id: play.trackId,
  kind: "http",
  location: play.location ?? `https://music.example/${encodeURIComponent(play.trackId)}.ogg`,
  title: play.title,
  duration_ms: durationMs,
  started_at: play.startedAt,
  ended_at: new Date(play.startedAt.getTime() + durationMs),
  end_reason: play.endReason,
  played_ms: play.endReason === "finished" ? durationMs : 30_000
})

/** Inserts the plays in one statement. */
export const insertHistory = (plays: ReadonlyArray<PlayedTrack>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [head, ...rest] = plays.map(historyRow)
    if (head !== undefined) yield* sql`INSERT INTO play_history ${sql.insert([head, ...rest])}`
  })
