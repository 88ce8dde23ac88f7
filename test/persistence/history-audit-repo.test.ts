import { assert } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { GuildId, UserId } from "../../schema/Ids.ts"
import { AuditRepo } from "../../src/persistence/AuditRepo.ts"
import { HistoryRepo, type PlayStarted } from "../../src/persistence/HistoryRepo.ts"
import { onBothDatabases } from "../support/database.ts"

const alice = UserId.make("210000000000000001")
const bob = UserId.make("210000000000000002")
const guild = GuildId.make("310000000000000001")
const elsewhere = GuildId.make("310000000000000002")
const base = Date.parse("2026-11-30T20:00:00Z")

const play = (n: number, extra: Partial<PlayStarted> = {}): PlayStarted => ({
  key: `play-${n}`,
  guildId: guild,
  requester: n % 2 === 0 ? alice : bob,
  trackId: `http:https://music.example/${n}.ogg`,
  kind: "http",
  location: `https://music.example/${n}.ogg`,
  title: `Song ${n}`,
  durationMs: n * 1000,
  startedAt: new Date(base + n * 60_000),
  ...extra
})

const row = (key: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly end_reason: string | null; readonly played_ms: number | null; readonly fail_reason: string | null }>`
      SELECT end_reason, played_ms, fail_reason FROM play_history WHERE write_key = ${key}`
    return rows
  })

const historyChecks = Effect.gen(function*() {
  const repo = yield* HistoryRepo
  // Each write is replayed, as the writer does after a batch failed halfway: nothing doubles.
  const twice = (write: { readonly statement: Effect.Effect<unknown, unknown> }) =>
    Effect.andThen(write.statement, write.statement)

  yield* twice(repo.started(play(1)))
  yield* twice(repo.ended({ key: "play-1", endedAt: new Date(base + 90_000), reason: "finished", playedMs: 1000, failReason: null }))
  yield* twice(repo.started(play(2, { title: "100% Pure_Love" })))
  yield* twice(repo.ended({ key: "play-2", endedAt: new Date(base + 150_000), reason: "failed", playedMs: 400, failReason: "gone" }))
  yield* twice(repo.started(play(3, { title: "pure joy" })))
  // No end for play 3 (the process was killed): the next start in the guild closes it as stopped.
  yield* twice(repo.started(play(4)))
  yield* twice(repo.started(play(5, { guildId: elsewhere })))

  assert.deepStrictEqual(yield* row("play-1"), [{ end_reason: "finished", played_ms: 1000, fail_reason: null }])
  assert.deepStrictEqual(yield* row("play-2"), [{ end_reason: "failed", played_ms: 400, fail_reason: "gone" }])
  assert.deepStrictEqual(yield* row("play-3"), [{ end_reason: "stopped", played_ms: null, fail_reason: null }])
  assert.deepStrictEqual(yield* row("play-4"), [{ end_reason: null, played_ms: null, fail_reason: null }])
  // The other guild's open play was not touched by this guild's start.
  assert.deepStrictEqual(yield* row("play-5"), [{ end_reason: null, played_ms: null, fail_reason: null }])

  // Newest first, paged, counted per guild.
  const all = yield* repo.page(guild, { search: null, offset: 0, limit: 10 })
  assert.strictEqual(all.total, 4)
  assert.deepStrictEqual(all.plays.map((p) => p.title), ["Song 4", "pure joy", "100% Pure_Love", "Song 1"])
  assert.deepInclude(all.plays[3], { requester: bob, kind: "http", durationMs: 1000, endReason: "finished" })
  assert.strictEqual(all.plays[3]?.startedAt.getTime(), base + 60_000)
  const second = yield* repo.page(guild, { search: null, offset: 2, limit: 2 })
  assert.deepStrictEqual(second.plays.map((p) => p.title), ["100% Pure_Love", "Song 1"])
  assert.strictEqual(second.total, 4)

  // A search matches titles whatever their case; LIKE's wildcards are plain characters.
  const titles = (search: string) =>
    repo.page(guild, { search, offset: 0, limit: 10 }).pipe(Effect.map((p) => [p.total, p.plays.map((x) => x.title)]))
  assert.deepStrictEqual(yield* titles("PURE"), [2, ["pure joy", "100% Pure_Love"]])
  assert.deepStrictEqual(yield* titles("0% p"), [1, ["100% Pure_Love"]])
  assert.deepStrictEqual(yield* titles("e_L"), [1, ["100% Pure_Love"]])
  assert.deepStrictEqual(yield* titles("e%L"), [0, []])

  // A row is found by id in its own guild only.
  const first = all.plays[3]
  assert.isDefined(first)
  if (first === undefined) return
  assert.strictEqual((yield* repo.byId(guild, first.id))?.title, "Song 1")
  assert.isNull(yield* repo.byId(elsewhere, first.id))

  assert.deepStrictEqual(yield* repo.recentTrackIds(guild, 2), [play(4).trackId, play(3).trackId])

  // The totals /stats counts from follow every play and skip, replays included.
  yield* twice(repo.started(play(6, { trackId: play(1).trackId })))
  yield* twice(repo.ended({ key: "play-6", endedAt: new Date(base + 400_000), reason: "skipped", playedMs: 10, failReason: null }))
  const sql = yield* SqlClient.SqlClient
  const trackTotals = sql<{ readonly track_id: string; readonly plays: number; readonly skips: number; readonly last_skipped_at: Date | null }>`
    SELECT track_id, plays, skips, last_skipped_at FROM guild_track_totals WHERE guild_id = ${guild} ORDER BY track_id`
  assert.deepStrictEqual(
    (yield* trackTotals).map((t) => [t.track_id, t.plays, t.skips, t.last_skipped_at?.getTime() ?? null]),
    [[play(1).trackId, 2, 1, base + 6 * 60_000], ...[2, 3, 4].map((n) => [play(n).trackId, 1, 0, null])]
  )
  const requesterTotals = yield* sql<{ readonly requester: string; readonly plays: number; readonly last_played_at: Date }>`
    SELECT requester, plays, last_played_at FROM guild_requester_totals WHERE guild_id = ${guild} ORDER BY requester`
  assert.deepStrictEqual(requesterTotals.map((r) => [r.requester, r.plays, r.last_played_at.getTime()]), [
    [alice, 3, base + 6 * 60_000],
    [bob, 2, base + 3 * 60_000]
  ])
  // A skip taken back is no longer counted.
  yield* sql`UPDATE play_history SET end_reason = 'stopped' WHERE write_key = 'play-6'`
  assert.deepStrictEqual((yield* trackTotals)[0]?.skips, 0)
})

