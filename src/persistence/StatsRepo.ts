/**
 * A guild's stats over a period, computed by the database from `play_history` and
 * `track_ratings`: each list is one statement (grouped, ordered and cut to `statsListLength` there),
 * answered from the indexes of migrations/0003_stats.sql without reading the history table, so a
 * year of history costs what an index scan of the guild's part of it costs (bench/stats.ts). Ties
 * go to what was played (or rated) more, then more recently, then by id, so every list has one
 * order.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient, type SqlError, type Statement } from "effect/sql"
import { type GuildId, UserId } from "../../schema/Ids.ts"

/** How many entries each list has at most. */
export const statsListLength = 5

/** Whose history, and from when on (null: all of it). */
export interface StatsWindow {
  readonly guildId: GuildId
  readonly since: Date | null
}

/** A track as the lists name it: its id, and the title and location of its latest play in the guild. */
export interface TrackRef {
  readonly trackId: string
  readonly title: string
  readonly location: string
}

export interface TrackTally extends TrackRef {
  readonly count: number
}

export interface TrackScore extends TrackRef {
  /** Likes minus dislikes. */
  readonly score: number
  readonly ratings: number
}

export interface RequesterTally {
  readonly userId: UserId
  readonly plays: number
}

type Failure = SqlError.SqlError | Schema.SchemaError

const TrackColumns = { track_id: Schema.String, title: Schema.String, location: Schema.String }
const TallyRow = Schema.Struct({ ...TrackColumns, n: Schema.Number })
const ScoreRow = Schema.Struct({ ...TrackColumns, score: Schema.Number, ratings: Schema.Number })
const RequesterRow = Schema.Struct({ requester: UserId, plays: Schema.Number })

const trackOf = (row: { readonly track_id: string; readonly title: string; readonly location: string }): TrackRef => ({
  trackId: row.track_id,
  title: row.title,
  location: row.location
})

export class StatsRepo extends Context.Service<StatsRepo, {
  /** Tracks by how often they were played. */
  readonly mostPlayed: (window: StatsWindow) => Effect.Effect<ReadonlyArray<TrackTally>, Failure>
  /**
   * Tracks played in the window, by their net score. A rating is one user's of a track, wherever
   * it was given, and counts once however often the guild played the track; unrated tracks are
   * left out. Every track's score is summed (all the ratings are read), so this grows with the
   * ratings kept, not with the guild's history.
   */
  readonly bestRated: (window: StatsWindow) => Effect.Effect<ReadonlyArray<TrackScore>, Failure>
  /** Members by how many plays they requested. */
  readonly topRequesters: (window: StatsWindow) => Effect.Effect<ReadonlyArray<RequesterTally>, Failure>
  /** Tracks by how often they were skipped. */
  readonly mostSkipped: (window: StatsWindow) => Effect.Effect<ReadonlyArray<TrackTally>, Failure>
}>()("reprise/persistence/StatsRepo") {
  /** Over the SQL client (PostgreSQL or the embedded database). */
  static readonly layerSql = Layer.effect(
    StatsRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const decodeTallies = Schema.decodeUnknownEffect(Schema.Array(TallyRow))
      const decodeScores = Schema.decodeUnknownEffect(Schema.Array(ScoreRow))
      const decodeRequesters = Schema.decodeUnknownEffect(Schema.Array(RequesterRow))

      /** The guild's plays in the window; `started_at` compared bare, so the indexes' range applies. */
      const played = (window: StatsWindow) =>
        window.since === null
          ? sql`guild_id = ${window.guildId}`
          : sql`guild_id = ${window.guildId} AND started_at >= ${window.since}`

      /**
       * The top of a grouped list with each track's latest title and location: looked up for the
       * few rows left, one index step each, instead of carried through the grouping.
       */
      const withTracks = (window: StatsWindow, top: Statement.Fragment, order: Statement.Fragment) =>
        sql`SELECT top.*, latest.title, latest.location FROM (${top}) top
          CROSS JOIN LATERAL (
            SELECT h.title, h.location FROM play_history h
            WHERE h.guild_id = ${window.guildId} AND h.track_id = top.track_id
            ORDER BY h.started_at DESC LIMIT 1
          ) latest
          ORDER BY ${order}`

      const tally = (window: StatsWindow, where: Statement.Fragment) =>
        Effect.map(
          Effect.flatMap(
            withTracks(
              window,
              sql`SELECT track_id, count(*)::int4 AS n, max(started_at) AS last_at FROM play_history
                WHERE ${where} GROUP BY track_id ORDER BY n DESC, last_at DESC, track_id LIMIT ${statsListLength}`,
              sql`top.n DESC, top.last_at DESC, top.track_id`
            ),
            decodeTallies
          ),
          (rows) => rows.map((row): TrackTally => ({ ...trackOf(row), count: row.n }))
        )

      return StatsRepo.of({
        mostPlayed: (window) => tally(window, played(window)).pipe(Effect.withSpan("StatsRepo.mostPlayed")),
        // The literal 'skipped' (not a parameter) is what lets the planner use the partial index.
        mostSkipped: (window) =>
          tally(window, sql`${played(window)} AND end_reason = 'skipped'`).pipe(Effect.withSpan("StatsRepo.mostSkipped")),
        bestRated: (window) =>
          Effect.flatMap(
            withTracks(
              window,
              // Scores first, best first, then the guild's history asked about each in turn: on a busy
              // guild the first few are the answer, and the search stops there.
              sql`SELECT s.* FROM (
                  SELECT track_id, sum(rating)::int4 AS score, count(*)::int4 AS ratings FROM track_ratings
                  GROUP BY track_id ORDER BY score DESC, ratings DESC, track_id
                ) s
                WHERE EXISTS (SELECT 1 FROM play_history h WHERE ${played(window)} AND h.track_id = s.track_id)
                ORDER BY s.score DESC, s.ratings DESC, s.track_id LIMIT ${statsListLength}`,
              sql`top.score DESC, top.ratings DESC, top.track_id`
            ),
            decodeScores
          ).pipe(
            Effect.map((rows) => rows.map((row): TrackScore => ({ ...trackOf(row), score: row.score, ratings: row.ratings }))),
            Effect.withSpan("StatsRepo.bestRated")
          ),
        topRequesters: (window) =>
          Effect.flatMap(
            sql`SELECT requester, count(*)::int4 AS plays FROM play_history WHERE ${played(window)}
              GROUP BY requester ORDER BY plays DESC, max(started_at) DESC, requester LIMIT ${statsListLength}`,
            decodeRequesters
          ).pipe(
            Effect.map((rows) => rows.map((row): RequesterTally => ({ userId: row.requester, plays: row.plays }))),
            Effect.withSpan("StatsRepo.topRequesters")
          )
      })
    })
  )
}
