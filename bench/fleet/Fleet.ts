/**
 * A fleet of guilds using one Reprise process through the fake Discord, as the load and soak
 * benchmarks drive it: a scenario of many guilds (each owner and a second member; in a playing
 * guild both sit in its voice channel), the bot started by the e2e harness with tones served over
 * local HTTP, and a driver that sends each guild a realistic mix of slash commands and buttons and
 * records how each was answered.
 *
 * An outcome is an error when the interaction got no acknowledgement within Discord's 3 s, no
 * answer within `ANSWER_MS` (a later one is timed, up to 15 s, but still an error), or an answer
 * saying something went wrong on the bot's side. A
 * refusal ("Nothing is playing.") is an answer: users do send commands that do not apply.
 */
import type { FakeDiscord } from "../../test/fake-discord/FakeDiscord.ts"
import type { GuildSpec, Scenario } from "../../test/fake-discord/Scenario.ts"
import type { MessageEvent } from "../../test/fake-discord/State.ts"
import { snowflake } from "../../test/fake-discord/Snowflake.ts"
import { type Harness, startHarness, text, waitForAnswer } from "../../test/discord/harness.ts"
import { sleep } from "../Section.ts"

/** An answer later than this is an error (seed 003: responses under 5 s). */
export const ANSWER_MS = 5_000
/** How long the driver waits for a late answer, so that its time is still known. */
const PATIENCE_MS = 15_000

const botError = /Something went wrong on my side|try again in a moment/i

export interface FleetGuild {
  readonly index: number
  readonly id: string
  readonly voice: string
  readonly owner: string
  readonly members: ReadonlyArray<string>
  readonly playing: boolean
}

/**
 * `guilds` guilds, the first `playing` of them with both members in voice. The second member of a
 * playing guild is also a member of one guild that does not play (as users share servers), so 100
 * guilds with 50 playing have 150 users and 200 memberships.
 */
export const fleetScenario = (guilds: number, playing: number) => {
  const created = Date.UTC(2024, 0, 1)
  let n = 0
  const id = () => snowflake(created + ++n * 1000)
  const applicationId = id()
  const bot = { id: id(), username: "Reprise" }
  const owners = Array.from({ length: guilds }, id)
  const listeners = Array.from({ length: Math.max(1, playing) }, id)
  const specs: Array<GuildSpec> = []
  const fleet: Array<FleetGuild> = []
  for (let i = 0; i < guilds; i++) {
    const guild = id()
    const text = id()
    const voice = id()
    const isPlaying = i < playing
    const owner = owners[i]!
    const second = listeners[i % listeners.length]!
    specs.push({
      id: guild,
      name: `Fleet ${i}`,
      ownerId: owner,
      roles: [],
      channels: [{ id: text, name: "general", type: "text" }, { id: voice, name: "Music", type: "voice" }],
      members: [{ userId: owner }, { userId: second }],
      voiceStates: isPlaying ? { [owner]: voice, [second]: voice } : {}
    })
    fleet.push({ index: i, id: guild, voice, owner, members: [owner, second], playing: isPlaying })
  }
  const users = [...owners, ...listeners].map((u, i) => ({ id: u, username: `user${i}` }))
  const scenario: Scenario = { applicationId, bot, users, guilds: specs }
  return { scenario, guilds: fleet }
}

type Options = Readonly<Record<string, string | number | boolean>>

/** A command or button press, and whether it restarts the guild's audio (its gap is not pacing). */
export interface Step {
  readonly label: string
  readonly user: string
  readonly slash?: { readonly name: string; readonly options?: Options }
  readonly button?: string
  readonly restartsAudio: boolean
}

export interface Outcome {
  readonly label: string
  readonly guild: number
  readonly sentAt: number
  /** The first callback's type (4 reply, 5 deferral, 6 deferred update, 7 update); null without one. */
  readonly ackType: number | null
  /** The fake's latency of the first callback; null without one. */
  readonly ackMs: number | null
  /** From the dispatch to the answer the user sees; null without one. */
  readonly answerMs: number | null
  readonly text: string
  readonly error: string | null
}

