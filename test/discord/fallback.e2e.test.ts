/**
 * Source fallback through the whole bot: `/play` of words YouTube will not search (its sign-in
 * check) plays the best match found with FALLBACK_SEARCH_PREFIX, and the reply says where it came
 * from. Real yt-dlp, offline: YTDLP_PATH is a wrapper that logs each run and answers YouTube
 * searches with YouTube's own error (test/fixtures/ytdlp/bot-check.stderr.txt); every other (local)
 * run is the real yt-dlp's, and the fallback searches a stand-in engine on local HTTP.
 */
import { readFileSync } from "node:fs"
import { assert, describe, it } from "vitest"
import { tempDir } from "../support/database.ts"
import { ytdlpStandIn } from "../support/ytdlpStandIn.ts"
import { searchPrefixOn } from "../resolve/helpers.ts"
import { blockHarness, command, ids } from "./harness.ts"
import { localSearchEngine } from "./searchEngine.ts"

const dir = tempDir("fallback-e2e")
const botCheck = readFileSync(new URL("../fixtures/ytdlp/bot-check.stderr.txt", import.meta.url), "utf8")
const ytdlp = ytdlpStandIn(dir, [{ match: "ytsearch*", stderr: botCheck }])
const engine = localSearchEngine(dir)

describe("Reprise against the fake Discord: source fallback", () => {
  const h = blockHarness({
    env: () => ({ DISCORD_GUILD_ID: ids.guild, YTDLP_PATH: ytdlp.path, FALLBACK_SEARCH_PREFIX: searchPrefixOn(engine.base()) }),
    tones: {}
  })

  it("/play of words YouTube will not search plays the match found elsewhere, and says so", async () => {
    const played = await command(h.fake, ids.alice, "play", { query: "blue moon" }, /Now playing/)
    assert.include(played.text, "blue moon 1")
    assert.include(played.text, `From ${new URL(engine.base()).host} instead: YouTube isn't available right now.`)
    await h.fake.waitForRtp(ids.guild, 100, 15_000)
    assert.approximately((await h.listen(1500)).frequency(), 440, 5)
    assert.deepStrictEqual(ytdlp.runs().slice(0, 2), ["ytsearch5:blue moon", `${searchPrefixOn(engine.base())}5:blue moon`])
  }, 60_000)
})
