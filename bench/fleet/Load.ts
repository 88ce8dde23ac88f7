/**
 * `npm run bench -- load`: 100 guilds (150 users, 200 memberships) use one Reprise process through
 * the fake Discord, 50 of them playing local tones served over HTTP (three tracks each, the queue
 * looping). Once every playing guild is heard, each guild sends a command or presses a button
 * every ~5 s (20 a second in all) for `BENCH_LOAD_SECONDS` (60): /queue, /nowplaying, /pause and
 * /resume, /skip, /volume, /effects, /settings, /play and /clear, the now-playing buttons, 👍.
 *
 * Figures: acknowledgement latency (the fake's `latencyMs`), time to the answer the user sees, error
 * rate (no acknowledgement, no answer within 5 s, or an error answer; seed 003's target < 3 %), late
 * frames in the playing guilds' audio (Frames.ts), and the bot's CPU, FFmpeg's CPU and the bot's
 * RSS and heap. The bench's own CPU and the datagrams its socket dropped say whether the fake kept
 * up: if it did not, the audio figures are the bench's, not the bot's. `BENCH_LOAD_GUILDS` scales
 * it down on a busy machine (half of them play).
 */
import { loadavg } from "node:os"
import { type BenchSection, countFromEnv, type Figure, round, sleep } from "../Section.ts"
import { BotSampler, cpuBetween, ownCpuPct, udpDrops } from "./BotProcess.ts"
import { Fleet, START_PER_SECOND } from "./Fleet.ts"
import { deliveredPct, latePct, tallyFrames } from "./Frames.ts"
import { breakdown, failures, summarise } from "./Outcomes.ts"

/** Seconds between one guild's commands, on average (100 guilds: 20 commands a second). */
const INTERVAL_MS = 5_000

/** Four tracks of different lengths: tracks end on their own during the run, as well as by /skip. */
const tones = {
  "/a.ogg": [440, 20],
  "/b.ogg": [550, 25],
  "/c.ogg": [660, 30],
  "/d.ogg": [770, 35]
} as const

export const runLoadBench = async (options: { readonly guilds: number; readonly seconds: number }) => {
  const playing = Math.floor(options.guilds / 2)
  const fleet = await Fleet.start({ guilds: options.guilds, playing, tones })
  const { fake, http } = fleet.harness
  try {
    const sampler = new BotSampler(fleet.harness.bot.process.pid!, http)
    const load = [loadavg()[0]!]
    await fleet.startPlaying(START_PER_SECOND)
    // FFmpeg encodes ahead at full speed for its first seconds: let that pass before measuring.
    await sleep(5_000)
    fleet.assertAlive()
    fleet.catchUp()
    const from = performance.now()
    const first = await sampler.sample()
    const own = { usage: process.cpuUsage(), at: performance.now() }
    const dropsBefore = udpDrops(fake.endpoints.udpPort) ?? 0
    const sampling = setInterval(() => void sampler.sample(), 1_000)
    try {
      await fleet.drive(from + options.seconds * 1000, INTERVAL_MS)
    } finally {
      clearInterval(sampling)
    }
    fleet.assertAlive()
    const to = performance.now()
    const last = await sampler.sample()
    const benchCpuPct = ownCpuPct(own)
    const udpDropped = (udpDrops(fake.endpoints.udpPort) ?? 0) - dropsBefore
    load.push(loadavg()[0]!)
    fleet.catchUp()
    const window = fake.udp.rtp.items.filter((p) => p.at >= from && p.at < to)
    const frames = await tallyFrames(fake, window, (guild) => fleet.changes.get(guild) ?? [])
    const steady = fleet.outcomes.filter((o) => o.sentAt >= from)
    const starting = fleet.outcomes.filter((o) => o.sentAt < from)
    const during = sampler.samples.filter((s) => s.at >= from)
    return {
      guilds: options.guilds,
      playing,
      users: fake.world.scenario.users.length,
      seconds: round((to - from) / 1000),
      ratePerSecond: round(steady.length / ((to - from) / 1000)),
      all: summarise(fleet.outcomes),
      /** The playing guilds' first /play, /loop and two more /play, a few guilds a second. */
      starting: summarise(starting),
      steady: summarise(steady),
      frames: {
        ...frames,
        guildsHeard: frames.guildsHeard.size,
        deliveredPct: deliveredPct(frames, playing * (to - from)),
        latePct: latePct(frames)
      },
      cpu: { ...cpuBetween(first, last), benchPct: benchCpuPct },
      udpDropped,
      rssMib: { start: first.rssMib, max: Math.max(...during.map((s) => s.rssMib)), end: last.rssMib },
      heapMib: { start: first.heapMib, end: last.heapMib },
      ffmpegMax: Math.max(...during.map((s) => s.ffmpeg)),
      loadAverage: load,
      unstarted: fleet.unstarted,
      byCommand: breakdown(fleet.outcomes),
      failures: failures(fleet.outcomes),
      botOutput: fleet.harness.bot.output().slice(-3_000)
    }
  } finally {
    await fleet.harness.stop()
  }
}

