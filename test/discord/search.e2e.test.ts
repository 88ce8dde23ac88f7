/**
 * `/play` suggestions and `/play` of the same words through the whole bot: one yt-dlp search.
 * Real yt-dlp, offline: YTDLP_SEARCH_PREFIX sends searches to a stand-in engine on local HTTP
 * (test/resolve/helpers.ts `searchFeed`), and YTDLP_PATH is a wrapper logging each yt-dlp run.
 */
import { assert, describe, it } from "vitest"
import { tempDir } from "../support/database.ts"
import { ytdlpStandIn } from "../support/ytdlpStandIn.ts"
import { searchPrefixOn } from "../resolve/helpers.ts"
import { blockHarness, command, ids, suggestions } from "./harness.ts"
import { localSearchEngine } from "./searchEngine.ts"

const dir = tempDir("search-e2e")
const ytdlp = ytdlpStandIn(dir)
const engine = localSearchEngine(dir)
const prefix = () => searchPrefixOn(engine.base())

describe("Reprise against the fake Discord: /play suggestions", () => {
  const h = blockHarness({
    env: () => ({ DISCORD_GUILD_ID: ids.guild, YTDLP_PATH: ytdlp.path, YTDLP_SEARCH_PREFIX: prefix() }),
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
    assert.deepStrictEqual(ytdlp.runs(), [`${prefix()}5:blue moon`])
    const played = await command(h.fake, ids.alice, "play", { query: "blue moon" }, /Now playing/)
    assert.include(played.text, "blue moon 1")
    await h.fake.waitForRtp(ids.guild, 100, 15_000)
    assert.approximately((await h.listen(1500)).frequency(), 440, 5)
    assert.strictEqual(ytdlp.runs().filter((r) => r.startsWith(prefix())).length, 1, "no second search")
  }, 60_000)

  it("plays a picked suggestion (its link) from one yt-dlp run, for its details and its stream together", async () => {
    const picked = (await suggested("blue moon"))[1]!
    const before = ytdlp.runs().length
    await command(h.fake, ids.alice, "play", { query: picked }, /Queued/)
    const skipped = await command(h.fake, ids.alice, "skip", {}, /Skipped/)
    assert.include(skipped.text, `Starting [2](${picked})`, "titled as yt-dlp reads the link itself (a file: its name)")
    assert.approximately((await h.listen(1500)).frequency(), 440, 5)
    assert.deepStrictEqual(ytdlp.runs().slice(before), [picked], "the suggestions were cached; the stream came with the details")
  }, 60_000)
})
