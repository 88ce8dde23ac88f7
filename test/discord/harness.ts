/**
 * Runs Reprise as its own process (`node src/start.js`) against the fake Discord, with tones
 * served over local HTTP. One harness per describe block: the bot starts once.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { startFileServer, type FileServer } from "../support/audioHttpServer.ts"
import { tempDir } from "../support/database.ts"
import { freePort, type RunningProgram, startProgram } from "../support/program.ts"
import { continuity, decodeOpus, dominantFrequency, opusFrames, pacing, rmsDb } from "../fake-discord/AudioAnalysis.ts"
import { FakeDiscord, type FakeDiscordOptions, type VoiceStream } from "../fake-discord/FakeDiscord.ts"
import { defaultScenario } from "../fake-discord/Scenario.ts"
import type { MessageEvent } from "../fake-discord/State.ts"
import { writeTone } from "../fake-discord/support/Tone.ts"

export const { scenario, ids } = defaultScenario()

export const commandNames = [
  "play", "playfile", "search", "skip", "skipto", "previous", "seek", "pause", "resume", "stop", "leave", "queue",
  "nowplaying", "remove", "move", "shuffle", "loop", "clear", "volume", "effects", "eq", "settings"
]

export interface Harness {
  readonly fake: FakeDiscord
  /** The running bot; `restart` replaces it. */
  readonly bot: RunningProgram
  /** Stops the bot (SIGTERM) and starts it again with the same data directory and fake. */
  readonly restart: () => Promise<void>
  readonly files: FileServer
  readonly dataDir: string
  readonly stop: () => Promise<void>
}

/** The fake's certificate, plus the machine's extra CA file when one is set (P1). */
const caBundle = (dir: string, fakeCert: string): string => {
  const machine = process.env.NODE_EXTRA_CA_CERTS
  const path = join(dir, "ca.pem")
  const parts = [readFileSync(fakeCert, "utf8")]
  if (machine !== undefined && machine !== "") parts.push(readFileSync(machine, "utf8"))
  writeFileSync(path, parts.join("\n"))
  return path
}

export const startHarness = async (options: {
  readonly fake?: FakeDiscordOptions | undefined
  readonly env?: Readonly<Record<string, string>> | undefined
  /** URL path → [frequency Hz, seconds] of a tone to serve. */
  readonly tones: Readonly<Record<string, readonly [number, number]>>
  /** File name → tone, in the local music library (MUSIC_DIR). */
  readonly music?: Readonly<Record<string, readonly [number, number]>> | undefined
  /** Run the bot in its own process group (see `startProgram`). */
  readonly ownProcessGroup?: boolean | undefined
}): Promise<Harness> => {
  const dataDir = tempDir("discord-e2e")
  const files: Record<string, string> = {}
  for (const [path, [frequency, seconds]] of Object.entries(options.tones)) {
    files[path] = writeTone(join(dataDir, path.replace(/\W/g, "_") + ".ogg"), frequency, seconds)
  }
  const musicDir = join(dataDir, "music")
  mkdirSync(musicDir)
  for (const [name, [frequency, seconds]] of Object.entries(options.music ?? {})) {
    writeTone(join(musicDir, name), frequency, seconds)
  }
  const server = await startFileServer(files)
  const fake = new FakeDiscord({ scenario, ...options.fake })
  const endpoints = await fake.start()
  const env = {
    ...endpoints.env,
    NODE_EXTRA_CA_CERTS: caBundle(dataDir, endpoints.caCertPath),
    DATA_DIR: dataDir,
    HTTP_PORT: String(await freePort()),
    SOURCES_ALLOW_PRIVATE_NETWORK: "true",
    MUSIC_DIR: musicDir,
    LOG_LEVEL: "info",
    ...options.env
  }
  const spawnOptions = { ownProcessGroup: options.ownProcessGroup === true }
  let bot = startProgram(env, undefined, spawnOptions)
  const stopBot = async () => {
    if (bot.process.exitCode === null && bot.process.signalCode === null) {
      bot.process.kill("SIGTERM")
      const timer = setTimeout(() => bot.process.kill("SIGKILL"), 5000)
      await bot.exited
      clearTimeout(timer)
    }
  }
  const stop = async () => {
    await stopBot()
    await fake.stop()
    await server.close()
  }
  const restart = async () => {
    await stopBot()
    bot = startProgram(env, undefined, spawnOptions)
  }
  return {
    fake,
    get bot() {
      return bot
    },
    restart,
    files: server,
    dataDir,
    stop
  }
}

export const isLeave = (d: unknown) =>
  typeof d === "object" && d !== null && "channel_id" in d && d.channel_id === null

export const text = (e: MessageEvent) =>
  [e.message.content, ...e.message.embeds.map((embed) => JSON.stringify(embed))].join("\n")

/** Decrypted audio frames of the stream received after `sinceMs` (performance.now()). */
export const audioSince = (stream: VoiceStream, sinceMs = 0, untilMs = Number.POSITIVE_INFINITY) => {
  const decrypted = opusFrames({ ...stream, packets: stream.packets.filter((p) => p.at >= sinceMs && p.at < untilMs) })
  return decrypted
}

export const analyse = (stream: VoiceStream, sinceMs = 0, untilMs = Number.POSITIVE_INFINITY) => {
  const decrypted = audioSince(stream, sinceMs, untilMs)
  const samples = decodeOpus(decrypted.frames)
  return {
    ...decrypted,
    pacing: pacing(decrypted.frames),
    continuity: continuity(decrypted.frames),
    frequency: (window?: { fromMs?: number; durationMs?: number }) => dominantFrequency(samples, window ?? {}),
    level: rmsDb(samples.subarray(Math.min(samples.length, 4800))),
    samples
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The latest voice stream of the guild (a rejoin opens a new one). */
export const latestStream = (fake: FakeDiscord, guildId: string): VoiceStream => {
  const streams = fake.voiceStreams(guildId)
  const last = streams.at(-1)
  if (last === undefined) throw new Error("no voice stream yet")
  return last
}

/** Waits until `predicate` holds, polling. */
export const eventually = async (predicate: () => boolean, label: string, timeoutMs = 10_000) => {
  const deadline = performance.now() + timeoutMs
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${label}`)
    await sleep(50)
  }
}

const loading = 1 << 7

/**
 * The answer the user sees to an interaction: a direct reply, the edit of a deferred reply, or
 * a follow-up (an ephemeral answer after a public deferral), whose text matches `pattern`.
 */
export const waitForAnswer = (
  fake: FakeDiscord,
  sent: { readonly token: string },
  pattern: RegExp = /./,
  timeoutMs = 15_000
): Promise<MessageEvent> =>
  fake.waitForMessage(
    (e) =>
      e.token === sent.token && e.kind !== "delete" && (e.message.flags & loading) === 0 && pattern.test(text(e)),
    timeoutMs
  )

export const isEphemeral = (e: MessageEvent) => (e.message.flags & 64) !== 0

/** Sends a slash command and waits for its answer. */
export const command = async (
  fake: FakeDiscord,
  userId: string,
  name: string,
  options: Readonly<Record<string, string | number | boolean>> = {},
  pattern?: RegExp
) => {
  const sent = fake.sendSlashCommand(ids.guild, userId, name, options)
  const t0 = performance.now()
  const answer = await waitForAnswer(fake, sent, pattern)
  if (process.env.E2E_TIMING) process.stderr.write(`/${name} ${Math.round(performance.now() - t0)} ms\n`)
  return { sent, answer, text: text(answer) }
}
