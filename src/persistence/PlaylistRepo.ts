/**
 * Saved playlists (`playlists` and `playlist_tracks`, migrations/0001_initial.sql). A member's
 * own playlist has `owner_id` = the user and no guild; a guild's shared playlist has both
 * `owner_id` and `guild_id` = the guild, so the unique index on (owner_id, lower(name)) keeps
 * names unique per member and per guild alike. Track positions stay dense (0..n-1): every write
 * that touches them runs in one transaction with the playlist's row locked.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, type SqlError, type Statement } from "effect/sql"
import { GuildId, UserId } from "../../schema/Ids.ts"
import { Track } from "../../schema/Track.ts"

export const PlaylistId = Schema.String.check(Schema.isPattern(/^\d{1,19}$/)).pipe(Schema.brand("PlaylistId"))
export type PlaylistId = typeof PlaylistId.Type

/** Whose a playlist is: a member's own (theirs in every guild), or a guild's, shared by its members. */
export type PlaylistOwner =
  | { readonly _tag: "User"; readonly userId: UserId }
  | { readonly _tag: "Guild"; readonly guildId: GuildId }

export interface PlaylistSummary {
  readonly id: PlaylistId
  readonly owner: PlaylistOwner
  readonly name: string
  readonly trackCount: number
  /** The known durations summed; tracks without one (live streams) add nothing. */
  readonly durationMs: number
}

const { requester: _, ...trackFields } = Track.fields

/** A track as a playlist keeps it: a `Track`'s metadata (never a stream URL that expires) and who added it. */
export const PlaylistTrack = Schema.Struct({ ...trackFields, addedBy: UserId })
export type PlaylistTrack = typeof PlaylistTrack.Type

export type Created = { readonly _tag: "Created"; readonly playlist: PlaylistSummary } | { readonly _tag: "NameTaken" }

export type Appended =
  | { readonly _tag: "Appended"; readonly playlist: PlaylistSummary; readonly from: number }
  | { readonly _tag: "TooLong"; readonly has: number }
  | { readonly _tag: "Missing" }

export type Renamed = Created | { readonly _tag: "Missing" }

type Failure = SqlError.SqlError | Schema.SchemaError

const SummaryRow = Schema.Struct({
  id: PlaylistId,
  owner_id: Schema.String,
  guild_id: Schema.NullOr(GuildId),
  name: Schema.String,
  track_count: Schema.Number,
  duration_ms: Schema.Number
})

/** A track's row: the same checks as `PlaylistTrack`, so a row that could not be played never leaves here. */
const TrackRow = Schema.Struct({
  track_id: PlaylistTrack.fields.id,
  kind: PlaylistTrack.fields.kind,
  location: PlaylistTrack.fields.location,
  title: PlaylistTrack.fields.title,
  author: PlaylistTrack.fields.author,
  duration_ms: PlaylistTrack.fields.durationMs,
  artwork_url: PlaylistTrack.fields.artworkUrl,
  added_by: PlaylistTrack.fields.addedBy
})

const fromRow = (row: typeof TrackRow.Type): PlaylistTrack => ({
  id: row.track_id,
  kind: row.kind,
  location: row.location,
  title: row.title,
  author: row.author,
  durationMs: row.duration_ms,
  artworkUrl: row.artwork_url,
  addedBy: row.added_by
})

/** Rows per INSERT: PostgreSQL takes at most 65 535 parameters in one statement. */
const insertChunk = 500

/** A LIKE pattern matching names that start with `prefix`, whatever it contains. */
const startsWith = (prefix: string) => `${prefix.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`

