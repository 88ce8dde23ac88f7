/**
 * Source fallback through the whole bot: `/play` of words YouTube will not search (its sign-in
 * check) plays the best match found with FALLBACK_SEARCH_PREFIX, and the reply says where it came
 * from. Real yt-dlp, offline: YTDLP_PATH is a wrapper that logs each run and answers YouTube
 * searches with YouTube's own error (test/fixtures/ytdlp/bot-check.stderr.txt); every other run
 * is the real yt-dlp's, and the fallback searches a stand-in engine on local HTTP.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { generateTone } from "../support/audioFixtures.ts"
import { tempDir } from "../support/database.ts"
import { searchFeed, searchPrefixOn } from "../resolve/helpers.ts"
import { blockHarness, command, ids } from "./harness.ts"

const dir = tempDir("fallback-e2e")
const log = join(dir, "yt-dlp.log")
const wrapper = join(dir, "yt-dlp")
const botCheck = new URL("../fixtures/ytdlp/bot-check.stderr.txt", import.meta.url).pathname
writeFileSync(log, "")
writeFileSync(
  wrapper,
  `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nfor target; do :; done\n` +
    `case "$target" in ytsearch*) cat '${botCheck}' >&2; exit 1 ;; esac\nexec yt-dlp "$@"\n`
)
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

describe("Reprise against the fake Discord: source fallback", () => {
  const h = blockHarness({
    env: () => ({ DISCORD_GUILD_ID: ids.guild, YTDLP_PATH: wrapper, FALLBACK_SEARCH_PREFIX: searchPrefixOn(base) }),
    tones: {}
  })

  it("/play of words YouTube will not search plays the match found elsewhere, and says so", async () => {
    const played = await command(h.fake, ids.alice, "play", { query: "blue moon" }, /Now playing/)
    assert.include(played.text, "blue moon 1")
    assert.include(played.text, `From ${new URL(base).host} instead: YouTube isn't available right now.`)
    await h.fake.waitForRtp(ids.guild, 100, 15_000)
    assert.approximately((await h.listen(1500)).frequency(), 440, 5)
    assert.deepStrictEqual(runs().slice(0, 2), ["ytsearch5:blue moon", `${searchPrefixOn(base)}5:blue moon`])
  }, 60_000)
})
