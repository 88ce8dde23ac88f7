import { assert, describe, it } from "vitest"
import type { FakeDiscord } from "../fake-discord/FakeDiscord.ts"
import type { MessageEvent } from "../fake-discord/State.ts"
import { blockHarness, command, eventually, ids, text } from "./harness.ts"

const channelEvents = (fake: FakeDiscord) => fake.messageEvents.filter((e) => e.via === "channel")
const posts = (fake: FakeDiscord, pattern: RegExp) =>
  channelEvents(fake).filter((e) => e.kind === "create" && pattern.test(text(e)))
/** Now-playing messages, as posted: the one message of the channel with an embed. */
const boards = (fake: FakeDiscord) => posts(fake, /Now playing/).filter((e) => e.message.embeds.length > 0)
/** The message as it reads now: its last create or edit. */
const latest = (fake: FakeDiscord, messageId: string): MessageEvent | undefined =>
  fake.messageEvents.filter((e) => e.message.id === messageId && e.kind !== "delete").at(-1)
/** The player buttons under a message that can still be pressed. */
const liveButtons = (e: MessageEvent) =>
  (e.message.components as ReadonlyArray<{ readonly components?: ReadonlyArray<Record<string, unknown>> }>)
    .flatMap((row) => row.components ?? [])
    .filter((c) => String(c["custom_id"]).startsWith("np:") && c["disabled"] !== true)
    .map((c) => c["custom_id"])
const boardOf = async (fake: FakeDiscord, title: RegExp) => {
  const posted = await fake.waitForMessage(
    (e) =>
      e.via === "channel" && e.kind === "create" && e.message.embeds.length > 0 && /Now playing/.test(text(e)) &&
      title.test(text(e)),
    15_000
  )
  return posted.message.id
}

/**
 * What the channel is told about playback: "Now playing" only for a track that is heard, a
 * failure named with its reason and what plays instead, and a now-playing message that says
 * why it stopped. One bot for the block: each test continues where the previous one left it.
 */
