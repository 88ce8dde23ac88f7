/**
 * The HTTP API under load, against the whole bot and the fake Discord with a track playing:
 * latency of `GET …/player` and of a control (`PUT …/player/volume`) sent open-loop at 500
 * requests/s in all, and the event stream's fan-out: 1,000 clients connected, the time from a
 * control to each client's frame, and what each connection costs the bot in memory.
 */
import { readFileSync } from "node:fs"
import { loadavg } from "node:os"
import { command, ids, startHarness } from "../test/discord/harness.ts"
import { openSse, type SseClient } from "../test/support/sse.ts"
import { type BenchSection, percentile, round, sleep } from "./Section.ts"

const ratePerSecond = 500
const loadSeconds = 10
const clients = 1_000
const fanOuts = 5

const out = (line: string) => process.stdout.write(`  ${line}\n`)

/** The bot's resident memory in MiB, from /proc. */
const rssMiB = (pid: number | undefined): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024
}

const summary = (ms: ReadonlyArray<number>) => ({
  p50: round(percentile(ms, 50)),
  p99: round(percentile(ms, 99)),
  max: round(Math.max(...ms))
})

export const runApiBench = async () => {
  // Budgets far above the load: this measures the API, not its rate limits.
  const budget = "1000000 per minute"
  const h = await startHarness({
    env: { DISCORD_GUILD_ID: ids.guild, RATE_LIMIT_API_KEY: budget, RATE_LIMIT_API_GUILD: budget },
    tones: { "/a440.ogg": [440, 900] }
  })
  try {
    const { text } = await command(h.fake, ids.alice, "apikey create", { name: "bench" }, /rpk_/)
    const key = /rpk_[A-Za-z0-9_-]+/.exec(text)?.[0] ?? ""
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" }
    const guild = `${h.http}/api/v1/guilds/${ids.guild}`
    const queued = await fetch(`${guild}/queue`, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: h.files.url("/a440.ogg"), voiceChannelId: ids.music })
    })
    if (queued.status !== 200) throw new Error(`could not queue: ${queued.status} ${await queued.text()}`)

    // Open-loop: requests leave on schedule whatever the answers do, so a slow answer shows as latency.
    const latency = { player: [] as Array<number>, control: [] as Array<number> }
    let failures = 0
    const errors = new Set<string>()
    const inFlight: Array<Promise<void>> = []
    const started = performance.now()
    for (let i = 0; i < ratePerSecond * loadSeconds; i++) {
      const due = started + (i * 1000) / ratePerSecond
      const wait = due - performance.now()
      if (wait > 1) await sleep(wait)
      const control = i % 2 === 1
      const sent = performance.now()
      inFlight.push(
        fetch(control ? `${guild}/player/volume` : `${guild}/player`, {
          method: control ? "PUT" : "GET",
          headers,
          ...(control ? { body: JSON.stringify({ level: 50 + (i % 100) }) } : {})
        }).then(
          async (response) => {
            await response.arrayBuffer()
            if (response.status !== 200) failures++
            ;(control ? latency.control : latency.player).push(performance.now() - sent)
          },
          (error: unknown) => {
            failures++
            errors.add(String((error as { cause?: unknown }).cause ?? error))
          }
        )
      )
    }
    await Promise.all(inFlight)
    const achieved = round((ratePerSecond * loadSeconds) / ((performance.now() - started) / 1000))
    const player = summary(latency.player)
    const control = summary(latency.control)
    if (errors.size > 0) out(`errors: ${[...errors].join("; ")}`)
    out(`${achieved} requests/s: GET player p50 ${player.p50} / p99 ${player.p99} ms; PUT volume p50 ${control.p50} / p99 ${control.p99} ms; ${failures} not 200`)

    const pid = h.bot.process.pid
    const before = rssMiB(pid)
    const streams: Array<SseClient> = []
    out(`opening ${clients} event streams`)
    for (let i = 0; i < clients; i++) streams.push(await openSse(`${guild}/events`, headers))
    await Promise.all(streams.map((s) => s.next((f) => f.event === "state", 30_000)))
    await sleep(1000)
    const after = rssMiB(pid)
    out(`${clients} event streams: ${round(after - before)} MiB more (${round(((after - before) * 1024) / clients)} KiB each)`)

    const delivery: Array<number> = []
    for (let n = 0; n < fanOuts; n++) {
      const level = 120 + n
      const sent = performance.now()
      const arrivals = streams.map((s) =>
        s.next((f) => f.event === "VolumeChanged" && JSON.parse(f.data ?? "{}").volume === level, 30_000)
          .then(() => delivery.push(performance.now() - sent))
      )
      await fetch(`${guild}/player/volume`, { method: "PUT", headers, body: JSON.stringify({ level }) })
      await Promise.all(arrivals)
    }
    for (const s of streams) s.close()
    const fanOut = summary(delivery)
    out(`fan-out to ${clients} clients: p50 ${fanOut.p50} / p99 ${fanOut.p99} / max ${fanOut.max} ms`)
    return { achieved, failures, player, control, fanOut, memoryMiB: { before: round(before), after: round(after) } }
  } finally {
    await h.stop()
  }
}

export const apiSection: BenchSection = {
  name: "api",
  description: "HTTP API latency at 500 requests/s and event-stream fan-out to 1,000 clients",
  run: async () => {
    const load = round(loadavg()[0] ?? 0, 2)
    const r = await runApiBench()
    const perClientKiB = round(((r.memoryMiB.after - r.memoryMiB.before) * 1024) / clients)
    return {
      figures: [
        { key: "api.requests_per_second", value: r.achieved, target: `≥ ${ratePerSecond * 0.95}`, ok: r.achieved >= ratePerSecond * 0.95 },
        { key: "api.not_ok", value: r.failures, target: "0", ok: r.failures === 0 },
        { key: "api.player_ms.p50", value: r.player.p50, unit: "ms" },
        { key: "api.player_ms.p99", value: r.player.p99, unit: "ms" },
        { key: "api.control_ms.p50", value: r.control.p50, unit: "ms" },
        { key: "api.control_ms.p99", value: r.control.p99, unit: "ms" },
        { key: "api.sse_fanout_ms.p50", value: r.fanOut.p50, unit: "ms" },
        { key: "api.sse_fanout_ms.p99", value: r.fanOut.p99, unit: "ms", target: "< 100", ok: r.fanOut.p99 < 100 },
        { key: "api.sse_memory_per_client_kib", value: perClientKiB, unit: "KiB" },
        { key: "api.load_average", value: `${load} → ${round(loadavg()[0] ?? 0, 2)}` }
      ],
      details: r
    }
  }
}
