import { afterAll, assert, beforeAll, it } from "vitest"
import { describePostgres, programDatabase } from "../support/database.ts"
import { blockHarness, command, ids, isEphemeral, sleep } from "./harness.ts"

/** The bot on a database of its own on the PostgreSQL service, which goes away for a minute. */
describePostgres("Reprise against the fake Discord: a database outage", "database outage e2e", (server) => {
  const db = programDatabase(server)
  // Registered before the harness's own hook: the database exists before the bot starts.
  beforeAll(() => db.create())
  afterAll(() => db.drop())
  const h = blockHarness({
    env: { DISCORD_GUILD_ID: ids.guild, DATABASE_URL: db.url },
    tones: { "/a440.ogg": [440, 120], "/b660.ogg": [660, 120] }
  })

  const ready = async () => {
    const response = await fetch(`${h.http}/api/ready`)
    return { status: response.status, body: await response.text() }
  }
  const count = async (statement: string) => Number((await db.query<{ readonly n: string }>(statement))[0]?.n)

  it("plays on and answers commands while the database is down, then writes everything once", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await command(fake, ids.alice, "playlist save", { name: "Before" }, /Saved/)
    assert.strictEqual((await ready()).status, 200)

    // Down: no connection is let in, and the open ones are cut.
    const downAt = performance.now()
    await db.admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`)
    await db.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`)

    let readiness = await ready()
    for (let i = 0; i < 40 && readiness.status === 200; i++) {
      await sleep(250)
      readiness = await ready()
    }
    assert.strictEqual(readiness.status, 503, "not ready while the database is down")
    assert.match(readiness.body, /database/)

    // The music and every command that needs no stored data go on.
    await command(fake, ids.bob, "play", { query: h.files.url("/b660.ogg") }, /Queued/)
    await command(fake, ids.alice, "volume", { level: 80 }, /80/)
    assert.approximately((await h.listen(1_000)).frequency(), 440, 5)
    await command(fake, ids.alice, "skip", {}, /Skipped/)
    await sleep(1_000)
    assert.approximately((await h.listen(1_000)).frequency(), 660, 5)
    const playlists = await command(fake, ids.alice, "playlist list")
    assert.isTrue(isEphemeral(playlists.answer))
    assert.match(playlists.text, /Saved playlists are unavailable right now/)
    const history = await command(fake, ids.alice, "history show")
    assert.match(history.text, /The play history is unavailable right now/)

    // A whole minute down, with the music playing all along.
    while (performance.now() - downAt < 60_000) {
      const heard = await h.listen(5_000)
      assert.approximately(heard.frequency(), 660, 5)
    }

    await db.admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`)
    for (let i = 0; i < 120 && readiness.status !== 200; i++) {
      await sleep(250)
      readiness = await ready()
    }
    assert.strictEqual(readiness.status, 200, "ready again once the database is back")

    // Every write made while it was down lands, once: two plays, five audited actions, the snapshot.
    let audited = 0
    for (let i = 0; i < 40 && audited < 5; i++) {
      await sleep(250)
      audited = await count("SELECT count(*) AS n FROM audit_log")
    }
    await sleep(1_500)
    assert.strictEqual(await count("SELECT count(*) AS n FROM audit_log"), 5)
    const actions = await db.query<{ readonly action: string; readonly actor_id: string }>(
      "SELECT action, actor_id FROM audit_log ORDER BY created_at, id"
    )
    assert.deepStrictEqual(actions.map((a) => a.action), ["queued", "playlist-saved", "queued", "volume", "skipped"])
    assert.strictEqual(actions[2]?.actor_id, ids.bob)
    const plays = await db.query<{ readonly title: string; readonly end_reason: string | null }>(
      "SELECT title, end_reason FROM play_history ORDER BY started_at, id"
    )
    assert.deepStrictEqual(plays.map((p) => [p.title, p.end_reason]), [["a440", "skipped"], ["b660", null]])
    const [snapshot] = await db.query<{ readonly volume: number; readonly current: string }>(
      "SELECT (state->'state'->>'volume')::int AS volume, state->'state'->'queue'->'current'->'track'->>'title' AS current FROM player_snapshots"
    )
    assert.deepStrictEqual(snapshot, { volume: 80, current: "b660" })
    const metrics = await (await fetch(`${h.http}/metrics`)).text()
    assert.match(metrics, /^reprise_writes_total(\{[^}]*\})? [1-9]/m, "the writer counts what it wrote")
    assert.notMatch(metrics, /^reprise_writes_dropped_total(\{[^}]*\})? [1-9]/m, "nothing given up")
    assert.isAbove(performance.now() - downAt, 60_000)
  }, 150_000)
})
