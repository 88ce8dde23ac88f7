import { assert, layer } from "@effect/vitest"
import { Effect, Schedule, Stream } from "effect"
import { copyFileSync, existsSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import { AudioPipeline, type PipelineRequest } from "../../src/audio/AudioPipeline.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { plan } from "../../src/audio/PipelinePlan.ts"
import { decodeMono, peakFrequency, rmsDb, slice } from "../support/audioAnalysis.ts"
import { generateTone, generateToneSequence } from "../support/audioFixtures.ts"
import { type FileServer, startFileServer } from "../support/audioHttpServer.ts"
import { collectPackets, pipelineRequest, playable } from "../support/audioPipeline.ts"
import { ffmpegChildren, hasOpen, isWaitingSpare } from "../support/audioProcesses.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"

const { files, dir } = fixturesForFile("warm", {
  tone: (d) => generateTone(d, { frequency: 440, seconds: 10, format: "wav" }),
  sequence: (d) => generateToneSequence(d, { frequencies: [300, 500, 700, 900, 1100], format: "mp3" })
})

let server: FileServer
beforeAll(async () => {
  server = await startFileServer({ "/sequence.mp3": files.sequence })
})
afterAll(async () => {
  await server?.close()
})

const spares = () => ffmpegChildren().filter(isWaitingSpare)

/** Polls `check` until it holds (the spare starts and stops in the background). */
const eventually = (check: () => boolean, what: string) =>
  Effect.sync(check).pipe(
    Effect.repeat({ until: (ok) => ok, schedule: Schedule.spaced("20 millis") }),
    Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error(`waited 10 s for ${what}`)) })
  )

/**
 * The first 1.2 s of `request`'s audio, read at about playback pace so that FFmpeg is still there
 * to look at, and the FFmpegs that had `path` open.
 */
const listen = (request: PipelineRequest, path: string) =>
  Effect.gen(function*() {
    const players = new Set<number>()
    const packets = yield* AudioPipeline.use((p) =>
      Stream.runCollect(
        p.open(request).pipe(
          Stream.take(60),
          Stream.tap(() => Effect.andThen(Effect.sleep("5 millis"), Effect.sync(() => {
            for (const child of ffmpegChildren()) if (hasOpen(child.pid, path)) players.add(child.pid)
          })))
        )
      )
    )
    return { packets, samples: decodeMono(packets), players: [...players] }
  })

const middle = (samples: Float32Array) => slice(samples, 300, 600)

// excludeTestServices: real clock and timers (FFmpeg runs in real time)
layer(FfmpegPipeline.layer({ warmIdle: "1500 millis" }), { timeout: "60 seconds", excludeTestServices: true })("spare FFmpeg", (it) => {
  it.effect("the first local start is cold and leaves a spare; the next is played by it, with its own settings", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(ffmpegChildren(), [], "no FFmpeg before anything played from disk")
      const cold = yield* listen(pipelineRequest(playable(files.tone), { volume: 100 }), files.tone)
      yield* eventually(() => spares().length === 1, "the spare")
      const [spare] = spares()
      const request = pipelineRequest(playable(files.tone), { volume: 50 })
      assert.strictEqual(plan(request)._tag, "Transcode")
      const warm = yield* listen(request, files.tone)
      assert.deepStrictEqual(warm.players, [spare!.pid], "the spare that waited played it")
      assert.notInclude(cold.players, spare!.pid)
      assert.approximately(peakFrequency(middle(warm.samples), 300, 600), 440, 2)
      // the graph it was given on fd 3 holds the volume: 50 % is 6 dB under 100 %
      assert.approximately(rmsDb(middle(cold.samples)) - rmsDb(middle(warm.samples)), 6.02, 0.5)
    }))

  it.effect("the spare sends the same packets as a cold start of the same audio", () =>
    Effect.gen(function*() {
      yield* eventually(() => spares().length === 1, "the spare")
      const [spare] = spares()
      const warm = yield* listen(pipelineRequest(playable(files.sequence)), files.sequence)
      assert.deepStrictEqual(warm.players, [spare!.pid])
      // over HTTP FFmpeg always starts cold
      const cold = yield* collectPackets(pipelineRequest(playable(server.url("/sequence.mp3"))))
      const whole = yield* collectPackets(pipelineRequest(playable(files.sequence)))
      assert.isAbove(cold.length, 240)
      assert.deepStrictEqual(whole.map((p) => Buffer.from(p).toString("hex")), cold.map((p) => Buffer.from(p).toString("hex")))
    }))

  it.effect("a file name with quotes and spaces reaches the spare intact", () =>
    Effect.gen(function*() {
      const odd = join(dir(), `it's a "tone" \\ file.wav`)
      copyFileSync(files.tone, odd)
      yield* eventually(() => spares().length === 1, "the spare")
      const [spare] = spares()
      const heard = yield* listen(pipelineRequest(playable(odd)), odd)
      assert.deepStrictEqual(heard.players, [spare!.pid])
      assert.approximately(peakFrequency(middle(heard.samples), 300, 600), 440, 2)
    }))

  it.effect("a spare killed while it waits is not used: the track starts cold, and a new spare follows", () =>
    Effect.gen(function*() {
      yield* eventually(() => spares().length === 1, "the spare")
      const [spare] = spares()
      process.kill(spare!.pid, "SIGKILL")
      // reaped, not only dead: the bot learns of an exit when it reaps the process
      yield* eventually(() => !existsSync(`/proc/${spare!.pid}`), "the killed spare to be reaped")
      const heard = yield* listen(pipelineRequest(playable(files.tone)), files.tone)
      assert.lengthOf(heard.players, 1)
      assert.notStrictEqual(heard.players[0], spare!.pid)
      assert.approximately(peakFrequency(middle(heard.samples), 300, 600), 440, 2)
      yield* eventually(() => spares().length === 1, "a new spare")
    }))

  it.effect("a spare not taken for warmIdle is stopped", () =>
    Effect.gen(function*() {
      yield* eventually(() => spares().length === 1, "the spare")
      yield* eventually(() => ffmpegChildren().length === 0, "the idle spare to stop")
    }))
})
