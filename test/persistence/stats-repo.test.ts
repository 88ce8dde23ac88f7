import { assert } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { GuildId, UserId } from "../../schema/Ids.ts"
import { periodStart, type StatsPeriod } from "../../src/control/Ratings.ts"
import { type Rating, RatingsRepo } from "../../src/persistence/RatingsRepo.ts"
import { StatsRepo } from "../../src/persistence/StatsRepo.ts"
import { onBothDatabases } from "../support/database.ts"
import { type EndReason, insertHistory } from "../support/history.ts"

const guild = GuildId.make("320000000000000001")
const otherGuild = GuildId.make("320000000000000002")
const quietGuild = GuildId.make("320000000000000003")
const [u1, u2, u3, u9] = ["1", "2", "3", "9"].map((n) => UserId.make(`22000000000000000${n}`)) as [
  UserId,
  UserId,
  UserId,
  UserId
]

const nowMs = Date.UTC(2025, 5, 15, 12)
const day = 86_400_000

/**
 * The guild's history, newest first: [track, requester, age in days, how it ended]. Each row is
 * a minute older than the one before it, so ties in a count go to the newer play.
 */
const plays: ReadonlyArray<readonly [string, UserId, number, EndReason]> = [
  ["t1", u1, 0.1, "finished"],
  ["t1", u1, 0.1, "finished"],
  ["t1", u2, 0.1, "skipped"],
  ["t2", u3, 0.1, "finished"],
  ["t2", u2, 3, "skipped"],
  ["t2", u2, 3, "finished"],
  ["t3", u1, 3, "finished"],
  ["t3", u3, 20, "finished"],
  ["t3", u3, 20, "skipped"],
  ["t3", u3, 20, "finished"],
  ["t4", u1, 20, "skipped"],
  ...Array.from({ length: 5 }, () => ["t4", u2, 200, "finished"] as const),
  ["t5", u1, 200, "finished"],
  ["t6", u1, 200, "stopped"],
  ["t7", u1, 200, "failed"],
  ...Array.from({ length: 6 }, (_, i) => ["t5", u3, 400, i < 2 ? "skipped" : "finished"] as const)
]

const history = [
  ...plays.map(([trackId, requester, ageDays, endReason], i) => ({
    guildId: guild,
    requester,
    trackId,
    // The title of a track is its latest play's: t1 was renamed since its second play.
    title: trackId === "t1" && i === 1 ? "t1 (old name)" : trackId,
    startedAt: new Date(nowMs - ageDays * day - i * 60_000),
    endReason
  })),
  // Another guild's plays never count here, nor lend their titles.
  ...Array.from({ length: 10 }, (_, i) => ({
    guildId: otherGuild,
    requester: u1,
    trackId: "t1",
    title: "t1 elsewhere",
    startedAt: new Date(nowMs - i * 60_000),
    endReason: "skipped" as const
  }))
]

const ratings: ReadonlyArray<readonly [UserId, string, Rating]> = [
  [u1, "t1", "up"],
  [u2, "t1", "up"],
  [u3, "t1", "down"],
  // Given in another guild: a rating is the user's of the track, wherever they gave it.
  [u9, "t1", "up"],
  [u1, "t2", "up"],
  [u2, "t3", "down"],
  [u3, "t3", "down"],
  [u1, "t5", "up"],
  [u2, "t5", "up"],
  // Changed, then given again: one rating, the last.
  [u3, "t5", "down"],
  [u3, "t5", "up"],
  [u3, "t5", "up"],
  // Rated, but never played in the guild.
  [u1, "t8", "up"]
]

