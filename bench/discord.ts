/**
 * The command path against the fake Discord, with Reprise running as its own process:
 *
 * - interaction-to-ack latency at a steady 100 commands/s spread over 50 guilds (/queue, which
 *   answers at once, and /pause, which reads the guild's settings and refuses: nothing plays);
 * - time from /play of a local file to the first RTP packet the fake decrypts, the voice join
 *   included (each sample in a guild the bot is not yet in).
 *
 * Targets from the issue: ack p99 < 50 ms; first packet p95 < 300 ms.
 * Wiring (bench/run.ts): add `discordSection` to `SECTIONS`.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FakeDiscord } from "../test/fake-discord/FakeDiscord.ts"
import { opusFrames } from "../test/fake-discord/ReceivedAudio.ts"
import type { GuildSpec, Scenario } from "../test/fake-discord/Scenario.ts"
import { snowflake } from "../test/fake-discord/Snowflake.ts"
import { generateTone } from "../test/support/audioFixtures.ts"
import { freePort, startProgram } from "../test/support/program.ts"
import { type BenchSection, percentile, round, sleep } from "./Section.ts"

const guildCount = 50

/** 50 guilds, each with a text and a voice channel, and one listener already in voice. */
const benchScenario = () => {
  const created = Date.UTC(2024, 0, 1)
  let n = 0
  const id = () => snowflake(created + ++n * 1000)
  const application = id()
  const bot = id()
  const listener = id()
  const guilds: Array<GuildSpec & { readonly text: string; readonly voice: string }> = []
  for (let i = 0; i < guildCount; i++) {
    const guild = id()
    const text = id()
    const voice = id()
    guilds.push({
      id: guild,
      name: `Bench ${i}`,
      ownerId: listener,
      roles: [],
      channels: [{ id: text, name: "general", type: "text" }, { id: voice, name: "Music", type: "voice" }],
      members: [{ userId: listener }],
      voiceStates: { [listener]: voice },
      text,
      voice
    })
  }
  const scenario: Scenario = {
    applicationId: application,
    bot: { id: bot, username: "Reprise" },
    users: [{ id: listener, username: "listener" }],
    guilds
  }
  return { scenario, listener, guilds }
}

export interface DiscordBenchResult {
  readonly ack: {
    readonly commands: number
    readonly ratePerSecond: number
    readonly p50Ms: number
    readonly p99Ms: number
    readonly maxMs: number
    readonly missed: number
  }
  readonly firstPacket: {
    readonly samples: number
    readonly p50Ms: number
    readonly p95Ms: number
    readonly maxMs: number
  }
}

export const runDiscordBench = async (options: {
  readonly seconds?: number
  readonly ratePerSecond?: number
  readonly playSamples?: number
} = {}): Promise<DiscordBenchResult> => {
  const seconds = options.seconds ?? 10
  const rate = options.ratePerSecond ?? 100
  const playSamples = Math.min(options.playSamples ?? 20, guildCount)
  const dir = mkdtempSync(join(tmpdir(), "reprise-bench-discord-"))
  const music = join(dir, "music")
  const { scenario, listener, guilds } = benchScenario()
  const fake = new FakeDiscord({ scenario })
  const endpoints = await fake.start()
  mkdirSync(music)
  await generateTone(music, { frequency: 440, seconds: 3, format: "ogg", name: "tone" })
  const bot = startProgram({
    ...endpoints.env,
    DATA_DIR: join(dir, "data"),
    HTTP_PORT: String(await freePort()),
    MUSIC_DIR: music,
    LOG_LEVEL: "warn"
  })
  try {
    await fake.waitForCommands(["play", "queue", "pause"], undefined, 60_000)
    // Warm-up: the first interactions load code paths and the settings query.
    for (const guild of guilds.slice(0, 5)) {
      const sent = fake.sendSlashCommand(guild.id, listener, "queue")
      await fake.waitForInteractionResponse(sent.id)
    }

    // Steady load: one command every 1000/rate ms, round-robin over the guilds.
    const total = seconds * rate
    const sent: Array<{ readonly id: string }> = []
    const start = performance.now()
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 1) await sleep(wait)
      const guild = guilds[i % guilds.length]!
      sent.push(fake.sendSlashCommand(guild.id, listener, i % 2 === 0 ? "queue" : "pause"))
    }
    const acks = await Promise.all(
      sent.map((s) => fake.waitForInteractionResponse(s.id, 10_000).then((r) => r.latencyMs, () => Number.NaN))
    )
    const answered = acks.filter((ms) => !Number.isNaN(ms))
    const elapsed = (performance.now() - start) / 1000

    // /play → first decrypted packet, each in a guild the bot has not joined yet.
    const firstPacket: Array<number> = []
    for (const guild of guilds.slice(0, playSamples)) {
      const t0 = performance.now()
      const play = fake.sendSlashCommand(guild.id, listener, "play", { query: "local:./tone.ogg" })
      const packet = await fake.waitForRtp(guild.id, 1, 15_000)
      const stream = fake.voiceStreams(guild.id).at(-1)
      if (stream === undefined || opusFrames({ ...stream, packets: [packet] }).decryptFailures > 0) {
        throw new Error("the first packet did not decrypt")
      }
      firstPacket.push(packet.at - t0)
      await fake.waitForInteractionResponse(play.id)
      const stop = fake.sendSlashCommand(guild.id, listener, "stop")
      await fake.waitForInteractionResponse(stop.id)
    }

    return {
      ack: {
        commands: total,
        ratePerSecond: round(total / elapsed),
        p50Ms: round(percentile(answered, 50), 2),
        p99Ms: round(percentile(answered, 99), 2),
        maxMs: round(Math.max(...answered), 2),
        missed: total - answered.length
      },
      firstPacket: {
        samples: firstPacket.length,
        p50Ms: round(percentile(firstPacket, 50)),
        p95Ms: round(percentile(firstPacket, 95)),
        maxMs: round(Math.max(...firstPacket))
      }
    }
  } catch (error) {
    throw new Error(`${String(error)}\n--- bot output ---\n${bot.output().slice(-4000)}`, { cause: error })
  } finally {
    await bot.stop()
    await fake.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export const discordSection: BenchSection = {
  name: "discord",
  description: "commands against the fake Discord: ack latency at 100/s over 50 guilds; /play to first packet",
  run: async () => {
    const r = await runDiscordBench()
    return {
      figures: [
        { key: "ack_ms.p50", value: r.ack.p50Ms, unit: "ms" },
        { key: "ack_ms.p99", value: r.ack.p99Ms, unit: "ms", target: "< 50", ok: r.ack.p99Ms < 50 },
        { key: "ack.missed", value: r.ack.missed, target: "0", ok: r.ack.missed === 0 },
        { key: "first_packet_ms.p50", value: r.firstPacket.p50Ms, unit: "ms" },
        {
          key: "first_packet_ms.p95",
          value: r.firstPacket.p95Ms,
          unit: "ms",
          target: "< 300",
          ok: r.firstPacket.p95Ms < 300
        }
      ],
      details: r
    }
  }
}

// `node bench/discord.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runDiscordBench()
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}
