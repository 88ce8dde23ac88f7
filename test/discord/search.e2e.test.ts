/**
 * `/play` suggestions and `/play` of the same words through the whole bot: one yt-dlp search.
 * Real yt-dlp, offline: YTDLP_SEARCH_PREFIX sends searches to a stand-in engine on local HTTP
 * (test/resolve/helpers.ts `searchFeed`), and YTDLP_PATH is a wrapper logging each yt-dlp run.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { generateTone } from "../support/audioFixtures.ts"
import { tempDir } from "../support/database.ts"
import { searchFeed, searchPrefixOn } from "../resolve/helpers.ts"
import { blockHarness, command, ids, suggestions } from "./harness.ts"

const dir = tempDir("search-e2e")
const log = join(dir, "yt-dlp.log")
const wrapper = join(dir, "yt-dlp")
writeFileSync(log, "")
writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec yt-dlp "$@"\n`)
chmodSync(wrapper, 0o755)

/** What each yt-dlp run was asked for (its last argument), `--version` aside. */
const runs = () => readFileSync(log, "utf8").split("\n").filter((l) => l !== "" && !l.includes("--version")).map((l) => l.split(" -- ").at(-1)!)

let server: Server | undefined
let base = ""
beforeAll(async () => {
  const tone = readFileSync(await generateTone(dir, { frequency: 440, seconds: 30, format: "ogg", name: "hit" }))
  server = createServer((req, res) => {
    const feed = searchFeed(req.url ?? "/", req.headers.host ?? "127.0.0.1")
    if (feed !== null) return res.writeHead(200, { "content-type": "application/rss+xml" }).end(feed)
    res.writeHead(200, { "content-type": "audio/ogg", "content-length": tone.length }).end(tone)
  })
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => server?.close())

describe("Reprise against the fake Discord: /play suggestions", () => {
  const h = blockHarness({
    env: () => ({ DISCORD_GUILD_ID: ids.guild, YTDLP_PATH: wrapper, YTDLP_SEARCH_PREFIX: searchPrefixOn(base) }),
    tones: {}
  })

  /** The suggestions for `typed`; asked again while empty, as the next keystroke finds a search that missed the deadline. */
  const suggested = async (typed: string) => {
    let values: ReadonlyArray<string> = []
    for (let tries = 0; values.length === 0 && tries < 20; tries++) values = await suggestions(h.fake, ids.alice, "play", "query", typed)
    return values
  }

  it("suggests, then plays the first suggestion for the same words from the same yt-dlp search", async () => {
    const values = await suggested("Blue  Moon")
    assert.lengthOf(values, 5)
    assert.deepStrictEqual(runs(), [`${searchPrefixOn(base)}5:blue moon`])
    const played = await command(h.fake, ids.alice, "play", { query: "blue moon" }, /Now playing/)
    assert.include(played.text, "blue moon 1")
    await h.fake.waitForRtp(ids.guild, 100, 15_000)
    assert.approximately((await h.listen(1500)).frequency(), 440, 5)
    assert.strictEqual(runs().filter((r) => r.startsWith(searchPrefixOn(base))).length, 1, "no second search")
  }, 60_000)

  it("plays a picked suggestion (its link) from one yt-dlp run, for its details and its stream together", async () => {
    const picked = (await suggested("blue moon"))[1]!
    const before = runs().length
    await command(h.fake, ids.alice, "play", { query: picked }, /Queued/)
    const skipped = await command(h.fake, ids.alice, "skip", {}, /Skipped/)
    assert.include(skipped.text, `Starting [2](${picked})`, "titled as yt-dlp reads the link itself (a file: its name)")
    assert.approximately((await h.listen(1500)).frequency(), 440, 5)
    assert.deepStrictEqual(runs().slice(before), [picked], "the suggestions were cached; the stream came with the details")
  }, 60_000)
})
