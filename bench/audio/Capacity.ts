/**
 * One capacity step: N concurrent real-time streams (pipeline → pacing voice output), started a
 * few at a time, then measured in steady state.
 *
 * Timeline of a step: ramp (streams start `rampPerSecond` at a time, as guilds do, not all in the
 * same millisecond), settle, then the measured window, whose figures are reset at its start.
 *
 * Settling matters for FFmpeg paths: each FFmpeg encodes ahead at full speed until its stdout is
 * full, and libuv's stdio "pipe" is a socketpair with ~200 KB of kernel buffer: ~30 s of audio,
 * ~0.35 CPU-s per stream. Real guilds start tracks a few per minute; a ramp of 25 per second
 * stacks those bursts, so the step waits until FFmpeg's CPU falls to about its steady rate
 * (≤ 1.6 % of a core per process) before measuring. A frame is late when it goes out
 * more than 5 ms after its slot on the 20 ms schedule.
 */
import { Effect, Fiber } from "effect"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { GuildId } from "../../schema/Ids.ts"
import { AudioPipeline } from "../../src/audio/AudioPipeline.ts"
import { VoiceOutput } from "../../src/voice/VoiceOutput.ts"
import { RecordingVoiceOutput } from "../../test/support/RecordingVoiceOutput.ts"
import { cpuTicks, workingFfmpeg, pssKib, rssKib } from "../../test/support/audioProcesses.ts"
import { cpuPercent, cpuSample, round } from "../Section.ts"
import { benchLayer, type BenchSources, CORES, nowMs, type PathSpec } from "./BenchAudio.ts"

export interface StepOptions {
  readonly rampPerSecond: number
  /** Minimum settle time; FFmpeg paths also wait (up to `maxSettleMs`) for the encode-ahead bursts to end. */
  readonly settleMs: number
  readonly maxSettleMs?: number | undefined
  readonly measureMs: number
  /** Artificial event-loop load: block the loop for `blockMs` every `everyMs` (a busy Node process). */
  readonly load?: { readonly blockMs: number; readonly everyMs: number } | undefined
}

export interface StepResult {
  readonly streams: number
  readonly packets: number
  /** Packets delivered / packets a perfect schedule would have sent in the window, %. */
  readonly deliveredPct: number
  readonly latePct: number
  /** Late because the packet was not there in time (source behind), % of all packets. */
  readonly underrunPct: number
  readonly maxLateMs: number
  readonly meanIntervalMs: number
  readonly failures: number
  readonly eventLoopP99Ms: number
  readonly settledMs: number
  readonly cpuPct: number
  /** Machine CPU in use just before the step started (other work on a shared machine), % of one core. */
  readonly backgroundCpuPct: number
  readonly ffmpegProcesses: number
  readonly pssMibPerFfmpeg: number | null
  readonly nodeRssMib: number
  readonly passed: boolean
}

const guildId = (i: number) => GuildId.make(String(100_000_000_000_000_000n + BigInt(i)))

const rssMib = () => (rssKib(process.pid) ?? 0) / 1024

/** Blocks the event loop on a timer: synchronous work such as a big JSON parse or a slow handler. */
const startLoad = (load: StepOptions["load"]) => {
  if (load === undefined) return () => {}
  const timer = setInterval(() => {
    const until = performance.now() + load.blockMs
    while (performance.now() < until) {
      // spin: the point is to hold the loop
    }
  }, load.everyMs)
  return () => clearInterval(timer)
}

