import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { execFile } from "node:child_process"
import { readFile, writeFile } from "node:fs/promises"
import { promisify } from "node:util"
import { afterAll, beforeAll } from "vitest"
import { AudioPipeline, type OpusPacket } from "../../src/audio/AudioPipeline.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { OggOpusDemuxer } from "../../src/audio/OggOpusDemuxer.ts"
import { plan } from "../../src/audio/PipelinePlan.ts"
import { WebmOpusDemuxer } from "../../src/audio/WebmOpusDemuxer.ts"
import {
  decodeOpus,
  findTransition,
  OPUS_DECODER_DELAY_MS,
  peakFrequency,
  SAMPLES_PER_PACKET,
  slice,
  toMono
} from "../support/audioAnalysis.ts"
import { generateTone, generateToneSequence } from "../support/audioFixtures.ts"
import { type FileServer, startFileServer } from "../support/audioHttpServer.ts"
import { collectAudio, collectPackets, pipelineRequest, playable } from "../support/audioPipeline.ts"
import { workingFfmpeg } from "../support/audioProcesses.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"

const run = promisify(execFile)
const SEQUENCE = [300, 500, 700, 900, 1100]
/** 100 % shown = the source's own level: the only configuration in which passthrough applies. */
const options = { referenceGain: 1, bitrate: 128_000 }

const { files, dir } = fixturesForFile("passthrough", {
  webm: (d) => generateTone(d, { frequency: 440, seconds: 2, format: "webm" }),
  ogg: (d) => generateTone(d, { frequency: 440, seconds: 2, format: "ogg" }),
  sequence: (d) => generateToneSequence(d, { frequencies: SEQUENCE, format: "webm" })
})

let server: FileServer
let corruptWebm: string
beforeAll(async () => {
  // A WebM whose header is intact and whose audio is cut off mid-cluster, then garbage.
  const bytes = await readFile(files.webm)
  corruptWebm = `${dir()}/corrupt.webm`
  await writeFile(corruptWebm, Buffer.concat([bytes.subarray(0, 600), Buffer.alloc(2000, 0)]))
  server = await startFileServer({ "/tone.webm": files.webm, "/tone.ogg": files.ogg })
})
afterAll(() => server?.close())

/** What FFmpeg's own demuxer finds in the file: packet sizes and durations. */
const probePackets = async (path: string) => {
  const { stdout } = await run("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "a:0",
    "-show_entries",
    "packet=size,duration",
    "-of",
    "csv=p=0",
    path
  ])
  // side-data lines come out empty in this format: keep the packet lines only
  return stdout.trim().split("\n").filter((line) => /^\d/.test(line)).map((line) => {
    const [duration, size] = line.split(",").map(Number)
    return { duration: duration!, size: size! }
  })
}

/** Collects the packets while checking that no FFmpeg was started to produce them. */
const collectWithoutFfmpeg = (input: string, codec: "webm-opus" | "ogg-opus") =>
  Effect.gen(function*() {
    const request = pipelineRequest(playable(input, codec))
    assert.deepStrictEqual(plan(request, options), {
      _tag: "Passthrough",
      container: codec === "webm-opus" ? "webm" : "ogg"
    })
    let spawned = 0
    const packets = yield* AudioPipeline.use((p) =>
      Stream.runCollect(p.open(request).pipe(Stream.tap(() => Effect.sync(() => spawned += workingFfmpeg().length))))
    )
    assert.strictEqual(spawned, 0, "no FFmpeg while passing through")
    return packets
  })

const assertSamePackets = (packets: ReadonlyArray<OpusPacket>, probed: ReadonlyArray<{ size: number }>) => {
  assert.strictEqual(packets.length, probed.length)
  assert.deepStrictEqual(packets.map((p) => p.length), probed.map((p) => p.size))
}