/** What the driver believes of a guild's player, from the commands it sent. */
interface GuildState {
  paused: boolean
  effects: Set<string>
  queued: number
}

const effectNames = ["bassboost", "nightcore", "vaporwave", "8d"]

/** What the user reads first: the content, or the first embed's title. */
const firstLine = (e: MessageEvent): string => {
  const title: unknown = (e.message.embeds[0] as { readonly title?: unknown } | undefined)?.title
  const line = e.message.content.split("\n")[0] || (typeof title === "string" ? title : "")
  return line.slice(0, 120)
}

/** Guilds starting to play per second at the start of a run: a busy evening, not one instant. */
export const START_PER_SECOND = 2

const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(Math.random() * items.length)]!

/** Picks by weight: `[[weight, make], …]`. */
const weighted = (choices: ReadonlyArray<readonly [number, () => Step]>): Step => {
  let r = Math.random() * choices.reduce((sum, [w]) => sum + w, 0)
  for (const [w, make] of choices) {
    r -= w
    if (r < 0) return make()
  }
  return choices.at(-1)![1]()
}

export interface FleetOptions {
  readonly guilds: number
  readonly playing: number
  /** URL path → [frequency Hz, seconds]: the tracks the playing guilds queue and loop. */
  readonly tones: Readonly<Record<string, readonly [number, number]>>
}

export class Fleet {
  readonly harness: Harness
  readonly guilds: ReadonlyArray<FleetGuild>
  readonly outcomes: Array<Outcome> = []
  /** Per guild, when something changed its audio: a command that restarts it, or a new track announced. */
  readonly changes = new Map<string, Array<number>>()
  readonly #state: Array<GuildState>
  readonly #tracks: ReadonlyArray<string>
  /** The latest now-playing message of each guild (its buttons are pressed there). */
  readonly #nowPlaying = new Map<string, string>()
  /** How far `messageEvents` has been read by `catchUp`. */
  #read = 0

  private constructor(harness: Harness, guilds: ReadonlyArray<FleetGuild>, tracks: ReadonlyArray<string>) {
    this.harness = harness
    this.guilds = guilds
    this.#tracks = tracks
    this.#state = guilds.map(() => ({ paused: false, effects: new Set(), queued: 0 }))
  }

  static async start(options: FleetOptions): Promise<Fleet> {
    const { scenario, guilds } = fleetScenario(options.guilds, options.playing)
    const harness = await startHarness({
      fake: { scenario },
      tones: options.tones,
      // Warnings and errors only: the bench keeps the bot's output in memory for the whole run.
      env: { LOG_LEVEL: "warn" },
      ownProcessGroup: true
    })
    return new Fleet(harness, guilds, Object.keys(options.tones).map((path) => harness.files.url(path)))
  }

  get fake(): FakeDiscord {
    return this.harness.fake
  }

