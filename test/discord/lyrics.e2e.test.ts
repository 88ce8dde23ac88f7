import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { type FakeLrclib, record, startFakeLrclib } from "../support/fakeLrclib.ts"
import { blockHarness, command, eventually, ids, isEphemeral, text, waitForAnswer } from "./harness.ts"

const lines = (n: number, word: string) => Array.from({ length: n }, (_, i) => `${word} ${i + 1}`)
const stamp = (seconds: number) => `[00:${String(seconds).padStart(2, "0")}.00]`

/** What plays: a 30-second tone whose title (from its file name) is "river", and no artist. */
const river = record({
  id: 501,
  trackName: "River",
  artistName: "The Band",
  duration: 30,
  plainLyrics: lines(45, "Line").join("\n"),
  // A line every two seconds, so the live view has a later line to mark within seconds.
  syncedLyrics: lines(14, "Verse").map((line, i) => `${stamp(i * 2)} ${line}`).join("\n")
})
const records = [
  record({ id: 500, trackName: "River", artistName: "Another Band", duration: 240, plainLyrics: "Not this river" }),
  river,
  record({ id: 502, trackName: "Morning Song", artistName: "Someone", plainLyrics: "Good morning\nsun" }),
  record({ id: 503, trackName: "Interlude", artistName: "The Band", instrumental: true })
]

/** The synced line a live view marks. */
const marked = (shown: string) => Number(/\*\*▶ Verse (\d+)\*\*/.exec(shown)?.[1] ?? Number.NaN)

describe("Reprise against the fake Discord and a local LRCLIB: /lyrics", () => {
  let lrclib: FakeLrclib
  beforeAll(async () => {
    lrclib = await startFakeLrclib(records)
  })
  const h = blockHarness({
    env: () => ({ DISCORD_GUILD_ID: ids.guild, LYRICS_API_BASE: lrclib.url, LYRICS_TIMEOUT: "1 second" }),
    tones: { "/river.ogg": [440, 30], "/after.ogg": [660, 30] }
  })
  afterAll(() => lrclib.close())

  it("says kindly, and privately, that nothing is playing", async () => {
    const answer = await command(h.fake, ids.alice, "lyrics")
    assert.isTrue(isEphemeral(answer.answer))
    assert.match(answer.text, /Nothing is playing right now/)
  }, 30_000)

  it("shows the current track's lyrics, paged, from the configured LRCLIB", async () => {
    await command(h.fake, ids.alice, "play", { query: h.files.url("/river.ogg") }, /Now playing/)
    const first = await command(h.fake, ids.alice, "lyrics", {}, /Page 1 of 2/)
    assert.isFalse(isEphemeral(first.answer), "lyrics are for the channel")
    assert.match(first.text, /River — The Band/)
    assert.match(first.text, /Line 1\\nLine 2\\n/)
    assert.match(first.text, /Line 30"/)
    assert.notMatch(first.text, /Line 31/)
    assert.isTrue(lrclib.requests.some((r) => r.path === "/api/search" && r.params.get("q") === "river"))
    assert.isTrue(lrclib.requests.every((r) => /Reprise/.test(r.headers["user-agent"] ?? "")))

    const next = /"custom_id":"(lyrics:501:2)"/.exec(JSON.stringify(first.answer.message.components))?.[1]
    assert.isDefined(next, "a button to page 2")
    const second = await waitForAnswer(h.fake, h.fake.pressButton(first.answer.message.id, next ?? "", ids.bob), /Page 2 of 2/)
    assert.match(text(second), /Line 31\\n.*Line 45/)
    assert.notMatch(text(second), /Line 30\\n/)
  }, 60_000)

  it("searches with a query, and says kindly when there is nothing, or only music", async () => {
    const found = await command(h.fake, ids.bob, "lyrics", { query: "morning song" }, /Morning Song/)
    assert.match(found.text, /Good morning\\nsun/)
    const notLive = await command(h.fake, ids.bob, "lyrics", { query: "morning song", live: true }, /Morning Song/)
    assert.match(notLive.text, /The live view follows what is playing; here are the lyrics you asked for/)
    assert.notMatch(notLive.text, /▶/)
    const missing = await command(h.fake, ids.bob, "lyrics", { query: "no such song anywhere" })
    assert.isTrue(isEphemeral(missing.answer))
    assert.match(missing.text, /I couldn't find lyrics for \*\*no such song anywhere\*\*/)
    const instrumental = await command(h.fake, ids.bob, "lyrics", { query: "interlude" })
    assert.match(instrumental.text, /is an instrumental: there are no words to show/)
  }, 30_000)

  it("says kindly when LRCLIB does not answer, or answers nonsense", async () => {
    lrclib.behaviour = "stall"
    const stalled = await command(h.fake, ids.bob, "lyrics", { query: "stalled" })
    assert.isTrue(isEphemeral(stalled.answer))
    assert.match(stalled.text, /couldn't reach the lyrics service/)
    lrclib.behaviour = "malformed"
    const garbled = await command(h.fake, ids.bob, "lyrics", { query: "garbled" })
    assert.match(garbled.text, /answered with something I couldn't read/)
    lrclib.behaviour = "normal"
  }, 30_000)

  it("follows the track live, marking later lines as it plays, and ends when another track plays", async () => {
    const live = await command(h.fake, ids.alice, "lyrics", { live: true }, /▶ Verse/)
    const start = marked(live.text)
    assert.isAtLeast(start, 1)
    const edits = () =>
      h.fake.messageEvents.filter((e) => e.token === live.sent.token && e.kind === "edit").map(text)
    await eventually(() => edits().some((shown) => marked(shown) > start), "a later line marked", 15_000)
    const times = h.fake.messageEvents
      .filter((e) => e.token === live.sent.token && e.kind === "edit" && /▶ Verse/.test(text(e)))
      .map((e) => e.at)
    for (let i = 1; i < times.length; i++) assert.isAtLeast(times[i]! - times[i - 1]!, 1_500, "edits are spaced out")

    await command(h.fake, ids.alice, "play", { query: h.files.url("/after.ogg") }, /Queued/)
    await command(h.fake, ids.alice, "skip", {}, /Skipped/)
    await eventually(() => edits().some((shown) => /The live view has ended/.test(shown)), "the view ended", 10_000)
    const ended = edits().length
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    assert.strictEqual(edits().length, ended, "no edits once ended")
  }, 60_000)
})
