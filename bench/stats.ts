/**
 * /stats on a year of history: 1,000,000 plays over 365 days in five guilds (the busiest has 40 %),
 * 20,000 tracks and 1,500 requesters (both skewed, as real listening is), and 60,000 ratings, on a
 * scratch database of the PostgreSQL service at TEST_DATABASE_URL. Times StatsRepo's four queries
 * for the busiest guild over a week, a month, a year and all of it (10 runs each, after one to warm
 * up), alone and the four together as /stats runs them, each under 200 ms; then the same with the
 * indexes of migrations/0003_stats.sql swapped back for the ones before it, to show what they are
 * for (the year and all of it are counted from 0004's totals, which need none of them).
 */
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { loadavg } from "node:os"
import { GuildId } from "../schema/Ids.ts"
import { periodStart, type StatsPeriod } from "../src/control/Ratings.ts"
import * as Database from "../src/persistence/Database.ts"
import { StatsRepo, type StatsWindow } from "../src/persistence/StatsRepo.ts"
import { type BenchSection, type Figure, percentile, round } from "./Section.ts"
import { withScratchDatabase } from "./startup.ts"

const plays = 1_000_000
const ratings = 60_000
const runs = 10
const targetMs = 200
const periods: ReadonlyArray<StatsPeriod> = ["week", "month", "year", "all"]

const out = (line: string) => process.stdout.write(`  ${line}\n`)

/**
 * The history, appended in time order as the player writes it, in transactions of 10,000 plays
 * (each with its own seed, so every run generates the same rows): the totals' triggers then update
 * a few thousand rows per transaction, as a busy bot's writer does, instead of one transaction
 * piling up a million row versions. Guild g is '9' followed by g padded to 18 digits; a guild's
 * requesters and all tracks are skewed towards the first few.
 */
const generateHistory = (sql: SqlClient.SqlClient) =>
  Effect.gen(function*() {
    const chunk = 10_000
    for (let from = 0; from < plays; from += chunk) {
      yield* sql.withTransaction(Effect.andThen(
        sql`SELECT setseed(${from / plays})`,
        sql`INSERT INTO play_history
            (guild_id, requester, track_id, kind, location, title, duration_ms, started_at, ended_at, end_reason, played_ms)
          SELECT '9' || lpad(g::text, 17, '0'), '8' || lpad((g * 1000 + u)::text, 17, '0'),
            'youtube:' || lpad(t::text, 11, '0'), 'youtube', 'https://www.youtube.com/watch?v=' || lpad(t::text, 11, '0'),
            'Song number ' || t, 120000 + (t % 240) * 1000, started, started + interval '3 minutes',
            CASE WHEN e < 0.7 THEN 'finished' WHEN e < 0.9 THEN 'skipped' WHEN e < 0.97 THEN 'stopped' ELSE 'failed' END,
            CASE WHEN e < 0.7 THEN 120000 + (t % 240) * 1000 ELSE (e * 100000)::int END
          FROM (
            SELECT now() - interval '365 days' + (i::float8 / ${plays}) * interval '365 days' AS started,
              CASE WHEN rg < 0.4 THEN 0 WHEN rg < 0.6 THEN 1 WHEN rg < 0.75 THEN 2 WHEN rg < 0.9 THEN 3 ELSE 4 END AS g,
              floor(20000 * power(rt, 2.5))::int AS t, floor(300 * power(ru, 2))::int AS u, e
            FROM (
              SELECT i, random() AS rg, random() AS rt, random() AS ru, random() AS e
              FROM generate_series(${from + 1}, ${Math.min(from + chunk, plays)}) i OFFSET 0
            ) r
          ) x`
      ))
    }
    yield* sql.withTransaction(Effect.andThen(
      sql`SELECT setseed(0.42)`,
      sql`INSERT INTO track_ratings (user_id, track_id, guild_id, rating, rated_at)
        SELECT '8' || lpad(floor(5000 * random())::text, 17, '0'),
          'youtube:' || lpad(floor(20000 * power(random(), 2.5))::int::text, 11, '0'),
          '9' || lpad(floor(5 * random())::text, 17, '0'),
          CASE WHEN random() < 0.75 THEN 1 ELSE -1 END, now() - random() * interval '365 days'
        FROM generate_series(1, ${ratings})
        ON CONFLICT DO NOTHING`
    ))
  })

/** What the tables and indexes weigh, in MiB. */
const sizes = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql<{ readonly name: string; readonly mib: number }>`
      SELECT c.relname AS name, round(pg_relation_size(c.oid) / 1048576.0, 1)::float8 AS mib FROM pg_class c
      WHERE c.relname LIKE 'play_history%' OR c.relname LIKE 'track_ratings%' OR c.relname LIKE 'guild\\_%\\_totals%'
      ORDER BY c.relname`,
    (rows) => Object.fromEntries(rows.map((r) => [r.name, r.mib]))
  )

interface Timing {
  readonly p50: number
  readonly p95: number
}

const timed = <A, E>(effect: Effect.Effect<A, E>, times: number) =>
  Effect.gen(function*() {
    yield* effect
    const ms: Array<number> = []
    for (let i = 0; i < times; i++) {
      const started = performance.now()
      yield* effect
      ms.push(performance.now() - started)
    }
    return { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)) } satisfies Timing
  })

