/**
 * Dashboard sessions (`sessions`, migrations/0006_sessions.sql), kept by the SHA-256 of the
 * session id and never the id. A session is found only until it expires; expired rows are removed
 * when someone logs in, so the table holds about one row per live login.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { GuildId, UserId } from "../../schema/Ids.ts"

/** A session as the table keeps it: who logged in, and what Discord said about them then. */
export interface StoredSession {
  readonly userId: UserId
  readonly username: string
  /** Discord's avatar hash, if any. */
  readonly avatar: string | null
  /** The guilds Discord listed for the user at login. */
  readonly guildIds: ReadonlyArray<GuildId>
  readonly expiresAt: Date
}

export interface NewSession extends StoredSession {
  /** The SHA-256 of the session id, as 64 lowercase hex digits. */
  readonly idHash: string
  readonly at: Date
}

type Failure = SqlError.SqlError | Schema.SchemaError

const Row = Schema.Struct({
  user_id: UserId,
  username: Schema.String,
  avatar: Schema.NullOr(Schema.String),
  guild_ids: Schema.Array(GuildId),
  expires_at: Schema.Date
})

export class SessionRepo extends Context.Service<SessionRepo, {
  /** Stores a new session, and removes those expired at `at`. */
  readonly create: (session: NewSession) => Effect.Effect<void, Failure>
  /** The session with this hash that is still live at `at`; none for an unknown, ended or expired one. */
  readonly byHash: (idHash: string, at: Date) => Effect.Effect<Option.Option<StoredSession>, Failure>
  /** Ends the session with this hash; whether there was one. */
  readonly remove: (idHash: string) => Effect.Effect<boolean, Failure>
}>()("reprise/persistence/SessionRepo") {
  /** Over the SQL client (PostgreSQL or the embedded database). */
  static readonly layerSql = Layer.effect(
    SessionRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

      return SessionRepo.of({
        create: Effect.fn("SessionRepo.create")(function*(session: NewSession) {
          yield* sql`DELETE FROM sessions WHERE expires_at <= ${session.at}`
          yield* sql`INSERT INTO sessions (id_hash, user_id, username, avatar, guild_ids, created_at, expires_at)
            VALUES (${session.idHash}, ${session.userId}, ${session.username}, ${session.avatar},
              ${JSON.stringify(session.guildIds)}::jsonb, ${session.at}, ${session.expiresAt})`
        }),
        byHash: Effect.fn("SessionRepo.byHash")(function*(idHash: string, at: Date) {
          const rows = yield* decodeRows(
            yield* sql`SELECT user_id, username, avatar, guild_ids, expires_at FROM sessions
              WHERE id_hash = ${idHash} AND expires_at > ${at}`
          )
          return Option.map(Option.fromUndefinedOr(rows[0]), (row): StoredSession => ({
            userId: row.user_id,
            username: row.username,
            avatar: row.avatar,
            guildIds: row.guild_ids,
            expiresAt: row.expires_at
          }))
        }),
        remove: Effect.fn("SessionRepo.remove")(function*(idHash: string) {
          const rows = yield* sql`DELETE FROM sessions WHERE id_hash = ${idHash} RETURNING id_hash`
          return rows.length > 0
        })
      })
    })
  )
}
