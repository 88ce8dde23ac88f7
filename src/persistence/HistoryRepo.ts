import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { type GuildId, UserId } from "../../schema/Ids.ts"
import { SourceKind } from "../../schema/Track.ts"
import type { Write } from "./Writer.ts"

/** How a play ended. */
export const PlayEnd = Schema.Literals(["finished", "skipped", "stopped", "failed"])
export type PlayEnd = typeof PlayEnd.Type

/** One track that started playing in a guild. */
export interface PlayStarted {
  /** The row's own key: the writer may replay the insert, and the end is written against it. */
  readonly key: string
  readonly guildId: GuildId
  readonly requester: UserId
  readonly trackId: string
  readonly kind: SourceKind
  readonly location: string
  readonly title: string
  readonly durationMs: number | null
  readonly startedAt: Date
}

export interface PlayEnded {
  readonly key: string
  readonly endedAt: Date
  readonly reason: PlayEnd
  /** Milliseconds of the track heard. */
  readonly playedMs: number
  readonly failReason: string | null
}

export const Played = Schema.Struct({
  id: Schema.Number,
  requester: UserId,
  trackId: Schema.String,
  kind: SourceKind,
  location: Schema.String,
  title: Schema.String,
  durationMs: Schema.NullOr(Schema.Number),
  startedAt: Schema.Date,
  endReason: Schema.NullOr(PlayEnd)
})
export type Played = typeof Played.Type

const Row = Schema.Struct({
  id: Schema.NumberFromString,
  requester: UserId,
  track_id: Schema.String,
  kind: SourceKind,
  location: Schema.String,
  title: Schema.String,
  duration_ms: Schema.NullOr(Schema.Number),
  started_at: Schema.Date,
  end_reason: Schema.NullOr(PlayEnd)
})

const toPlayed = (row: typeof Row.Type): Played => ({
  id: row.id,
  requester: row.requester,
  trackId: row.track_id,
  kind: row.kind,
  location: row.location,
  title: row.title,
  durationMs: row.duration_ms,
  startedAt: row.started_at,
  endReason: row.end_reason
})

/** `play_history`: every track played, newest first per guild. */
export class HistoryRepo extends Context.Service<HistoryRepo, {
  readonly started: (play: PlayStarted) => Write
  readonly ended: (end: PlayEnded) => Write
  /** A page of the guild's plays, newest first; `search` matches titles (case-insensitively). */
  readonly page: (
    guildId: GuildId,
    options: { readonly search: string | null; readonly offset: number; readonly limit: number }
  ) => Effect.Effect<{ readonly plays: ReadonlyArray<Played>; readonly total: number }, SqlError.SqlError | Schema.SchemaError>
  readonly byId: (guildId: GuildId, id: number) => Effect.Effect<Played | null, SqlError.SqlError | Schema.SchemaError>
  /** Ids of the tracks the guild played most recently (autoplay avoids them, across restarts too). */
  readonly recentTrackIds: (guildId: GuildId, limit: number) => Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
}>()("reprise/persistence/HistoryRepo") {
  static readonly layerSql = Layer.effect(
    HistoryRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
      const columns = sql`id::text AS id, requester, track_id, kind, location, title, duration_ms, started_at, end_reason`
      return HistoryRepo.of({
        started: (play) => ({
          kind: "history",
          // A guild plays one track at a time: a play still open here was cut short without an end
          // (the process was killed), and stopped when this one started.
          statement: sql`WITH cut_short AS (
              UPDATE play_history SET ended_at = ${play.startedAt}, end_reason = 'stopped'
              WHERE guild_id = ${play.guildId} AND ended_at IS NULL AND write_key IS DISTINCT FROM ${play.key}
            )
            INSERT INTO play_history
            (write_key, guild_id, requester, track_id, kind, location, title, duration_ms, started_at)
            VALUES (${play.key}, ${play.guildId}, ${play.requester}, ${play.trackId}, ${play.kind}, ${play.location},
              ${play.title}, ${play.durationMs}, ${play.startedAt})
            ON CONFLICT (write_key) DO NOTHING`
        }),
        ended: (end) => ({
          kind: "history",
          statement: sql`UPDATE play_history SET ended_at = ${end.endedAt}, end_reason = ${end.reason},
            played_ms = ${end.playedMs}, fail_reason = ${end.failReason} WHERE write_key = ${end.key}`
        }),
        page: Effect.fn("HistoryRepo.page")(function*(guildId, options) {
          const pattern = options.search === null ? null : `%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
          const filter = pattern === null ? sql`` : sql`AND title ILIKE ${pattern}`
          const rows = yield* decodeRows(
            yield* sql`SELECT ${columns} FROM play_history WHERE guild_id = ${guildId} ${filter}
              ORDER BY started_at DESC, id DESC LIMIT ${options.limit} OFFSET ${options.offset}`
          )
          const [count] = yield* sql<{ readonly n: number }>`SELECT count(*)::int4 AS n FROM play_history
            WHERE guild_id = ${guildId} ${filter}`
          return { plays: rows.map(toPlayed), total: count?.n ?? 0 }
        }),
        byId: Effect.fn("HistoryRepo.byId")(function*(guildId, id) {
          const rows = yield* decodeRows(
            yield* sql`SELECT ${columns} FROM play_history WHERE guild_id = ${guildId} AND id = ${id}`
          )
          const row = rows[0]
          return row === undefined ? null : toPlayed(row)
        }),
        recentTrackIds: (guildId, limit) =>
          sql<{ readonly track_id: string }>`SELECT track_id FROM play_history WHERE guild_id = ${guildId}
            ORDER BY started_at DESC LIMIT ${limit}`.pipe(Effect.map((rows) => rows.map((r) => r.track_id)))
      })
    })
  )
}