type LoadResult = Awaited<ReturnType<typeof runLoadBench>>

const figures = (r: LoadResult): ReadonlyArray<Figure> => [
  { key: "scale", value: `${r.guilds} guilds (${r.playing} playing), ${r.users} users` },
  { key: "commands", value: `${r.all.commands} (${r.ratePerSecond}/s for ${r.seconds} s)` },
  { key: "ack_ms.p50", value: r.all.ackMs.p50, unit: "ms" },
  { key: "ack_ms.p95", value: r.all.ackMs.p95, unit: "ms" },
  { key: "ack_ms.p99", value: r.all.ackMs.p99, unit: "ms", target: "< 3000", ok: r.all.ackMs.p99 < 3000 },
  { key: "answer_ms.p50", value: r.all.answerMs.p50, unit: "ms" },
  { key: "answer_ms.p99", value: r.all.answerMs.p99, unit: "ms", target: "< 5000", ok: r.all.answerMs.p99 < 5000 },
  { key: "answer_ms.max", value: r.all.answerMs.max, unit: "ms" },
  { key: "error_pct", value: r.all.errorPct, unit: "%", target: "< 3", ok: r.all.errorPct < 3 },
  { key: "error_pct.starting", value: r.starting.errorPct, unit: "%" },
  { key: "error_pct.steady", value: r.steady.errorPct, unit: "%" },
  { key: "answer_ms.starting.p95", value: r.starting.answerMs.p95, unit: "ms" },
  {
    key: "guilds_heard",
    value: r.frames.guildsHeard,
    target: `${r.playing}`,
    ok: r.frames.guildsHeard === r.playing
  },
  {
    key: "frames_delivered_pct",
    value: r.frames.deliveredPct,
    unit: "%",
    target: "≥ 90",
    ok: r.frames.deliveredPct >= 90
  },
  { key: "late_frames_pct", value: r.frames.latePct, unit: "%", target: "< 1", ok: r.frames.latePct < 1 },
  { key: "late_frames.max_gap_ms", value: r.frames.maxLateMs, unit: "ms" },
  { key: "change_gaps", value: `${r.frames.changeGaps} (max ${r.frames.maxChangeGapMs} ms)` },
  { key: "cpu_pct.bot", value: r.cpu.botPct, unit: "% of a core" },
  { key: "cpu_pct.ffmpeg", value: r.cpu.childrenPct, unit: "% of a core" },
  { key: "cpu_pct.bench", value: r.cpu.benchPct, unit: "% of a core" },
  { key: "udp_dropped", value: r.udpDropped, target: "0 (else the fake lost audio)", ok: r.udpDropped === 0 },
  { key: "rss_mib.max", value: r.rssMib.max, unit: "MiB" },
  { key: "heap_mib.end", value: r.heapMib.end, unit: "MiB" },
  { key: "ffmpeg.max", value: r.ffmpegMax },
  { key: "load_average", value: r.loadAverage.join(" → ") }
]

export const loadSection: BenchSection = {
  name: "load",
  description:
    "100 guilds, 50 playing, a command every ~5 s each: ack and answer latency, errors, late frames, CPU, RSS",
  run: async () => {
    const r = await runLoadBench({
      guilds: countFromEnv("BENCH_LOAD_GUILDS", 100, 2, 200),
      seconds: countFromEnv("BENCH_LOAD_SECONDS", 60, 10, 3_600)
    })
    return { figures: figures(r), details: r }
  }
}
