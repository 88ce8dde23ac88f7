/**
 * SponsorBlock and chapters through the whole bot: `/settings sponsorblock`, then a YouTube video
 * (yt-dlp's JSON from the stand-in, its stream a stepped tone on local HTTP) whose segments come
 * from a local fake SponsorBlock: the channel is told of each skip in one message, and now playing
 * names the chapter.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { tempDir } from "../support/database.ts"
import { type FakeSponsorBlock, startFakeSponsorBlock } from "../support/fakeSponsorBlock.ts"
import { ytdlpStandIn } from "../support/ytdlpStandIn.ts"
import { blockHarness, command, ids, text } from "./harness.ts"
import { steps } from "./steppedTone.ts"

const dir = tempDir("sponsorblock-e2e")
const videoId = "SkipMe12345"
const link = `https://www.youtube.com/watch?v=${videoId}`
const answer = join(dir, "video.json")
const plainId = "NoSkips1234"
const plainLink = `https://www.youtube.com/watch?v=${plainId}`
const plainAnswer = join(dir, "plain.json")
const ytdlp = ytdlpStandIn(dir, [{ match: link, stdoutFile: answer }, { match: plainLink, stdoutFile: plainAnswer }])

/** What `yt-dlp -J -f bestaudio/best <link>` prints for a video with chapters, keys trimmed. */
const videoJson = (id: string, url: string, chapters: ReadonlyArray<readonly [number, number, string]>) =>
  JSON.stringify({
    _type: "video",
    id,
    title: `Video ${id}`,
    extractor: "youtube",
    extractor_key: "Youtube",
    webpage_url: `https://www.youtube.com/watch?v=${id}`,
    duration: 10,
    uploader: "Someone",
    chapters: chapters.map(([start_time, end_time, title]) => ({ start_time, end_time, title })),
    url,
    ext: "ogg"
  })

describe("Reprise against the fake Discord: SponsorBlock and chapters", () => {
  let sponsorBlock: FakeSponsorBlock
  beforeAll(async () => {
    sponsorBlock = await startFakeSponsorBlock()
    sponsorBlock.videos.set(videoId, [
      { segment: [1, 3], category: "music_offtopic" },
      { segment: [4, 5], category: "sponsor" },
      { segment: [6, 8], category: "intro" }
    ])
  })
  afterAll(() => sponsorBlock.close())
  const h = blockHarness({
    env: () => ({ DISCORD_GUILD_ID: ids.guild, YTDLP_PATH: ytdlp.path, SPONSORBLOCK_API_BASE: sponsorBlock.url }),
    tones: {},
    sequences: { "/video.ogg": steps(10) },
    prepare: async (_dataDir, files) => {
      writeFileSync(answer, videoJson(videoId, files.url("/video.ogg"), [[0, 5, "Warm-up"], [5, 10, "Main theme"]]))
      writeFileSync(plainAnswer, videoJson(plainId, files.url("/video.ogg"), [[0, 2, "Opening"], [2, 10, "Chorus"]]))
    }
  })

  it("skips the parts of the categories chosen, telling the channel in one message, and shows the chapter", async () => {
    await command(h.fake, ids.alice, "settings", { sponsorblock: "adverts" }, /`sponsorblock` isn't valid: must be off, or some of/)
    await command(h.fake, ids.alice, "settings", { sponsorblock: "music_offtopic, intro" }, /I skip the non-music, intro parts/)
    const first = h.fake.waitForMessage((e) => text(e).includes("⏭ Skipped a non-music part (0:01–0:03)."), 20_000)
    const both = h.fake.waitForMessage(
      (e) => text(e).includes("⏭ Skipped 2 parts: non-music (0:01–0:03), intro (0:06–0:08)."),
      30_000
    )
    const warmUp = h.fake.waitForMessage((e) => text(e).includes("Now playing") && text(e).includes("Warm-up (0:00)"), 20_000)
    await command(h.fake, ids.alice, "play", { query: link }, /Now playing/)
    await warmUp
    const told = await first
    const edited = await both
    assert.strictEqual(edited.message.id, told.message.id, "the same message, edited: one per track")
    // Past the intro at 0:08, the second chapter plays.
    const now = await command(h.fake, ids.alice, "nowplaying", {}, /Now playing/)
    assert.include(now.text, "Main theme (0:05)")
    assert.notInclude(now.text, "sponsor", "a category not chosen is not skipped")
    await command(h.fake, ids.alice, "stop", {}, /Stopped/)
    await command(h.fake, ids.alice, "settings", { sponsorblock: "off" }, /SponsorBlock is off: YouTube videos play whole/)
    await command(h.fake, ids.alice, "settings", {}, /SponsorBlock skips: nothing \(off\)/)
  }, 60_000)

  it("edits now playing when the next chapter starts, with no other change to tell", async () => {
    const opening = h.fake.waitForMessage((e) => text(e).includes("Now playing") && text(e).includes("Opening (0:00)"), 20_000)
    const chorus = h.fake.waitForMessage((e) => text(e).includes("Now playing") && text(e).includes("Chorus (0:02)"), 20_000)
    await command(h.fake, ids.alice, "play", { query: plainLink }, /Now playing/)
    const posted = await opening
    const edited = await chorus
    assert.strictEqual(edited.message.id, posted.message.id)
  }, 60_000)
})