const expected: Readonly<Record<StatsPeriod, {
  readonly mostPlayed: ReadonlyArray<readonly [string, number]>
  readonly bestRated: ReadonlyArray<readonly [string, number, number]>
  readonly topRequesters: ReadonlyArray<readonly [UserId, number]>
  readonly mostSkipped: ReadonlyArray<readonly [string, number]>
}>> = {
  day: {
    mostPlayed: [["t1", 3], ["t2", 1]],
    bestRated: [["t1", 2, 4], ["t2", 1, 1]],
    topRequesters: [[u1, 2], [u2, 1], [u3, 1]],
    mostSkipped: [["t1", 1]]
  },
  week: {
    mostPlayed: [["t1", 3], ["t2", 3], ["t3", 1]],
    bestRated: [["t1", 2, 4], ["t2", 1, 1], ["t3", -2, 2]],
    topRequesters: [[u1, 3], [u2, 3], [u3, 1]],
    mostSkipped: [["t1", 1], ["t2", 1]]
  },
  month: {
    mostPlayed: [["t3", 4], ["t1", 3], ["t2", 3], ["t4", 1]],
    bestRated: [["t1", 2, 4], ["t2", 1, 1], ["t3", -2, 2]],
    topRequesters: [[u1, 4], [u3, 4], [u2, 3]],
    mostSkipped: [["t1", 1], ["t2", 1], ["t3", 1], ["t4", 1]]
  },
  year: {
    mostPlayed: [["t4", 6], ["t3", 4], ["t1", 3], ["t2", 3], ["t5", 1]],
    bestRated: [["t5", 3, 3], ["t1", 2, 4], ["t2", 1, 1], ["t3", -2, 2]],
    topRequesters: [[u2, 8], [u1, 7], [u3, 4]],
    mostSkipped: [["t1", 1], ["t2", 1], ["t3", 1], ["t4", 1]]
  },
  all: {
    mostPlayed: [["t5", 7], ["t4", 6], ["t3", 4], ["t1", 3], ["t2", 3]],
    bestRated: [["t5", 3, 3], ["t1", 2, 4], ["t2", 1, 1], ["t3", -2, 2]],
    topRequesters: [[u3, 10], [u2, 8], [u1, 7]],
    mostSkipped: [["t5", 2], ["t1", 1], ["t2", 1], ["t3", 1], ["t4", 1]]
  }
}

const periods: ReadonlyArray<StatsPeriod> = ["day", "week", "month", "year", "all"]

/** The same checks on every kind of database. */
const repoChecks = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const repo = yield* StatsRepo
  const ratingsRepo = yield* RatingsRepo
  yield* insertHistory(history)
  for (const [userId, trackId, rating] of ratings) {
    const write = ratingsRepo.save({ userId, trackId, guildId: userId === u9 ? otherGuild : guild, rating, ratedAt: new Date(nowMs) })
    assert.deepInclude(write, { kind: "rating", key: `rating:${userId}:${trackId}` })
    yield* write.statement
  }
  const stored = yield* sql<{ readonly rating: number }>`
    SELECT rating FROM track_ratings WHERE user_id = ${u3} AND track_id = 't5'`
  assert.deepStrictEqual(stored.map((r) => r.rating), [1], "one row per user and track, the last rating")

  for (const period of periods) {
    const window = { guildId: guild, since: periodStart(period, nowMs), now: new Date(nowMs) }
    const [mostPlayed, bestRated, topRequesters, mostSkipped] = yield* Effect.all([
      repo.mostPlayed(window),
      repo.bestRated(window),
      repo.topRequesters(window),
      repo.mostSkipped(window)
    ], { concurrency: "unbounded" })
    const want = expected[period]
    assert.deepStrictEqual(mostPlayed.map((t) => [t.trackId, t.count] as const), want.mostPlayed, `${period}: most played`)
    assert.deepStrictEqual(bestRated.map((t) => [t.trackId, t.score, t.ratings] as const), want.bestRated, `${period}: best rated`)
    assert.deepStrictEqual(topRequesters.map((r) => [r.userId, r.plays] as const), want.topRequesters, `${period}: requesters`)
    assert.deepStrictEqual(mostSkipped.map((t) => [t.trackId, t.count] as const), want.mostSkipped, `${period}: most skipped`)
    assert.deepStrictEqual(mostPlayed.map((t) => t.title), want.mostPlayed.map(([id]) => id), `${period}: latest titles`)
  }
  const [first] = yield* repo.mostPlayed({ guildId: guild, since: null, now: new Date(nowMs) })
  assert.strictEqual(first?.location, "https://music.example/t5.ogg")

  const quiet = { guildId: quietGuild, since: null, now: new Date(nowMs) }
  assert.deepStrictEqual(
    yield* Effect.all([repo.mostPlayed(quiet), repo.bestRated(quiet), repo.topRequesters(quiet), repo.mostSkipped(quiet)]),
    [[], [], [], []]
  )
})

onBothDatabases({
  subject: "StatsRepo and RatingsRepo",
  what: "stats",
  title: "count plays, ratings, requesters and skips per period, and keep one rating per user and track",
  layer: Layer.merge(StatsRepo.layerSql, RatingsRepo.layerSql),
  checks: repoChecks
})
