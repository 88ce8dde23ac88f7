/**
 * The HTTP API over real HTTP against the whole bot and the fake Discord: an API key made with
 * /apikey, every route of /api/v1, its problems, the event stream and its replay, and a revoked key.
 */
import { Validator } from "@seriousme/openapi-schema-validator"
import fc from "fast-check"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { type Answer, assertProblem, readAnswer } from "../support/problems.ts"
import { iconColour } from "../fake-discord/Icons.ts"
import { type FakeLrclib, record, startFakeLrclib } from "../support/fakeLrclib.ts"
import { solidPng } from "../support/png.ts"
import { openSse } from "../support/sse.ts"
import { blockHarness, command, eventually, ids, isEphemeral } from "./harness.ts"

/** A request with a key. */
const send = async (
  key: string,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<Answer> =>
  readAnswer(await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
  }))

const cover = solidPng(64, 64, [250, 180, 20])

/** An answer's body as bytes, with the headers that matter for an image. */
const image = async (key: string, url: string) => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } })
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    caching: response.headers.get("cache-control"),
    bytes: Buffer.from(await response.arrayBuffer())
  }
}

/** The words of the first track played here (a440, a minute long), and of a song to look up by name. */
const songs = [
  record({ id: 700, trackName: "a440", artistName: "Tones", duration: 60, plainLyrics: "La\nLa la",
    syncedLyrics: "[00:00.00] La\n[00:30.00] La la" }),
  record({ id: 701, trackName: "Morning Song", artistName: "Someone", plainLyrics: "Good morning\nsun" })
]

