import { assert, describe, it } from "vitest"
import { isLeave } from "../fake-discord/FakeDiscord.ts"
import { analyse } from "../fake-discord/ReceivedAudio.ts"
import { blockHarness, command, eventually, ids, isEphemeral, sleep, text } from "./harness.ts"

/** One bot for the whole block: each test continues where the previous one left the player. */
describe("Reprise against the fake Discord: playback", () => {
  const h = blockHarness({
    fake: { heartbeatIntervalMs: 1000, voiceHeartbeatIntervalMs: 1000 },
    tones: { "/a440.ogg": [440, 30], "/b660.ogg": [660, 30], "/c880.ogg": [880, 2] }
  })
  const { stream, listen } = h
  const packets = () => stream().packets.length

  it("defers /play within 3 s, says Now playing, and sends the tone decrypted at 20 ms pacing", async () => {
    const { fake } = h
    const play = fake.sendSlashCommand(ids.guild, ids.alice, "play", { query: h.files.url("/a440.ogg") })
    const ack = await fake.waitForInteractionResponse(play.id)
    assert.strictEqual(ack.type, 5, "deferred")
    assert.isBelow(ack.latencyMs, 3000)
    const reply = await fake.waitForEditReply(play.token, (e) => e.message.content.startsWith("Now playing"), 15_000)
    assert.include(reply.message.content, "a440")
    const join = await fake.waitForGatewayOp(4, (op) => !isLeave(op.d))
    assert.deepInclude(join.d, { guild_id: ids.guild, channel_id: ids.music, self_deaf: true })
    const identify = await fake.waitForVoiceOp(0)
    assert.deepInclude(identify.d, { max_dave_protocol_version: 1 }, "DAVE at the library default")
    await fake.waitForRtp(ids.guild, 100, 15_000)
    const audio = analyse(stream())
    if (process.env.E2E_TIMING) {
      const gaps = audio.frames.slice(1).map((f, i) => [i, Math.round(f.at - (audio.frames[i]?.at ?? 0))])
      process.stderr.write(`pacing ${JSON.stringify(audio.pacing)} big ${JSON.stringify(gaps.filter((g) => g[1]! > 30))}\n`)
    }
    assert.strictEqual(audio.decryptFailures, 0)
    assert.isAtLeast(audio.pacing.meanMs, 18)
    assert.isAtMost(audio.pacing.meanMs, 22)
    assert.isBelow(audio.pacing.maxGapMs, 60)
    assert.strictEqual(audio.continuity.sequenceBreaks, 0)
    assert.approximately(audio.frequency(), 440, 5)
  }, 60_000)

  it("posts one now-playing message with buttons and edits it in place", async () => {
    const { fake } = h
    const posted = await fake.waitForMessage((e) => e.via === "channel" && e.kind === "create")
    assert.match(text(posted), /Now playing/)
    const ids_ = JSON.stringify(posted.message.components)
    for (const id of ["np:previous", "np:toggle", "np:skip", "np:stop", "np:loop", "np:shuffle", "np:queue"]) {
      assert.include(ids_, id)
    }
    const queue = await fake.waitForInteractionResponse(fake.pressButton(posted.message.id, "np:queue", ids.alice).id)
    assert.strictEqual(queue.type, 4, "the queue is a reply of its own")
    assert.strictEqual(Number(queue.data["flags"]) & 64, 64, "seen by the presser alone")
    assert.match(JSON.stringify(queue.data["embeds"]), /Queue — page 1 of 1.*\*\*Now:\*\*/)
    const press = fake.pressButton(posted.message.id, "np:loop", ids.alice)
    const update = await fake.waitForInteractionResponse(press.id)
    assert.strictEqual(update.type, 6, "acknowledged before the press is applied, the message left as it is")
    const edited = await fake.waitForEditReply(press.token, (e) => text(e).includes("Loop: track"))
    assert.strictEqual(edited.message.id, posted.message.id, "the button updates the message in place")
    const back = fake.pressButton(posted.message.id, "np:loop", ids.alice)
    await fake.waitForInteractionResponse(back.id)
    const again = fake.pressButton(posted.message.id, "np:loop", ids.alice)
    await fake.waitForInteractionResponse(again.id)
    const creates = fake.messageEvents.filter((e) => e.via === "channel" && e.kind === "create")
    assert.lengthOf(creates, 1, "never re-posted")
  }, 30_000)

  it("/pause stops the audio frames and /resume continues the tone", async () => {
    const { fake } = h
    const paused = await command(fake, ids.alice, "pause", {}, /Paused/)
    assert.match(paused.text, /Paused at \d+:\d\d/)
    await sleep(300)
    const before = analyse(stream()).frames.length
    await sleep(700)
    assert.strictEqual(analyse(stream()).frames.length, before, "no audio while paused")
    await command(fake, ids.alice, "resume", {}, /Resumed/)
    const audio = await listen(1500)
    assert.isAbove(audio.frames.length, 50)
    assert.approximately(audio.frequency(), 440, 5)
  }, 30_000)

  it("/volume changes the decoded level", async () => {
    const { fake } = h
    const loud = await listen(1000)
    await command(fake, ids.alice, "volume", { level: 50 }, /Volume set to 50%/)
    await sleep(300)
    const quiet = await listen(1000)
    assert.approximately(quiet.level - loud.level, -6, 2)
    assert.approximately(quiet.frequency(), 440, 5)
    await command(fake, ids.alice, "volume", { level: 100 }, /Volume set to 100%/)
  }, 30_000)

  it("/effects nightcore shifts the tone up by a quarter, and off brings it back", async () => {
    const { fake } = h
    const on = await command(fake, ids.alice, "effects", { name: "nightcore" }, /Effects on: nightcore/)
    assert.notOk(on.answer.message.flags & 64)
    await sleep(300)
    assert.approximately((await listen(1000)).frequency(), 550, 6)
    await command(fake, ids.alice, "effects", { name: "off" }, /No effects/)
    await sleep(300)
    assert.approximately((await listen(1000)).frequency(), 440, 5)
  }, 30_000)

  it("/seek jumps within the track", async () => {
    const { fake } = h
    const seek = await command(fake, ids.alice, "seek", { position: "0:20" }, /Jumped to 0:20/)
    assert.match(seek.text, /0:20/)
    const bad = await command(fake, ids.alice, "seek", { position: "soon" })
    assert.ok(bad.answer.message.flags & 64, "a bad position is answered privately")
    assert.match(bad.text, /position/)
    // A 400-digit position is a bad option like any other, answered kindly, never an internal error.
    const huge = await command(fake, ids.alice, "seek", { position: "9".repeat(400) })
    assert.ok(huge.answer.message.flags & 64)
    assert.match(huge.text, /`position` isn't valid: use minutes and seconds like 1:23, or a number of seconds, up to 24:00:00/)
  }, 30_000)

  it("/play queues the next tone, /queue pages, and /skip moves on to it", async () => {
    const { fake } = h
    const queued = await command(fake, ids.alice, "play", { query: h.files.url("/b660.ogg") }, /Queued/)
    // The tone playing has a known length, so its rest is when the queued one starts.
    assert.match(queued.text, /at position 1, starting in about 0:\d\d$/)
    for (let i = 0; i < 11; i++) await command(fake, ids.bob, "play", { query: h.files.url("/c880.ogg") }, /Queued/)
    const list = await command(fake, ids.alice, "queue", {}, /page 1 of 2/)
    const next = fake.pressButton(list.answer.message.id, "queue:2", ids.bob)
    const page2 = await fake.waitForInteractionResponse(next.id)
    assert.strictEqual(page2.type, 7)
    assert.include(JSON.stringify(page2.data), "page 2 of 2")
    const skipped = await command(fake, ids.alice, "skip", {}, /Skipped/)
    assert.match(skipped.text, /Starting .*b660.*…/)
    await sleep(400)
    assert.approximately((await listen(1000)).frequency(), 660, 5)
  }, 60_000)

  it("/shuffle and the Shuffle button confirm, counting in words", async () => {
    const { fake } = h
    await command(fake, ids.alice, "clear", {}, /Cleared 11 tracks from the queue\./)
    await command(fake, ids.alice, "play", { query: h.files.url("/c880.ogg") }, /Queued/)
    const shuffled = await command(fake, ids.alice, "shuffle", {}, /Shuffled/)
    assert.strictEqual(shuffled.text, "Shuffled 1 track.")
    const board = await fake.waitForMessage((e) => e.via === "channel" && e.kind === "create")
    const press = fake.pressButton(board.message.id, "np:shuffle", ids.alice)
    assert.strictEqual((await fake.waitForInteractionResponse(press.id)).type, 6, "acknowledged before it is applied")
    const answer = await fake.waitForFollowUp(press.token)
    assert.strictEqual(answer.message.content, "Shuffled 1 track.", "a message of its own, not an update of the board")
    assert.isTrue(isEphemeral(answer), "seen by the presser alone")
    await command(fake, ids.alice, "clear", {}, /^Cleared 1 track from the queue\.$/)
  }, 30_000)

  it("/loop track plays the short tone again when it ends", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/c880.ogg"), next: true }, /Queued/)
    await command(fake, ids.alice, "skip", {}, /Starting .*c880/)
    await command(fake, ids.alice, "loop", { mode: "track" }, /Looping the current track/)
    // A 2 s tone heard for 5 s: it looped.
    await sleep(300)
    const audio = await listen(5000)
    assert.isAbove(audio.frames.length, 200)
    assert.approximately(audio.frequency({ fromMs: 2500, durationMs: 1000 }), 880, 5)
    await command(fake, ids.alice, "loop", { mode: "off" }, /Looping is off/)
  }, 60_000)

  it("/stop clears the queue and leaves voice (op 4 with a null channel)", async () => {
    const { fake } = h
    const started = performance.now()
    await command(fake, ids.alice, "stop", {}, /Stopped/)
    const leave = await fake.waitForGatewayOp(4, (op) => op.at > started && isLeave(op.d))
    assert.deepInclude(leave.d, { guild_id: ids.guild, channel_id: null })
    await eventually(() => fake.voiceChannelOf(ids.guild) === null, "the bot to be out of voice")
    const before = packets()
    await sleep(500)
    assert.isAtMost(packets() - before, 0)
    const final = await fake.waitForMessage((e) => e.via === "channel" && e.kind === "edit" && /Stopped/.test(text(e)))
    assert.lengthOf(final.message.components, 0, "the now-playing message loses its buttons")
    // Dozens of player events went by: the message was edited at most once per 5 s.
    const edits = fake.messageEvents.filter((e) => e.via === "channel" && e.kind === "edit").map((e) => e.at)
    assert.isAtLeast(edits.length, 3)
    const gaps = edits.slice(1).map((at, i) => at - (edits[i] ?? at))
    assert.isAtLeast(Math.min(...gaps), 4900, `edits at ${edits.map(Math.round)}`)
  }, 30_000)
})
