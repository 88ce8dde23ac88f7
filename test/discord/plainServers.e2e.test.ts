import { execFile } from "node:child_process"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { generateTone, generateToneSequence } from "../support/audioFixtures.ts"
import { type FileServer, startFileServer } from "../support/audioHttpServer.ts"
import { tempDir } from "../support/database.ts"
import { opusFrames, type OpusFrame } from "../fake-discord/ReceivedAudio.ts"
import type { VoiceStream } from "../fake-discord/FakeDiscord.ts"
import { blockHarness, command, eventually, ids } from "./harness.ts"
import { positions, steps } from "./steppedTone.ts"

const run = promisify(execFile)
const frequencies = steps(20)

const framesOf = (stream: VoiceStream, from = 0): ReadonlyArray<OpusFrame> =>
  opusFrames({ ...stream, packets: stream.packets.filter((p) => p.at >= from) }).frames

/** The track positions heard, in order, where the tone could be read. */
const heard = (frames: ReadonlyArray<OpusFrame>): Array<number> =>
  positions(frames, frequencies).flatMap((ms) => (ms === null ? [] : [ms]))

/** An endless MP3 stream, as internet radio sends it: no length, one second of tone after another. */
const startRadio = async (second: string): Promise<{ readonly url: string; readonly close: () => Promise<void> }> => {
  const { readFile } = await import("node:fs/promises")
  const chunk = await readFile(second)
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "audio/mpeg" })
    if (req.method === "HEAD") {
      res.end()
      return
    }
    res.write(chunk)
    const timer = setInterval(() => res.write(chunk), 1000)
    res.on("close", () => clearInterval(timer))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/radio.mp3`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

/**
 * Files as plain servers and odd containers deliver them: a server that ignores `Range`, a library
 * file whose container does not say how long it is, an endless stream.
 */
describe("Reprise against the fake Discord: files without byte ranges or a duration tag", () => {
  const dir = tempDir("plain-servers")
  let plain: FileServer
  let radio: Awaited<ReturnType<typeof startRadio>>
  const h = blockHarness({
    env: { DISCORD_GUILD_ID: ids.guild },
    tones: {},
    prepare: async (dataDir) => {
      // WebM written as a live muxer writes it: no duration and no cues, as from a pipe.
      const ogg = await generateToneSequence(dir, { frequencies, format: "ogg", name: "library-steps" })
      await run("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", ogg, "-c", "copy", "-live", "1", "-f", "webm",
        join(dataDir, "music", "untagged.webm")])
    }
  })

  beforeAll(async () => {
    const steps = await generateToneSequence(dir, { frequencies, format: "ogg", name: "steps" })
    plain = await startFileServer({ "/steps.ogg": steps }, { ignoreRange: true })
    radio = await startRadio(await generateTone(dir, { frequency: 440, seconds: 1, format: "mp3", name: "radio" }))
  })
  afterAll(async () => {
    await plain?.close()
    await radio?.close()
  })

  const streams = () => h.fake.voiceStreams(ids.guild)
  /** Waits until the track has played out: sound came, then nothing for 1.5 s. */
  const playedOut = (from: number) =>
    eventually(() => {
      const last = streams().at(-1)?.packets.at(-1)
      return last !== undefined && last.at > from && performance.now() - last.at > 1_500
    }, "the track to end", 40_000)

  it("a 20 s file from a server that ignores Range plays once, in order, and ends", async () => {
    const from = performance.now()
    await command(h.fake, ids.alice, "play", { query: plain.url("/steps.ogg") }, /Now playing/)
    await playedOut(from)
    const frames = framesOf(streams().at(-1)!, from)
    const ms = heard(frames)
    assert.isBelow(ms[0]!, 1_500, "starts at the beginning")
    assert.isAbove(ms.at(-1)!, 18_500, "reaches the end")
    for (let i = 1; i < ms.length; i++) assert.isAtLeast(ms[i]!, ms[i - 1]! - 100, `never goes back (at frame ${i})`)
    assert.isBelow(frames.length, 21 * 50, "heard once, not twice")
  }, 60_000)

  /** What was heard from `from` until the track played out: in order, from `startMs`, to the end, once. */
  const playsOnFrom = async (from: number, startMs: number) => {
    await playedOut(from)
    const frames = framesOf(streams().at(-1)!, from)
    // A seek keeps the previous run playing until the new one has sound: it is heard there first.
    const jump = heard(frames).findIndex((ms) => Math.abs(ms - startMs) < 700)
    assert.isTrue(jump >= 0 && jump < 50, "goes on from there within a second")
    const ms = heard(frames).slice(jump)
    for (let i = 1; i < ms.length; i++) assert.isAtLeast(ms[i]!, ms[i - 1]! - 100, `never goes back (at frame ${i})`)
    assert.isAbove(ms.at(-1)!, 18_500, "reaches the end")
    assert.isBelow(frames.length, (20_000 - startMs + 2_000) / 20, "heard once")
  }

  it("pause and resume go on where it paused, and play out once", async () => {
    const from = performance.now()
    await command(h.fake, ids.alice, "play", { query: plain.url("/steps.ogg") }, /Now playing/)
    await eventually(() => heard(framesOf(streams().at(-1)!, from)).some((ms) => ms > 4_000), "4 s of audio", 15_000)
    const paused = await command(h.fake, ids.alice, "pause", {}, /Paused/)
    const at = heard(framesOf(streams().at(-1)!, from)).at(-1)!
    assert.match(paused.text, /Paused at 0:0[45]/)
    const resumedAt = performance.now()
    await command(h.fake, ids.alice, "resume", {}, /Resumed/)
    await playsOnFrom(resumedAt, at)
  }, 60_000)

  it("its length is learnt by reading it once, and /seek reads forward to the position", async () => {
    const from = performance.now()
    await command(h.fake, ids.alice, "play", { query: plain.url("/steps.ogg") }, /Now playing/)
    await eventually(() => heard(framesOf(streams().at(-1)!, from)).length > 50, "audio", 15_000)
    const nowPlaying = await command(h.fake, ids.alice, "nowplaying")
    assert.notMatch(nowPlaying.text, /live/)
    assert.match(nowPlaying.text, /0:20/)
    const seekedAt = performance.now()
    await command(h.fake, ids.alice, "seek", { position: "0:12" }, /Jumped to 0:12/)
    await playsOnFrom(seekedAt, 12_000)
  }, 60_000)

  it("a library file whose container has no duration gets one when it starts, and can be sought", async () => {
    const from = performance.now()
    await command(h.fake, ids.alice, "play", { query: "local:untagged.webm" }, /Now playing/)
    await eventually(() => heard(framesOf(streams().at(-1)!, from)).some((ms) => ms > 1_000), "library audio", 15_000)
    const nowPlaying = await command(h.fake, ids.alice, "nowplaying")
    assert.notMatch(nowPlaying.text, /live/)
    assert.match(nowPlaying.text, /0:20/)
    const seekedAt = performance.now()
    await command(h.fake, ids.alice, "seek", { position: "0:15" }, /Jumped to 0:15/)
    await eventually(() => heard(framesOf(streams().at(-1)!, seekedAt)).length > 60, "audio after the seek", 15_000)
    assert.approximately(heard(framesOf(streams().at(-1)!, seekedAt))[0]!, 15_000, 700)
    await command(h.fake, ids.alice, "stop", {}, /Stopped/)
  }, 60_000)

  it("an endless stream stays live: no length, and /seek is refused", async () => {
    await command(h.fake, ids.alice, "play", { query: radio.url }, /Now playing/)
    const nowPlaying = await command(h.fake, ids.alice, "nowplaying")
    assert.match(nowPlaying.text, /live/)
    const seek = await command(h.fake, ids.alice, "seek", { position: "0:05" })
    assert.match(seek.text, /live stream/)
    await command(h.fake, ids.alice, "stop", {}, /Stopped/)
  }, 60_000)
})
