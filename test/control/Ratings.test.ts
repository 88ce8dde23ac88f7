import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Stream } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { TestClock } from "effect/testing"
import { ChannelId, GuildId, UserId } from "../../schema/Ids.ts"
import { Track } from "../../schema/Track.ts"
import type { Actor } from "../../src/control/Actor.ts"
import { Control } from "../../src/control/Control.ts"
import { Ratings } from "../../src/control/Ratings.ts"
import type { MemberInfo } from "../../src/gateway/GuildDirectory.ts"
import { RatingsRepo } from "../../src/persistence/RatingsRepo.ts"
import { StatsRepo } from "../../src/persistence/StatsRepo.ts"
import { Writer } from "../../src/persistence/Writer.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { makeFakeAudio } from "../player/support/FakeAudio.ts"
import { track } from "../player/support/tracks.ts"
import { embeddedDatabase, tempDir } from "../support/database.ts"
import { fakeDirectory, memoryAudit, memorySettings } from "../support/guildFakes.ts"
import { insertHistory } from "../support/history.ts"
import { refusedWith } from "../support/refusals.ts"

const music = ChannelId.make("400000000000000001")
const text = ChannelId.make("400000000000000009")
let tests = 0

/** Each test has a guild and members of its own (the database is the file's): Alice and Bob listen, Carol does not. */
const people = () => {
  const n = String(++tests).padStart(2, "0")
  const [alice, bob, carol] = ["1", "2", "3"].map((k) => UserId.make(`2300000000000000${n}${k}`)) as [UserId, UserId, UserId]
  const members = new Map<string, MemberInfo>([
    [alice, { userId: alice, roleIds: [], manager: false, voiceChannelId: music }],
    [bob, { userId: bob, roleIds: [], manager: false, voiceChannelId: music }],
    [carol, { userId: carol, roleIds: [], manager: false, voiceChannelId: null }]
  ])
  return { guild: GuildId.make(`33000000000000000${n}`), users: { alice, bob, carol }, members }
}

/** Every query is one ten-minute track named after it. */
const resolver = Layer.mock(Resolver, {
  resolveStream: (query, requester) =>
    Stream.make({
      tracks: [new Track({ ...track(query, { durationMs: 600_000, location: `/m/${query}-600000.flac` }), requester })],
      playlist: null,
      loaded: 1,
      expected: 1
    })
})

const setup = () => {
  const { guild, users, members } = people()
  const fake = makeFakeAudio()
  const audit = memoryAudit()
  const layer = Ratings.layer().pipe(
    Layer.provideMerge(Control.layer),
    Layer.provide([resolver, memorySettings(), fakeDirectory(members), audit.layer]),
    Layer.provideMerge(PlayerRegistry.layer().pipe(Layer.provideMerge(fake.layer)))
  )
  const as = (userId: UserId) =>
    Effect.flatMap(Control, (control) => control.member("discord", guild, userId)).pipe(
      Effect.map((found) => Option.getOrThrow(found) satisfies Actor)
    )
  const play = (userId: UserId, query: string) =>
    Effect.gen(function*() {
      const control = yield* Control
      yield* control.play(yield* as(userId), { source: { _tag: "Query", query }, next: false, announceIn: text })
    })
  return { guild, users, layer, as, play, audit }
}

const database = Layer.mergeAll(Writer.layer(), RatingsRepo.layerSql, StatsRepo.layerSql).pipe(
  Layer.provideMerge(embeddedDatabase(tempDir("ratings-core")))
)

