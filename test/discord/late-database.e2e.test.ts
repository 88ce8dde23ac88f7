import { afterAll, assert, beforeAll, it } from "vitest"
import { describePostgres, programDatabase } from "../support/database.ts"
import { freePort } from "../support/program.ts"
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.ts"
import { command, type Harness, ids, sleep, startHarness } from "./harness.ts"

/** The bot started with DATABASE_URL on a port nobody listens on yet; the database comes a few seconds later. */
describePostgres("Reprise started before its database", "late database e2e", (server) => {
  const db = programDatabase(server)
  let proxy: TcpProxy | undefined
  let harness: Harness | undefined
  beforeAll(() => db.create())
  afterAll(async () => {
    await harness?.stop()
    await proxy?.close()
    await db.drop()
  })

  const ready = async (http: string) => {
    const response = await fetch(`${http}/api/ready`)
    return { status: response.status, body: await response.text() }
  }

  it("stays up, says on /api/ready that it waits for the database, then migrates and serves", async () => {
    const port = await freePort()
    const url = new URL(db.url)
    const target = { host: url.hostname, port: Number(url.port || 5432) }
    url.port = String(port)
    let http = ""
    const starting = startHarness({
      env: (_, address) => {
        http = address
        return { DISCORD_GUILD_ID: ids.guild, DATABASE_URL: url.toString() }
      },
      tones: {}
    })
    starting.catch(() => undefined)

    // Up and answering while nothing listens where the database should be.
    let answer: { status: number; body: string } | undefined
    for (let i = 0; i < 100 && answer === undefined; i++) {
      await sleep(100)
      answer = await ready(http).catch(() => undefined)
    }
    assert.isDefined(answer, "the HTTP server answers before the database does")
    const waited = performance.now()
    while (performance.now() - waited < 4_000) {
      const now = await ready(http)
      assert.strictEqual(now.status, 503)
      const checks = (JSON.parse(now.body) as { readonly checks: ReadonlyArray<{ readonly name: string; readonly ok: boolean; readonly detail: string | null }> }).checks
      const database = checks.find((check) => check.name === "database")
      assert.isFalse(database?.ok, "the database is named as not ready")
      assert.match(database?.detail ?? "", /not ready/)
      await sleep(500)
    }

    proxy = await startTcpProxy(target, { port })
    harness = await starting
    let now = await ready(http)
    for (let i = 0; i < 100 && now.status !== 200; i++) {
      await sleep(200)
      now = await ready(http)
    }
    assert.strictEqual(now.status, 200, `ready once the database answers: ${now.body}`)
    const tables = await db.query<{ readonly n: string }>(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'guild_settings'"
    )
    assert.strictEqual(Number(tables[0]?.n), 1, "migrated")
    await command(harness.fake, ids.alice, "settings", { autoplay: true }, /Autoplay is on/)
    const [row] = await db.query<{ readonly autoplay: boolean }>("SELECT autoplay FROM guild_settings")
    assert.strictEqual(row?.autoplay, true)
  }, 90_000)
})
