import { afterAll, assert, beforeAll, it } from "vitest"
import { describePostgres, programDatabase } from "../support/database.ts"
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.ts"
import { blockHarness, command, ids, sleep, waitForAnswer } from "./harness.ts"

/**
 * The bot on a database of its own on the PostgreSQL service, reached through a proxy that starts
 * dropping everything (no reset, sockets left open): a query sent then is never answered.
 */
describePostgres("Reprise against the fake Discord: a database that stops answering", "hung database e2e", (server) => {
  const db = programDatabase(server)
  let proxy: TcpProxy | undefined
  const through = () => {
    if (proxy === undefined) throw new Error("the proxy starts in beforeAll")
    return proxy
  }
  // Registered before the harness's own hook: the database and its proxy exist before the bot starts.
  beforeAll(async () => {
    await db.create()
    const url = new URL(db.url)
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
  })
  afterAll(async () => {
    await proxy?.close()
    await db.drop()
  })
  const h = blockHarness({
    env: () => ({ DISCORD_GUILD_ID: ids.guild, DATABASE_URL: through().through(db.url) }),
    tones: { "/a440.ogg": [440, 120] }
  })

  /** Sends the command and returns Discord's record of its first callback, then the answer the user reads. */
  const send = async (name: string, options: Readonly<Record<string, string | number | boolean>>, pattern: RegExp) => {
    const sent = h.fake.sendSlashCommand(ids.guild, ids.alice, name, options)
    const first = await h.fake.waitForInteractionResponse(sent.id, 15_000)
    const answer = await waitForAnswer(h.fake, sent, pattern, 15_000)
    return { first, answer }
  }

  it("answers /pause, /resume and /settings within Discord's 3 s while queries go unanswered", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    // The settings read a command needs is known once, so it is what the rules fall back on.
    await command(fake, ids.alice, "settings", {}, /Autoplay/)
    // Past the settings' few seconds of freshness: every read below asks the database.
    await sleep(5_500)
    through().blackHole()

    const steps = [
      ["pause", {}, /Paused at/],
      ["resume", {}, /Resumed from/],
      ["settings", {}, /Autoplay/],
      ["settings", { autoplay: true }, /database isn't answering|try again in a moment/i]
    ] as const
    for (const [name, options, pattern] of steps) {
      const { first, answer } = await send(name, options, pattern)
      assert.isAtMost(first.latencyMs, 3_000, `/${name} acknowledged within Discord's deadline`)
      assert.notMatch(answer.message.content, /Something went wrong/, `/${name} answered kindly`)
    }

    // Once the database answers again, so does a setting's change.
    through().restore()
    const saved = await send("settings", { autoplay: true }, /Autoplay is on/)
    assert.isAtMost(saved.first.latencyMs, 3_000)
    const [row] = await db.query<{ readonly autoplay: boolean }>("SELECT autoplay FROM guild_settings")
    assert.strictEqual(row?.autoplay, true)
  }, 120_000)
})
