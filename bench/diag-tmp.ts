import { command, ids, startHarness } from "../test/discord/harness.ts"
const budget = "1000000 per minute"
const h = await startHarness({ env: { DISCORD_GUILD_ID: ids.guild, RATE_LIMIT_API_KEY: budget, RATE_LIMIT_API_GUILD: budget, ...(process.env.BOT_PROF ? { NODE_OPTIONS: "--cpu-prof --cpu-prof-dir=/tmp/diag" } : {}) }, tones: { "/a440.ogg": [440, 900] } })
const { text } = await command(h.fake, ids.alice, "apikey create", { name: "bench" }, /rpk_/)
const key = /rpk_[A-Za-z0-9_-]+/.exec(text)?.[0] ?? ""
const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" }
const guild = `${h.http}/api/v1/guilds/${ids.guild}`
await fetch(`${guild}/queue`, { method: "POST", headers, body: JSON.stringify({ query: h.files.url("/a440.ogg"), voiceChannelId: ids.music }) })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const path = process.env.PATHX ?? "loop"
for (let round = 0; round < 2; round++) {
  const t: number[] = []; const inflight: Promise<void>[] = []
  const start = performance.now()
  for (let i = 0; i < 250 * 8; i++) {
    const due = start + i * 4; const w = due - performance.now(); if (w > 1) await sleep(w)
    const s = performance.now()
    inflight.push((path === "loop" ? fetch(`${guild}/player/loop`, { method: "PUT", headers, body: JSON.stringify({ mode: i % 2 ? "queue" : "off" }) }) : fetch(`${guild}/${path}`, { headers })).then(async (r) => { await r.arrayBuffer(); t.push(performance.now() - s) }))
  }
  await Promise.all(inflight)
  t.sort((a, b) => a - b)
  console.log(path, "250/s p50", t[t.length >> 1]!.toFixed(1), "p99", t[Math.floor(t.length * 0.99)]!.toFixed(1))
}
await h.stop()
