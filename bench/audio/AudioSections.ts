/**
 * The audio benchmark sections: capacity per path, time to first packet, the live-change restart
 * gap, the gap and the crossfade between tracks, and pacing under a busy event loop. Targets are the ones the project set for itself.
 */
import { NodeServices } from "@effect/platform-node"
import { Deferred, Effect, Fiber, Stream } from "effect"
import { ChildProcessSpawner } from "effect/process"
import { GuildId } from "../../schema/Ids.ts"
import { AudioPipeline, type PipelineRequest } from "../../src/audio/AudioPipeline.ts"
import { helperCommand } from "../../src/resilience/HelperProcess.ts"
import { VoiceOutput } from "../../src/voice/VoiceOutput.ts"
import { RecordingVoiceOutput } from "../../test/support/RecordingVoiceOutput.ts"
import { type BenchSection, type Figure, percentile, round, type SectionResult } from "../Section.ts"
import { benchLayer, benchSources, CORES, nowMs, PATHS, playable, request } from "./BenchAudio.ts"
import { runStep, searchCapacity, type StepOptions } from "./Capacity.ts"
import { crossfadeSection } from "./Crossfade.ts"
import { gapSection } from "./Gap.ts"

const log = (line: string) => process.stdout.write(`${line}\n`)

const FFMPEG_STEP: StepOptions = { rampPerSecond: 25, settleMs: 2000, maxSettleMs: 40_000, measureMs: 15_000 }
const PASSTHROUGH_STEP: StepOptions = { rampPerSecond: 250, settleMs: 2000, measureMs: 8000 }

const streamsSection: BenchSection = {
  name: "audio.streams",
  description: "concurrent real-time streams per core with < 1 % of frames > 5 ms late, per path",
  run: async () => {
    const sources = await benchSources()
    const program = Effect.gen(function*() {
      const filtered = yield* searchCapacity(
        PATHS.filtered,
        sources,
        [50, 75, 100, 125, 150, 200],
        FFMPEG_STEP,
        log
      )
      const plain = yield* searchCapacity(PATHS.plain, sources, [50, 100, 150, 200], FFMPEG_STEP, log)
      const passthrough = yield* searchCapacity(
        PATHS.passthrough,
        sources,
        [250, 500, 750, 1000, 1500, 2000, 3000],
        PASSTHROUGH_STEP,
        log
      )
      return { filtered, plain, passthrough }
    })
    const r = await Effect.runPromise(program)
    const perCore = (c: typeof r.filtered) => round(c.maxStreams / CORES, 1)
    const figures: Array<Figure> = [
      {
        key: "streams_per_core.filtered",
        value: perCore(r.filtered),
        target: "≥ 50",
        ok: perCore(r.filtered) >= 50
      },
      { key: "streams_per_core.plain", value: perCore(r.plain) },
      {
        key: "streams_per_core.passthrough",
        value: perCore(r.passthrough),
        target: "≥ 500",
        ok: perCore(r.passthrough) >= 500
      },
      {
        key: "streams_per_core.ceiling_not_reached",
        value: [r.filtered, r.plain, r.passthrough].filter((c) => c.ceilingNotReached).map((c) => c.path).join(",") ||
          "none"
      },
      { key: "rss_mib_per_stream.filtered", value: r.filtered.rssMibPerStream, unit: "MiB" },
      { key: "rss_mib_per_stream.passthrough", value: r.passthrough.rssMibPerStream, unit: "MiB" },
      { key: "pss_mib_per_ffmpeg", value: r.filtered.pssMibPerFfmpeg, unit: "MiB" }
    ]
    return { figures, details: r } satisfies SectionResult
  }
}

