import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { GuildId } from "../../schema/Ids.ts"
import { type Snapshot, SnapshotJson } from "../../schema/Snapshot.ts"
import type { Write } from "./Writer.ts"

/** A stored snapshot; `snapshot` is none when the row's shape is not one this build can read. */
export interface StoredSnapshot {
  readonly guildId: GuildId
  readonly snapshot: Option.Option<Snapshot>
  readonly savedAt: Date
}

const Row = Schema.Struct({
  guild_id: GuildId,
  state: Schema.Unknown,
  saved_at: Schema.Date
})

const encode = Schema.encodeSync(SnapshotJson)
const decode = Schema.decodeUnknownOption(SnapshotJson)

/** `player_snapshots`: the last known state of each guild's player, one row per guild. */
export class SnapshotRepo extends Context.Service<SnapshotRepo, {
  /** The write that stores a guild's snapshot (for the background writer); the newest one wins. */
  readonly save: (snapshot: Snapshot) => Write
  /** The write that forgets a guild's snapshot: its player ended on purpose, nothing to resume. */
  readonly remove: (guildId: GuildId) => Write
  readonly all: Effect.Effect<ReadonlyArray<StoredSnapshot>, SqlError.SqlError | Schema.SchemaError>
}>()("reprise/persistence/SnapshotRepo") {
  static readonly layerSql = Layer.effect(
    SnapshotRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
      const key = (guildId: GuildId) => `snapshot:${guildId}`
      return SnapshotRepo.of({
        save: (snapshot) => {
          const guildId = snapshot.state.guildId
          const text = encode(snapshot)
          const savedAt = new Date(snapshot.takenAtMs)
          return {
            kind: "snapshot",
            key: key(guildId),
            statement: sql`INSERT INTO player_snapshots (guild_id, voice_channel_id, text_channel_id, state, saved_at)
              VALUES (${guildId}, ${snapshot.voiceChannelId}, ${snapshot.state.textChannelId}, ${text}::jsonb, ${savedAt})
              ON CONFLICT (guild_id) DO UPDATE SET voice_channel_id = EXCLUDED.voice_channel_id,
                text_channel_id = EXCLUDED.text_channel_id, state = EXCLUDED.state, saved_at = EXCLUDED.saved_at`
          }
        },
        remove: (guildId) => ({
          kind: "snapshot",
          key: key(guildId),
          statement: sql`DELETE FROM player_snapshots WHERE guild_id = ${guildId}`
        }),
        all: Effect.gen(function*() {
          const rows = yield* decodeRows(yield* sql`SELECT guild_id, state::text AS state, saved_at FROM player_snapshots`)
          return rows.map((row): StoredSnapshot => ({
            guildId: row.guild_id,
            snapshot: decode(row.state),
            savedAt: row.saved_at
          }))
        }).pipe(Effect.withSpan("SnapshotRepo.all"))
      })
    })
  )
}