  /** The next thing a user of `guild` does, given what the driver has sent it so far. */
  nextStep(guild: FleetGuild): Step {
    const state = this.#state[guild.index]!
    const user = pick(guild.members)
    const slash = (name: string, options?: Options, restartsAudio = false): Step =>
      ({ label: `/${name}`, user, slash: { name, ...(options === undefined ? {} : { options }) }, restartsAudio })
    const button = (customId: string, restartsAudio = false): Step =>
      this.#nowPlaying.has(guild.id) ? { label: customId, user, button: customId, restartsAudio } : slash("nowplaying")
    if (!guild.playing) {
      return weighted([
        [30, () => slash("queue")],
        [30, () => slash("nowplaying")],
        [20, () => ({ ...slash("settings"), user: guild.owner })],
        [10, () => slash("pause")],
        [10, () => slash("volume", { level: 80 })]
      ])
    }
    if (state.paused) return Math.random() < 0.5 ? slash("resume", undefined, true) : button("np:toggle", true)
    return weighted([
      [14, () => slash("queue")],
      [14, () => slash("nowplaying")],
      [8, () => button("np:queue")],
      [10, () => slash("volume", { level: 50 + Math.floor(Math.random() * 101) }, true)],
      [8, () => {
        const on = [...state.effects]
        const name = on.length > 0 && (on.length >= 2 || Math.random() < 0.5) ? pick(on) : pick(effectNames)
        return slash("effects", { name }, true)
      }],
      [8, () => Math.random() < 0.5 ? slash("pause") : button("np:toggle")],
      [6, () => Math.random() < 0.5 ? slash("skip", undefined, true) : button("np:skip", true)],
      [6, () => ({ ...slash("settings"), user: guild.owner })],
      [4, () => button("rate:up")],
      [8, () => state.queued >= 5 ? slash("clear") : slash("play", { query: pick(this.#tracks) }, true)]
    ])
  }

  /** Sends `step` in `guild` and waits for its outcome (at most PATIENCE_MS). */
  async send(guild: FleetGuild, step: Step): Promise<Outcome> {
    const state = this.#state[guild.index]!
    const fake = this.fake
    const sentAt = performance.now()
    if (step.restartsAudio) this.#changed(guild.id, sentAt)
    let sent: { readonly id: string; readonly token: string }
    try {
      const messageId = this.#nowPlaying.get(guild.id)
      sent = step.button !== undefined && messageId !== undefined
        ? fake.pressButton(messageId, step.button, step.user)
        : fake.sendSlashCommand(guild.id, step.user, step.slash?.name ?? "nowplaying", step.slash?.options ?? {})
    } catch {
      // The message lost its buttons (a stop): the user types the command instead.
      this.#nowPlaying.delete(guild.id)
      return this.send(guild, this.nextStep(guild))
    }
    // Listening for the answer from the start: a long run discards the records as it goes.
    const answer = waitForAnswer(fake, sent, /./, PATIENCE_MS).catch(() => undefined)
    const ack = await fake.waitForInteractionResponse(sent.id, PATIENCE_MS).catch(() => undefined)
    const seen = ack === undefined ? undefined : ack.type === 6 ? null : await answer
    const answerMs = seen === null ? ack!.latencyMs : seen === undefined ? null : seen.at - sentAt
    const shown = seen === null || seen === undefined ? "" : firstLine(seen)
    const outcome: Outcome = {
      label: guild.playing ? step.label : `${step.label} (idle guild)`,
      guild: guild.index,
      sentAt,
      ackType: ack?.type ?? null,
      ackMs: ack?.latencyMs ?? null,
      answerMs,
      text: shown,
      error: ack === undefined
        ? "no acknowledgement"
        : answerMs === null
        ? `no answer within ${PATIENCE_MS / 1000} s`
        : answerMs > ANSWER_MS
        ? `answered after ${ANSWER_MS / 1000} s`
        : seen !== null && seen !== undefined && botError.test(text(seen))
        ? "an error answer"
        : null
    }
    this.outcomes.push(outcome)
    this.#believe(state, step, outcome)
    return outcome
  }

  #believe(state: GuildState, step: Step, outcome: Outcome) {
    if (outcome.error !== null) return
    const name = step.slash?.name
    if (name === "pause" && /Paused/.test(outcome.text)) state.paused = true
    if (name === "resume") state.paused = false
    // The button updates the now-playing message in place; a refusal is a reply of its own.
    if (step.button === "np:toggle" && outcome.ackType === 7) state.paused = !state.paused
    if (name === "play") state.queued++
    if (name === "clear") state.queued = 1
    if (name === "effects" && /Effects on|No effects/.test(outcome.text)) {
      const effect = String(step.slash?.options?.["name"])
      if (state.effects.has(effect)) state.effects.delete(effect)
      else state.effects.add(effect)
    }
  }

  #changed(guildId: string, at: number) {
    const list = this.changes.get(guildId)
    if (list === undefined) this.changes.set(guildId, [at])
    else list.push(at)
  }

  /** Reads the message events since the last call: new now-playing messages, and track changes. */
  catchUp(): void {
    const events = this.fake.messageEvents
    for (; this.#read < events.length; this.#read++) {
      const e = events[this.#read]!
      if (e.via !== "channel" || e.message.guildId === null || e.kind === "delete") continue
      if (!JSON.stringify(e.message.components).includes("np:toggle")) continue
      this.#nowPlaying.set(e.message.guildId, e.message.id)
      this.#changed(e.message.guildId, e.at)
    }
  }

  /** Forgets the fake's records (after reading what the driver needs from them), keeping memory flat. */
  discardRecords(): void {
    this.catchUp()
    const { world, udp } = this.fake
    const journals = [world.messageEvents, world.responses, world.rest, world.gatewayOps, world.voiceOps, udp.rtp]
    for (const journal of journals) journal.discard()
    this.#read = 0
    const horizon = performance.now() - 60_000
    for (const [guild, times] of this.changes) this.changes.set(guild, times.filter((t) => t >= horizon))
  }

  /** Playing guilds that never started (both tries failed): the run goes on without them. */
  readonly unstarted: Array<number> = []

  /**
   * Sends every playing guild its first track (`perSecond` guilds a second), loops the queue and
   * queues two more. A first /play without an answer counts as an error; if the guild is not
   * heard either, its user tries once more.
   */
  async startPlaying(perSecond: number): Promise<void> {
    const playing = this.guilds.filter((g) => g.playing)
    const heard = (guild: FleetGuild) => this.fake.waitForRtp(guild.id, 1, 30_000).then(() => true, () => false)
    const starts = playing.map(async (guild, i) => {
      await sleep((i * 1000) / perSecond)
      const user = guild.owner
      const play = (track: string, restartsAudio: boolean): Step =>
        ({ label: "/play", user, slash: { name: "play", options: { query: track } }, restartsAudio })
      const first = this.#tracks[i % this.#tracks.length]!
      const started = async () => (await this.send(guild, play(first, true))).error === null || await heard(guild)
      if (!await started() && !await started()) {
        this.unstarted.push(guild.index)
        return
      }
      this.#state[guild.index]!.queued = 1
      const loop: Step = {
        label: "/loop", user, slash: { name: "loop", options: { mode: "queue" } }, restartsAudio: false
      }
      await this.send(guild, loop)
      for (const k of [1, 2]) await this.send(guild, play(this.#tracks[(i + k) % this.#tracks.length]!, false))
    })
    await Promise.all(starts)
  }

  /** Throws, with the end of its output, once the bot process has exited. */
  assertAlive(): void {
    const bot = this.harness.bot
    if (bot.process.exitCode === null && bot.process.signalCode === null) return
    const how = bot.process.signalCode ?? `code ${bot.process.exitCode}`
    throw new Error(`the bot died (${how}) under load\n--- bot output ---\n${bot.output().slice(-4000)}`)
  }

  /**
   * Every guild sends its next step, waits for the outcome, then pauses around `meanIntervalMs`
   * (half to one and a half of it), until `until` (performance.now()). Stops at once if the bot dies.
   */
  async drive(until: number, meanIntervalMs: number): Promise<void> {
    const loop = async (guild: FleetGuild) => {
      await sleep(Math.random() * meanIntervalMs)
      while (performance.now() < until) {
        this.assertAlive()
        this.catchUp()
        await this.send(guild, this.nextStep(guild))
        await sleep(Math.max(0, Math.min(until - performance.now(), meanIntervalMs * (0.5 + Math.random()))))
      }
    }
    await Promise.all(this.guilds.map(loop))
  }
}