describe("Reprise's HTTP API against the fake Discord", () => {
  let lrclib: FakeLrclib
  beforeAll(async () => {
    lrclib = await startFakeLrclib(songs)
  })
  afterAll(() => lrclib.close())
  const h = blockHarness({
    // The fuzzing alone sends more than a minute's default budget.
    env: () => ({
      DISCORD_GUILD_ID: ids.guild,
      RATE_LIMIT_API_KEY: "10000 per minute",
      RATE_LIMIT_API_GUILD: "10000 per minute",
      LYRICS_API_BASE: lrclib.url
    }),
    tones: { "/a440.ogg": [440, 60], "/b660.ogg": [660, 60], "/c550.ogg": [550, 60], "/u770.ogg": [770, 60] },
    // A page yt-dlp reads (the generic extractor): its video's poster is the track's artwork.
    texts: {
      "/cover-song.html": `<html><head><title>Cover Song</title></head><body><video src="/b660.ogg" poster="/cover.png"></video></body></html>`,
      "/cover.png": cover
    },
    music: { Moonlight: [330, 5] }
  })
  let key = ""
  const guild = () => `${h.http}/api/v1/guilds/${ids.guild}`

  const call = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    send(key, method, url, body, headers)

  it("refuses a request without a key, or with a made-up one, as a 401 problem", async () => {
    key = ""
    assertProblem(await call("GET", `${h.http}/api/v1/guilds`), 401, /Bearer/)
    key = "rpk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assertProblem(await call("GET", `${guild()}/player`), 401)
  })

  it("gives a manager a key with /apikey create, shown once and privately", async () => {
    const { answer, text } = await command(h.fake, ids.alice, "apikey create", { name: "script" }, /rpk_/)
    assert.isTrue(isEphemeral(answer))
    const found = /rpk_[A-Za-z0-9_-]{32,}/.exec(text)
    assert.isNotNull(found, text)
    key = found?.[0] ?? ""
  })

  it("lists the key's guild and shows its idle player", async () => {
    const guilds = await call("GET", `${h.http}/api/v1/guilds`)
    assert.strictEqual(guilds.status, 200)
    assert.deepInclude(guilds.body[0], { id: ids.guild, name: "Guild One", active: false })
    assert.match(guilds.body[0].icon, new RegExp(`/icons/${ids.guild}/\\w+\\.png\\?size=128$`), "Discord's own URL")
    const player = await call("GET", `${guild()}/player`)
    assert.strictEqual(player.status, 200)
    assert.deepInclude(player.body, { voiceChannelId: null, current: null, paused: false, volume: 100, queueLength: 0 })
  })

  it("refuses another guild, and asks where to play while the bot is in no voice channel", async () => {
    assertProblem(await call("GET", `${h.http}/api/v1/guilds/${ids.otherGuild}/player`), 403, /another server/)
    assertProblem(await call("POST", `${guild()}/queue`, { query: h.files.url("/a440.ogg") }), 409, /voiceChannelId/)
    assertProblem(
      await call("POST", `${guild()}/queue`, { query: h.files.url("/a440.ogg"), voiceChannelId: ids.text }),
      404,
      /no voice channel/
    )
  })

  it("queues and plays a track in the channel it names, then queues more after it", async () => {
    const first = await call("POST", `${guild()}/queue`, { query: h.files.url("/a440.ogg"), voiceChannelId: ids.music })
    assert.strictEqual(first.status, 200, JSON.stringify(first.body))
    assert.deepInclude(first.body.tracks[0], { position: 0, source: "http", requester: ids.alice, requesterName: "alice" })
    await eventually(() => h.fake.voiceStreams(ids.guild).length > 0, "a voice stream")
    assert.approximately((await h.listen(1500)).frequency(), 440, 5)

    const second = await call("POST", `${guild()}/queue`, { query: h.files.url("/b660.ogg") })
    assert.strictEqual(second.status, 200, JSON.stringify(second.body))
    assert.strictEqual(second.body.tracks[0].position, 1)
    const next = await call("POST", `${guild()}/queue`, { query: h.files.url("/c550.ogg"), next: true })
    assert.strictEqual(next.body.tracks[0].position, 1)

    const player = await call("GET", `${guild()}/player?size=1&page=2`)
    assert.strictEqual(player.status, 200)
    assert.deepInclude(player.body, { voiceChannelId: ids.music, queueLength: 2, page: 2, size: 1 })
    assert.strictEqual(player.body.current.url, h.files.url("/a440.ogg"))
    assert.strictEqual(player.body.current.requesterName, "alice", "the requester by the name the guild knows")
    assert.isAbove(player.body.current.positionMs, 1000)
    assert.deepStrictEqual(player.body.queue.map((t: { position: number; url: string }) => [t.position, t.url]), [
      [2, h.files.url("/b660.ogg")]
    ])
  })

  it("finds the words of what plays, or of a song named, as /lyrics does", async () => {
    const playing = await call("GET", `${guild()}/lyrics`)
    assert.strictEqual(playing.status, 200, JSON.stringify(playing.body))
    assert.deepInclude(playing.body, { id: 700, trackName: "a440", artistName: "Tones", instrumental: false, plain: "La\nLa la" })
    assert.deepStrictEqual(playing.body.synced, [{ atMs: 0, text: "La" }, { atMs: 30_000, text: "La la" }])
    const named = await call("GET", `${guild()}/lyrics?q=${encodeURIComponent("morning song")}`)
    assert.deepInclude(named.body, { id: 701, plain: "Good morning\nsun", synced: [] })
    assertProblem(await call("GET", `${guild()}/lyrics?q=nothing%20like%20it`), 404, /No lyrics were found/)
    assertProblem(await call("GET", `${guild()}/lyrics?q=`), 400, /query\.q/)
  })

  it("suggests tracks for what was typed, as /play's autocomplete does", async () => {
    // `local:` asks the music library only: no search leaves the machine.
    const found = await call("GET", `${guild()}/suggest?q=${encodeURIComponent("local:moon")}`)
    assert.strictEqual(found.status, 200, JSON.stringify(found.body))
    assert.strictEqual(found.body.length, 1)
    assert.include(found.body[0].label, "Moonlight")
    assert.match(found.body[0].query, /^local:.*Moonlight/)
    assert.deepStrictEqual((await call("GET", `${guild()}/suggest?q=${encodeURIComponent("local:nothing like it")}`)).body, [])
    assertProblem(await call("GET", `${guild()}/suggest`), 400, /query\.q/)
  })

  it("decodes every payload and parameter: a 400 names the field, a large body is 413, a position not there is 404", async () => {
    const loud = await call("PUT", `${guild()}/player/volume`, { level: 300 })
    assertProblem(loud, 400, /payload\.level/)
    assertProblem(await call("PUT", `${guild()}/player/loop`, { mode: "forever" }), 400, /payload\.mode/)
    assertProblem(await call("GET", `${guild()}/player?page=0`), 400, /query\.page/)
    assertProblem(await call("DELETE", `${guild()}/queue/first`), 400, /path\.position/)
    assertProblem(await call("GET", `${h.http}/api/v1/guilds/not-a-guild/player`), 400, /path\.guildId/)
    assertProblem(await call("POST", `${guild()}/queue`, "{not json"), 400)
    assertProblem(await call("POST", `${guild()}/queue`, { query: "x".repeat(20_000) }), 413, /16384/)
    assertProblem(await call("DELETE", `${guild()}/queue/9`), 404)
    // Sent in chunks, with no length announced: read up to the limit, then refused.
    const chunked = await fetch(`${guild()}/queue`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: new Blob([JSON.stringify({ query: "y".repeat(20_000) })]).stream(),
      duplex: "half"
    } as RequestInit)
    assert.strictEqual(chunked.headers.get("content-length"), null)
    assert.strictEqual(chunked.status, 413, await chunked.text())
  })

  it("controls the player like the slash commands do, each answering with the player", async () => {
    const volume = await call("PUT", `${guild()}/player/volume`, { level: 60 })
    assert.strictEqual(volume.status, 200)
    assert.strictEqual(volume.body.volume, 60)
    const effects = await call("PUT", `${guild()}/player/effects`, { effects: ["nightcore", "bassboost"] })
    assert.deepStrictEqual([...effects.body.effects].sort(), ["bassboost", "nightcore"])
    assert.deepStrictEqual((await call("PUT", `${guild()}/player/effects`, { effects: [] })).body.effects, [])
    assert.strictEqual((await call("PUT", `${guild()}/player/equalizer`, { preset: "rock" })).body.equalizer.preset, "rock")
    assert.strictEqual((await call("PUT", `${guild()}/player/loop`, { mode: "queue" })).body.loop, "queue")
    assert.strictEqual((await call("PUT", `${guild()}/player/loop`, { mode: "off" })).body.loop, "off")
    const moved = await call("POST", `${guild()}/queue/move`, { from: 2, to: 1 })
    assert.deepStrictEqual(moved.body.queue.map((t: { url: string }) => t.url), [h.files.url("/b660.ogg"), h.files.url("/c550.ogg")])
    assert.strictEqual((await call("POST", `${guild()}/queue/shuffle`)).status, 200)
    assert.strictEqual((await call("POST", `${guild()}/player/pause`)).body.paused, true)
    assertProblem(await call("POST", `${guild()}/player/pause`), 409)
    assert.strictEqual((await call("POST", `${guild()}/player/resume`)).body.paused, false)
    const sought = await call("POST", `${guild()}/player/seek`, { positionMs: 30_000 })
    assert.isAtLeast(sought.body.current.positionMs, 30_000)
    assertProblem(await call("POST", `${guild()}/player/seek`, { positionMs: 86_400_001 }), 400, /payload\.positionMs/)
    const skipped = await call("POST", `${guild()}/player/skip`)
    assert.notStrictEqual(skipped.body.current?.url, h.files.url("/a440.ogg"))
    assert.strictEqual((await call("POST", `${guild()}/player/previous`)).body.current.url, h.files.url("/a440.ogg"))
    const before = await call("GET", `${guild()}/player`)
    assert.strictEqual(before.body.queueLength, 2)
    const jumped = await call("POST", `${guild()}/queue/2/play`)
    assert.strictEqual(jumped.status, 200, JSON.stringify(jumped.body))
    assert.strictEqual(jumped.body.current.url, before.body.queue[1].url, "the second upcoming track plays now")
    assert.strictEqual(jumped.body.queueLength, 0, "the one before it was skipped, as /skipto does")
    assertProblem(await call("POST", `${guild()}/queue/1/play`), 404)
    for (const path of ["/b660.ogg", "/c550.ogg", "/a440.ogg", "/b660.ogg"]) await call("POST", `${guild()}/queue`, { query: h.files.url(path) })
    const removed = await call("DELETE", `${guild()}/queue/1`)
    assert.strictEqual(removed.body.queueLength, 3)
    const range = await call("DELETE", `${guild()}/queue/1?to=2`)
    assert.deepStrictEqual(range.body.queue.map((t: { url: string }) => t.url), [h.files.url("/b660.ogg")], "as /remove position to")
    assertProblem(await call("DELETE", `${guild()}/queue/1?to=zero`), 400, /query\.to/)
    assert.strictEqual((await call("DELETE", `${guild()}/queue`)).body.queueLength, 0)
  })

  it("reads the history and the playlists; the audit log is for managers, not keys", async () => {
    const history = await call("GET", `${guild()}/history`)
    assert.strictEqual(history.status, 200, JSON.stringify(history.body))
    const urls = history.body.plays.map((p: { url: string }) => p.url)
    assert.include(urls, h.files.url("/a440.ogg"))
    assert.match(history.body.plays[0].startedAt, /^\d{4}-\d\d-\d\dT/)
    const searched = await call("GET", `${guild()}/history?search=${encodeURIComponent("b660")}`)
    assert.isTrue(searched.body.plays.every((p: { url: string }) => p.url === h.files.url("/b660.ogg")))

    assert.deepStrictEqual((await call("GET", `${guild()}/playlists`)).body, { own: [], guild: [] })
    await command(h.fake, ids.alice, "playlist save", { name: "Evening", scope: "guild" }, /Saved/)
    const saved = await call("GET", `${guild()}/playlists`)
    assert.deepStrictEqual(saved.body.own, [], "a key sees no member's own playlists")
    assert.deepStrictEqual(saved.body.guild.map((p: { name: string; scope: string }) => [p.name, p.scope]), [["Evening", "guild"]])

    assertProblem(await call("GET", `${guild()}/audit`), 403)
    assertProblem(await call("GET", `${guild()}/audit?action=teleported`), 400, /query\.action/)
  })

  it("reads and changes the guild's settings", async () => {
    const defaults = {
      djRoleId: null,
      voteSkipRatio: 0.5,
      autoplay: false,
      stay: false,
      repost: false,
      crossfade: 0,
      maxQueueLength: null,
      maxPlaylistSize: null,
      maxTrackMinutes: null,
      allowDuplicates: true,
      djOnly: { pause: false, seek: false, skip: false, queue: false, loop: false, volume: true, effects: true, stop: true, clear: true },
      sponsorBlock: ["music_offtopic"]
    }
    const before = await call("GET", `${guild()}/settings`)
    assert.deepStrictEqual(before.body, defaults)
    assert.deepStrictEqual((await call("GET", `${guild()}/roles`)).body, [{ id: ids.dj, name: "DJ" }], "not @everyone")
    const after = await call("PATCH", `${guild()}/settings`, { voteSkipRatio: 0.75, djRoleId: ids.dj })
    assert.deepStrictEqual(after.body, { ...defaults, djRoleId: ids.dj, voteSkipRatio: 0.75 })
    assert.deepStrictEqual((await call("GET", `${guild()}/settings`)).body, after.body)
    assertProblem(await call("PATCH", `${guild()}/settings`, { voteSkipRatio: 0 }), 400, /payload\.voteSkipRatio/)
    assertProblem(await call("PATCH", `${guild()}/settings`, { maxQueueLength: 0 }), 400, /payload\.maxQueueLength/)
    assertProblem(await call("PATCH", `${guild()}/settings`, { djOnly: { seek: "yes" } }), 400, /payload\.djOnly/)
    assertProblem(await call("PATCH", `${guild()}/settings`, { maxPlaylistSize: 5000 }), 422, /at most 1000 tracks/)
    assertProblem(await call("PATCH", `${guild()}/settings`, { sponsorBlock: ["adverts"] }), 400, /payload\.sponsorBlock/)
    const skipping = await call("PATCH", `${guild()}/settings`, { sponsorBlock: ["sponsor", "intro"] })
    assert.deepStrictEqual(skipping.body.sponsorBlock, ["sponsor", "intro"])
    const reposting = await call("PATCH", `${guild()}/settings`, { repost: true })
    assert.strictEqual(reposting.body.repost, true)
    assert.strictEqual((await call("GET", `${guild()}/settings`)).body.repost, true)
    assertProblem(await call("PATCH", `${guild()}/settings`, { crossfade: 13 }), 400, /payload\.crossfade/)
    assertProblem(await call("PATCH", `${guild()}/settings`, { maxTrackMinutes: 0 }), 400, /payload\.maxTrackMinutes/)
    assertProblem(await call("PATCH", `${guild()}/settings`, { maxTrackMinutes: 181 }), 422, /at most 180 minutes/)
    assert.deepInclude((await call("PATCH", `${guild()}/settings`, { maxTrackMinutes: 90 })).body, { maxTrackMinutes: 90 })
    await command(h.fake, ids.alice, "settings", {}, /Tracks: at most 1:30:00 long/)
    await command(h.fake, ids.alice, "settings", { tracklimit: 0 }, /Tracks: no length limit of this server's own/)
    assert.deepInclude((await call("PATCH", `${guild()}/settings`, { crossfade: 3 })).body, { crossfade: 3 })
    await command(h.fake, ids.alice, "settings", {}, /Crossfade: 3 s between tracks/)
    await command(h.fake, ids.alice, "settings", { crossfade: 0 }, /Crossfade is off/)
    await call("PATCH", `${guild()}/settings`, { djRoleId: null, voteSkipRatio: 0.5, sponsorBlock: ["music_offtopic"], repost: false })
  })

  it("holds the queue to the guild's limit, set through the API or /settings, and keeps DJ-only actions for DJs", async () => {
    const track = { query: h.files.url("/b660.ogg"), voiceChannelId: ids.music }
    assert.strictEqual((await call("POST", `${guild()}/queue`, track)).status, 200)
    const queued = (await call("GET", `${guild()}/player`)).body.queueLength
    const limited = await call("PATCH", `${guild()}/settings`, { maxQueueLength: queued, djOnly: { volume: false } })
    assert.deepInclude(limited.body, { maxQueueLength: queued })
    assert.isFalse(limited.body.djOnly.volume)
    const full = await call("POST", `${guild()}/queue`, { ...track, query: h.files.url("/c550.ogg") })
    assertProblem(full, 409, new RegExp(`queue is full \\(${queued} tracks?\\)`))

    await command(h.fake, ids.alice, "settings", { queuelimit: 0, djonly: "volume" }, /no limit of this server's own[^]*Only DJs may change the volume/)
    const back = await call("GET", `${guild()}/settings`)
    assert.deepInclude(back.body, { maxQueueLength: null })
    assert.isTrue(back.body.djOnly.volume)
  })

  it("streams the state, then each event with an id, and replays what a reconnect missed", async () => {
    const headers = { authorization: `Bearer ${key}` }
    const events = await openSse(`${guild()}/events`, headers)
    assert.strictEqual(events.status, 200)
    assert.include(events.contentType, "text/event-stream")
    const state = await events.next((f) => f.event === "state")
    assert.strictEqual(events.frames[0], state, "the state comes first")
    const playing = (await call("GET", `${guild()}/player`)).body.current.url
    assert.strictEqual(JSON.parse(state.data ?? "").current.url, playing)

    // A Discord-side command shows in the stream.
    await command(h.fake, ids.alice, "pause", {}, /Paused/)
    const paused = await events.next((f) => f.event === "Paused")
    assert.strictEqual(JSON.parse(paused.data ?? "").guildId, ids.guild)
    events.close()

    // While away: two changes, which a reconnect with the last id gets, in order, without a state.
    await call("PUT", `${guild()}/player/volume`, { level: 80 })
    await call("POST", `${guild()}/player/resume`)
    const again = await openSse(`${guild()}/events`, { ...headers, "last-event-id": paused.id ?? "" })
    const resumed = await again.next((f) => f.event === "Resumed")
    const replayed = again.frames.slice(0, again.frames.indexOf(resumed) + 1).filter((f) => f.comment === undefined)
    assert.deepStrictEqual(replayed.map((f) => f.event), ["VolumeChanged", "Resumed"])
    assert.isFalse(again.frames.some((f) => f.event === "state"))
    const seqs = replayed.map((f) => Number(f.id?.split("-")[1]))
    assert.isAbove(seqs[0] ?? 0, Number(paused.id?.split("-")[1]))
    assert.isAbove(seqs[1] ?? 0, seqs[0] ?? 0)
    again.close()

    // An id from before a restart (or made up) starts over with the state.
    const fresh = await openSse(`${guild()}/events`, { ...headers, "last-event-id": "zzz-5" })
    assert.strictEqual((await fresh.next(() => true)).event, "state")
    fresh.close()
  })

  it("never answers a malformed payload with a 500", async () => {
    const endpoints: ReadonlyArray<readonly [string, string]> = [
      ["POST", "/queue"],
      ["POST", "/queue/move"],
      ["POST", "/player/seek"],
      ["PUT", "/player/volume"],
      ["PUT", "/player/effects"],
      ["PUT", "/player/equalizer"],
      ["PUT", "/player/loop"],
      ["PATCH", "/settings"],
      ["POST", "/playlists"],
      ["POST", "/playlists/import"],
      ["POST", "/playlists/Evening/load"],
      ["POST", "/playlists/Evening/tracks"],
      ["PATCH", "/playlists/Evening"],
      ["POST", "/history/1/replay"],
      ["POST", "/player/rating"]
    ]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), fc.anything(), async ([method, path], payload) => {
        const answer = await call(method, `${guild()}${path}`, JSON.stringify(payload) ?? "null")
        assert.isBelow(answer.status, 500, `${method} ${path} ${JSON.stringify(payload)} → ${JSON.stringify(answer.body)}`)
      }),
      { numRuns: 150 }
    )
    // Nothing fuzzed stayed in the queue.
    await call("DELETE", `${guild()}/queue`)
  })

  it("documents every route in the OpenAPI document", async () => {
    const doc = await call("GET", `${h.http}/api/openapi.json`)
    // Valid against the OpenAPI specification's own JSON schema, so other tools can read it.
    const validator = new Validator()
    const checked = await validator.validate(doc.body)
    assert.isTrue(checked.valid, JSON.stringify(checked.errors, null, 1))
    assert.strictEqual(validator.version, doc.body.openapi.split(".").slice(0, 2).join("."))
    const paths = Object.keys(doc.body.paths)
    for (
      const path of [
        "/api/v1/guilds",
        "/api/v1/guilds/{guildId}/player",
        "/api/v1/guilds/{guildId}/icon",
        "/api/v1/guilds/{guildId}/player/artwork",
        "/api/v1/guilds/{guildId}/queue",
        "/api/v1/guilds/{guildId}/queue/upload",
        "/api/v1/guilds/{guildId}/queue/{position}",
        "/api/v1/guilds/{guildId}/queue/move",
        "/api/v1/guilds/{guildId}/queue/{position}/play",
        "/api/v1/guilds/{guildId}/suggest",
        "/api/v1/guilds/{guildId}/roles",
        "/api/v1/guilds/{guildId}/queue/shuffle",
        "/api/v1/guilds/{guildId}/player/skip",
        "/api/v1/guilds/{guildId}/player/pause",
        "/api/v1/guilds/{guildId}/player/leave",
        "/api/v1/guilds/{guildId}/lyrics",
        "/api/v1/guilds/{guildId}/player/seek",
        "/api/v1/guilds/{guildId}/player/volume",
        "/api/v1/guilds/{guildId}/settings",
        "/api/v1/guilds/{guildId}/events",
        "/api/v1/guilds/{guildId}/history",
        "/api/v1/guilds/{guildId}/playlists",
        "/api/v1/guilds/{guildId}/audit",
        "/api/v1/guilds/{guildId}/playlists/import",
        "/api/v1/guilds/{guildId}/playlists/{name}",
        "/api/v1/guilds/{guildId}/playlists/{name}/load",
        "/api/v1/guilds/{guildId}/playlists/{name}/export",
        "/api/v1/guilds/{guildId}/playlists/{name}/tracks",
        "/api/v1/guilds/{guildId}/playlists/{name}/tracks/{position}",
        "/api/v1/guilds/{guildId}/history/{playId}/replay",
        "/api/v1/guilds/{guildId}/player/rating",
        "/api/v1/guilds/{guildId}/stats",
        "/api/v1/me"
      ]
    ) assert.include(paths, path)
    // Both ways in are documented: the bearer key, and the dashboard's session cookie.
    assert.deepInclude(Object.values(doc.body.components.securitySchemes), { type: "apiKey", name: "reprise_session", in: "cookie" })
    assert.deepInclude(Object.values(doc.body.components.securitySchemes), { type: "http", scheme: "Bearer" })
  })

  it("serves the guild's icon and the artwork of what plays through the bot, each fetched once", async () => {
    const icon = await image(key, `${guild()}/icon?v=1`)
    assert.strictEqual(icon.status, 200, icon.bytes.toString())
    assert.strictEqual(icon.type, "image/png")
    assert.match(icon.caching ?? "", /^private/)
    assert.deepStrictEqual(icon.bytes, solidPng(128, 128, iconColour), "the CDN's icon, as it drew it")
    assert.deepStrictEqual((await image(key, `${guild()}/icon?v=2`)).bytes, icon.bytes)
    assert.strictEqual(h.fake.icons.served, 1, "the second from the bot's cache")
    assertProblem(await call("GET", `${h.http}/api/v1/guilds/${ids.otherGuild}/icon`), 403)

    const queued = await call("POST", `${guild()}/queue`, { query: h.files.url("/cover-song.html"), voiceChannelId: ids.music })
    assert.strictEqual(queued.status, 200, JSON.stringify(queued.body))
    const position = queued.body.tracks[0].position
    if (position > 0) assert.strictEqual((await call("POST", `${guild()}/queue/${position}/play`)).status, 200)
    const playing = await call("GET", `${guild()}/player`)
    assert.strictEqual(playing.body.current.artworkUrl, h.files.url("/cover.png"), "the page's poster")
    const artwork = await image(key, `${guild()}/player/artwork`)
    assert.strictEqual(artwork.status, 200, artwork.bytes.toString())
    assert.strictEqual(artwork.type, "image/png")
    assert.deepStrictEqual(artwork.bytes, cover)
    assert.strictEqual(h.files.requests.filter((r) => r.path === "/cover.png").length, 1)

    const left = await call("POST", `${guild()}/player/leave`)
    assert.strictEqual(left.status, 200, JSON.stringify(left.body))
    await eventually(() => h.fake.voiceChannelOf(ids.guild) === null, "the bot out of voice, as /leave")
    assertProblem(await call("GET", `${guild()}/player/artwork`), 404, /Nothing is playing/)
    assertProblem(await call("GET", `${guild()}/lyrics`), 409, /give q/)
  })

  it("plays a file uploaded to it, as /playfile does, and refuses one that is not audio", async () => {
    const upload = async (fields: Record<string, string | Blob>, name?: string) => {
      const form = new FormData()
      for (const [field, value] of Object.entries(fields)) {
        if (typeof value === "string") form.append(field, value)
        else form.append(field, value, name)
      }
      return readAnswer(await fetch(`${guild()}/queue/upload`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
        body: form
      }))
    }
    const tone = new Blob([await (await fetch(h.files.url("/u770.ogg"))).arrayBuffer()], { type: "audio/ogg" })
    const played = await upload({ file: tone, voiceChannelId: ids.music }, "My Upload.ogg")
    assert.strictEqual(played.status, 200, JSON.stringify(played.body))
    assert.deepInclude(played.body.tracks[0], { position: 0, requester: ids.alice })
    await eventually(() => h.fake.voiceChannelOf(ids.guild) === ids.music, "the bot in voice")
    assert.approximately((await h.listen(1500)).frequency(), 770, 5, "the uploaded file heard")
    assert.strictEqual(h.files.requests.filter((r) => r.path === "/u770.ogg").length, 1, "played from the bot's own copy")

    const text = new Blob(["not music"], { type: "text/plain" })
    assertProblem(await upload({ file: text }, "notes.txt"), 422, /Only audio files can be played/)
    assertProblem(await upload({ next: "true" }), 400, /payload\.file/)
    await call("POST", `${guild()}/player/stop`)
  })

  it("refuses a revoked key at once", async () => {
    assert.strictEqual((await call("GET", `${guild()}/player`)).status, 200)
    await command(h.fake, ids.alice, "apikey revoke", { name: "script" }, /revoked/i)
    assertProblem(await call("GET", `${guild()}/player`), 401)
  })
})

