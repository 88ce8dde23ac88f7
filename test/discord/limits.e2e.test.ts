import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { noiseBytes } from "../support/audioFixtures.ts"
import { blockHarness, command, ids, text } from "./harness.ts"

/**
 * What a link may cost: a track longer than the bot's MAX_TRACK_DURATION, or than the guild's own
 * lower limit, and a file larger than MAX_TRACK_SIZE are refused before anything plays, with the
 * limit named; noise named `.mp3` is refused as no audio before it is queued, never announced as
 * playing. (A track that fails once queued is told in the channel: announce.e2e.test.ts.)
 */
describe("Reprise against the fake Discord: limits on a track", () => {
  const h = blockHarness({
    tones: { "/long.ogg": [440, 150], "/ninety.ogg": [550, 90], "/short.ogg": [660, 20] },
    texts: { "/noise.mp3": noiseBytes() },
    env: { MAX_TRACK_DURATION: "2 minutes" }
  })

  // Claims 2 GiB in its answer to HEAD (and GET): nothing of the kind is ever sent.
  let huge: Server
  let hugeUrl = ""
  const hugeRequests: Array<string> = []
  beforeAll(async () => {
    huge = createServer((req, res) => {
      hugeRequests.push(req.method ?? "")
      res.writeHead(200, { "content-type": "audio/mpeg", "content-length": String(2 * 1024 ** 3) })
      res.end()
    })
    await new Promise<void>((resolve) => huge.listen(0, "127.0.0.1", resolve))
    hugeUrl = `http://127.0.0.1:${(huge.address() as AddressInfo).port}/two-gigabytes.mp3`
  })
  afterAll(() => new Promise<void>((resolve) => huge.close(() => resolve())))

  const nowPlaying = (title: RegExp) =>
    h.fake.messageEvents.filter((e) => e.via === "channel" && /Now playing/.test(text(e)) && title.test(text(e)))

  it("refuses a track longer than MAX_TRACK_DURATION before it plays, naming the limit", async () => {
    const refused = await command(h.fake, ids.alice, "play", { query: h.files.url("/long.ogg") })
    assert.match(refused.text, /That track is 2:30 long; this server plays tracks up to 2:00\./)
    assert.notMatch(refused.text, /Now playing|Queued/)
    const state = await command(h.fake, ids.alice, "queue", {})
    assert.match(state.text, /nothing|empty/i, "nothing was queued")
    assert.lengthOf(nowPlaying(/long/), 0)
  }, 40_000)

  it("refuses a file whose server says it is larger than MAX_TRACK_SIZE, before downloading any of it", async () => {
    const refused = await command(h.fake, ids.alice, "play", { query: hugeUrl })
    assert.match(refused.text, /That file is 2048\.0 MB; files up to 512\.0 MB can be played\./)
    assert.notInclude(hugeRequests, "GET", "only asked what it weighs")
  }, 40_000)

  it("applies the guild's lower limit, under the bot's own", async () => {
    await command(h.fake, ids.alice, "settings", { tracklimit: 3 }, /at most 2 minutes \(the bot's own limit\)/)
    await command(h.fake, ids.alice, "settings", { tracklimit: 1 }, /Tracks: at most 1:00 long/)
    const refused = await command(h.fake, ids.alice, "play", { query: h.files.url("/ninety.ogg") })
    assert.match(refused.text, /That track is 1:30 long; this server plays tracks up to 1:00\./)
    await command(h.fake, ids.alice, "play", { query: h.files.url("/short.ogg") }, /Now playing/)
    await command(h.fake, ids.alice, "settings", { tracklimit: 0 }, /no length limit of this server's own/)
    await command(h.fake, ids.alice, "play", { query: h.files.url("/ninety.ogg") }, /Queued/)
    await command(h.fake, ids.alice, "stop", {}, /Stopped/)
  }, 60_000)

  it("never announces noise named .mp3 as playing: it is refused before it is queued", async () => {
    const reply = await command(h.fake, ids.alice, "play", { query: h.files.url("/noise.mp3") })
    assert.notMatch(reply.text, /Now playing|Starting/, "nothing is heard")
    // Refused as it resolves, as any link that is no audio: nothing joins, nothing is queued, no FFmpeg starts.
    assert.match(reply.text, /That file could not be read as audio\./)
    assert.match((await command(h.fake, ids.alice, "queue", {})).text, /nothing|empty/i)
    assert.lengthOf(nowPlaying(/noise/), 0, "no now-playing message for a track never heard")
  }, 40_000)
})