describe("Reprise against the fake Discord: announcing playback", () => {
  const h = blockHarness({
    tones: {
      "/a440.ogg": [440, 30], "/b660.ogg": [660, 30], "/c550.ogg": [550, 30], "/gone.ogg": [330, 5],
      "/d770.ogg": [770, 30], "/e880.ogg": [880, 30]
    },
    texts: { "/readme.txt": "Reprise\n=======\n\nA music bot. This is not audio.\n".repeat(50) },
    env: { VOICE_ALONE_TIMEOUT: "1 second" }
  })

  const failureNotice = () => h.fake.waitForMessage((e) => e.via === "channel" && /Couldn't play/.test(text(e)), 15_000)

  it("/play of a link that is not audio says it could not play it, in the reply and in the channel", async () => {
    const sent = h.fake.sendSlashCommand(ids.guild, ids.alice, "play", { query: h.files.url("/readme.txt") })
    const reply = await h.fake.waitForEditReply(sent.token, (e) => e.message.content !== "", 20_000)
    assert.notMatch(reply.message.content, /Now playing/, "nothing is heard")
    assert.match(reply.message.content, /Couldn't play .*readme/)
    const notice = await failureNotice()
    assert.match(text(notice), /readme.*: \S+/, "names the track and why")
    assert.match(text(notice), /Nothing else is queued/)
    assert.lengthOf(boards(h.fake), 0, "no now-playing message for a track never heard")
  }, 40_000)

  it("a queued track that fails on /skip is named once, with what plays instead; a burst is one message", async () => {
    await command(h.fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await boardOf(h.fake, /a440/)
    await command(h.fake, ids.alice, "play", { query: h.files.url("/gone.ogg") }, /Queued/)
    await command(h.fake, ids.alice, "play", { query: `${h.files.url("/gone.ogg")}?again` }, /Queued/)
    await command(h.fake, ids.alice, "play", { query: h.files.url("/c550.ogg") }, /Queued/)
    h.files.withdraw("/gone.ogg")
    const failuresBefore = posts(h.fake, /Couldn't play/).length
    const skipped = await command(h.fake, ids.alice, "skip", {}, /Skipped/)
    assert.notMatch(skipped.text, /Now playing: .*gone/, "the skip does not claim a track that has not started")
    const notice = await h.fake.waitForMessage(
      (e) => e.via === "channel" && e.kind === "create" && /Couldn't play 2 tracks/.test(text(e)),
      20_000
    )
    assert.match(text(notice), /gone.*\n.*gone/, "both failures in one message")
    assert.match(text(notice), /c550.*instead/)
    assert.lengthOf(posts(h.fake, /Couldn't play/), failuresBefore + 1, "one message for the burst")
    const shownPlaying = channelEvents(h.fake).filter((e) => e.message.embeds.length > 0 && /Now playing/.test(text(e)))
    assert.isEmpty(shownPlaying.filter((e) => /gone/.test(text(e))), "the now-playing message never showed them")
  }, 60_000)

  it("/stop edits the now-playing message to say who stopped it, and takes its buttons away", async () => {
    const board = boards(h.fake).at(-1)
    assert.isDefined(board)
    await command(h.fake, ids.alice, "stop", {}, /Stopped/)
    await eventually(() => /Stopped by <@\d+>/.test(text(latest(h.fake, board!.message.id)!)), "the stop to be shown", 15_000)
    assert.include(text(latest(h.fake, board!.message.id)!), `<@${ids.alice}>`)
    assert.deepEqual(liveButtons(latest(h.fake, board!.message.id)!), [])
  }, 30_000)

  it("with repost on, each new track's message is posted at the bottom of the channel and the old one deleted", async () => {
    await command(h.fake, ids.alice, "settings", { repost: true }, /posted anew/)
    await command(h.fake, ids.alice, "play", { query: h.files.url("/d770.ogg") }, /Now playing/)
    const first = await boardOf(h.fake, /d770/)
    await command(h.fake, ids.alice, "play", { query: h.files.url("/e880.ogg") }, /Queued/)
    await command(h.fake, ids.alice, "skip", {}, /Skipped/)
    const second = await boardOf(h.fake, /e880/)
    assert.notStrictEqual(second, first, "a message of its own")
    await eventually(
      () => h.fake.messageEvents.some((e) => e.kind === "delete" && e.message.id === first),
      "the previous message to be deleted",
      10_000
    )
    await command(h.fake, ids.alice, "settings", { repost: false }, /one message/)
    await command(h.fake, ids.alice, "stop", {}, /Stopped/)
  }, 40_000)

  it("says so when everyone left the voice channel", async () => {
    await command(h.fake, ids.alice, "play", { query: h.files.url("/b660.ogg") }, /Now playing/)
    const board = await boardOf(h.fake, /b660/)
    for (const user of [ids.alice, ids.bob]) h.fake.userJoinsVoice(user, ids.guild, null)
    await eventually(() => /everyone left/i.test(text(latest(h.fake, board)!)), "the alone teardown to be shown", 20_000)
    assert.deepEqual(liveButtons(latest(h.fake, board)!), [])
  }, 40_000)
})

/** A bot of its own: the message it posted must still read "Now playing" until it shuts down. */
describe("Reprise against the fake Discord: announcing a shutdown", () => {
  const h = blockHarness({ tones: { "/c550.ogg": [550, 30] } })

  it("says so when the bot shuts down", async () => {
    await command(h.fake, ids.alice, "play", { query: h.files.url("/c550.ogg") }, /Now playing/)
    const board = await boardOf(h.fake, /c550/)
    await h.restart({ signal: "SIGTERM" })
    const final = latest(h.fake, board)
    assert.isDefined(final)
    assert.match(text(final!), /shut down|restart/i)
    assert.deepEqual(liveButtons(final!), [])
  }, 60_000)
})

describe("Reprise against the fake Discord: autoplay that finds nothing", () => {
  // One track in the library: once it has played, autoplay has nothing new to offer.
  const h = blockHarness({ tones: {}, music: { lonely: [440, 2] } })

  it("says so in the channel instead of falling silent", async () => {
    await command(h.fake, ids.alice, "settings", { autoplay: true }, /Autoplay is on/)
    await command(h.fake, ids.alice, "play", { query: "local:lonely" }, /lonely/)
    const told = await h.fake.waitForMessage(
      (e) => e.via === "channel" && e.kind === "create" && /Autoplay found nothing new/.test(text(e)),
      20_000
    )
    assert.match(text(told), /after \*\*lonely\*\*\. Add something with `\/play`\./)
  }, 40_000)
})