/** Milliseconds from `open` to the first packet, `runs` times one after the other. */
const timeToFirstPacket = (req: PipelineRequest, runs: number) =>
  Effect.gen(function*() {
    const pipeline = yield* AudioPipeline
    const times: Array<number> = []
    for (let i = 0; i < runs; i++) {
      const start = yield* nowMs
      yield* Stream.runHead(pipeline.open(req))
      times.push((yield* nowMs) - start)
      yield* Effect.sleep("20 millis")
    }
    return times
  })

const ttfpSection: BenchSection = {
  name: "audio.ttfp",
  description: "time from open to the first Opus packet",
  run: async () => {
    const s = await benchSources()
    const runs = 25
    const program = Effect.gen(function*() {
      const file = yield* timeToFirstPacket(request(playable(s.mp3, "unknown")), runs)
      const http = yield* timeToFirstPacket(request(playable(s.server.url("/music.mp3"), "unknown")), runs)
      const normalized = yield* timeToFirstPacket(request(playable(s.mp3, "unknown"), { normalize: true }), 10)
      return { file, http, normalized }
    })
    const transcoded = await Effect.runPromise(program.pipe(Effect.provide(benchLayer(0.25))))
    const passthrough = await Effect.runPromise(
      timeToFirstPacket(request(playable(s.webm, "webm-opus")), runs).pipe(Effect.provide(benchLayer(1)))
    )
    const p = (xs: ReadonlyArray<number>, q: number) => round(percentile(xs, q), 1)
    const figures: Array<Figure> = [
      { key: "ttfp_ms.file.p50", value: p(transcoded.file, 50), unit: "ms" },
      {
        key: "ttfp_ms.file.p95",
        value: p(transcoded.file, 95),
        unit: "ms",
        target: "< 200",
        ok: p(transcoded.file, 95) < 200
      },
      { key: "ttfp_ms.http.p50", value: p(transcoded.http, 50), unit: "ms" },
      { key: "ttfp_ms.http.p95", value: p(transcoded.http, 95), unit: "ms" },
      { key: "ttfp_ms.normalized_file.p50", value: p(transcoded.normalized, 50), unit: "ms" },
      { key: "ttfp_ms.passthrough_file.p50", value: p(passthrough, 50), unit: "ms" },
      { key: "ttfp_ms.passthrough_file.p95", value: p(passthrough, 95), unit: "ms" }
    ]
    return { figures, details: { ...transcoded, passthrough } } satisfies SectionResult
  }
}

/**
 * The live-change gap as the player does it: a track plays, the volume changes, the player stops
 * the pipeline and opens a new one at the position reached. Measured from the change to the first
 * packet of the new pipeline going out.
 */
const restartGaps = (runs: number) =>
  Effect.gen(function*() {
    const s = yield* Effect.promise(() => benchSources())
    const pipeline = yield* AudioPipeline
    const voice = yield* VoiceOutput
    const recorder = yield* RecordingVoiceOutput
    const guild = GuildId.make("100000000000000001")
    const gaps: Array<number> = []
    for (let i = 0; i < runs; i++) {
      yield* recorder.clear(guild)
      const first = yield* voice.play(guild, pipeline.open(request(playable(s.mp3, "unknown")))).pipe(Effect.forkChild)
      yield* Effect.sleep("700 millis")
      const changeAt = yield* nowMs
      const position = (yield* recorder.recording(guild)).stats.packets * 20
      yield* Fiber.interrupt(first)
      const firstPacket = yield* Deferred.make<number>()
      const next = pipeline.open(request(playable(s.mp3, "unknown"), { startMs: position, volume: 50 })).pipe(
        Stream.tap(() => Effect.flatMap(nowMs, (t) => Deferred.succeed(firstPacket, t)))
      )
      const second = yield* voice.play(guild, next).pipe(Effect.forkChild)
      gaps.push((yield* Deferred.await(firstPacket)) - changeAt)
      yield* Fiber.interrupt(second)
      yield* Effect.sleep("50 millis")
    }
    return gaps
  })

