/**
 * The library half of the HTTP API over real HTTP against the whole bot and the fake Discord: saved
 * playlists (import, load and hear it, show, add, remove, rename, export, save, delete), a history
 * entry queued again, rating what plays and the stats, with their refusals, for an API key and for
 * members' dashboard sessions held to the slash commands' rules.
 */
import { assert, describe, it } from "vitest"
import { type Answer, assertProblem, readAnswer } from "../support/problems.ts"
import { blockHarness, command, eventually, ids, sleep } from "./harness.ts"
import { loginFlow } from "./loginFlow.ts"

/** Polls an answer until `check` holds, for what the background writer stores a moment later. */
const until = async (ask: () => Promise<Answer>, check: (answer: Answer) => boolean, label: string) => {
  const deadline = performance.now() + 10_000
  for (;;) {
    const answer = await ask()
    if (check(answer)) return answer
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${label}: ${JSON.stringify(answer.body)}`)
    await sleep(100)
  }
}

describe("the HTTP API's playlists, history replay, ratings and stats against the fake Discord", () => {
  const h = blockHarness({
    env: (endpoints, http) => ({
      DISCORD_GUILD_ID: ids.guild,
      PUBLIC_URL: http,
      RATE_LIMIT_API_KEY: "10000 per minute",
      RATE_LIMIT_API_USER: "10000 per minute",
      RATE_LIMIT_API_GUILD: "10000 per minute",
      ...endpoints.oauthEnv
    }),
    tones: { "/a440.ogg": [440, 60], "/b660.ogg": [660, 60], "/c550.ogg": [550, 60] }
  })
  const { loginAs } = loginFlow(h)

  /** Who calls: the key (Bearer) or a member's session (cookie, and the CSRF token on changes). */
  const callers = new Map<string, Record<string, string>>()
  const call = async (who: string, method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers = callers.get(who)
    if (headers === undefined) throw new Error(`${who} cannot call yet`)
    return readAnswer(await fetch(`${h.http}/api/v1/guilds/${ids.guild}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    }))
  }
  const key = (method: string, path: string, body?: unknown) => call("key", method, path, body)
  const playlist = (name: string) => `/playlists/${encodeURIComponent(name)}`
  const track = (path: string, title: string) => ({ title, location: h.files.url(path), kind: "http", durationMs: 60_000 })
  const file = (name: string, tracks: ReadonlyArray<unknown>) => ({ format: "reprise.playlist", version: 1, name, tracks })
  const urls = (tracks: ReadonlyArray<{ readonly url: string }>) => tracks.map((t) => t.url)

  it("gives the key and two members' sessions their credentials", async () => {
    const { text } = await command(h.fake, ids.alice, "apikey create", { name: "library" }, /rpk_/)
    callers.set("key", { authorization: `Bearer ${/rpk_[A-Za-z0-9_-]{32,}/.exec(text)?.[0] ?? ""}` })
    for (const [who, userId] of [["alice", ids.alice], ["bob", ids.bob]] as const) {
      const cookie = `reprise_session=${await loginAs(userId)}`
      const me = await readAnswer(await fetch(`${h.http}/api/v1/me`, { headers: { cookie } }))
      assert.strictEqual(me.status, 200, JSON.stringify(me.body))
      callers.set(who, { cookie, "x-csrf-token": me.body.csrfToken })
    }
  })

  it("refuses what needs something playing, or something saved, while nothing is", async () => {
    assertProblem(await key("POST", "/player/rating", { rating: "up" }), 409, /Nothing is playing/)
    assertProblem(await key("POST", "/playlists", { name: "Empty" }), 409, /queue is empty/)
    assertProblem(await key("GET", playlist("Nowhere")), 404, /Nowhere/)
    assertProblem(await key("POST", `${playlist("Nowhere")}/load`, { voiceChannelId: ids.music }), 404)
    assertProblem(await key("POST", "/history/999999/replay", { voiceChannelId: ids.music }), 404)
  })

  it("imports a playlist file, then checks every one it is sent: 400 names the field", async () => {
    const imported = await key("POST", "/playlists/import", file("Road Trip", [track("/a440.ogg", "a440"), track("/b660.ogg", "b660")]))
    assert.strictEqual(imported.status, 201, JSON.stringify(imported.body))
    assert.deepStrictEqual(imported.body, { name: "Road Trip", scope: "guild", trackCount: 2, durationMs: 120_000 })
    assertProblem(await key("POST", "/playlists/import", file("Bad", [{ ...track("/a440.ogg", "a"), kind: "vinyl" }])), 400, /payload\.tracks\.0\.kind/)
    assertProblem(
      await key("POST", "/playlists/import", file("Bad", [{ title: "x", location: "not a link", kind: "youtube" }])),
      400,
      /track 1's "location" should be a YouTube video link/
    )
    assertProblem(await key("POST", "/playlists/import?scope=everyone", file("Bad", [])), 400, /query\.scope/)
    assertProblem(await key("POST", "/playlists/import?scope=user", file("Mine", [])), 403, /no playlists of its own/)
    assertProblem(await key("POST", "/playlists/import", file("road trip", [])), 409, /already has a playlist/)

    // A file far past the 16 KiB of every other body comes in whole; past the file limit, it is a 413.
    const many = Array.from({ length: 300 }, (_, i) => track("/c550.ogg", `c550 take ${i + 1}`))
    const large = JSON.stringify(file("Many", many))
    assert.isAbove(large.length, 16 * 1024)
    const big = await key("POST", "/playlists/import?name=Long%20Drive", large)
    assert.strictEqual(big.status, 201, JSON.stringify(big.body))
    assert.strictEqual(big.body.name, "Long Drive")
    assert.strictEqual(big.body.trackCount, 300)
    const huge = JSON.stringify(file("Huge", Array.from({ length: 3000 }, () => track("/c550.ogg", "c".repeat(400)))))
    assert.isAbove(huge.length, 1024 * 1024)
    assertProblem(await key("POST", "/playlists/import", huge), 413, /1048576/)
  })

  it("asks where to play a playlist while the bot is in no voice channel, then loads it, and it plays", async () => {
    assertProblem(await key("POST", `${playlist("Road Trip")}/load`, {}), 409, /voiceChannelId/)
    assertProblem(await key("POST", `${playlist("Road Trip")}/load`, { shuffle: "yes" }), 400, /payload\.shuffle/)
    const loaded = await key("POST", `${playlist("Road Trip")}/load`, { voiceChannelId: ids.music })
    assert.strictEqual(loaded.status, 200, JSON.stringify(loaded.body))
    assert.deepStrictEqual(loaded.body.tracks.map((t: { position: number; url: string }) => [t.position, t.url]), [
      [0, h.files.url("/a440.ogg")],
      [1, h.files.url("/b660.ogg")]
    ])
    await eventually(() => h.fake.voiceStreams(ids.guild).length > 0, "a voice stream")
    assert.approximately((await h.listen(1500)).frequency(), 440, 5)
    const player = await key("GET", "/player")
    assert.strictEqual(player.body.current.url, h.files.url("/a440.ogg"))
    assert.deepStrictEqual(urls(player.body.queue), [h.files.url("/b660.ogg")])
  })

  it("shows a playlist a page at a time, adds a track by query and removes one by position", async () => {
    const shown = await key("GET", playlist("Long Drive"))
    assert.strictEqual(shown.status, 200, JSON.stringify(shown.body))
    assert.deepInclude(shown.body, { name: "Long Drive", scope: "guild", trackCount: 300, page: 1, pages: 30 })
    assert.deepStrictEqual(shown.body.tracks.map((t: { position: number }) => t.position), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    const third = await key("GET", `${playlist("Long Drive")}?page=3`)
    assert.deepInclude(third.body.tracks[0], { position: 21, title: "c550 take 21", source: "http", addedBy: ids.alice })
    assertProblem(await key("GET", `${playlist("Long Drive")}?page=0`), 400, /query\.page/)

    const added = await key("POST", `${playlist("Road Trip")}/tracks`, { query: h.files.url("/c550.ogg") })
    assert.strictEqual(added.status, 201, JSON.stringify(added.body))
    assert.strictEqual(added.body.position, 3)
    assert.deepStrictEqual(urls(added.body.tracks), [h.files.url("/c550.ogg")])
    assert.strictEqual(added.body.playlist.trackCount, 3)
    assertProblem(await key("POST", `${playlist("Road Trip")}/tracks`, { query: "" }), 400, /payload\.query/)

    assertProblem(await key("DELETE", `${playlist("Road Trip")}/tracks/9`), 404, /no track 9/)
    assertProblem(await key("DELETE", `${playlist("Road Trip")}/tracks/first`), 400, /path\.position/)
    const removed = await key("DELETE", `${playlist("Road Trip")}/tracks/1`)
    assert.strictEqual(removed.status, 200, JSON.stringify(removed.body))
    assert.deepInclude(removed.body.track, { position: 1, url: h.files.url("/a440.ogg") })
    const after = await key("GET", playlist("Road Trip"))
    assert.deepStrictEqual(urls(after.body.tracks), [h.files.url("/b660.ogg"), h.files.url("/c550.ogg")])
  })

  it("renames and exports a playlist, whose export imports again as it was", async () => {
    const renamed = await key("PATCH", playlist("Road Trip"), { name: "Evening Drive" })
    assert.strictEqual(renamed.status, 200, JSON.stringify(renamed.body))
    assert.strictEqual(renamed.body.name, "Evening Drive")
    assertProblem(await key("GET", playlist("Road Trip")), 404)
    assertProblem(await key("PATCH", playlist("Evening Drive"), { name: " padded " }), 400, /payload\.name/)
    assertProblem(await key("PATCH", playlist("Evening Drive"), { name: "Long Drive" }), 409, /already has/)

    const exported = await key("GET", `${playlist("Evening Drive")}/export`)
    assert.strictEqual(exported.status, 200, JSON.stringify(exported.body))
    assert.deepInclude(exported.body, { format: "reprise.playlist", version: 1, name: "Evening Drive" })
    assert.deepStrictEqual(exported.body.tracks.map((t: { location: string }) => t.location), [
      h.files.url("/b660.ogg"),
      h.files.url("/c550.ogg")
    ])
    const again = await key("POST", "/playlists/import?name=Copy", exported.body)
    assert.strictEqual(again.status, 201, JSON.stringify(again.body))
    const copy = await key("GET", playlist("Copy"))
    assert.deepStrictEqual(urls(copy.body.tracks), [h.files.url("/b660.ogg"), h.files.url("/c550.ogg")])
  })

  it("rates what plays, and the stats count it", async () => {
    assertProblem(await key("POST", "/player/rating", { rating: "meh" }), 400, /payload\.rating/)
    const rated = await key("POST", "/player/rating", { rating: "up" })
    assert.strictEqual(rated.status, 200, JSON.stringify(rated.body))
    assert.deepInclude(rated.body, { rating: "up" })
    assert.strictEqual(rated.body.track.url, h.files.url("/a440.ogg"))
    const byBob = await call("bob", "POST", "/player/rating", { rating: "up" })
    assert.strictEqual(byBob.status, 200, JSON.stringify(byBob.body))

    const stats = await until(
      () => key("GET", "/stats?period=all"),
      (a) => a.status === 200 && a.body.bestRated[0]?.ratings === 2,
      "both ratings in the stats"
    )
    assert.strictEqual(stats.body.period, "all")
    assert.deepInclude(stats.body.bestRated[0], { url: h.files.url("/a440.ogg"), score: 2, ratings: 2 })
    assert.include(stats.body.mostPlayed.map((t: { url: string }) => t.url), h.files.url("/a440.ogg"))
    assert.include(stats.body.topRequesters.map((r: { userId: string }) => r.userId), ids.alice)

    // Bob changes his mind: rating again replaces his rating.
    await call("bob", "POST", "/player/rating", { rating: "down" })
    await until(() => key("GET", "/stats?period=day"), (a) => a.body.bestRated[0]?.score === 0, "bob's rating replaced")
    assert.strictEqual((await key("GET", "/stats")).body.period, "week")
    assertProblem(await key("GET", "/stats?period=decade"), 400, /query\.period/)
  })

  it("queues a history entry again by its id, and keeps the history as a playlist", async () => {
    const history = await until(() => key("GET", "/history"), (a) => a.body.plays?.length > 0, "the history")
    const play = history.body.plays.find((p: { url: string }) => p.url === h.files.url("/a440.ogg"))
    assert.isDefined(play, JSON.stringify(history.body))
    const replayed = await key("POST", `/history/${play.id}/replay`, {})
    assert.strictEqual(replayed.status, 200, JSON.stringify(replayed.body))
    assert.deepStrictEqual(replayed.body.tracks.map((t: { position: number; url: string }) => [t.position, t.url]), [
      [2, h.files.url("/a440.ogg")]
    ])
    assert.deepStrictEqual(urls((await key("GET", "/player")).body.queue), [h.files.url("/b660.ogg"), h.files.url("/a440.ogg")])
    assertProblem(await key("POST", "/history/abc/replay", {}), 400, /path\.playId/)
    assertProblem(await key("POST", "/history/987654/replay", {}), 404)

    const kept = await key("POST", "/playlists", { name: "Recently", from: "history" })
    assert.strictEqual(kept.status, 201, JSON.stringify(kept.body))
    assert.deepInclude(kept.body, { name: "Recently", scope: "guild", trackCount: 1 })
    assertProblem(await key("POST", "/playlists", { name: "Recently", from: "radio" }), 400, /payload\.from/)
  })

  it("saves the queue as a member's own playlist, which no key reaches, and the guild's under the playlist rules", async () => {
    const mine = await call("alice", "POST", "/playlists", { name: "Mine" })
    assert.strictEqual(mine.status, 201, JSON.stringify(mine.body))
    assert.deepInclude(mine.body, { name: "Mine", scope: "user", trackCount: 3 })
    assert.deepStrictEqual((await call("alice", "GET", "/playlists")).body.own.map((p: { name: string }) => p.name), ["Mine"])
    // The key was made by alice, but is nobody's: her own playlists are not its to see or change.
    assertProblem(await key("GET", playlist("Mine")), 404)
    assertProblem(await key("POST", `${playlist("Mine")}/load`, {}), 404)
    assert.deepStrictEqual((await key("GET", "/playlists")).body.own, [])
    assertProblem(await key("POST", "/playlists", { name: "Keyed", scope: "user" }), 403, /no playlists of its own/)
    // The guild may have one of the same name: a member's own comes first for them, the guild's for the key.
    const shared = await key("POST", "/playlists", { name: "Mine" })
    assert.deepInclude(shared.body, { name: "Mine", scope: "guild", trackCount: 3 })
    assert.strictEqual((await call("alice", "GET", playlist("Mine"))).body.scope, "user")
    assert.strictEqual((await key("GET", playlist("Mine"))).body.scope, "guild")
  })

  it("lets only DJs change the guild's playlists once there is a DJ role; anyone loads them", async () => {
    assert.strictEqual((await key("PATCH", "/settings", { djRoleId: ids.dj })).status, 200)
    assertProblem(await call("bob", "DELETE", playlist("Evening Drive")), 403, /Only DJs/)
    assertProblem(await call("bob", "POST", "/playlists", { name: "Bob's", scope: "guild" }), 403, /Only DJs/)
    assertProblem(await call("bob", "POST", `${playlist("Evening Drive")}/tracks`, { query: h.files.url("/a440.ogg") }), 403)
    const shown = await call("bob", "GET", playlist("Evening Drive"))
    assert.strictEqual(shown.status, 200, JSON.stringify(shown.body))
    const loaded = await call("bob", "POST", `${playlist("Evening Drive")}/load`, { shuffle: true })
    assert.strictEqual(loaded.status, 200, JSON.stringify(loaded.body))
    assert.sameMembers(urls(loaded.body.tracks), [h.files.url("/b660.ogg"), h.files.url("/c550.ogg")])
    assert.isTrue(loaded.body.tracks.every((t: { requester: string }) => t.requester === ids.bob))

    const deleted = await call("alice", "DELETE", playlist("Evening Drive"))
    assert.strictEqual(deleted.status, 200, JSON.stringify(deleted.body))
    assert.strictEqual(deleted.body.name, "Evening Drive")
    assertProblem(await key("GET", playlist("Evening Drive")), 404)
    await key("PATCH", "/settings", { djRoleId: null })
  })
})