layer(database, { timeout: "60 seconds", excludeTestServices: true })("ratings and stats, without Discord", (it) => {
  it.effect("rates the guild's current track for anyone who asks, one rating per member, the last one standing", () => {
    const { guild, users: { alice, bob, carol }, layer, as, play, audit } = setup()
    return Effect.gen(function*() {
      const ratings = yield* Ratings
      const sql = yield* SqlClient.SqlClient
      const nothing = yield* refusedWith(ratings.rate(yield* as(alice), "up"))
      assert.deepStrictEqual(nothing, {
        reason: "NothingToRate",
        message: "Nothing is playing right now, so there is nothing to rate."
      })

      yield* play(alice, "song")
      const liked = yield* ratings.rate(yield* as(alice), "up")
      assert.deepStrictEqual([liked.track.id, liked.track.title, liked.rating], ["file:song", "song", "up"])
      yield* ratings.rate(yield* as(bob), "down")
      // Not listening is no reason not to have an opinion.
      yield* ratings.rate(yield* as(carol), "up")
      yield* ratings.rate(yield* as(carol), "down")
      yield* ratings.rate(yield* as(carol), "down")
      yield* (yield* Writer).flush
      const rows = yield* sql<{ readonly user_id: string; readonly guild_id: string; readonly rating: number }>`
        SELECT user_id, guild_id, rating FROM track_ratings WHERE track_id = 'file:song' AND guild_id = ${guild}
        ORDER BY user_id`
      assert.deepStrictEqual(rows.map((r) => [r.user_id, r.guild_id, r.rating]), [
        [alice, guild, 1],
        [bob, guild, -1],
        [carol, guild, -1]
      ])
      // Each rating is in the audit log, with the track and the rating given.
      const rated = audit.recorded.filter((entry) => entry.action === "rated")
      assert.deepStrictEqual(rated.map((entry) => [entry.userId, entry.detail["rating"]]), [
        [alice, "up"],
        [bob, "down"],
        [carol, "up"],
        [carol, "down"],
        [carol, "down"]
      ])
      assert.deepStrictEqual(rated[0]?.detail, { title: "song", rating: "up" })
    }).pipe(Effect.provide(layer))
  })

  it.effect("answers the guild's stats for the period, from its history and the ratings; none for an empty history", () => {
    const { guild, users: { alice, bob }, layer, as, play } = setup()
    return Effect.gen(function*() {
      const ratings = yield* Ratings
      const empty = yield* ratings.stats(yield* as(alice), "all")
      assert.deepStrictEqual(empty, { period: "all", mostPlayed: [], bestRated: [], topRequesters: [], mostSkipped: [] })

      const now = Date.now()
      const hoursAgo = (h: number) => new Date(now - h * 3_600_000)
      yield* insertHistory([
        { guildId: guild, requester: alice, trackId: "file:hymn", title: "hymn", startedAt: hoursAgo(1), endReason: "finished" },
        { guildId: guild, requester: bob, trackId: "file:hymn", title: "hymn", startedAt: hoursAgo(2), endReason: "skipped" },
        { guildId: guild, requester: bob, trackId: "file:tune", title: "tune", startedAt: hoursAgo(3), endReason: "finished" },
        { guildId: guild, requester: bob, trackId: "file:old", title: "old", startedAt: hoursAgo(24 * 40), endReason: "skipped" }
      ])
      yield* play(alice, "hymn")
      yield* ratings.rate(yield* as(alice), "up")
      yield* ratings.rate(yield* as(bob), "up")
      yield* (yield* Writer).flush

      const week = yield* ratings.stats(yield* as(alice), "week")
      assert.strictEqual(week.period, "week")
      assert.deepStrictEqual(week.mostPlayed.map((t) => [t.title, t.count]), [["hymn", 2], ["tune", 1]])
      assert.deepStrictEqual(week.bestRated.map((t) => [t.title, t.score, t.ratings]), [["hymn", 2, 2]])
      assert.deepStrictEqual(week.topRequesters.map((r) => [r.userId, r.plays]), [[bob, 2], [alice, 1]])
      assert.deepStrictEqual(week.mostSkipped.map((t) => [t.title, t.count]), [["hymn", 1]])
      const all = yield* ratings.stats(yield* as(alice), "all")
      assert.deepStrictEqual(all.mostSkipped.map((t) => [t.title, t.count]), [["hymn", 1], ["old", 1]])
      assert.deepStrictEqual(all.topRequesters.map((r) => [r.userId, r.plays]), [[bob, 3], [alice, 1]])
    }).pipe(Effect.provide(layer))
  })
})

/** A database that never answers, or fails: what the time box and the refusal are for. */
const unavailable = (answer: Effect.Effect<never, SqlError.SqlError>) =>
  Layer.succeed(StatsRepo, StatsRepo.of({
    mostPlayed: () => Effect.succeed([]),
    bestRated: () => answer,
    topRequesters: () => Effect.succeed([]),
    mostSkipped: () => Effect.succeed([])
  }))

describe("stats while the database is away", () => {
  const cases = [
    ["does not answer within 3 seconds", Effect.never],
    ["fails", Effect.fail(new SqlError.SqlError({ reason: new SqlError.ConnectionError({ cause: new Error("gone") }) }))]
  ] as const
  for (const [what, answer] of cases) {
    it.effect(`are refused kindly when the database ${what}`, () => {
      const { layer, as, users: { alice } } = setup()
      return Effect.gen(function*() {
        const asking = yield* Effect.forkChild(refusedWith((yield* Ratings).stats(yield* as(alice), "week")))
        yield* TestClock.adjust("3 seconds")
        assert.deepStrictEqual(yield* Fiber.join(asking), {
          reason: "StatsUnavailable",
          message: "Stats are unavailable right now; try again in a moment."
        })
      }).pipe(
        Effect.provide(layer.pipe(
          Layer.provide(Layer.mergeAll(unavailable(answer), Layer.mock(Writer, {}), Layer.mock(RatingsRepo, { save: () => ({ kind: "rating", statement: Effect.void }) })))
        ))
      )
    })
  }
})