const auditChecks = Effect.gen(function*() {
  const repo = yield* AuditRepo
  const entry = (n: number, actorId: UserId, action: string, detail: Record<string, unknown> = {}) =>
    repo.record({ key: `audit-${n}`, guildId: guild, actorId, origin: n === 3 ? "http" : "discord", action, detail, at: new Date(base + n * 1000) })
  for (const write of [
    entry(1, alice, "queued", { count: 3, first: "Song \"1\"" }),
    entry(2, bob, "skipped", { count: 1, byVote: true }),
    entry(3, alice, "volume", { volume: 80 }),
    entry(3, alice, "volume", { volume: 80 })
  ]) yield* write.statement
  yield* repo.record({ key: "audit-9", guildId: elsewhere, actorId: alice, origin: "discord", action: "queued", detail: {}, at: new Date(base) })
    .statement

  const everything = yield* repo.page(guild, { actorId: null, action: null, offset: 0, limit: 10 })
  assert.strictEqual(everything.total, 3)
  assert.deepStrictEqual(everything.entries.map((e) => [e.action, e.origin]), [["volume", "http"], ["skipped", "discord"], ["queued", "discord"]])
  assert.deepStrictEqual(everything.entries[2]?.detail, { count: 3, first: "Song \"1\"" })
  assert.strictEqual(everything.entries[0]?.at.getTime(), base + 3000)

  const byAlice = yield* repo.page(guild, { actorId: alice, action: null, offset: 0, limit: 10 })
  assert.deepStrictEqual(byAlice.entries.map((e) => e.action), ["volume", "queued"])
  const skips = yield* repo.page(guild, { actorId: null, action: "skipped", offset: 0, limit: 10 })
  assert.deepStrictEqual([skips.total, skips.entries.map((e) => e.actorId)], [1, [bob]])
  const paged = yield* repo.page(guild, { actorId: null, action: null, offset: 1, limit: 1 })
  assert.deepStrictEqual([paged.total, paged.entries.map((e) => e.action)], [3, ["skipped"]])
})

onBothDatabases({
  subject: "HistoryRepo and AuditRepo",
  what: "history",
  title: "keep every play and action once, newest first, searchable and filtered",
  layer: Layer.mergeAll(HistoryRepo.layerSql, AuditRepo.layerSql),
  checks: Effect.andThen(historyChecks, auditChecks)
})
