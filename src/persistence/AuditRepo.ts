import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { type GuildId, UserId } from "../../schema/Ids.ts"
import type { Write } from "./Writer.ts"

/** One state-changing action, as the audit log keeps it. */
export interface AuditEntry {
  /** The row's own key: the writer may replay the insert. */
  readonly key: string
  readonly guildId: GuildId
  readonly actorId: UserId
  /** The edge the action came through ("discord", later "http", "telegram"). */
  readonly origin: string
  readonly action: string
  readonly detail: Readonly<Record<string, unknown>>
  readonly at: Date
}

export const AuditRecord = Schema.Struct({
  actorId: UserId,
  origin: Schema.String,
  action: Schema.String,
  detail: Schema.Record(Schema.String, Schema.Unknown),
  at: Schema.Date
})
export type AuditRecord = typeof AuditRecord.Type

const Row = Schema.Struct({
  actor_id: UserId,
  origin: Schema.String,
  action: Schema.String,
  detail: Schema.Record(Schema.String, Schema.Unknown),
  created_at: Schema.Date
})

/** `audit_log`: who did what, in which guild, through which edge, newest first. */
export class AuditRepo extends Context.Service<AuditRepo, {
  readonly record: (entry: AuditEntry) => Write
  readonly page: (
    guildId: GuildId,
    options: {
      readonly actorId: UserId | null
      readonly action: string | null
      readonly offset: number
      readonly limit: number
    }
  ) => Effect.Effect<
    { readonly entries: ReadonlyArray<AuditRecord>; readonly total: number },
    SqlError.SqlError | Schema.SchemaError
  >
}>()("reprise/persistence/AuditRepo") {
  static readonly layerSql = Layer.effect(
    AuditRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
      return AuditRepo.of({
        record: (entry) => ({
          kind: "audit",
          statement: sql`INSERT INTO audit_log (write_key, guild_id, actor_id, origin, action, detail, created_at)
            VALUES (${entry.key}, ${entry.guildId}, ${entry.actorId}, ${entry.origin}, ${entry.action},
              ${JSON.stringify(entry.detail)}::jsonb, ${entry.at})
            ON CONFLICT (write_key) DO NOTHING`
        }),
        page: Effect.fn("AuditRepo.page")(function*(guildId, options) {
          const byActor = options.actorId === null ? sql`` : sql`AND actor_id = ${options.actorId}`
          const byAction = options.action === null ? sql`` : sql`AND action = ${options.action}`
          const rows = yield* decodeRows(
            yield* sql`SELECT actor_id, origin, action, detail, created_at FROM audit_log
              WHERE guild_id = ${guildId} ${byActor} ${byAction}
              ORDER BY created_at DESC, id DESC LIMIT ${options.limit} OFFSET ${options.offset}`
          )
          const [count] = yield* sql<{ readonly n: number }>`SELECT count(*)::int4 AS n FROM audit_log
            WHERE guild_id = ${guildId} ${byActor} ${byAction}`
          return {
            entries: rows.map((row) => ({
              actorId: row.actor_id,
              origin: row.origin,
              action: row.action,
              detail: row.detail,
              at: row.created_at
            })),
            total: count?.n ?? 0
          }
        })
      })
    })
  )
}