/** Each query alone, then the four at once as /stats runs them, for each period. */
const timeAll = (repo: StatsRepo["Service"], guildId: GuildId, times: number) =>
  Effect.gen(function*() {
    const result: Record<string, Record<string, Timing>> = {}
    for (const period of periods) {
      const now = Date.now()
      const window: StatsWindow = { guildId, since: periodStart(period, now), now: new Date(now) }
      const lists = {
        mostPlayed: repo.mostPlayed(window),
        bestRated: repo.bestRated(window),
        topRequesters: repo.topRequesters(window),
        mostSkipped: repo.mostSkipped(window)
      }
      const row: Record<string, Timing> = {}
      for (const [query, list] of Object.entries<Effect.Effect<unknown, unknown>>(lists)) row[query] = yield* timed(Effect.asVoid(list), times)
      row["together"] = yield* timed(Effect.all(lists, { concurrency: "unbounded" }), times)
      out(`${period.padEnd(5)} ${Object.entries(row).map(([q, t]) => `${q} ${t.p50}/${t.p95}`).join("  ")} ms (p50/p95)`)
      result[period] = row
    }
    return result
  })

/** Back to the indexes migrations 0001 and 0002 left, for the comparison. */
const withoutStatsIndexes = (sql: SqlClient.SqlClient) =>
  Effect.gen(function*() {
    for (
      const index of [
        "play_history_guild_recent_stats",
        "play_history_guild_requester",
        "play_history_guild_skipped",
        "play_history_guild_track_recent",
        "track_ratings_track_score"
      ]
    ) yield* sql.unsafe(`DROP INDEX ${index}`)
    yield* sql`CREATE INDEX play_history_guild_recent ON play_history (guild_id, started_at DESC)`
    yield* sql`CREATE INDEX play_history_guild_track ON play_history (guild_id, track_id)`
    yield* sql`CREATE INDEX track_ratings_track ON track_ratings (track_id)`
    yield* sql`VACUUM ANALYZE play_history`
    yield* sql`VACUUM ANALYZE track_ratings`
  })

const figuresOf = (prefix: string, timings: Record<string, Record<string, Timing>>, withTarget: boolean) =>
  Object.entries(timings).flatMap(([period, row]) =>
    Object.entries(row).flatMap(([query, t]): ReadonlyArray<Figure> =>
      (["p50", "p95"] as const).map((p) => ({
        key: `${prefix}.${period}.${query}.${p}`,
        value: t[p],
        unit: "ms",
        ...(withTarget ? { target: `< ${targetMs}`, ok: t[p] < targetMs } : {})
      }))
    )
  )

const bench = (url: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* StatsRepo
    const load = { before: round(loadavg()[0] ?? 0, 2) }
    let started = performance.now()
    yield* generateHistory(sql)
    const generateSeconds = round((performance.now() - started) / 1000)
    started = performance.now()
    // As autovacuum would have by then: statistics, and the visibility map that index-only scans read.
    yield* sql`VACUUM ANALYZE play_history`
    yield* sql`VACUUM ANALYZE track_ratings`
    yield* sql`VACUUM ANALYZE guild_track_totals`
    yield* sql`VACUUM ANALYZE guild_requester_totals`
    const vacuumSeconds = round((performance.now() - started) / 1000)
    const [busiest] = yield* sql<{ readonly guild_id: string; readonly n: number }>`
      SELECT guild_id, count(*)::int4 AS n FROM play_history GROUP BY guild_id ORDER BY n DESC LIMIT 1`
    const [rated] = yield* sql<{ readonly n: number }>`SELECT count(*)::int4 AS n FROM track_ratings`
    if (busiest === undefined) return yield* Effect.die(new Error("no history was generated"))
    const guildId = GuildId.make(busiest.guild_id)
    out(`${plays} plays in ${generateSeconds} s (vacuum and analyze ${vacuumSeconds} s); busiest guild ${busiest.n} plays; ${rated?.n} ratings`)
    const withIndexes = yield* timeAll(repo, guildId, runs)
    const indexSizes = yield* sizes(sql)
    out("without migrations/0003's indexes:")
    yield* withoutStatsIndexes(sql)
    const without = yield* timeAll(repo, guildId, 3)
    const after = round(loadavg()[0] ?? 0, 2)
    return {
      figures: [
        ...figuresOf("stats_ms", withIndexes, true),
        ...figuresOf("stats_ms_without_0003", without, false),
        { key: "stats.busiest_guild_plays", value: busiest.n },
        { key: "stats.load_average", value: `${load.before} → ${after}` }
      ],
      details: { url: url.replace(/\/\/[^@]*@/, "//"), plays, ratings: rated?.n, generateSeconds, vacuumSeconds, indexSizes, withIndexes, without }
    }
  }).pipe(
    Effect.provide(StatsRepo.layerSql.pipe(Layer.provideMerge(Database.layer({ url: Redacted.make(url), poolSize: 4 }))))
  )

export const statsSection: BenchSection = {
  name: "stats",
  description: "/stats on a year of history (1,000,000 plays): the four queries per period, with and without 0003's indexes",
  run: async () => {
    const serverUrl = process.env.TEST_DATABASE_URL
    if (serverUrl === undefined) {
      out("TEST_DATABASE_URL is not set: the stats bench needs a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test")
      return { figures: [{ key: "stats.skipped", value: "TEST_DATABASE_URL is not set" }] }
    }
    return withScratchDatabase(serverUrl, (url) => Effect.runPromise(bench(url)), "stats")
  }
}
