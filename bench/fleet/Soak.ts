/**
 * `npm run bench -- soak --minutes N` (default 5; the issue's figure is 60): 50 guilds play local
 * tones (four tracks, the queue looping, so tracks change on their own as well as by /skip), each
 * sending a command or pressing a button every ~5 s: the load bench's mix, effects toggled on and
 * off, the queue topped up with /play and emptied with /clear.
 *
 * The bot is sampled every 5 s (RSS and open file descriptors from /proc, the V8 heap from its
 * /metrics, its FFmpeg children) and the samples are grouped in windows of a minute (15 s for a
 * run shorter than 10 minutes). After the warm-up (a sixth of the run, from 30 s to 10 minutes)
 * the floor of each window (its lowest sample, which a garbage collection has just reached) should
 * stay flat: the least-squares slope of the floors must be under 1 MB per 10 minutes, for RSS and
 * heap alike. A short run cannot resolve a slope that small against the heap's swings; its slopes
 * say only that nothing runs away. Open descriptors may not grow either (the last window's floor
 * within 8 of the first's: two FFmpeg restarts' pipes), nor FFmpeg processes (at some moment of the
 * last window at most one per guild and the spare: a stray process would hold the floor up), and
 * once the bot has stopped no FFmpeg or yt-dlp it started may be left running. The audio heard
 * should be nearly all there is to hear (≥ 90 % of 50 frames a second per guild; pauses take a
 * little): far less means FFmpeg starved, and the other figures are of a machine too busy.
 *
 * The fake Discord's records are dropped after each window (their audio is tallied first), so the
 * bench's own memory stays flat over an hour.
 */
import { loadavg } from "node:os"
import type { Exit } from "../../test/support/nodeProcess.ts"
import { type BenchSection, type Figure, round, sleep } from "../Section.ts"
import {
  BotSampler, cpuBetween, leftOver, ownCpuPct, type ProcessSample, slopePer10Minutes, udpDrops
} from "./BotProcess.ts"
import { Fleet, START_PER_SECOND } from "./Fleet.ts"
import { addTallies, deliveredPct, latePct, noFrames, tallyFrames } from "./Frames.ts"
import { breakdown, failures, summarise } from "./Outcomes.ts"

const GUILDS = 50
const INTERVAL_MS = 5_000
const SAMPLE_MS = 5_000
const MB_PER_MIB = 1.048576
/** How far the descriptor floor may move between the first measured window and the last. */
const FD_TOLERANCE = 8

const tones = {
  "/a.ogg": [440, 30],
  "/b.ogg": [550, 45],
  "/c.ogg": [660, 60],
  "/d.ogg": [770, 75]
} as const

const range = (values: ReadonlyArray<number>) => ({
  min: values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.min(a, b)),
  max: values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b))
})

const windowOf = (samples: ReadonlyArray<ProcessSample>) => ({
  rssMib: range(samples.map((s) => s.rssMib)),
  heapMib: range(samples.flatMap((s) => s.heapMib === null ? [] : [s.heapMib])),
  ffmpeg: range(samples.map((s) => s.ffmpeg)),
  fds: range(samples.map((s) => s.fds)),
  cpu: samples.length < 2 ? null : cpuBetween(samples[0]!, samples.at(-1)!)
})