const restartSection: BenchSection = {
  name: "audio.restart",
  description: "gap between a live volume/effect change and the first packet of the restarted pipeline",
  run: async () => {
    const gaps = await Effect.runPromise(restartGaps(20).pipe(Effect.provide(benchLayer(0.25))))
    const p95 = round(percentile(gaps, 95), 1)
    return {
      figures: [
        { key: "restart_gap_ms.p50", value: round(percentile(gaps, 50), 1), unit: "ms" },
        { key: "restart_gap_ms.p95", value: p95, unit: "ms", target: "< 250", ok: p95 < 250 }
      ],
      details: { gaps }
    }
  }
}

/** Pacing with the event loop held busy by other work, at a load the machine otherwise carries easily. */
const eventLoopSection: BenchSection = {
  name: "audio.eventloop",
  description: "late frames with 50 filtered streams while the event loop is blocked periodically",
  run: async () => {
    const sources = await benchSources()
    const loads = [
      { blockMs: 0, everyMs: 10 },
      { blockMs: 3, everyMs: 10 },
      { blockMs: 8, everyMs: 40 }
    ]
    const figures: Array<Figure> = []
    const details = []
    for (const load of loads) {
      const step = await Effect.runPromise(
        runStep(PATHS.filtered, sources, 50, { ...FFMPEG_STEP, load: load.blockMs === 0 ? undefined : load }).pipe(
          Effect.provide(benchLayer(PATHS.filtered.referenceGain))
        )
      )
      const label = load.blockMs === 0 ? "idle" : `block_${load.blockMs}ms_every_${load.everyMs}ms`
      log(
        `  event loop ${label}: late ${step.latePct}% (max ${step.maxLateMs} ms), loop p99 ` +
          `${step.eventLoopP99Ms} ms, cpu before ${step.backgroundCpuPct}%`
      )
      figures.push({ key: `eventloop_late_pct.${label}`, value: step.latePct, unit: "%" })
      details.push({ load, step })
    }
    return { figures, details }
  }
}

/** `count` yt-dlp resolutions of `url` running back to back, as the default pool allows, until the scope closes. */
const resolvingInBackground = (url: string, count: number) =>
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const resolveOnce = spawner.exitCode(helperCommand("yt-dlp", ["--ignore-config", "-J", "--", url]))
    for (let i = 0; i < count; i++) yield* Effect.forkScoped(Effect.forever(Effect.ignore(resolveOnce)))
  }).pipe(Effect.provide(NodeServices.layer))

/** Pacing of 100 filtered streams while yt-dlp resolves tracks beside them (people queueing while others listen). */
const resolvingSection: BenchSection = {
  name: "audio.resolving",
  description: "late frames with 100 filtered streams while 3 yt-dlp resolutions run back to back",
  run: async () => {
    const sources = await benchSources()
    const figures: Array<Figure> = []
    const details = []
    for (const resolutions of [0, 3]) {
      const step = await Effect.runPromise(
        Effect.gen(function*() {
          yield* resolvingInBackground(sources.server.url("/music.mp3"), resolutions)
          return yield* runStep(PATHS.filtered, sources, 100, FFMPEG_STEP)
        }).pipe(Effect.scoped, Effect.provide(benchLayer(PATHS.filtered.referenceGain)))
      )
      log(
        `  ${resolutions} yt-dlp running: late ${step.latePct}% (max ${step.maxLateMs} ms), loop p99 ` +
          `${step.eventLoopP99Ms} ms, cpu ${step.cpuPct}%`
      )
      figures.push({ key: `resolving_late_pct.ytdlp_${resolutions}`, value: step.latePct, unit: "%" })
      details.push({ resolutions, step })
    }
    return { figures, details }
  }
}

export const audioSections: ReadonlyArray<BenchSection> = [
  ttfpSection,
  restartSection,
  gapSection,
  crossfadeSection,
  eventLoopSection,
  resolvingSection,
  streamsSection
]
