/**
 * A guild's stats over a period, computed by the database from `play_history` and
 * `track_ratings`: each list is one statement (grouped, ordered and cut to `statsListLength` there).
 * A short window is grouped from the indexes of migrations/0003_stats.sql without reading the
 * history table. A window reaching back over more than half of the guild's history is counted the
 * other way round, as the totals of migrations/0004_stats_totals.sql minus the plays before it, so
 * no window costs more than grouping half the guild's history (bench/stats.ts). Ties go to what was
 * played (or rated) more, then more recently, then by id, so every list has one order, whichever
 * way it was counted.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient, type SqlError, type Statement } from "effect/sql"
import { type GuildId, UserId } from "../../schema/Ids.ts"

/** How many entries each list has at most. */
export const statsListLength = 5

/** Whose history, from when on (null: all of it) up to now. */
export interface StatsWindow {
  readonly guildId: GuildId
  readonly since: Date | null
  readonly now: Date
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
const RequesterRow = Schema.Struct({ requester: UserId, n: Schema.Number })

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
       * Whether the window is counted from the totals: all of the history, or more than half of the
       * time since the guild's first play, so the plays before it are the smaller part.
       */
      const fromTotals = (window: StatsWindow) =>
        window.since === null
          ? Effect.succeed(true)
          : Effect.map(
            sql<{ readonly wide: boolean | null }>`SELECT ${window.now}::timestamptz - min(started_at)
                < 2 * (${window.now}::timestamptz - ${window.since}::timestamptz) AS wide
              FROM play_history WHERE guild_id = ${window.guildId}`,
            ([row]) => row?.wide === true
          )

      /**
       * One list's top rows (`key`, its count `n` and the latest play it counts, `last_at`): grouped
       * from the window's plays, or read from the totals less the plays before the window. The
       * latest play a total keeps is the window's too, since the window reaches up to now.
       */
      const counted = (window: StatsWindow, list: CountedList) =>
        Effect.map(fromTotals(window), (wide) => {
          const { key, count, last, totals, which } = list
          if (!wide) {
            return sql`SELECT ${key}, count(*)::int4 AS n, max(started_at) AS last_at FROM play_history
              WHERE ${played(window)} ${which} GROUP BY ${key} ORDER BY n DESC, last_at DESC, ${key} LIMIT ${statsListLength}`
          }
          if (window.since === null) {
            return sql`SELECT ${key}, ${count} AS n, ${last} AS last_at FROM ${totals}
              WHERE guild_id = ${window.guildId} AND ${count} > 0
              ORDER BY ${count} DESC, ${last} DESC, ${key} LIMIT ${statsListLength}`
          }
          return sql`SELECT ${key}, ${count} - coalesce(earlier.n, 0) AS n, ${last} AS last_at FROM ${totals}
            LEFT JOIN (
              SELECT ${key}, count(*)::int4 AS n FROM play_history
              WHERE guild_id = ${window.guildId} AND started_at < ${window.since} ${which} GROUP BY ${key}
            ) earlier USING (${key})
            WHERE guild_id = ${window.guildId} AND ${count} - coalesce(earlier.n, 0) > 0
            ORDER BY n DESC, last_at DESC, ${key} LIMIT ${statsListLength}`
        })

      /**
       * The top of a track list with each track's latest title and location: looked up for the
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

      const tally = (window: StatsWindow, list: CountedList) =>
        counted(window, list).pipe(
          Effect.flatMap((tops) => withTracks(window, tops, sql`top.n DESC, top.last_at DESC, top.track_id`)),
          Effect.flatMap(decodeTallies),
          Effect.map((rows) => rows.map((row): TrackTally => ({ ...trackOf(row), count: row.n })))
        )

      const plays: CountedList = {
        key: sql`track_id`,
        count: sql`plays`,
        last: sql`last_played_at`,
        totals: sql`guild_track_totals`,
        which: sql``
      }
      // The literal 'skipped' (not a parameter) is what lets the planner use the partial indexes.
      const skips: CountedList = {
        ...plays,
        count: sql`skips`,
        last: sql`last_skipped_at`,
        which: sql`AND end_reason = 'skipped'`
      }
      const requests: CountedList = { ...plays, key: sql`requester`, totals: sql`guild_requester_totals` }

      return StatsRepo.of({
        mostPlayed: (window) => tally(window, plays).pipe(Effect.withSpan("StatsRepo.mostPlayed")),
        mostSkipped: (window) => tally(window, skips).pipe(Effect.withSpan("StatsRepo.mostSkipped")),
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
          counted(window, requests).pipe(
            Effect.flatten,
            Effect.flatMap(decodeRequesters),
            Effect.map((rows) => rows.map((row): RequesterTally => ({ userId: row.requester, plays: row.n }))),
            Effect.withSpan("StatsRepo.topRequesters")
          )
      })
    })
  )
}

/** What a list counts, by what, and where its totals are kept. */
interface CountedList {
  readonly key: Statement.Fragment
  /** The totals' count and the time of the latest play it counts. */
  readonly count: Statement.Fragment
  readonly last: Statement.Fragment
  readonly totals: Statement.Fragment
  /** Which of the guild's plays count (more of the WHERE clause, or nothing). */
  readonly which: Statement.Fragment
}
