import { fileURLToPath } from "node:url"
import { assert, describe, it } from "vitest"
import type { JsonObject } from "../fake-discord/State.ts"
import { blockHarness, command, eventually, ids, text } from "./harness.ts"

const throwOnSignal = new URL("../support/throwOnSignal.ts", import.meta.url)

/** The payload with `data` replaced by what `edit` makes of it. */
const withData = (payload: JsonObject, edit: (data: JsonObject) => JsonObject): JsonObject => {
  const data = payload["data"]
  assert.isObject(data)
  return { ...payload, data: edit(data as JsonObject) }
}

/** The payload with its member's `permissions` replaced. */
const withPermissions = (payload: JsonObject, permissions: unknown): JsonObject => {
  const member = payload["member"]
  assert.isObject(member)
  return { ...payload, member: { ...(member as JsonObject), permissions } }
}

/** Gateway events no Discord should send, each of which once ended the process inside discord.js. */
const malformed: ReadonlyArray<readonly [string, (payload: JsonObject) => JsonObject, RegExp]> = [
  ["options sent as a string", (p) => withData(p, (data) => ({ ...data, options: "query=oops" })), /options/],
  ["no data field", ({ data: _, ...rest }) => rest, /data/],
  ["member permissions that are no number", (p) => withPermissions(p, "all of them"), /permissions/]
]

/**
 * Guild and voice events that discord.js took in as they were: bob's voice channel became `5` (his
 * every command then failed), and the voice connection went looking for a server named `5`.
 */
const malformedCache: ReadonlyArray<readonly [string, JsonObject, RegExp]> = [
  ["VOICE_STATE_UPDATE", { guild_id: ids.guild, user_id: ids.bob, channel_id: 5, session_id: "s" }, /channel_id/],
  ["GUILD_MEMBER_UPDATE", { guild_id: ids.guild, user: { id: ids.bob }, roles: "DJ" }, /roles/],
  ["VOICE_SERVER_UPDATE", { guild_id: ids.guild, endpoint: 5, token: "t" }, /endpoint/]
]

/**
 * One bot for the block: a track plays throughout, and each malformed INTERACTION_CREATE arrives
 * while it does. The bot must log it and drop it, and go on playing and answering.
 */
describe("Reprise against the fake Discord: malformed gateway events", () => {
  const h = blockHarness({
    fake: { heartbeatIntervalMs: 1000, voiceHeartbeatIntervalMs: 1000 },
    tones: { "/long440.ogg": [440, 120] },
    env: { DISCORD_GUILD_ID: ids.guild, NODE_OPTIONS: `--import ${fileURLToPath(throwOnSignal)}` }
  })

  /** The bot's warning about a dropped event, by what it names; fails as soon as the bot has exited. */
  const droppedLine = async (naming: string): Promise<string> => {
    const exited = h.bot.exited.then((exit) => {
      throw new Error(`the bot exited (${JSON.stringify(exit)}):\n${h.bot.output().slice(-3000)}`)
    })
    const pattern = new RegExp(`.*malformed gateway event.*${naming}.*`)
    return Promise.race([h.bot.waitForOutput(pattern, 15_000), exited])
  }

  /** After a dropped event: the tone still arrives and bob (whom some of the events name) is answered. */
  const playsAndAnswers = async () => {
    const audio = await h.listen(1500)
    assert.isAbove(audio.frames.length, 50, "the music keeps flowing")
    assert.approximately(audio.frequency(), 440, 5)
    const answered = await command(h.fake, ids.bob, "nowplaying")
    assert.match(answered.text, /long440/, "a valid command after it is answered")
    assert.isNull(h.bot.process.exitCode)
  }

  it("plays a long tone", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/long440.ogg") }, /Now playing/)
    await fake.waitForRtp(ids.guild, 50, 15_000)
  }, 30_000)

  for (const [what, shape, problem] of malformed) {
    it(`drops an interaction with ${what}, logged, and plays and answers on`, async () => {
      const { fake } = h
      const sent = fake.sendShapedSlashCommand(ids.guild, ids.alice, "nowplaying", {}, shape)
      const line = await droppedLine(sent.id)
      const entry: unknown = JSON.parse(line)
      const logged = JSON.stringify(entry)
      assert.match(logged, /"level":"WARN"/)
      assert.match(logged, /"event":"INTERACTION_CREATE"/)
      assert.match(logged, /"errorId":"[0-9a-z]{6,8}"/)
      assert.match(logged, problem, "the log says what was wrong with it")
      assert.notInclude(h.bot.output(), sent.token, "the interaction token never reaches the log")
      await playsAndAnswers()
    }, 40_000)
  }

  for (const [event, payload, problem] of malformedCache) {
    it(`drops ${event} ${JSON.stringify(payload)}: nothing of it reaches the cache or the voice connection`, async () => {
      h.fake.sendRawDispatch(event, payload)
      const logged = await droppedLine(`"event":"${event}"`)
      assert.match(logged, /"level":"WARN"/)
      assert.match(logged, problem)
      await playsAndAnswers()
    }, 40_000)
  }

  it("an exception outside every handler: logged with an id, a clean stop, and a restart resumes the track", async () => {
    const { fake } = h
    const streamsBefore = fake.voiceStreams(ids.guild).length
    h.bot.process.kill("SIGUSR2")
    const exit = await h.bot.exited
    assert.strictEqual(exit.code, 1, "a failure, for the supervisor to restart")
    const output = h.bot.output()
    const fatal = output.split("\n").find((line) => line.includes("an error no handler caught")) ?? ""
    assert.match(fatal, /"level":"FATAL"/)
    const errorId = /"errorId":"([0-9a-z]{6,8})"/.exec(fatal)?.[1]
    assert.isDefined(errorId)
    assert.include(output, `reprise: stopped after an error no handler caught (error id ${errorId}`)
    assert.match(output, /disconnected from Discord/, "shut down through the finalizers, not cut off")

    await h.restart()
    await fake.waitForMessage((e) => /back after a restart/.test(text(e)), 20_000)
    const resumed = () => fake.voiceStreams(ids.guild).slice(streamsBefore)
    await eventually(() => resumed().some((s) => s.packets.length > 100), "the resumed track's audio", 20_000)
    const firstPacket = resumed().find((s) => s.packets.length > 0)?.packets[0]?.at ?? Number.POSITIVE_INFINITY
    assert.isBelow(firstPacket - (fake.readyTimes().at(-1) ?? 0), 3_000, "audio within 3 s of the gateway being ready")
    const audio = await h.listen(1000)
    assert.approximately(audio.frequency(), 440, 5, "the same track plays on")
  }, 60_000)
})