export const runStep = (spec: PathSpec, sources: BenchSources, streams: number, options: StepOptions) =>
  Effect.gen(function*() {
    const pipeline = yield* AudioPipeline
    const voice = yield* VoiceOutput
    const recorder = yield* RecordingVoiceOutput
    const request = spec.request(sources)
    const idleStart = cpuSample()
    yield* Effect.sleep("1 second")
    const backgroundCpuPct = round(cpuPercent(idleStart, cpuSample(), CORES), 0)
    let failures = 0
    const fibers: Array<Fiber.Fiber<void>> = []
    const gapMs = 1000 / options.rampPerSecond
    for (let i = 0; i < streams; i++) {
      const play = voice.play(guildId(i), pipeline.open(request)).pipe(
        Effect.catch(() => Effect.sync(() => void failures++))
      )
      fibers.push(yield* Effect.forkChild(play))
      if ((i + 1) % Math.max(1, Math.round(options.rampPerSecond / 50)) === 0) {
        yield* Effect.sleep(gapMs * Math.max(1, Math.round(options.rampPerSecond / 50)))
      }
    }
    yield* Effect.sleep(options.settleMs)
    const settleStart = yield* nowMs
    const ffmpegTicks = () => workingFfmpeg().reduce((sum, c) => sum + (cpuTicks(c.pid) ?? 0), 0)
    while ((yield* nowMs) - settleStart < (options.maxSettleMs ?? 0)) {
      const before = ffmpegTicks()
      yield* Effect.sleep("1 second")
      const count = workingFfmpeg().length
      // ticks are 1/100 s; steady state is ~1.1 % of a core per process, bursts run at 100 %
      if (count === 0 || ffmpegTicks() - before <= count * 1.6 + 5) break
    }
    const settledMs = options.settleMs + ((yield* nowMs) - settleStart)

    const stopLoad = startLoad(options.load)
    const histogram = monitorEventLoopDelay({ resolution: 10 })
    histogram.enable()
    yield* recorder.clear()
    const cpuStart = cpuSample()
    yield* Effect.sleep(options.measureMs)
    const cpuEnd = cpuSample()
    const totals = yield* recorder.totals
    histogram.disable()
    stopLoad()
    // Memory is read after the window, the streams still playing: reading /proc/<pid>/smaps_rollup
    // is synchronous and takes ~10 ms per FFmpeg (the kernel walks ~215 libraries' mappings), so
    // sampling 100 of them mid-window held the event loop for over a second and made the window's
    // own frames late.
    const children = workingFfmpeg()
    const pss = children.map((c) => pssKib(c.pid)).filter((k): k is number => k !== undefined)
    const nodeRssMib = rssMib()

    yield* Fiber.interruptAll(fibers)

    const expected = streams * options.measureMs / 20
    const latePct = totals.packets === 0 ? 100 : totals.late / totals.packets * 100
    const deliveredPct = totals.packets / expected * 100
    return {
      streams,
      packets: totals.packets,
      deliveredPct: round(deliveredPct, 1),
      latePct: round(latePct, 2),
      underrunPct: round(totals.packets === 0 ? 0 : totals.underruns / totals.packets * 100, 2),
      maxLateMs: round(totals.maxLateMs, 1),
      meanIntervalMs: round(totals.meanIntervalMs, 2),
      failures,
      eventLoopP99Ms: round(histogram.percentile(99) / 1e6, 1),
      settledMs,
      cpuPct: round(cpuPercent(cpuStart, cpuEnd, CORES), 0),
      backgroundCpuPct,
      ffmpegProcesses: children.length,
      pssMibPerFfmpeg: pss.length === 0 ? null : round(pss.reduce((a, b) => a + b, 0) / pss.length / 1024, 1),
      nodeRssMib: round(nodeRssMib, 0),
      passed: latePct < 1 && deliveredPct >= 99 && failures === 0
    } satisfies StepResult
  })

export interface CapacityResult {
  readonly path: PathSpec["name"]
  /** Largest passing step; 0 when even the first failed. */
  readonly maxStreams: number
  /** True when every step passed: the real capacity is higher than the steps tried. */
  readonly ceilingNotReached: boolean
  readonly rssMibPerStream: number | null
  readonly pssMibPerFfmpeg: number | null
  readonly steps: ReadonlyArray<StepResult>
}

/** Runs steps upward until one fails (each step gets a fresh pipeline and voice output). */
export const searchCapacity = (
  spec: PathSpec,
  sources: BenchSources,
  steps: ReadonlyArray<number>,
  options: StepOptions,
  log: (line: string) => void
) =>
  Effect.gen(function*() {
    const results: Array<StepResult> = []
    const baselineRss = rssMib()
    for (const streams of steps) {
      const result = yield* runStep(spec, sources, streams, options).pipe(
        Effect.provide(benchLayer(spec.referenceGain))
      )
      results.push(result)
      log(
        `  ${spec.name} ${streams} streams: late ${result.latePct}% (underruns ${result.underrunPct}%, max ` +
          `${result.maxLateMs} ms), delivered ` +
          `${result.deliveredPct}%, cpu ${result.cpuPct}% (before: ${result.backgroundCpuPct}%), ` +
          `loop p99 ${result.eventLoopP99Ms} ms, settled ${round(result.settledMs / 1000, 0)} s, ` +
          `ffmpeg ${result.ffmpegProcesses}${result.passed ? "" : "  ← over the limit"}`
      )
      if (!result.passed) break
      // let the killed processes go and the loop calm down before the next step
      yield* Effect.sleep("1500 millis")
    }
    const passed = results.filter((r) => r.passed)
    const best = passed[passed.length - 1]
    return {
      path: spec.name,
      maxStreams: best?.streams ?? 0,
      ceilingNotReached: passed.length === results.length,
      rssMibPerStream: best === undefined ? null : round(Math.max(0, best.nodeRssMib - baselineRss) / best.streams, 2),
      pssMibPerFfmpeg: best?.pssMibPerFfmpeg ?? null,
      steps: results
    } satisfies CapacityResult
  })