export const runSoakBench = async (options: { readonly minutes: number }) => {
  const durationMs = options.minutes * 60_000
  const windowMs = options.minutes >= 10 ? 60_000 : 15_000
  const warmUpMs = Math.ceil(Math.min(600_000, Math.max(30_000, durationMs / 6)) / windowMs) * windowMs
  const fleet = await Fleet.start({ guilds: GUILDS, playing: GUILDS, tones })
  const { fake, http } = fleet.harness
  const bot = fleet.harness.bot
  const pid = bot.process.pid!
  const sampler = new BotSampler(pid, http)
  let stopped = false
  try {
    const load = [loadavg()[0]!]
    await fleet.startPlaying(START_PER_SECOND)
    await sleep(5_000)
    fleet.assertAlive()
    fleet.discardRecords()
    const start = performance.now()
    const end = start + durationMs
    await sampler.sample()
    const own = { usage: process.cpuUsage(), at: performance.now() }
    const dropsBefore = udpDrops(fake.endpoints.udpPort) ?? 0
    const sampling = setInterval(() => void sampler.sample(), SAMPLE_MS)
    const driving = fleet.drive(end, INTERVAL_MS)
    // A dead bot ends the run at once; otherwise this waits out the window.
    const died = driving.then(() => new Promise<never>(() => {}))
    const windows: Array<ReturnType<typeof windowOf> & Record<string, unknown>> = []
    let frames = noFrames
    try {
      for (let from = start; from < end;) {
        const to = Math.min(end, from + windowMs)
        await Promise.race([sleep(Math.max(0, to - performance.now())), died])
        fleet.assertAlive()
        fleet.catchUp()
        const packets = [...fake.udp.rtp.items]
        const changes = new Map([...fleet.changes].map(([guild, times]) => [guild, [...times]]))
        fleet.discardRecords()
        const heard = await tallyFrames(fake, packets, (guild) => changes.get(guild) ?? [])
        const outcomes = fleet.outcomes.filter((o) => o.sentAt >= from && o.sentAt < to)
        const measured = to - start > warmUpMs
        if (measured) frames = addTallies(frames, heard)
        windows.push({
          minute: round((to - start) / 60_000, 2),
          measured,
          ...windowOf(sampler.samples.filter((s) => s.at >= from && s.at < to)),
          commands: outcomes.length,
          errors: outcomes.filter((o) => o.error !== null).length,
          packets: heard.packets,
          decryptFailures: heard.decryptFailures,
          frames: heard.frames,
          lateFrames: heard.late,
          guildsHeard: heard.guildsHeard.size
        })
        from = to
      }
      await driving
    } finally {
      clearInterval(sampling)
    }
    load.push(loadavg()[0]!)
    const last = await sampler.sample()
    const benchCpuPct = ownCpuPct(own)
    const udpDropped = (udpDrops(fake.endpoints.udpPort) ?? 0) - dropsBefore
    const measured = windows.filter((w) => w.measured)
    const floors = (pick: (w: (typeof windows)[number]) => number) =>
      measured.map((w, i) => ({ at: i * windowMs, value: pick(w) * MB_PER_MIB }))
        .filter((p) => Number.isFinite(p.value))
    const firstMeasured = measured[0]
    const lastMeasured = measured.at(-1)
    const stop = await stopBot(fleet)
    stopped = true
    const orphans = leftOver(pid, sampler.children)
    return {
      minutes: options.minutes,
      guilds: GUILDS,
      windowSeconds: windowMs / 1000,
      warmUpSeconds: warmUpMs / 1000,
      commands: summarise(fleet.outcomes),
      slopesMbPer10Minutes: {
        rss: slopePer10Minutes(floors((w) => w.rssMib.min)),
        heap: slopePer10Minutes(floors((w) => w.heapMib.min))
      },
      fds: {
        first: firstMeasured?.fds.min ?? null,
        last: lastMeasured?.fds.min ?? null,
        max: range(measured.map((w) => w.fds.max)).max
      },
      ffmpeg: {
        ...range(measured.flatMap((w) => [w.ffmpeg.min, w.ffmpeg.max])),
        lastFloor: lastMeasured?.ffmpeg.min ?? Number.NaN
      },
      guildsHeardMin: range(measured.map((w) => Number(w.guildsHeard))).min,
      frames: {
        frames: frames.frames,
        deliveredPct: deliveredPct(frames, GUILDS * (durationMs - warmUpMs)),
        late: frames.late,
        latePct: latePct(frames),
        maxLateMs: frames.maxLateMs
      },
      benchCpuPct,
      udpDropped,
      rssMibEnd: last.rssMib,
      heapMibEnd: last.heapMib,
      stop,
      orphans: orphans.map((p) => `${p.comm} (${p.pid})`),
      unstarted: fleet.unstarted,
      byCommand: breakdown(fleet.outcomes),
      failures: failures(fleet.outcomes),
      botOutput: bot.output().slice(-3_000),
      loadAverage: load,
      windows
    }
  } finally {
    if (!stopped) await fleet.harness.stop()
  }
}

