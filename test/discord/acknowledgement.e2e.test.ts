import { afterAll, assert, beforeAll, describe, it } from "vitest"
import type { FakeDiscord } from "../fake-discord/FakeDiscord.ts"
import { otlpReceiver } from "../support/otlp.ts"
import { blockHarness, command, eventually, ids, sleep, waitForAnswer } from "./harness.ts"

const callback = /^\/interactions\/\d+\/[^/]+\/callback$/
/** What the bot sent to the interaction's callback route, answered or not. */
const attempts = (fake: FakeDiscord, sent: { readonly id: string }) =>
  fake.restCalls.filter((c) => c.method === "POST" && c.path.startsWith(`/interactions/${sent.id}/`))

/** Against the fake Discord refusing the first answer of an interaction: 500s, then 429s. */
describe("Reprise against the fake Discord: an interaction that cannot be acknowledged", () => {
  // Registered before the harness's own hook runs (it reads the endpoint when it starts the bot).
  let otlp: Awaited<ReturnType<typeof otlpReceiver>> | undefined
  beforeAll(async () => {
    otlp = await otlpReceiver()
  })
  afterAll(() => otlp?.server.close())
  const h = blockHarness({
    env: () => ({ DISCORD_GUILD_ID: ids.guild, OTEL_EXPORTER_OTLP_ENDPOINT: otlp?.endpoint ?? "" }),
    tones: { "/a440.ogg": [440, 120], "/b660.ogg": [660, 120], "/c880.ogg": [880, 120] }
  })

  it("sets up a queue of three tones", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await command(fake, ids.alice, "play", { query: h.files.url("/b660.ogg") }, /Queued/)
    await command(fake, ids.alice, "play", { query: h.files.url("/c880.ogg") }, /Queued/)
    assert.approximately((await h.listen(1_000)).frequency(), 440, 5)
  }, 30_000)

  it("does not skip when Discord answers 500 to /skip's acknowledgement, and skips once when the user tries again", async () => {
    const { fake } = h
    fake.failNextRest("POST", callback, { status: 500, code: 0, message: "500: Internal Server Error", times: 10 })
    const refused = fake.sendSlashCommand(ids.guild, ids.alice, "skip")
    await eventually(() => attempts(fake, refused).length >= 2, "the bot's attempts to acknowledge")
    await sleep(2_000)
    fake.clearRestFaults()
    assert.isTrue(attempts(fake, refused).every((c) => c.status === 500), "Discord accepted no answer")
    assert.approximately((await h.listen(1_000)).frequency(), 440, 5, "still the first track")

    const retried = await command(fake, ids.alice, "skip", {}, /Skipped/)
    assert.include(retried.text, "a440")
    const playing = await command(fake, ids.alice, "queue")
    assert.match(playing.text, /b660[\s\S]*c880/, "one track skipped, not two")
    let heard = 0
    for (let i = 0; i < 10 && Math.abs(heard - 660) >= 5; i++) heard = (await h.listen(500)).frequency()
    assert.approximately(heard, 660, 5, "the second track heard")
  }, 40_000)

  it("stops calling back once the first answer's 3 seconds are over, however often Discord says 429", async () => {
    const { fake } = h
    fake.failNextRest("POST", callback, {
      status: 429, code: 0, message: "You are being rate limited.", times: 1_000, retryAfterSeconds: 0.8
    })
    const limited = fake.sendSlashCommand(ids.guild, ids.alice, "skip")
    const sentAt = fake.world.interactions.get(limited.id)?.sentAt ?? 0
    await eventually(() => attempts(fake, limited).length >= 2, "the bot's attempts to acknowledge")
    // Long enough for @discordjs/rest to have tried again several times past the window, had nothing bounded it.
    await sleep(4_000)
    fake.clearRestFaults()
    const calls = attempts(fake, limited)
    assert.isAtLeast(calls.length, 2, "retried within the window")
    for (const call of calls) {
      assert.strictEqual(call.status, 429)
      assert.isBelow(call.at - sentAt, 3_300, `an attempt ${Math.round(call.at - sentAt)} ms after the interaction`)
    }
    assert.approximately((await h.listen(1_000)).frequency(), 660, 5, "nothing skipped")

    const after = fake.sendSlashCommand(ids.guild, ids.alice, "nowplaying")
    assert.match((await waitForAnswer(fake, after)).message.embeds.map((e) => JSON.stringify(e)).join(), /b660/)
  }, 40_000)

  it("writes no interaction token and no signed link's query into its log or its spans", async () => {
    const { fake } = h
    // An upload whose acknowledgement is refused: its signed link is in the interaction.
    const bytes = new Uint8Array(await (await fetch(h.files.url("/b660.ogg"))).arrayBuffer())
    fake.failNextRest("POST", callback, { status: 500, code: 0, message: "500: Internal Server Error", times: 4 })
    const unacknowledged = fake.sendSlashCommand(ids.guild, ids.alice, "playfile", {
      file: { filename: "first.ogg", content: bytes, contentType: "audio/ogg" }
    })
    await eventually(() => attempts(fake, unacknowledged).length >= 4, "the bot's attempts to acknowledge the upload")
    fake.clearRestFaults()
    // One acknowledged whose answer ("Queued [second.ogg](<signed link>)") is refused, and then
    // the removal of its placeholder: the failures carry the webhook's URL, with its token.
    const original = /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/
    fake.failNextRest("PATCH", original, { status: 500, code: 0, message: "500: Internal Server Error", times: 2 })
    fake.failNextRest("DELETE", original, { status: 500, code: 0, message: "500: Internal Server Error", times: 2 })
    const unanswered = fake.sendSlashCommand(ids.guild, ids.alice, "playfile", {
      file: { filename: "second.ogg", content: bytes, contentType: "audio/ogg" }
    })
    await eventually(
      () => fake.restCalls.filter((c) => c.method === "DELETE" && c.path.includes(unanswered.token)).length >= 2,
      "the bot's attempts to remove the placeholder"
    )
    fake.clearRestFaults()
    await eventually(() => (otlp?.received() ?? "").includes("DiscordEdge.command"), "spans exported", 15_000)
    await sleep(2_000)

    const output = h.bot.output()
    const spans = otlp?.received() ?? ""
    const tokens = [...fake.world.interactions.values()].map((i) => i.token)
    for (const token of tokens) {
      assert.notInclude(output, token, "an interaction token in the log")
      assert.notInclude(spans, token, "an interaction token in a span")
    }
    for (const param of ["hm", "ex", "is"]) {
      assert.notMatch(output, new RegExp(`[?&]${param}=`), `${param}= in the log`)
      assert.notMatch(spans, new RegExp(`[?&]${param}=`), `${param}= in a span`)
    }
    // The lines that would have carried them are there, with them removed.
    assert.match(output, /"could not answer an interaction"/)
    assert.match(output, /interactions\/\d+\/\[redacted\]\/callback/)
    assert.match(output, /webhooks\/\d+\/\[redacted\]\/messages/)
    await command(fake, ids.alice, "clear", {}, /Cleared/)
  }, 60_000)
})
