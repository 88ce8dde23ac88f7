/**
 * Runs Reprise as its own process (`node src/start.js`) against the fake Discord, with tones
 * served over local HTTP. One harness per describe block (`blockHarness`): the bot starts once.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, beforeAll } from "vitest"
import { generateTone, generateToneSequence } from "../support/audioFixtures.ts"
import { startFileServer, type FileServer } from "../support/audioHttpServer.ts"
import { tempDir } from "../support/database.ts"
import { seedEmbeddedDatabase } from "../support/pgliteTemplate.ts"
import type { NodeProcess } from "../support/nodeProcess.ts"
import { freePort, startProgram } from "../support/program.ts"
import {
  FakeDiscord, type FakeDiscordEndpoints, type FakeDiscordOptions, type VoiceStream
} from "../fake-discord/FakeDiscord.ts"
import { analyse } from "../fake-discord/ReceivedAudio.ts"
import { defaultScenario } from "../fake-discord/Scenario.ts"
import type { MessageEvent } from "../fake-discord/State.ts"

export const { scenario, ids } = defaultScenario()

export const commandNames = [
  "play", "playfile", "search", "skip", "skipto", "previous", "seek", "pause", "resume", "stop", "leave", "queue",
  "nowplaying", "remove", "move", "shuffle", "loop", "clear", "volume", "effects", "eq", "settings", "playlist", "history",
  "lyrics", "audit", "rate", "stats", "apikey", "help"
]

/** A sine of [frequency Hz, seconds], written as Ogg/Opus. */
type Tone = readonly [number, number]

export interface HarnessOptions {
  readonly fake?: FakeDiscordOptions | undefined
  /**
   * More environment for the bot; a function gets the fake's endpoints and the bot's own HTTP
   * address first (for PUBLIC_URL, or the OAuth2 client in `endpoints.oauthEnv`).
   */
  readonly env?:
    | Readonly<Record<string, string>>
    | ((endpoints: FakeDiscordEndpoints, http: string) => Readonly<Record<string, string>>)
    | undefined
  /** URL path → tone to serve. */
  readonly tones: Readonly<Record<string, Tone>>
  /** URL path → frequencies of consecutive 1-second tones to serve (a position can be read off the audio). */
  readonly sequences?: Readonly<Record<string, ReadonlyArray<number>>> | undefined
  /** URL path → text or bytes to serve as they are (a link to something that is not audio, a page, a picture). */
  readonly texts?: Readonly<Record<string, string | Uint8Array>> | undefined
  /** File name without extension (it is `.ogg`) → tone, in the local music library (MUSIC_DIR). */
  readonly music?: Readonly<Record<string, Tone>> | undefined
  /** Run the bot in its own process group (see `startProgram`). */
  readonly ownProcessGroup?: boolean | undefined
  /** Runs before the bot first starts, e.g. to write rows into its embedded database under `dataDir`. */
  readonly prepare?: ((dataDir: string, files: FileServer) => Promise<void>) | undefined
}

export interface Harness {
  readonly fake: FakeDiscord
  /** The running bot; `restart` replaces it. */
  readonly bot: NodeProcess
  /**
   * Stops the bot (SIGTERM, or SIGKILL: no chance to save anything) and starts it again with the
   * same data directory and fake, and `env` over the first start's.
   */
  readonly restart: (options?: {
    readonly signal?: "SIGTERM" | "SIGKILL" | undefined
    readonly env?: Readonly<Record<string, string>> | undefined
  }) => Promise<void>
  readonly files: FileServer
  /** The bot's DATA_DIR: its embedded database, for a test to open once the bot has stopped. */
  readonly dataDir: string
  /** The bot's HTTP server (`/api/ready`, `/metrics`…). */
  readonly http: string
  readonly stop: () => Promise<void>
}

const writeTone = (dir: string, name: string, [frequency, seconds]: Tone): Promise<string> =>
  generateTone(dir, { frequency, seconds, format: "ogg", name })

/**
 * Starts the fake, the file server and the bot, and returns once the bot has registered its
 * commands: in DISCORD_GUILD_ID when `env` sets it, else globally.
 */
