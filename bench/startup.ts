import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort, startProgram } from "../test/support/program.ts"

/** Time from spawning the program to its HTTP API answering (database open and migrated). */
const timeToHttp = async (env: Readonly<Record<string, string>>): Promise<number> => {
  const [port, discordPort] = await Promise.all([freePort(), freePort()])
  const started = performance.now()
  const program = startProgram({
    DISCORD_TOKEN: "bench.token",
    DISCORD_API_BASE: `http://127.0.0.1:${discordPort}/api`,
    HTTP_PORT: String(port),
    ...env
  })
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.ok, () => false)
    if (up) break
    if (performance.now() - started > 60_000) throw new Error(`no HTTP after 60 s:\n${program.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const elapsed = performance.now() - started
  await program.stop()
  return elapsed
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** A fresh database named after `label` on the PostgreSQL server at `serverUrl`, dropped after `use`. */
export const withScratchDatabase = async <A>(
  serverUrl: string,
  use: (url: string) => Promise<A>,
  label = "bench"
): Promise<A> => {
  const name = `reprise_${label}_${process.pid}`
  const admin = Effect.gen(function*() {
    return Context.get(yield* Layer.build(PgClient.layer({ url: Redacted.make(serverUrl) })), SqlClient.SqlClient)
  })
  const run = (statement: string) =>
    Effect.runPromise(Effect.scoped(Effect.flatMap(admin, (sql) => sql.unsafe(statement))))
  await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await run(`CREATE DATABASE ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  try {
    return await use(url.toString())
  } finally {
    await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

/**
 * Start-up time to a serving HTTP API: embedded database on a new folder (first start creates
 * and migrates it), on an existing folder, and PostgreSQL (when TEST_DATABASE_URL names one).
 */
export const startupBench = async (): Promise<Record<string, number>> => {
  const runs = 3
  const fresh: Array<number> = []
  const warm: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), "reprise-bench-startup-"))
    fresh.push(await timeToHttp({ DATA_DIR: dataDir }))
    warm.push(await timeToHttp({ DATA_DIR: dataDir }))
  }
  const figures: Record<string, number> = {
    startup_embedded_new_ms: Math.round(median(fresh)),
    startup_embedded_existing_ms: Math.round(median(warm))
  }
  const serverUrl = process.env.TEST_DATABASE_URL
  if (serverUrl !== undefined) {
    const postgres = await withScratchDatabase(serverUrl, async (url) => {
      const times: Array<number> = []
      for (let i = 0; i < runs; i++) times.push(await timeToHttp({ DATABASE_URL: url }))
      return times
    })
    figures.startup_postgres_ms = Math.round(median(postgres))
  }
  return figures
}
