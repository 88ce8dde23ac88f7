/**
 * Benchmark runner: `npm run bench` runs every section; `npm run bench -- audio` (or any dotted
 * prefix, e.g. `audio.ttfp`, several allowed) runs a subset. Prints a table and writes
 * `bench/results/latest.json`, merging over the previous file so a partial run keeps the other
 * sections' last figures (each section carries its own timestamp). `--minutes N` sets how long the
 * soak runs (default 5; the issue's figure is `npm run bench -- soak --minutes 60`).
 *
 * A section that throws (the bot died under it) becomes a failed row, the other sections still
 * run, and the runner exits non-zero.
 *
 * Adding a section: export a `BenchSection` (bench/Section.ts) and add it to `SECTIONS`.
 * Node runs this file directly: keep to erasable TypeScript (no enums, namespaces, parameter properties).
 */
import { Effect, Schema } from "effect"
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { apiSection } from "./api.ts"
import { audioCacheSection } from "./audioCache.ts"
import { audioSections } from "./audio/AudioSections.ts"
import { closeBenchSources } from "./audio/BenchAudio.ts"
import { discordSection } from "./discord.ts"
import { foundationSections } from "./FoundationSections.ts"
import { resumeSection } from "./resume.ts"
import { loadSection } from "./fleet/Load.ts"
import { soakSection } from "./fleet/Soak.ts"
import { type BenchOptions, type BenchSection, DecimalCount, type Figure, type SectionResult } from "./Section.ts"
import { statsSection } from "./stats.ts"
import { writerSection } from "./writer.ts"

/**
 * The resolver's bench (bench/resolve.ts, owned by the resolver) as a section. Imported lazily so
 * that a resolver change that breaks it cannot stop the audio sections from running.
 */
const resolveSection: BenchSection = {
  name: "resolve",
  description: "track resolution: cached hit, yt-dlp miss, de-duplicated burst, /play suggestions",
  run: async () => {
    const { runResolveBench } = await import("./resolve.ts")
    const r = await Effect.runPromise(runResolveBench())
    return {
      figures: [
        { key: "resolve_ms.miss.p50", value: r.missMs.p50, unit: "ms" },
        { key: "resolve_ms.miss.p95", value: r.missMs.p95, unit: "ms" },
        { key: "resolve_ms.hit.p50", value: r.hitMs.p50, unit: "ms" },
        { key: "resolve_ms.hit.p95", value: r.hitMs.p95, unit: "ms" },
        { key: "resolve.burst_ytdlp_runs", value: `${r.burst.ytdlpRuns} for ${r.burst.requests} requests` },
        { key: "suggest_ms.cold.p50", value: r.suggest.coldMs.p50, unit: "ms" },
        { key: "suggest_ms.cold.p95", value: r.suggest.coldMs.p95, unit: "ms" },
        { key: "suggest.cold_answered", value: `${r.suggest.coldAnswered} of ${r.suggest.coldMs.n}` },
        { key: "suggest_ms.warm.p50", value: r.suggest.warmMs.p50, unit: "ms" },
        { key: "suggest_ms.warm.p95", value: r.suggest.warmMs.p95, unit: "ms" },
        { key: "suggest.play_ytdlp_runs", value: `${r.suggest.playYtdlpRuns} for ${r.suggest.coldMs.n} /play after suggestions` }
      ],
      details: r
    }
  }
}

const SECTIONS: ReadonlyArray<BenchSection> = [
  ...foundationSections,
  ...audioSections,
  resolveSection,
  audioCacheSection,
  discordSection,
  resumeSection,
  writerSection,
  statsSection,
  apiSection,
  loadSection,
  soakSection
]

const here = dirname(fileURLToPath(import.meta.url))
const resultsPath = join(here, "results", "latest.json")

const out = (line = "") => process.stdout.write(`${line}\n`)

const selected = (filters: ReadonlyArray<string>): ReadonlyArray<BenchSection> =>
  filters.length === 0
    ? SECTIONS
    : SECTIONS.filter((s) => filters.some((f) => s.name === f || s.name.startsWith(`${f}.`)))

const ffmpegVersion = (): string => {
  try {
    return execFileSync("ffmpeg", ["-version"]).toString().split("\n")[0] ?? "unknown"
  } catch {
    return "not found"
  }
}

const formatValue = (f: Figure): string =>
  f.value === null ? "–" : `${f.value}${f.unit === undefined ? "" : ` ${f.unit}`}`

