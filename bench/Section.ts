/**
 * What a benchmark section is, and the small helpers sections share.
 *
 * A section measures one thing and returns figures: flat key → value pairs for the table and for
 * `bench/results/latest.json`, plus optional details (per-step rows) that go to the JSON only.
 * To add one, write a module exporting a `BenchSection` and list it in `bench/run.ts`.
 * Names are dotted (`audio.streams`); `npm run bench -- audio` runs every section under `audio`.
 */
import { Schema, SchemaTransformation } from "effect"
import { readFileSync } from "node:fs"

export type FigureValue = number | string | boolean | null

export interface Figure {
  /** Dotted path in the JSON, e.g. `streams_per_core.filtered`. */
  readonly key: string
  readonly value: FigureValue
  readonly unit?: string
  /** Human target, e.g. "≥ 50"; `ok` says whether the value meets it. */
  readonly target?: string
  readonly ok?: boolean
}

export interface SectionResult {
  readonly figures: ReadonlyArray<Figure>
  readonly details?: unknown
}

/** What the command line sets for the sections that read it (bench/run.ts decodes it). */
export interface BenchOptions {
  /** `--minutes N`: how long the soak runs. */
  readonly minutes?: number | undefined
}

export interface BenchSection {
  readonly name: string
  readonly description: string
  readonly run: (options?: BenchOptions) => Promise<SectionResult>
}

/**
 * A count given as text (an argument, an environment variable): decimal digits only (no sign,
 * exponent, fraction or hex) and within [minimum, maximum], so a typo cannot make an hour-long run.
 */
export const DecimalCount = (minimum: number, maximum: number) =>
  Schema.String.check(Schema.isPattern(/^[0-9]{1,6}$/, { message: "must be a whole number in decimal digits" })).pipe(
    Schema.decodeTo(
      Schema.Number.check(
        Schema.isBetween({ minimum, maximum }, { message: `must be between ${minimum} and ${maximum}` })
      ),
      SchemaTransformation.numberFromString
    )
  )

/** An environment variable decoded with `DecimalCount`, or `fallback` when unset; a bad value throws, naming it. */
export const countFromEnv = (name: string, fallback: number, minimum: number, maximum: number): number => {
  const text = process.env[name]
  if (text === undefined || text === "") return fallback
  const decoded = Schema.decodeUnknownResult(DecimalCount(minimum, maximum))(text)
  if (decoded._tag === "Success") return decoded.success
  throw new Error(`${name}=${text}: ${String(decoded.failure)}`)
}

/** The p-th percentile (0–100) by nearest rank; NaN for no data. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))
  return sorted[rank]!
}

export const round = (n: number, digits = 1): number => {
  const f = Math.pow(10, digits)
  return Math.round(n * f) / f
}

/** Whole-machine CPU counters from /proc/stat, in clock ticks. */
export interface CpuSample {
  readonly busy: number
  readonly total: number
}

export const cpuSample = (): CpuSample => {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!
  const [, user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
  const busy = user! + nice! + system! + irq! + softirq! + steal!
  return { busy, total: busy + idle! + iowait! }
}

/** Share of all cores busy between two samples, as a percentage of ONE core (2 cores = 200 %). */
export const cpuPercent = (from: CpuSample, to: CpuSample, cores: number): number =>
  to.total === from.total ? 0 : (to.busy - from.busy) / (to.total - from.total) * 100 * cores

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
