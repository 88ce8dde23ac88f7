import { assert, describe, it } from "vitest"
import { workingFfmpeg } from "../support/audioProcesses.ts"
import { opusFrames, type OpusFrame } from "../fake-discord/ReceivedAudio.ts"
import type { VoiceStream } from "../fake-discord/FakeDiscord.ts"
import { blockHarness, command, eventually, ids, sleep, text } from "./harness.ts"
import { span, steps } from "./steppedTone.ts"

// Long enough for all five tests: the paused one resumes wherever the three before it left the track.
const frequencies = steps(60)

/** The frames of a stream received in [from, to) (performance.now()). */
const framesOf = (stream: VoiceStream, from = 0, to = Number.POSITIVE_INFINITY): ReadonlyArray<OpusFrame> =>
  opusFrames({ ...stream, packets: stream.packets.filter((p) => p.at >= from && p.at < to) }).frames

/** Restarts are a blip: the same track goes on, from where it was, soon after the gateway is back. */
describe("Reprise against the fake Discord: resuming after a restart", () => {
  const h = blockHarness({
    env: { DISCORD_GUILD_ID: ids.guild },
    tones: {},
    sequences: { "/steps.ogg": frequencies }
  })
  const streams = () => h.fake.voiceStreams(ids.guild)

  /** Waits for the restarted bot's audio and reads where it came back, and how long after READY. */
  const resumedAudio = async (streamsBefore: number) => {
    await eventually(() => streams().length > streamsBefore && (streams().at(-1)?.packets.length ?? 0) > 150, "resumed audio", 20_000)
    const stream = streams().at(-1)!
    const frames = framesOf(stream)
    const ready = h.fake.readyTimes().at(-1)!
    return { stream, delayMs: frames[0]!.at - ready, position: span(frames, frequencies).first!.ms }
  }

  it("after SIGTERM: the same track comes back within 3 s of READY, within ±0.5 s of where it stopped", async () => {
    await command(h.fake, ids.alice, "play", { query: h.files.url("/steps.ogg") }, /Now playing/)
    await sleep(4_500)
    const before = streams().length
    const heard = span(framesOf(streams().at(-1)!), frequencies).last!
    await h.restart()
    const resumed = await resumedAudio(before)
    assert.isBelow(resumed.delayMs, 3_000, "audio within 3 s of the gateway being ready")
    assert.approximately(resumed.position, heard.ms, 500, "continues where it stopped")
    assert.isAbove(resumed.position, 3_500)
    const notice = await h.fake.waitForMessage((e) => /back after a restart/.test(text(e)), 10_000)
    assert.match(text(notice), /continues from 0:0\d/)
  }, 60_000)

  it("after SIGKILL: back within 3 s, at most 3 s before the stop and never more than 1 s after", async () => {
    await sleep(3_000)
    const before = streams().length
    const heard = span(framesOf(streams().at(-1)!), frequencies).last!
    await h.restart({ signal: "SIGKILL" })
    const resumed = await resumedAudio(before)
    assert.isBelow(resumed.delayMs, 3_000)
    assert.isAtLeast(resumed.position, heard.ms - 3_000)
    assert.isAtMost(resumed.position, heard.ms + 1_000)
  }, 60_000)

  it("when FFmpeg is killed mid-track, the track goes on from its position within 1 s", async () => {
    const bot = h.bot.process.pid!
    const ffmpeg = workingFfmpeg(bot)
    assert.lengthOf(ffmpeg, 1, "one FFmpeg plays the track")
    const killedAt = performance.now()
    process.kill(ffmpeg[0]!.pid, "SIGKILL")
    // What FFmpeg had encoded ahead plays out first; the player notices when it runs dry.
    await h.bot.waitForOutput(/the audio process died; the track goes on from where it was/, 40_000)
    await sleep(2_000)
    // A stream's packets are a copy taken when it is read: read it after the wait.
    const stream = streams().at(-1)!
    const before = framesOf(stream, 0, killedAt)
    const after = framesOf(stream, killedAt)
    const gaps = after.map((f, i) => f.at - (i === 0 ? before.at(-1)!.at : after[i - 1]!.at))
    assert.isBelow(Math.max(...gaps), 1_000, "no gap of a second or more")
    // Every frame since the kill is the same track going on: its position grew with the time that passed.
    const lastBefore = span(before, frequencies).last!
    const lastAfter = span(after, frequencies).last!
    assert.approximately(lastAfter.ms - lastBefore.ms, lastAfter.at - lastBefore.at, 1_000)
  }, 60_000)

  it("paused stays paused across a restart, and /resume continues from there", async () => {
    const paused = await command(h.fake, ids.alice, "pause", {}, /Paused at/)
    const at = /Paused at (\d+):(\d\d)/.exec(paused.text)!
    const pausedMs = (Number(at[1]) * 60 + Number(at[2])) * 1000
    const before = streams().length
    await h.restart()
    await h.fake.waitForMessage((e) => /back after a restart: .* is paused at/.test(text(e)), 20_000)
    await sleep(1_500)
    const rejoined = streams().slice(before)
    assert.isTrue(rejoined.every((s) => framesOf(s).length === 0), "no audio while paused")
    await command(h.fake, ids.alice, "resume", {}, /Resumed from/)
    await eventually(() => (streams().at(-1)?.packets.length ?? 0) > 100, "audio after /resume", 10_000)
    const back = span(framesOf(streams().at(-1)!), frequencies).first!
    assert.approximately(back.ms, pausedMs, 1_500, "from the paused position (shown to the second)")
  }, 60_000)

  it("discards a snapshot older than RESUME_MAX_AGE, saying so in the log", async () => {
    const before = streams().length
    await h.restart({ env: { RESUME_MAX_AGE: "1 second" } })
    await h.bot.waitForOutput(/discarded a snapshot/, 20_000)
    await sleep(1_500)
    assert.strictEqual(streams().length, before, "no voice session for a stale snapshot")
    assert.match(h.bot.output(), /RESUME_MAX_AGE is 1s/)
  }, 60_000)
})