const printTable = (rows: ReadonlyArray<readonly [string, Figure]>) => {
  const cells = rows.map(([section, f]) => [
    section,
    f.key,
    formatValue(f),
    f.target ?? "",
    f.ok === undefined ? "" : f.ok ? "ok" : "MISSED"
  ])
  const header = ["section", "figure", "value", "target", ""]
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: ReadonlyArray<string>) => c.map((x, i) => x.padEnd(widths[i]!)).join("  ").trimEnd()
  out(line(header))
  out(widths.map((w) => "-".repeat(w)).join("  "))
  for (const c of cells) out(line(c))
}

/** Sets `value` at a dotted path in `target`. */
const setPath = (target: Record<string, unknown>, key: string, value: unknown) => {
  const parts = key.split(".")
  let node = target
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null) node[part] = {}
    node = node[part] as Record<string, unknown>
  }
  node[parts[parts.length - 1]!] = value
}

/** At most a day: a longer soak is a mistyped number. */
const Minutes = DecimalCount(1, 1_440)

/** Section filters and `--minutes N` (or `--minutes=N`) from the command line. */
const parseArguments = (
  args: ReadonlyArray<string>
): { readonly filters: ReadonlyArray<string>; readonly options: BenchOptions } => {
  const filters: Array<string> = []
  let minutes: number | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg !== "--minutes" && !arg.startsWith("--minutes=")) {
      if (arg.startsWith("-")) throw new Error(`unknown option ${arg} (the one option is --minutes N)`)
      filters.push(arg)
      continue
    }
    const text = arg === "--minutes" ? args[++i] : arg.slice("--minutes=".length)
    if (text === undefined) throw new Error("--minutes needs a number of minutes")
    const decoded = Schema.decodeUnknownResult(Minutes)(text)
    if (decoded._tag === "Failure") throw new Error(`--minutes ${text}: ${decoded.failure.message}`)
    minutes = decoded.success
  }
  return { filters, options: { minutes } }
}

const runSection = async (section: BenchSection, options: BenchOptions): Promise<SectionResult> => {
  try {
    return await section.run(options)
  } catch (error) {
    process.exitCode = 1
    const message = error instanceof Error ? error.message : String(error)
    out(`  FAILED: ${message}`)
    return {
      figures: [{ key: "failed", value: message.split("\n")[0]!, target: "no failure", ok: false }],
      details: { error: message }
    }
  }
}

const main = async () => {
  let parsed: ReturnType<typeof parseArguments>
  try {
    parsed = parseArguments(process.argv.slice(2))
  } catch (error) {
    out(error instanceof Error ? error.message : String(error))
    process.exitCode = 2
    return
  }
  const sections = selected(parsed.filters)
  if (sections.length === 0) {
    out(`no section matches ${parsed.filters.join(" ")}; sections: ${SECTIONS.map((s) => s.name).join(", ")}`)
    process.exitCode = 2
    return
  }
  out(`Reprise bench: ${sections.map((s) => s.name).join(", ")} (${cpus().length} cores, Node ${process.version})`)
  const rows: Array<readonly [string, Figure]> = []
  const results: Record<string, SectionResult & { readonly at: string; readonly seconds: number }> = {}
  for (const section of sections) {
    out(`\n▶ ${section.name}: ${section.description}`)
    const started = performance.now()
    const result = await runSection(section, parsed.options)
    const seconds = Math.round((performance.now() - started) / 100) / 10
    out(`  done in ${seconds} s`)
    results[section.name] = { ...result, at: new Date().toISOString(), seconds }
    for (const f of result.figures) rows.push([section.name, f])
  }
  await closeBenchSources()

  out()
  printTable(rows)

  const previous = existsSync(resultsPath)
    ? JSON.parse(readFileSync(resultsPath, "utf8")) as Record<string, unknown>
    : {}
  const summary: Record<string, unknown> = (previous.summary as Record<string, unknown> | undefined) ?? {}
  for (const [, f] of rows) setPath(summary, f.key, f.value)
  const sectionsJson = { ...(previous.sections as Record<string, unknown> | undefined), ...results }
  const json = {
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      node: process.version,
      ffmpeg: ffmpegVersion()
    },
    updatedAt: new Date().toISOString(),
    summary,
    sections: sectionsJson
  }
  mkdirSync(dirname(resultsPath), { recursive: true })
  writeFileSync(resultsPath, `${JSON.stringify(json, null, 2)}\n`)
  out(`\nwrote ${resultsPath}`)
}

await main()