layer(FfmpegPipeline.layer(options), { timeout: "60 seconds", excludeTestServices: true })("passthrough", (it) => {
  it.effect("WebM/Opus: the file's own packets, untouched, without FFmpeg", () =>
    Effect.gen(function*() {
      const packets = yield* collectWithoutFfmpeg(files.webm, "webm-opus")
      const probed = yield* Effect.promise(() => probePackets(files.webm))
      assertSamePackets(packets, probed)
      // every packet holds 20 ms: decoded length = packets × 960 samples
      assert.isTrue(probed.every((p) => p.duration === 20))
      const pcm = decodeOpus(packets)
      assert.strictEqual(pcm.length / 2, packets.length * SAMPLES_PER_PACKET)
      assert.approximately(peakFrequency(slice(toMono(pcm), 500, 500), 300, 600), 440, 2)
    }))

  it.effect("Ogg/Opus: the same", () =>
    Effect.gen(function*() {
      const packets = yield* collectWithoutFfmpeg(files.ogg, "ogg-opus")
      const probed = yield* Effect.promise(() => probePackets(files.ogg))
      assertSamePackets(packets, probed)
    }))

  it.effect("over HTTP, byte for byte the same packets as from the file", () =>
    Effect.gen(function*() {
      const fromFile = yield* collectWithoutFfmpeg(files.webm, "webm-opus")
      const fromHttp = yield* collectWithoutFfmpeg(server.url("/tone.webm"), "webm-opus")
      assert.deepStrictEqual(fromHttp.map((p) => Buffer.from(p).toString("base64")), fromFile.map((p) =>
        Buffer.from(p).toString("base64")))
      const fromOgg = yield* collectWithoutFfmpeg(server.url("/tone.ogg"), "ogg-opus")
      assert.isAbove(fromOgg.length, 95)
    }))

  it.effect("seeking an Opus source remuxes (no re-encode) and lands on the position", () =>
    Effect.gen(function*() {
      const request = pipelineRequest(playable(files.sequence, "webm-opus"), { startMs: 2500 })
      assert.strictEqual(plan(request, options)._tag, "Remux")
      const { samples } = yield* collectAudio(request)
      const boundary = findTransition(samples, 700, 900)
      assert.isDefined(boundary)
      assert.approximately(boundary! - OPUS_DECODER_DELAY_MS, 500, 60)
    }))

  it.effect("any change to the sound re-encodes", () =>
    Effect.gen(function*() {
      const request = pipelineRequest(playable(files.webm, "webm-opus"), { volume: 50 })
      assert.strictEqual(plan(request, options)._tag, "Transcode")
      const { samples } = yield* collectAudio(request)
      assert.approximately(peakFrequency(slice(samples, 500, 500), 300, 600), 440, 2)
    }))

  describe("failures", () => {
    it.effect("HTTP 404", () =>
      Effect.gen(function*() {
        const source = playable(server.url("/nope.webm"), "webm-opus")
        const error = yield* Effect.flip(collectPackets(pipelineRequest(source)))
        assert.strictEqual(error.reason, "the source was not found (HTTP 404)")
        assert.include(error.detail, "404")
      }))
    it.effect("a missing file", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(collectPackets(pipelineRequest(playable(`${dir()}/nope.webm`, "webm-opus"))))
        assert.strictEqual(error.reason, "the file does not exist")
      }))
    it.effect("a file that is not WebM", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(collectPackets(pipelineRequest(playable(files.ogg, "webm-opus"))))
        assert.strictEqual(error.reason, "the file could not be decoded")
        assert.include(error.detail, "not a WebM")
      }))
    it.effect("a WebM broken mid-way", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(collectPackets(pipelineRequest(playable(corruptWebm, "webm-opus"))))
        assert.strictEqual(error.reason, "the file could not be decoded")
      }))
  })
})

describe("demuxers", () => {
  /** Feeds `bytes` in pieces of `size` bytes. */
  const feed = (demuxer: { push(c: Uint8Array): Array<Uint8Array> }, bytes: Uint8Array, size: number) => {
    const out: Array<Uint8Array> = []
    for (let i = 0; i < bytes.length; i += size) out.push(...demuxer.push(bytes.subarray(i, i + size)))
    return out.map((p) => Buffer.from(p).toString("base64"))
  }

  for (const [name, make, file] of [
    ["WebM", () => new WebmOpusDemuxer(), () => files.webm],
    ["Ogg", () => new OggOpusDemuxer(), () => files.ogg]
  ] as const) {
    describe(name, () => {
      it.effect("gives the same packets whatever the chunking", () =>
        Effect.gen(function*() {
          const bytes = new Uint8Array(yield* Effect.promise(() => readFile(file())))
          const whole = feed(make(), bytes, bytes.length)
          assert.isAbove(whole.length, 95)
          for (const size of [3, 255, 4096]) assert.deepStrictEqual(feed(make(), bytes, size), whole)
        }))
    })
  }

  it.effect("the Ogg demuxer skips OpusHead/OpusTags and rejects non-Ogg bytes", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(yield* Effect.promise(() => readFile(files.ogg)))
      const packets = new OggOpusDemuxer().push(bytes)
      assert.isFalse(packets.some((p) => Buffer.from(p.subarray(0, 8)).toString() === "OpusHead"))
      const bad = new OggOpusDemuxer()
      bad.push(new TextEncoder().encode("this is not an ogg stream at all"))
      assert.isDefined(bad.error)
    }))
})
