/**
 * The background writer on the embedded database and on PostgreSQL (when TEST_DATABASE_URL names
 * a server): the lag from an action to its audit row being committed at a steady 100 actions/s,
 * and how many audit rows a second it writes when handed 20,000 as fast as it takes them.
 */
import { Clock, Effect, Layer, Logger, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { GuildId, UserId } from "../schema/Ids.ts"
import { AuditRepo } from "../src/persistence/AuditRepo.ts"
import * as Database from "../src/persistence/Database.ts"
import { Writer } from "../src/persistence/Writer.ts"
import { embeddedDatabase } from "../test/support/database.ts"
import { type BenchSection, percentile, round } from "./Section.ts"
import { withScratchDatabase } from "./startup.ts"

const guildId = GuildId.make("900000000000000001")
const actorId = UserId.make("900000000000000002")

const measure = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const writer = yield* Writer
  const repo = yield* AuditRepo

  // 100 actions a second for 10 seconds, each row stamped with the time it was committed.
  const actions = 1000
  for (let n = 0; n < actions; n++) {
    const submittedAt = yield* Clock.currentTimeMillis
    yield* writer.submit({
      kind: "audit",
      statement: sql`INSERT INTO audit_log (write_key, guild_id, actor_id, origin, action, detail, created_at)
        VALUES (${`lag-${n}`}, ${guildId}, ${actorId}, 'bench', 'volume', ${JSON.stringify({ submittedAt })}::jsonb,
          clock_timestamp()) ON CONFLICT (write_key) DO NOTHING`
    })
    yield* Effect.sleep("10 millis")
  }
  yield* writer.flush
  const lags = (yield* sql<{ readonly lag: number }>`
    SELECT (extract(epoch FROM created_at) * 1000 - (detail->>'submittedAt')::float8)::float8 AS lag
    FROM audit_log WHERE write_key LIKE 'lag-%'`).map((r) => r.lag)

  // 20,000 as fast as the writer takes them, kept below its capacity (10,000) so none is given up.
  const burst = 20_000
  const at = new Date()
  const started = performance.now()
  for (let n = 0; n < burst; n++) {
    while ((yield* writer.pending) >= 5_000) yield* Effect.sleep("5 millis")
    yield* writer.submit(repo.record({ key: `burst-${n}`, guildId, actorId, origin: "bench", action: "queued", detail: { n }, at }))
  }
  yield* writer.flush
  const seconds = (performance.now() - started) / 1000
  const [count] = yield* sql<{ readonly n: number }>`SELECT count(*)::int4 AS n FROM audit_log`
  return {
    lagMs: { p50: round(percentile(lags, 50)), p95: round(percentile(lags, 95)), max: round(Math.max(...lags)) },
    rowsPerSecond: Math.round(burst / seconds),
    rows: count?.n ?? 0,
    expectedRows: actions + burst
  }
})

const stores = Layer.mergeAll(Writer.layer(), AuditRepo.layerSql)

const onEmbedded = async () => {
  const dir = mkdtempSync(join(tmpdir(), "reprise-bench-writer-"))
  try {
    return await Effect.runPromise(measure.pipe(Effect.provide(stores.pipe(Layer.provideMerge(embeddedDatabase(dir))))))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const onPostgres = (serverUrl: string) =>
  withScratchDatabase(serverUrl, (url) =>
    Effect.runPromise(
      measure.pipe(
        Effect.provide(stores.pipe(Layer.provideMerge(Database.layer({ url: Redacted.make(url), poolSize: 4 })))),
        Effect.provide(Logger.layer([]))
      )
    ))

export const writerSection: BenchSection = {
  name: "resume.writer",
  description: "background writer: action-to-row lag at 100 actions/s, rows/s over 20,000 writes",
  run: async () => {
    const results: Record<string, Awaited<ReturnType<typeof onEmbedded>>> = { embedded: await onEmbedded() }
    const server = process.env.TEST_DATABASE_URL
    if (server !== undefined) results.postgres = await onPostgres(server)
    return {
      figures: Object.entries(results).flatMap(([db, r]) => [
        { key: `${db}.lag_ms.p50`, value: r.lagMs.p50, unit: "ms" },
        { key: `${db}.lag_ms.p95`, value: r.lagMs.p95, unit: "ms", target: "< 1000", ok: r.lagMs.p95 < 1000 },
        { key: `${db}.lag_ms.max`, value: r.lagMs.max, unit: "ms" },
        { key: `${db}.burst_rows_per_second`, value: r.rowsPerSecond, unit: "rows/s" },
        { key: `${db}.rows_landed`, value: `${r.rows} of ${r.expectedRows}`, ok: r.rows === r.expectedRows }
      ]),
      details: results
    }
  }
}

// `node bench/writer.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await writerSection.run(), null, 2)}\n`)
}
