/**
 * API keys (`api_keys`, migrations/0005_api_keys.sql): each guild's keys for the HTTP API, kept
 * as the SHA-256 of the key and never the key. A name is unique among a guild's live keys whatever
 * its case (a partial unique index); a revoked key keeps its row, and its name is free again.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { GuildId, UserId } from "../../schema/Ids.ts"
import type { Write } from "./Writer.ts"

export const ApiKeyId = Schema.String.check(Schema.isPattern(/^\d{1,19}$/)).pipe(Schema.brand("ApiKeyId"))
export type ApiKeyId = typeof ApiKeyId.Type

/** A key as the table keeps it: everything but the key itself (or its hash). */
export interface StoredKey {
  readonly id: ApiKeyId
  readonly guildId: GuildId
  readonly name: string
  readonly createdBy: UserId
  readonly createdAt: Date
  readonly lastUsedAt: Date | null
}

export interface NewKey {
  readonly guildId: GuildId
  readonly name: string
  /** The SHA-256 of the key, as 64 lowercase hex digits. */
  readonly keyHash: string
  readonly createdBy: UserId
  readonly at: Date
}

export type Created = { readonly _tag: "Created"; readonly key: StoredKey } | { readonly _tag: "NameTaken" }

type Failure = SqlError.SqlError | Schema.SchemaError

const Row = Schema.Struct({
  id: ApiKeyId,
  guild_id: GuildId,
  name: Schema.String,
  created_by: UserId,
  created_at: Schema.Date,
  last_used_at: Schema.NullOr(Schema.Date)
})

const fromRow = (row: typeof Row.Type): StoredKey => ({
  id: row.id,
  guildId: row.guild_id,
  name: row.name,
  createdBy: row.created_by,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at
})

export class ApiKeyRepo extends Context.Service<ApiKeyRepo, {
  /** A new live key; `NameTaken` when a live key of the guild has that name in any case. */
  readonly create: (key: NewKey) => Effect.Effect<Created, Failure>
  /** The guild's live keys, by name. */
  readonly list: (guildId: GuildId) => Effect.Effect<ReadonlyArray<StoredKey>, Failure>
  /** Revokes the guild's live key of that name (any case); none when there is no such key. */
  readonly revoke: (guildId: GuildId, name: string, at: Date) => Effect.Effect<Option.Option<StoredKey>, Failure>
  /** The live key with this hash; none for an unknown or revoked one. */
  readonly byHash: (keyHash: string) => Effect.Effect<Option.Option<StoredKey>, Failure>
  /**
   * The write that records a use of the key, for the background writer. Pending uses of one key
   * are one write, and the time only moves forward, so a replay or a late batch changes nothing.
   */
  readonly markUsed: (id: ApiKeyId, at: Date) => Write
}>()("reprise/persistence/ApiKeyRepo") {
  /** Over the SQL client (PostgreSQL or the embedded database). */
  static readonly layerSql = Layer.effect(
    ApiKeyRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
      const columns = sql.literal("id::text AS id, guild_id, name, created_by, created_at, last_used_at")
      const keys = (rows: unknown) => Effect.map(decodeRows(rows), (decoded) => decoded.map(fromRow))
      const first = (rows: unknown) => Effect.map(keys(rows), (all) => Option.fromUndefinedOr(all[0]))

      /** The partial unique index refused the name: a live key of the guild has it. */
      const nameTaken = (error: SqlError.SqlError) =>
        error.reason._tag === "UniqueViolation" && error.reason.constraint === "api_keys_guild_name"
          ? Effect.succeed<Created>({ _tag: "NameTaken" })
          : Effect.fail(error)

      return ApiKeyRepo.of({
        create: Effect.fn("ApiKeyRepo.create")(function*(key: NewKey) {
          const row = {
            guild_id: key.guildId,
            name: key.name,
            key_hash: key.keyHash,
            created_by: key.createdBy,
            created_at: key.at
          }
          return yield* sql`INSERT INTO api_keys ${sql.insert(row)} RETURNING ${columns}`.pipe(
            Effect.flatMap(first),
            Effect.flatMap((created) =>
              Option.isSome(created)
                ? Effect.succeed<Created>({ _tag: "Created", key: created.value })
                : Effect.die(new Error("an inserted API key came back without its row"))
            ),
            Effect.catchTag("SqlError", nameTaken)
          )
        }),
        list: Effect.fn("ApiKeyRepo.list")(function*(guildId: GuildId) {
          return yield* keys(
            yield* sql`SELECT ${columns} FROM api_keys WHERE guild_id = ${guildId} AND revoked_at IS NULL
              ORDER BY lower(name), id`
          )
        }),
        revoke: Effect.fn("ApiKeyRepo.revoke")(function*(guildId: GuildId, name: string, at: Date) {
          return yield* first(
            yield* sql`UPDATE api_keys SET revoked_at = ${at}
              WHERE guild_id = ${guildId} AND lower(name) = lower(${name}) AND revoked_at IS NULL
              RETURNING ${columns}`
          )
        }),
        byHash: Effect.fn("ApiKeyRepo.byHash")(function*(keyHash: string) {
          return yield* first(
            yield* sql`SELECT ${columns} FROM api_keys WHERE key_hash = ${keyHash} AND revoked_at IS NULL`
          )
        }),
        markUsed: (id, at) => ({
          kind: "key-use",
          key: `key-use:${id}`,
          statement: sql`UPDATE api_keys SET last_used_at = GREATEST(last_used_at, ${at}::timestamptz) WHERE id = ${id}`
        })
      })
    })
  )
}