/** Stops the bot as an operator does (SIGTERM; SIGKILL after 5 s), then the fake and the file server. */
const stopBot = async (fleet: Fleet): Promise<{ readonly exit: Exit; readonly seconds: number }> => {
  const started = performance.now()
  await fleet.harness.stop()
  const exit = await fleet.harness.bot.exited
  // Helpers get a moment to notice their parent is gone before they count as left behind.
  await sleep(1_000)
  return { exit, seconds: round((performance.now() - started) / 1000 - 1) }
}

type SoakResult = Awaited<ReturnType<typeof runSoakBench>>

const slopeFigure = (key: string, slope: number | null): Figure => ({
  key: `${key}_slope_mb_per_10min`,
  value: slope,
  unit: "MB/10 min",
  target: "< 1",
  ok: slope !== null && slope < 1
})

const figures = (r: SoakResult): ReadonlyArray<Figure> => [
  {
    key: "run",
    value: `${r.minutes} min, ${r.guilds} guilds, warm-up ${r.warmUpSeconds} s, windows of ${r.windowSeconds} s`
  },
  { key: "commands", value: r.commands.commands },
  { key: "error_pct", value: r.commands.errorPct, unit: "%", target: "< 3", ok: r.commands.errorPct < 3 },
  { key: "ack_ms.p99", value: r.commands.ackMs.p99, unit: "ms", target: "< 3000", ok: r.commands.ackMs.p99 < 3000 },
  slopeFigure("rss", r.slopesMbPer10Minutes.rss),
  slopeFigure("heap", r.slopesMbPer10Minutes.heap),
  { key: "rss_mib.end", value: r.rssMibEnd, unit: "MiB" },
  { key: "heap_mib.end", value: r.heapMibEnd, unit: "MiB" },
  {
    key: "fds",
    value: `${r.fds.first} → ${r.fds.last} (max ${r.fds.max})`,
    target: `growth ≤ ${FD_TOLERANCE}`,
    ok: r.fds.first !== null && r.fds.last !== null && r.fds.last - r.fds.first <= FD_TOLERANCE
  },
  {
    key: "ffmpeg",
    value: `${r.ffmpeg.min} … ${r.ffmpeg.max}, last window's floor ${r.ffmpeg.lastFloor}`,
    target: `floor ≤ ${r.guilds + 1}`,
    ok: r.ffmpeg.lastFloor <= r.guilds + 1
  },
  {
    key: "frames_delivered_pct",
    value: r.frames.deliveredPct,
    unit: "%",
    target: "≥ 90",
    ok: r.frames.deliveredPct >= 90
  },
  { key: "guilds_heard.min", value: r.guildsHeardMin, target: `${r.guilds}`, ok: r.guildsHeardMin === r.guilds },
  { key: "udp_dropped", value: r.udpDropped, target: "0 (else the fake lost audio)", ok: r.udpDropped === 0 },
  { key: "cpu_pct.bench", value: r.benchCpuPct, unit: "% of a core" },
  { key: "late_frames_pct", value: r.frames.latePct, unit: "%", target: "< 1", ok: r.frames.latePct < 1 },
  {
    key: "stop",
    value: `${r.stop.exit.signal ?? `exit ${r.stop.exit.code}`} in ${r.stop.seconds} s`,
    target: "exit 0",
    ok: r.stop.exit.code === 0
  },
  { key: "orphans", value: r.orphans.length === 0 ? 0 : r.orphans.join(", "), target: "0", ok: r.orphans.length === 0 },
  { key: "load_average", value: r.loadAverage.join(" → ") }
]

export const soakSection: BenchSection = {
  name: "soak",
  description: "50 guilds playing, a command every ~5 s each: RSS, heap, FDs and FFmpeg count over time, orphans",
  run: async (options) => {
    const r = await runSoakBench({ minutes: options?.minutes ?? 5 })
    return { figures: figures(r), details: r }
  }
}
