import { assert } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { defaultDjActions } from "../../schema/GuildRules.ts"
import { GuildId, RoleId } from "../../schema/Ids.ts"
import { defaultLimits, GuildSettingsRepo } from "../../src/persistence/GuildSettingsRepo.ts"
import { onBothDatabases } from "../support/database.ts"

/** Runs `effect` with the clock `ms` ahead. */
const later = <A, E, R>(ms: number, effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Clock.clockWith(Effect.succeed), (clock) =>
    Effect.provideService(effect, Clock.Clock, {
      currentTimeMillisUnsafe: () => clock.currentTimeMillisUnsafe() + ms,
      currentTimeMillis: Effect.map(clock.currentTimeMillis, (now) => now + ms),
      currentTimeNanosUnsafe: () => clock.currentTimeNanosUnsafe() + BigInt(ms) * 1_000_000n,
      currentTimeNanos: Effect.map(clock.currentTimeNanos, (now) => now + BigInt(ms) * 1_000_000n),
      monotonicTimeNanosUnsafe: () => clock.monotonicTimeNanosUnsafe(),
      monotonicTimeNanos: clock.monotonicTimeNanos,
      sleep: (duration) => clock.sleep(duration)
    }))

const guild = GuildId.make("333333333333333333")
const other = GuildId.make("444444444444444444")

onBothDatabases({
  subject: "GuildSettingsRepo",
  what: "settings",
  title: "reads and writes each guild's access rules and limits, with defaults for a guild without a row",
  layer: GuildSettingsRepo.layerSql,
  checks: Effect.gen(function*() {
    const repo = yield* GuildSettingsRepo
    const sql = yield* SqlClient.SqlClient
    assert.deepStrictEqual(yield* repo.access(guild), { djRoleId: null, voteSkipRatio: 0.5, djActions: defaultDjActions })
    assert.deepStrictEqual(yield* repo.limits(guild), defaultLimits)

    yield* repo.setDjRole(guild, RoleId.make("555555555555555555"))
    yield* repo.setVoteSkipRatio(guild, 0.75)
    assert.deepStrictEqual(yield* repo.access(guild), {
      djRoleId: RoleId.make("555555555555555555"),
      voteSkipRatio: 0.75,
      djActions: defaultDjActions
    })
    // A row made by another setting has no limits of its own: the bot's caps apply.
    assert.deepStrictEqual(yield* repo.limits(guild), defaultLimits)

    yield* repo.setLimits(guild, { maxQueueLength: 3, allowDuplicates: false })
    assert.deepStrictEqual(yield* repo.limits(guild), { maxQueueLength: 3, maxPlaylistSize: null, maxTrackMinutes: null, allowDuplicates: false })
    yield* repo.setLimits(other, { maxPlaylistSize: 25 })
    assert.deepStrictEqual(yield* repo.limits(other), { maxQueueLength: null, maxPlaylistSize: 25, maxTrackMinutes: null, allowDuplicates: true })
    yield* repo.setLimits(guild, { maxQueueLength: null })
    assert.deepStrictEqual(yield* repo.limits(guild), { maxQueueLength: null, maxPlaylistSize: null, maxTrackMinutes: null, allowDuplicates: false })
    assert.strictEqual((yield* repo.limits(other)).maxPlaylistSize, 25, "one guild's rules never leak into another's")
    yield* repo.setLimits(guild, { maxTrackMinutes: 90 })
    assert.deepStrictEqual(yield* repo.limits(guild), { maxQueueLength: null, maxPlaylistSize: null, maxTrackMinutes: 90, allowDuplicates: false })
    yield* repo.setLimits(guild, { maxTrackMinutes: null })
    assert.isNull((yield* repo.limits(guild)).maxTrackMinutes)

    yield* repo.setDjActions(guild, ["skip", "seek"])
    assert.deepStrictEqual((yield* repo.access(guild)).djActions, ["skip", "seek"])
    yield* repo.setDjActions(other, [])
    assert.deepStrictEqual((yield* repo.access(other)).djActions, [])
    // A name a newer version wrote is left out, and the rest still read.
    yield* sql`UPDATE guild_settings SET dj_actions = '["seek", "dance"]'::jsonb WHERE guild_id = ${guild}`
    // Written by another process: the row read a moment ago is kept a few seconds, then read again.
    assert.deepStrictEqual((yield* repo.access(guild)).djActions, ["skip", "seek"])
    assert.deepStrictEqual((yield* later(6_000, repo.access(guild))).djActions, ["seek"])

    assert.isFalse(yield* repo.autoplay(guild))
    yield* repo.setAutoplay(guild, true)
    assert.isTrue(yield* repo.autoplay(guild))
    assert.isFalse(yield* repo.autoplay(other))

    assert.strictEqual(yield* repo.crossfade(guild), 0)
    yield* repo.setCrossfade(guild, 6)
    assert.strictEqual(yield* repo.crossfade(guild), 6)
    assert.strictEqual(yield* repo.crossfade(other), 0)
    yield* repo.setCrossfade(guild, 0)
    assert.strictEqual(yield* repo.crossfade(guild), 0)

    // A `real` column: 0.6 is stored as 0.6000000238…, and must read back as the 0.6 that was set.
    yield* repo.setVoteSkipRatio(guild, 0.6)
    assert.strictEqual((yield* repo.access(guild)).voteSkipRatio, 0.6)

    yield* repo.setDjRole(guild, null)
    assert.strictEqual((yield* repo.access(guild)).djRoleId, null)

    // SponsorBlock: what is not music is skipped by default, with a row or without; none turns it off.
    const fresh = GuildId.make("666666666666666666")
    assert.deepStrictEqual(yield* repo.sponsorBlock(fresh), ["music_offtopic"])
    assert.deepStrictEqual(yield* repo.sponsorBlock(guild), ["music_offtopic"])
    yield* repo.setSponsorBlock(guild, ["sponsor", "intro"])
    assert.deepStrictEqual(yield* repo.sponsorBlock(guild), ["sponsor", "intro"])
    yield* repo.setSponsorBlock(other, [])
    assert.deepStrictEqual(yield* repo.sponsorBlock(other), [])
    yield* sql`UPDATE guild_settings SET sponsorblock_categories = '["sponsor", "exclusive_access"]'::jsonb WHERE guild_id = ${guild}`
    assert.deepStrictEqual(yield* later(6_000, repo.sponsorBlock(guild)), ["sponsor"])
  })
})