export class PlaylistRepo extends Context.Service<PlaylistRepo, {
  /** Every playlist of these owners, by name. */
  readonly list: (owners: ReadonlyArray<PlaylistOwner>) => Effect.Effect<ReadonlyArray<PlaylistSummary>, Failure>
  /** The owner's playlist of that name, whatever its case. */
  readonly find: (owner: PlaylistOwner, name: string) => Effect.Effect<Option.Option<PlaylistSummary>, Failure>
  readonly byId: (id: PlaylistId) => Effect.Effect<Option.Option<PlaylistSummary>, Failure>
  /** Playlists of these owners whose name starts with `prefix` (case-insensitively), by name. */
  readonly search: (
    owners: ReadonlyArray<PlaylistOwner>,
    prefix: string,
    limit: number
  ) => Effect.Effect<ReadonlyArray<PlaylistSummary>, Failure>
  /** Tracks in order; `offset` and `limit` select a page. */
  readonly tracks: (
    id: PlaylistId,
    page?: { readonly offset: number; readonly limit: number }
  ) => Effect.Effect<ReadonlyArray<PlaylistTrack>, Failure>
  /** A new playlist with its tracks, all or nothing. */
  readonly create: (
    owner: PlaylistOwner,
    name: string,
    tracks: ReadonlyArray<PlaylistTrack>
  ) => Effect.Effect<Created, Failure>
  /** Tracks added at the end, unless the playlist would then hold more than `maxTracks`. */
  readonly append: (
    id: PlaylistId,
    tracks: ReadonlyArray<PlaylistTrack>,
    maxTracks: number
  ) => Effect.Effect<Appended, Failure>
  /** Takes out the track at `position` (0-based) and closes the gap; none when there is no such track. */
  readonly removeAt: (id: PlaylistId, position: number) => Effect.Effect<Option.Option<PlaylistTrack>, Failure>
  readonly rename: (id: PlaylistId, name: string) => Effect.Effect<Renamed, Failure>
  /** False when it was already gone. */
  readonly delete: (id: PlaylistId) => Effect.Effect<boolean, Failure>
}>()("reprise/persistence/PlaylistRepo") {
  /** Over the SQL client (PostgreSQL or the embedded database). */
  static readonly layerSql = Layer.effect(
    PlaylistRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const decodeSummaries = Schema.decodeUnknownEffect(Schema.Array(SummaryRow))
      const decodeRows = Schema.decodeUnknownEffect(Schema.Array(TrackRow))
      const decodeTracks = (rows: unknown) => Effect.map(decodeRows(rows), (decoded) => decoded.map(fromRow))
      const decodeUser = Schema.decodeUnknownEffect(UserId)

      const ownerOf = (row: typeof SummaryRow.Type): Effect.Effect<PlaylistOwner, Schema.SchemaError> =>
        row.guild_id === null
          ? Effect.map(decodeUser(row.owner_id), (userId) => ({ _tag: "User", userId }))
          : Effect.succeed({ _tag: "Guild", guildId: row.guild_id })

      const ownerColumns = (owner: PlaylistOwner) =>
        owner._tag === "User"
          ? { owner_id: owner.userId, guild_id: null }
          : { owner_id: owner.guildId, guild_id: owner.guildId }

      const ownedBy = (owner: PlaylistOwner) =>
        owner._tag === "User"
          ? sql`(p.owner_id = ${owner.userId} AND p.guild_id IS NULL)`
          : sql`(p.owner_id = ${owner.guildId} AND p.guild_id = ${owner.guildId})`

      const anyOf = (owners: ReadonlyArray<PlaylistOwner>) =>
        owners.length === 0 ? sql`FALSE` : sql.or(owners.map(ownedBy))

      /** Playlists with their track counts, filtered by `where`. */
      const summaries = (where: Statement.Fragment, limit: number | null = null) =>
        Effect.gen(function*() {
          const rows = yield* decodeSummaries(
            yield* sql`SELECT p.id::text AS id, p.owner_id, p.guild_id, p.name,
                count(t.position)::int4 AS track_count, coalesce(sum(t.duration_ms), 0)::float8 AS duration_ms
              FROM playlists p LEFT JOIN playlist_tracks t ON t.playlist_id = p.id
              WHERE ${where}
              GROUP BY p.id ORDER BY lower(p.name), p.id
              ${limit === null ? sql.literal("") : sql`LIMIT ${limit}`}`
          )
          return yield* Effect.forEach(rows, (row) =>
            Effect.map(ownerOf(row), (owner): PlaylistSummary => ({
              id: row.id,
              owner,
              name: row.name,
              trackCount: row.track_count,
              durationMs: row.duration_ms
            })))
        })

      const first = <A, E>(rows: Effect.Effect<ReadonlyArray<A>, E>) =>
        Effect.map(rows, (all) => Option.fromUndefinedOr(all[0]))

      const byId = Effect.fn("PlaylistRepo.byId")(function*(id: PlaylistId) {
        return yield* first(summaries(sql`p.id = ${id}`))
      })

      /** Locks the playlist's row for the rest of the transaction; false when it does not exist. */
      const lock = (id: PlaylistId) =>
        Effect.map(sql`SELECT id FROM playlists WHERE id = ${id} FOR UPDATE`, (rows) => rows.length > 0)

      const countOf = (id: PlaylistId) =>
        Effect.map(
          sql<{ readonly n: number }>`SELECT count(*)::int4 AS n FROM playlist_tracks WHERE playlist_id = ${id}`,
          (rows) => rows[0]?.n ?? 0
        )

      const touch = (id: PlaylistId) => sql`UPDATE playlists SET updated_at = now() WHERE id = ${id}`

      /** Writes `tracks` at positions `from`, `from + 1`, … */
      const insertTracks = (id: PlaylistId, from: number, tracks: ReadonlyArray<PlaylistTrack>) =>
        Effect.forEach(
          Array.from({ length: Math.ceil(tracks.length / insertChunk) }, (_, i) => i * insertChunk),
          (start) => {
            const rows = tracks.slice(start, start + insertChunk).map((track, i) => ({
              playlist_id: id,
              position: from + start + i,
              track_id: track.id,
              kind: track.kind,
              location: track.location,
              title: track.title,
              author: track.author,
              duration_ms: track.durationMs,
              artwork_url: track.artworkUrl,
              added_by: track.addedBy
            }))
            const [head, ...rest] = rows
            return head === undefined
              ? Effect.void
              : Effect.asVoid(sql`INSERT INTO playlist_tracks ${sql.insert([head, ...rest])}`)
          },
          { discard: true }
        )

      /** The unique index refused the name: another playlist of the same owner has it. */
      const nameTaken = <A>(answer: A) => (error: SqlError.SqlError) =>
        error.reason._tag === "UniqueViolation" && error.reason.constraint === "playlists_owner_name"
          ? Effect.succeed(answer)
          : Effect.fail(error)

      /** The playlist as the transaction it was just written in sees it. */
      const written = (id: PlaylistId) =>
        Effect.flatMap(byId(id), (found) =>
          Option.isSome(found) ? Effect.succeed(found.value) : Effect.die(new Error(`playlist ${id} vanished mid-write`)))

      const create = Effect.fn("PlaylistRepo.create")(function*(
        owner: PlaylistOwner,
        name: string,
        tracks: ReadonlyArray<PlaylistTrack>
      ) {
        return yield* Effect.gen(function*() {
          const [row] = yield* sql<{ readonly id: string }>`INSERT INTO playlists ${
            sql.insert({ ...ownerColumns(owner), name })
          } RETURNING id::text AS id`
          const id = yield* Schema.decodeUnknownEffect(PlaylistId)(row?.id)
          yield* insertTracks(id, 0, tracks)
          return { _tag: "Created", playlist: yield* written(id) } satisfies Created
        }).pipe(
          sql.withTransaction,
          Effect.catchTag("SqlError", nameTaken<Created>({ _tag: "NameTaken" }))
        )
      })

      const append = Effect.fn("PlaylistRepo.append")(function*(
        id: PlaylistId,
        tracks: ReadonlyArray<PlaylistTrack>,
        maxTracks: number
      ) {
        return yield* Effect.gen(function*() {
          if (!(yield* lock(id))) return { _tag: "Missing" } satisfies Appended
          const has = yield* countOf(id)
          if (has + tracks.length > maxTracks) return { _tag: "TooLong", has } satisfies Appended
          yield* insertTracks(id, has, tracks)
          yield* touch(id)
          return { _tag: "Appended", playlist: yield* written(id), from: has } satisfies Appended
        }).pipe(sql.withTransaction)
      })

      const removeAt = Effect.fn("PlaylistRepo.removeAt")(function*(id: PlaylistId, position: number) {
        return yield* Effect.gen(function*() {
          if (!(yield* lock(id))) return Option.none()
          const removed = yield* decodeTracks(
            yield* sql`DELETE FROM playlist_tracks WHERE playlist_id = ${id} AND position = ${position}
              RETURNING track_id, kind, location, title, author, duration_ms, artwork_url, added_by`
          )
          const track = removed[0]
          if (track === undefined) return Option.none()
          // The position constraint is checked at commit, so the shift may pass through duplicates.
          yield* sql`UPDATE playlist_tracks SET position = position - 1 WHERE playlist_id = ${id} AND position > ${position}`
          yield* touch(id)
          return Option.some(track)
        }).pipe(sql.withTransaction)
      })

      const rename = Effect.fn("PlaylistRepo.rename")(function*(id: PlaylistId, name: string) {
        return yield* Effect.gen(function*() {
          const rows = yield* sql`UPDATE playlists SET name = ${name}, updated_at = now() WHERE id = ${id} RETURNING id`
          if (rows.length === 0) return { _tag: "Missing" } satisfies Renamed
          return { _tag: "Created", playlist: yield* written(id) } satisfies Renamed
        }).pipe(
          sql.withTransaction,
          Effect.catchTag("SqlError", nameTaken<Renamed>({ _tag: "NameTaken" }))
        )
      })

      return PlaylistRepo.of({
        list: Effect.fn("PlaylistRepo.list")(function*(owners: ReadonlyArray<PlaylistOwner>) {
          return yield* summaries(anyOf(owners))
        }),
        find: Effect.fn("PlaylistRepo.find")(function*(owner: PlaylistOwner, name: string) {
          return yield* first(summaries(sql.and([ownedBy(owner), sql`lower(p.name) = lower(${name})`])))
        }),
        byId,
        search: Effect.fn("PlaylistRepo.search")(function*(
          owners: ReadonlyArray<PlaylistOwner>,
          prefix: string,
          limit: number
        ) {
          return yield* summaries(sql.and([anyOf(owners), sql`lower(p.name) LIKE ${startsWith(prefix)}`]), limit)
        }),
        tracks: Effect.fn("PlaylistRepo.tracks")(function*(
          id: PlaylistId,
          page?: { readonly offset: number; readonly limit: number }
        ) {
          return yield* decodeTracks(
            yield* sql`SELECT track_id, kind, location, title, author, duration_ms, artwork_url, added_by
              FROM playlist_tracks WHERE playlist_id = ${id} ORDER BY position
              ${page === undefined ? sql.literal("") : sql`OFFSET ${page.offset} LIMIT ${page.limit}`}`
          )
        }),
        create,
        append,
        removeAt,
        rename,
        delete: Effect.fn("PlaylistRepo.delete")(function*(id: PlaylistId) {
          const rows = yield* sql`DELETE FROM playlists WHERE id = ${id} RETURNING id`
          return rows.length > 0
        })
      })
    })
  )
}
