import { assert, describe, layer } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { afterAll, beforeAll } from "vitest"
import { EqPreset } from "../../schema/Effects.ts"
import { AudioPipeline, PipelineError } from "../../src/audio/AudioPipeline.ts"
import { EFFECTS, EQ_PRESETS } from "../../src/audio/EffectCatalog.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { plan } from "../../src/audio/PipelinePlan.ts"
import {
  findTransition,
  OPUS_DECODER_DELAY_MS,
  peakFrequency,
  rmsDb,
  slice,
  toneTimeline
} from "../support/audioAnalysis.ts"
import {
  codecOf,
  FIXTURE_FORMATS,
  type FixtureFormat,
  generateCorruptFile,
  generateTone,
  generateToneSequence
} from "../support/audioFixtures.ts"
import { type FileServer, startFileServer } from "../support/audioHttpServer.ts"
import { collectAudio, collectPackets, pipelineRequest, playable } from "../support/audioPipeline.ts"
import { ffmpegChildren, hasOpen, isWaitingSpare, workingFfmpeg } from "../support/audioProcesses.ts"
import { type FixtureMaker, fixturesForFile } from "../support/fixturesForFile.ts"

/** Peak 0.5 sine: −9.03 dBFS RMS; at 100 % (gain 0.25, −12.04 dB) it should come out near −21.07 dBFS. */
const EXPECTED_DB_AT_100 = -9.03 - 12.04
const SEQUENCE = [300, 500, 700, 900, 1100]

/** 440 Hz for 1 s in every format the pipeline plays. */
const tonePerFormat = Object.fromEntries(
  FIXTURE_FORMATS.map((format) => [format, (dir: string) => generateTone(dir, { frequency: 440, seconds: 1, format })])
) as Record<FixtureFormat, FixtureMaker>

const { files, dir } = fixturesForFile("pipeline", {
  ...tonePerFormat,
  sequenceMp3: (d) => generateToneSequence(d, { frequencies: SEQUENCE, format: "mp3" }),
  sequenceWebm: (d) => generateToneSequence(d, { frequencies: SEQUENCE, format: "webm" }),
  sequenceOgg: (d) => generateToneSequence(d, { frequencies: SEQUENCE, format: "ogg" }),
  longWav: (d) => generateTone(d, { frequency: 440, seconds: 30, format: "wav", name: "long" }),
  quietTone: (d) =>
    generateTone(d, { frequency: 440, seconds: 6, format: "wav", amplitude: 0.05, name: "quiet" }),
  lowTone: (d) => generateTone(d, { frequency: 100, seconds: 1, format: "wav", name: "low" }),
  corrupt: (d) => generateCorruptFile(d)
})

let server: FileServer
/** A plain server: every answer is 200 with the whole file, whatever `Range` asks. */
let plain: FileServer
/** The same, whose first answer breaks off halfway. */
let dropping: FileServer
beforeAll(async () => {
  server = await startFileServer({ "/tone.mp3": files.mp3, "/sequence.mp3": files.sequenceMp3 })
  plain = await startFileServer({ "/sequence.ogg": files.sequenceOgg }, { ignoreRange: true })
  dropping = await startFileServer({ "/sequence.ogg": files.sequenceOgg }, { ignoreRange: true, dropFirstAfter: 40_000 })
})
afterAll(async () => {
  await server?.close()
  await plain?.close()
  await dropping?.close()
})

/** The middle 300 ms of a 1 s output: clear of encoder start-up and of the end. */
const middle = (samples: Float32Array) => slice(samples, 300, 300)