export const startHarness = async (options: HarnessOptions): Promise<Harness> => {
  const dataDir = tempDir("discord-e2e")
  const musicDir = join(dataDir, "music")
  mkdirSync(musicDir)
  // PGlite's first start is not what these tests are about (test/foundation/database.test.ts is).
  const [, served] = await Promise.all([
    seedEmbeddedDatabase(dataDir),
    Promise.all(
      Object.entries(options.tones).map(async ([path, tone]) =>
        [path, await writeTone(dataDir, path.replace(/\W/g, "_"), tone)] as const
      )
    ),
    Promise.all(Object.entries(options.music ?? {}).map(([name, tone]) => writeTone(musicDir, name, tone)))
  ])
  const sequences = await Promise.all(
    Object.entries(options.sequences ?? {}).map(async ([path, frequencies]) =>
      [path, await generateToneSequence(dataDir, { frequencies, format: "ogg", name: path.replace(/\W/g, "_") })] as const
    )
  )
  const texts = Object.entries(options.texts ?? {}).map(([path, body]) => {
    const file = join(dataDir, path.replace(/\W/g, "_"))
    writeFileSync(file, body)
    return [path, file] as const
  })
  const server = await startFileServer(Object.fromEntries([...served, ...sequences, ...texts]))
  try {
    await options.prepare?.(dataDir, server)
  } catch (error) {
    await server.close()
    throw error
  }
  const fake = new FakeDiscord({ scenario, ...options.fake })
  const endpoints = await fake.start()
  const httpPort = String(await freePort())
  const http = `http://127.0.0.1:${httpPort}`
  const extra = typeof options.env === "function" ? options.env(endpoints, http) : options.env
  const env = {
    ...endpoints.env,
    DATA_DIR: dataDir,
    HTTP_PORT: httpPort,
    SOURCES_ALLOW_PRIVATE_NETWORK: "true",
    MUSIC_DIR: musicDir,
    LOG_LEVEL: "info",
    // The tests send commands at machine speed; the one about rate limits sets its own budget.
    RATE_LIMIT_COMMANDS: "1000 per minute",
    // Nothing asks the public SponsorBlock: a test that wants segments starts its own fake.
    SPONSORBLOCK_API_BASE: "http://127.0.0.1:9",
    ...extra
  }
  const spawnOptions = { ownProcessGroup: options.ownProcessGroup === true }
  let bot = startProgram(env, undefined, spawnOptions)
  const stop = async () => {
    await bot.stop()
    await fake.stop()
    await server.close()
  }
  try {
    await fake.waitForCommands(commandNames, extra?.DISCORD_GUILD_ID, 30_000)
  } catch (error) {
    await stop()
    throw new Error(`${String(error)}\n--- bot output ---\n${bot.output()}`, { cause: error })
  }
  return {
    fake,
    get bot() {
      return bot
    },
    restart: async (restart = {}) => {
      if (restart.signal === "SIGKILL") {
        bot.process.kill("SIGKILL")
        await bot.exited
      } else {
        await bot.stop()
      }
      bot = startProgram({ ...env, ...restart.env }, undefined, spawnOptions)
    },
    files: server,
    dataDir,
    http,
    stop
  }
}

export interface BlockHarness extends Omit<Harness, "stop"> {
  /** The latest voice stream of `ids.guild`. */
  readonly stream: () => VoiceStream
  /** What `ids.guild` is sent from now on for `ms`. */
  readonly listen: (ms: number) => Promise<ReturnType<typeof analyse>>
}

/**
 * One harness for the enclosing describe block: started before its first test, stopped after its
 * last. Its fields may be read from within the tests (and hooks after this one).
 */
export const blockHarness = (options: HarnessOptions): BlockHarness => {
  let started: Harness | undefined
  beforeAll(async () => {
    started = await startHarness(options)
  }, 60_000)
  afterAll(async () => started?.stop())
  const current = (): Harness => {
    if (started === undefined) throw new Error("the harness is started in beforeAll")
    return started
  }
  const stream = () => latestStream(current().fake, ids.guild)
  return {
    get fake() {
      return current().fake
    },
    get bot() {
      return current().bot
    },
    get files() {
      return current().files
    },
    get dataDir() {
      return current().dataDir
    },
    get http() {
      return current().http
    },
    restart: (options) => current().restart(options),
    stream,
    listen: async (ms) => {
      const from = performance.now()
      await sleep(ms)
      return analyse(stream(), from)
    }
  }
}

export const text = (e: MessageEvent) =>
  [e.message.content, ...e.message.embeds.map((embed) => JSON.stringify(embed))].join("\n")

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The latest voice stream of the guild (a rejoin opens a new one). */
const latestStream = (fake: FakeDiscord, guildId: string): VoiceStream => {
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

/** The values autocomplete offers `userId` with `typed` in `option` of `name` (e.g. "playlist load"). */
export const suggestions = async (
  fake: FakeDiscord,
  userId: string,
  name: string,
  option: string,
  typed: string
): Promise<ReadonlyArray<string>> => {
  const typing = fake.autocomplete(ids.guild, userId, name, { [option]: typed }, option)
  const answer = await fake.waitForInteractionResponse(typing.id)
  assert.strictEqual(answer.type, 8)
  const choices = answer.data["choices"]
  assert.isArray(choices)
  return (choices as ReadonlyArray<{ readonly value: string }>).map((c) => c.value)
}

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