describe("Reprise's HTTP API under its rate limits", () => {
  const h = blockHarness({
    env: { DISCORD_GUILD_ID: ids.guild, RATE_LIMIT_API_KEY: "3 per minute", RATE_LIMIT_API_GUILD: "5 per minute" },
    tones: {}
  })

  it("answers 429 with Retry-After past a key's budget, and past the guild's for all its keys", async () => {
    const keyNamed = async (name: string) => {
      const { text } = await command(h.fake, ids.alice, "apikey create", { name }, /rpk_/)
      return /rpk_[A-Za-z0-9_-]{32,}/.exec(text)?.[0] ?? ""
    }
    const [first, second] = [await keyNamed("first"), await keyNamed("second")]
    const player = `${h.http}/api/v1/guilds/${ids.guild}/player`
    for (let i = 0; i < 3; i++) assert.strictEqual((await send(first, "GET", player)).status, 200)
    const limited = await send(first, "GET", player)
    assertProblem(limited, 429, /try again in \d+ second/)
    const wait = Number(limited.headers.get("retry-after"))
    assert.isAtLeast(wait, 1)
    assert.isAtMost(wait, 60)
    assert.strictEqual(limited.body.retryAfterSeconds, wait)
    // Another key has its own budget, until the guild's (5, three of them spent) runs out.
    assert.strictEqual((await send(second, "GET", player)).status, 200)
    assert.strictEqual((await send(second, "GET", player)).status, 200)
    assertProblem(await send(second, "GET", player), 429)
  })
})
