/**
 * The HTTP API under load, against the whole bot and the fake Discord with a track playing:
 * latency of `GET …/player` and of a control (`PUT …/player/loop`) sent open-loop at 500
 * requests/s in all, and the event stream's fan-out: 1,000 clients connected, the time from a
 * control call to each client's frame, and what each connection costs the bot in memory.
 *
 * The control is the loop mode, not the volume: a volume or effect change starts a new FFmpeg at
 * the current position (that is how the sound changes without a gap), so 250 of them a second
 * would measure process start-up, not the API, and a fan-out after one would time FFmpeg.
 *
 * The load runs 5 s before it is measured: a process that has just started compiles its hot paths
 * (and PGlite plans its first statements) while it serves, which a bot that runs for days does
 * once. The cold first seconds are reported apart, not hidden.
 */
import { readFileSync } from "node:fs"
import { loadavg } from "node:os"
import { command, ids, startHarness } from "../test/discord/harness.ts"
import { type BenchSection, percentile, round, sleep } from "./Section.ts"
import { listen, type SseListener } from "./SseListeners.ts"

const ratePerSecond = 500
const warmUpSeconds = 5
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

interface Load {
  readonly player: Array<number>
  readonly control: Array<number>
  failures: number
  readonly errors: Set<string>
}

/**
 * Open-loop: requests leave on schedule whatever the answers do, so a slow answer shows as
 * latency. Half read the player, half change the loop mode.
 */
const drive = async (guild: string, headers: Record<string, string>, seconds: number): Promise<Load & { achieved: number }> => {
  const load: Load = { player: [], control: [], failures: 0, errors: new Set() }
  const inFlight: Array<Promise<void>> = []
  const started = performance.now()
  for (let i = 0; i < ratePerSecond * seconds; i++) {
    const due = started + (i * 1000) / ratePerSecond
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    const control = i % 2 === 1
    const sent = performance.now()
    inFlight.push(
      fetch(control ? `${guild}/player/loop` : `${guild}/player`, {
        method: control ? "PUT" : "GET",
        headers,
        ...(control ? { body: JSON.stringify({ mode: i % 4 === 1 ? "queue" : "off" }) } : {})
      }).then(
        async (response) => {
          await response.arrayBuffer()
          if (response.status !== 200) load.failures++
          ;(control ? load.control : load.player).push(performance.now() - sent)
        },
        (error: unknown) => {
          load.failures++
          load.errors.add(String((error as { cause?: unknown }).cause ?? error))
        }
      )
    )
  }
  await Promise.all(inFlight)
  return { ...load, achieved: round((ratePerSecond * seconds) / ((performance.now() - started) / 1000)) }
}

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

    const cold = await drive(guild, headers, warmUpSeconds)
    const coldPlayer = summary(cold.player)
    const coldControl = summary(cold.control)
    out(`warm-up, ${warmUpSeconds} s from start: GET player p50 ${coldPlayer.p50} / p99 ${coldPlayer.p99} ms; PUT loop p50 ${coldControl.p50} / p99 ${coldControl.p99} ms`)
    const load = await drive(guild, headers, loadSeconds)
    const { achieved } = load
    const failures = load.failures + cold.failures
    const player = summary(load.player)
    const control = summary(load.control)
    const errors = new Set([...cold.errors, ...load.errors])
    if (errors.size > 0) out(`errors: ${[...errors].join("; ")}`)
    out(`${achieved} requests/s: GET player p50 ${player.p50} / p99 ${player.p99} ms; PUT loop p50 ${control.p50} / p99 ${control.p99} ms; ${failures} not 200`)

    const pid = h.bot.process.pid
    const before = rssMiB(pid)
    const streams: Array<SseListener> = []
    out(`opening ${clients} event streams`)
    for (let i = 0; i < clients; i++) streams.push(await listen(`${guild}/events`, headers, "QueueChanged"))
    await sleep(1000)
    const after = rssMiB(pid)
    out(`${clients} event streams: ${round(after - before)} MiB more (${round(((after - before) * 1024) / clients)} KiB each)`)

    // Every loop change publishes one QueueChanged, and the streams opened after the load.
    const delivery: Array<number> = []
    for (let n = 1; n <= fanOuts; n++) {
      const sent = performance.now()
      const arrivals = streams.map((s) => s.nth(n).then((at) => delivery.push(at - sent)))
      await fetch(`${guild}/player/loop`, { method: "PUT", headers, body: JSON.stringify({ mode: n % 2 === 1 ? "queue" : "off" }) })
      await Promise.all(arrivals)
      await sleep(200)
    }
    for (const s of streams) s.close()
    const fanOut = summary(delivery)
    out(`fan-out to ${clients} clients: p50 ${fanOut.p50} / p99 ${fanOut.p99} / max ${fanOut.max} ms`)
    return { achieved, failures, player, control, cold: { player: coldPlayer, control: coldControl }, fanOut, memoryMiB: { before: round(before), after: round(after) } }
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
        { key: "api.cold_player_ms.p99", value: r.cold.player.p99, unit: "ms" },
        { key: "api.cold_control_ms.p99", value: r.cold.control.p99, unit: "ms" },
        { key: "api.sse_fanout_ms.p50", value: r.fanOut.p50, unit: "ms" },
        { key: "api.sse_fanout_ms.p99", value: r.fanOut.p99, unit: "ms", target: "< 100", ok: r.fanOut.p99 < 100 },
        { key: "api.sse_memory_per_client_kib", value: perClientKiB, unit: "KiB" },
        { key: "api.load_average", value: `${load} → ${round(loadavg()[0] ?? 0, 2)}` }
      ],
      details: r
    }
  }
}
