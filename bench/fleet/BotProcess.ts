/**
 * What the bot process costs while a fleet of guilds uses it, read from outside: /proc for its CPU
 * (its own and its FFmpeg children's), resident memory, open file descriptors and child processes,
 * and its `/metrics` for the V8 heap. The sampler also remembers every child it saw, so that after
 * the bot stops a left-over FFmpeg or yt-dlp can be named.
 */
import { readdirSync, readFileSync } from "node:fs"
import {
  childProcesses, cpuTicks, type ProcessInfo, processGroup, processInfo, reapedChildrenCpuTicks, rssKib
} from "../../test/support/audioProcesses.ts"
import { round } from "../Section.ts"

/** Clock ticks per second of /proc's CPU counters (`getconf CLK_TCK`; 100 on Linux). */
const TICKS_PER_SECOND = 100

export interface ProcessSample {
  /** performance.now() of the sample. */
  readonly at: number
  readonly rssMib: number
  /** `nodejs_heap_used_bytes` from /metrics, in MiB; null when the scrape failed. */
  readonly heapMib: number | null
  readonly fds: number
  readonly ffmpeg: number
  /** CPU ticks of the bot itself and of everything it ran (reaped children plus the live ones). */
  readonly botTicks: number
  readonly childTicks: number
}

/** One Prometheus sample without labels, e.g. `process_resident_memory_bytes 123`. */
export const metricValue = (text: string, name: string): number | null => {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `))
  const value = line === undefined ? Number.NaN : Number(line.slice(name.length + 1))
  return Number.isFinite(value) ? value : null
}

const fdCount = (pid: number): number => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return 0
  }
}

const isFfmpeg = (p: ProcessInfo) => p.comm === "ffmpeg" || p.comm === "nice"

export class BotSampler {
  readonly samples: Array<ProcessSample> = []
  /** Every child process seen while sampling, by pid. */
  readonly children = new Map<number, string>()
  readonly #pid: number
  readonly #metricsUrl: string

  constructor(pid: number, http: string) {
    this.#pid = pid
    this.#metricsUrl = `${http}/metrics`
  }

  /** Reads /proc now (synchronously, so the figures belong together), then the heap from /metrics. */
  async sample(): Promise<ProcessSample> {
    const pid = this.#pid
    const at = performance.now()
    const children = childProcesses(undefined, pid)
    for (const child of children) this.children.set(child.pid, child.comm)
    const live = children.reduce((sum, c) => sum + (cpuTicks(c.pid) ?? 0), 0)
    const base = {
      at,
      rssMib: round((rssKib(pid) ?? 0) / 1024),
      fds: fdCount(pid),
      ffmpeg: children.filter(isFfmpeg).length,
      botTicks: cpuTicks(pid) ?? 0,
      childTicks: (reapedChildrenCpuTicks(pid) ?? 0) + live
    }
    const heap = await fetch(this.#metricsUrl, { signal: AbortSignal.timeout(4_000) })
      .then((r) => r.text())
      .then((text) => metricValue(text, "nodejs_heap_used_bytes"), () => null)
    const sample = { ...base, heapMib: heap === null ? null : round(heap / 1024 / 1024) }
    this.samples.push(sample)
    return sample
  }
}

/** CPU between two samples as a percentage of one core: the bot's own and its children's (FFmpeg). */
export const cpuBetween = (from: ProcessSample, to: ProcessSample) => {
  const seconds = (to.at - from.at) / 1000
  const pct = (ticks: number) => seconds <= 0 ? 0 : round(ticks / TICKS_PER_SECOND / seconds * 100)
  return { botPct: pct(to.botTicks - from.botTicks), childrenPct: pct(to.childTicks - from.childTicks) }
}

/**
 * Datagrams the kernel dropped on the UDP socket bound to 127.0.0.1:`port` because its receive
 * buffer was full (/proc/net/udp's last column): audio the bot sent that the fake never saw, which
 * happens when the bench process itself cannot keep up.
 */
export const udpDrops = (port: number): number | null => {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`
  const line = readFileSync("/proc/net/udp", "utf8").split("\n").find((l) => l.trim().split(/\s+/)[1] === local)
  return line === undefined ? null : Number(line.trim().split(/\s+/).at(-1))
}

/** CPU of this process (the fake Discord and the driver) since `from`, as a percentage of one core. */
export const ownCpuPct = (from: { readonly usage: NodeJS.CpuUsage; readonly at: number }): number => {
  const used = process.cpuUsage(from.usage)
  const ms = performance.now() - from.at
  return ms <= 0 ? 0 : round((used.user + used.system) / 1000 / ms * 100)
}

/** Least-squares slope of `value` over time, in units per 10 minutes; null with fewer than two points. */
export const slopePer10Minutes = (points: ReadonlyArray<{ readonly at: number; readonly value: number }>) => {
  if (points.length < 2) return null
  const xs = points.map((p) => p.at / 600_000)
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length
  const meanY = points.reduce((a, p) => a + p.value, 0) / points.length
  const sxx = xs.reduce((a, x) => a + (x - meanX) ** 2, 0)
  const sxy = points.reduce((a, p, i) => a + (xs[i]! - meanX) * (p.value - meanY), 0)
  return sxx === 0 ? null : round(sxy / sxx, 2)
}

/**
 * The bot's helpers still alive once it has exited: members of its process group (it ran in its
 * own) and any child the sampler saw that still runs under the same name (a helper that left the
 * group).
 */
export const leftOver = (pgrp: number, seen: ReadonlyMap<number, string>): ReadonlyArray<ProcessInfo> => {
  const group = processGroup(pgrp)
  const strays = [...seen].flatMap(([pid, comm]) => {
    const info = processInfo(pid)
    const stray = info !== undefined && info.state !== "Z" && info.comm === comm && !group.some((p) => p.pid === pid)
    return stray ? [info] : []
  })
  return [...group, ...strays]
}
