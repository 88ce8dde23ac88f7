import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { GuildId, RoleId } from "../../schema/Ids.ts"
import { GuildSettingsRepo } from "../../src/persistence/GuildSettingsRepo.ts"
import { embeddedDatabase, tempDir } from "../support/database.ts"

const guild = GuildId.make("333333333333333333")
const other = GuildId.make("444444444444444444")

describe("GuildSettingsRepo", () => {
  it.live("reads each guild's access and queue rules, with defaults for a guild without a row", () =>
    Effect.gen(function*() {
      const repo = yield* GuildSettingsRepo
      const sql = yield* SqlClient.SqlClient
      assert.deepStrictEqual(yield* repo.access(guild), { djRoleId: null, voteSkipRatio: 0.5 })
      assert.deepStrictEqual(yield* repo.queue(guild), {})

      yield* repo.setDjRole(guild, RoleId.make("555555555555555555"))
      yield* repo.setVoteSkipRatio(guild, 0.75)
      yield* sql`UPDATE guild_settings SET allow_duplicates = false, max_queue_length = 3 WHERE guild_id = ${guild}`
      assert.deepStrictEqual(yield* repo.access(guild), { djRoleId: RoleId.make("555555555555555555"), voteSkipRatio: 0.75 })
      assert.deepStrictEqual(yield* repo.queue(guild), { allowDuplicates: false, maxQueueSize: 3 })
      assert.deepStrictEqual(yield* repo.queue(other), {}, "one guild's rules never leak into another's")

      assert.isNull(yield* repo.playlistLimit(other))
      yield* sql`UPDATE guild_settings SET max_playlist_size = 25 WHERE guild_id = ${guild}`
      assert.strictEqual(yield* repo.playlistLimit(guild), 25)
      assert.isFalse(yield* repo.autoplay(guild))
      yield* repo.setAutoplay(guild, true)
      assert.isTrue(yield* repo.autoplay(guild))
      assert.isFalse(yield* repo.autoplay(other))

      // A `real` column: 0.6 is stored as 0.6000000238…, and must read back as the 0.6 that was set.
      yield* repo.setVoteSkipRatio(guild, 0.6)
      assert.strictEqual((yield* repo.access(guild)).voteSkipRatio, 0.6)

      yield* repo.setDjRole(guild, null)
      assert.strictEqual((yield* repo.access(guild)).djRoleId, null)
    }).pipe(Effect.provide(GuildSettingsRepo.layerSql.pipe(Layer.provideMerge(embeddedDatabase(tempDir("settings")))))),
    60_000)
})