// excludeTestServices: real clock and timers (FFmpeg runs in real time)
layer(FfmpegPipeline.layer(), { timeout: "60 seconds", excludeTestServices: true })("FfmpegPipeline", (it) => {
  describe("plays every container at the right pitch and level", () => {
    for (const format of FIXTURE_FORMATS) {
      it.effect(format, () =>
        Effect.gen(function*() {
          const request = pipelineRequest(playable(files[format], codecOf(format)))
          assert.strictEqual(plan(request)._tag, "Transcode")
          const { packets, samples } = yield* collectAudio(request)
          assert.approximately(packets.length, 50, 3)
          assert.approximately(peakFrequency(middle(samples), 300, 600), 440, 2)
          assert.approximately(rmsDb(middle(samples)), EXPECTED_DB_AT_100, 1)
        }))
    }
  })

  it.effect("plays a local HTTP URL", () =>
    Effect.gen(function*() {
      const { packets, samples } = yield* collectAudio(pipelineRequest(playable(server.url("/tone.mp3"))))
      assert.approximately(packets.length, 50, 3)
      assert.approximately(peakFrequency(middle(samples), 300, 600), 440, 2)
    }))

  describe("seek", () => {
    const checkSeek = (input: () => string) =>
      Effect.gen(function*() {
        const { samples } = yield* collectAudio(pipelineRequest(playable(input()), { startMs: 3000 }))
        // The output must open on the 900 Hz segment (0:03–0:04) and switch to 1100 Hz one second in.
        const opening = toneTimeline(slice(samples, 0, 200), SEQUENCE, 10)
        assert.isTrue(opening.slice(2).every((p) => p.frequency === 900), "opens on the 0:03 segment")
        const boundary = findTransition(samples, 900, 1100)
        assert.isDefined(boundary)
        assert.approximately(boundary! - OPUS_DECODER_DELAY_MS, 1000, 60)
        assert.approximately(samples.length / 48, 2000, 60)
      })
    it.effect("startMs 3000 lands on the segment that starts at 0:03 (MP3)", () =>
      checkSeek(() => files.sequenceMp3))
    it.effect("startMs 3000 lands on the segment that starts at 0:03 (WebM, re-encoded)", () =>
      checkSeek(() => files.sequenceWebm))
    it.effect("startMs 3000 over HTTP", () => checkSeek(() => server.url("/sequence.mp3")))
    it.effect("startMs 3000 over HTTP from a server that ignores byte ranges (Ogg)", () =>
      checkSeek(() => plain.url("/sequence.ogg")))
  })

  it.effect("nightcore turns 440 Hz into ≈550 Hz", () =>
    Effect.gen(function*() {
      const { packets, samples } = yield* collectAudio(
        pipelineRequest(playable(files.flac), { effects: ["nightcore"] })
      )
      assert.approximately(packets.length, 40, 3) // 1 s at 1.25× speed
      assert.approximately(peakFrequency(slice(samples, 200, 400), 300, 800), 550, 3)
    }))

  it.effect("50 % is 6 dB quieter than 100 %", () =>
    Effect.gen(function*() {
      const source = playable(files.wav)
      const full = yield* collectAudio(pipelineRequest(source, { volume: 100 }))
      const half = yield* collectAudio(pipelineRequest(source, { volume: 50 }))
      const difference = rmsDb(middle(full.samples)) - rmsDb(middle(half.samples))
      assert.approximately(difference, 6.02, 0.5)
    }))

  it.effect("every effect in the catalog runs through FFmpeg", () =>
    Effect.gen(function*() {
      const source = playable(files.wav)
      const results = yield* Effect.forEach(
        EFFECTS,
        (effect) =>
          collectPackets(pipelineRequest(source, { effects: [effect.name] })).pipe(
            Effect.map((packets) => ({ name: effect.name, packets: packets.length }))
          ),
        { concurrency: 4 }
      )
      for (const r of results) assert.isAbove(r.packets, 35, r.name)
    }))

  it.effect("all effects at once run (and the limiter keeps peaks down)", () =>
    Effect.gen(function*() {
      const { packets, samples } = yield* collectAudio(
        pipelineRequest(playable(files.wav), { effects: EFFECTS.map((e) => e.name), volume: 200 })
      )
      assert.isAbove(packets.length, 30)
      const peak = samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0)
      assert.isBelow(peak, 0.8)
    }))

  it.effect("every EQ preset runs; the bass preset lifts a 100 Hz tone", () =>
    Effect.gen(function*() {
      const source = playable(files.lowTone)
      const levels = yield* Effect.forEach(
        EqPreset.literals,
        (preset) =>
          collectAudio(pipelineRequest(source, { equalizer: EQ_PRESETS[preset] })).pipe(
            Effect.map(({ samples }) => [preset, rmsDb(middle(samples))] as const)
          ),
        { concurrency: 4 }
      )
      const level = new Map(levels)
      assert.approximately(level.get("bass")! - level.get("flat")!, 5, 2.5)
    }))

  // dynaudnorm smooths over 15 frames of 250 ms: a track shorter than that passes unchanged
  it.effect("normalisation lifts a quiet track", () =>
    Effect.gen(function*() {
      const source = playable(files.quietTone)
      const plain = yield* collectAudio(pipelineRequest(source))
      const normalized = yield* collectAudio(pipelineRequest(source, { normalize: true }))
      assert.approximately(normalized.packets.length, plain.packets.length, 3)
      const lift = rmsDb(slice(normalized.samples, 1000, 500)) - rmsDb(slice(plain.samples, 1000, 500))
      assert.isAbove(lift, 10)
    }))

  describe("failures", () => {
    const failure = (input: () => string) =>
      Effect.flip(collectPackets(pipelineRequest(playable(input()))))

    it.effect("a corrupt file fails with a clear reason and FFmpeg's words", () =>
      Effect.gen(function*() {
        const error = yield* failure(() => files.corrupt)
        assert.instanceOf(error, PipelineError)
        assert.strictEqual(error.reason, "the file could not be decoded")
        assert.match(error.detail, /Invalid data|could not find|Failed|Error/i)
      }))

    it.effect("a missing file", () =>
      Effect.gen(function*() {
        const error = yield* failure(() => `${dir()}/nope.mp3`)
        assert.strictEqual(error.reason, "the file does not exist")
      }))

    it.effect("a connection to a server without byte ranges that breaks off is reported as such, not played again from 0:00", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(collectPackets(pipelineRequest(playable(dropping.url("/sequence.ogg")))))
        assert.strictEqual(error.reason, "the source stopped sending audio")
        assert.isTrue(error.crashed, "the player goes on from the position")
      }))
    it.effect("an HTTP 404", () =>
      Effect.gen(function*() {
        const error = yield* failure(() => server.url("/missing.mp3"))
        assert.strictEqual(error.reason, "the source was not found (HTTP 404)")
        assert.include(error.detail, "404")
      }))
  })

  describe("process lifetime", () => {
    /** The FFmpeg that plays `path`: the one with it open. */
    const playing = (path: string) => ffmpegChildren().filter((p) => hasOpen(p.pid, path))

    it.effect("FFmpeg runs niced", () =>
      Effect.gen(function*() {
        // read at playback pace, so FFmpeg is still there to look at (drained at full speed, a
        // 30 s tone is encoded in under the 300 ms waited below)
        const fiber = yield* Stream.runForEach(
          AudioPipeline.use((p) => Effect.succeed(p.open(pipelineRequest(playable(files.longWav))))).pipe(
            Stream.unwrap
          ),
          () => Effect.sleep("20 millis")
        ).pipe(Effect.forkChild)
        yield* Effect.sleep("300 millis")
        const children = playing(files.longWav)
        assert.strictEqual(children.length, 1)
        const { getPriority } = yield* Effect.promise(() => import("node:os"))
        assert.strictEqual(getPriority(children[0]!.pid), 10)
        for (const spare of ffmpegChildren().filter(isWaitingSpare)) assert.strictEqual(getPriority(spare.pid), 10)
        yield* Fiber.interrupt(fiber)
      }))

    it.effect("taking a few packets ends the stream and kills FFmpeg", () =>
      Effect.gen(function*() {
        const packets = yield* AudioPipeline.use((p) =>
          Stream.runCollect(Stream.take(p.open(pipelineRequest(playable(files.longWav))), 10))
        )
        assert.strictEqual(packets.length, 10)
        // A spare started as this one was taken is busy loading for a moment before it waits on its stdin.
        for (let i = 0; i < 30 && workingFfmpeg().length > 0; i++) yield* Effect.sleep("100 millis")
        assert.deepStrictEqual(workingFfmpeg(), [], "nothing but the spare waiting for the next local file")
      }))

    it.effect("interrupting the consumer kills FFmpeg", () =>
      Effect.gen(function*() {
        const fiber = yield* AudioPipeline.use((p) =>
          Stream.runForEach(p.open(pipelineRequest(playable(files.longWav))), () => Effect.sleep("20 millis"))
        ).pipe(Effect.forkChild)
        yield* Effect.sleep("400 millis")
        assert.strictEqual(playing(files.longWav).length, 1)
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(workingFfmpeg(), [], "nothing but the spare waiting for the next local file")
      }))
  })
})
