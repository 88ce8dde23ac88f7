/**
 * Random INTERACTION_CREATE payloads through the gateway's check and then real discord.js, in
 * process: the check's view of a @discordjs/ws manager emits each dispatch to discord.js's own
 * listener (attached as the client attaches it at login), which builds the interaction and emits it
 * to the client, where the Discord edge would route and answer it.
 */
import { WebSocketManager } from "@discordjs/ws"
import { Client, type Interaction, Status, WebSocketShard } from "discord.js"
import { Option } from "effect"
import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { checkedManager, deliverChecked, type Rejected } from "../../src/gateway/CheckedDispatches.ts"
import { commandData, interactionPayload, interactionType } from "../fake-discord/Interactions.ts"
import { guildJson, userJson } from "../fake-discord/Payloads.ts"
import { defaultScenario } from "../fake-discord/Scenario.ts"
import { type JsonObject, type StoredMessage, World } from "../fake-discord/State.ts"

const { scenario, ids } = defaultScenario()
const world = new World(scenario, "fake.bot.token")
const guild = world.guild(ids.guild)

const client = new Client({ intents: [] })
const manager = new WebSocketManager({ token: world.token, intents: 0, rest: client.rest })
const rejected: Array<Rejected> = []
const delivered: Array<Interaction> = []
const checked = checkedManager(manager, (r) => rejected.push(r))
client.on("interactionCreate", (interaction) => delivered.push(interaction))
// What discord.js does at login, minus the socket: its listener on the manager, one shard, ready.
Reflect.set(client.ws, "_ws", manager)
Reflect.apply(Reflect.get(client.ws, "attachEvents"), client.ws, [])
client.ws.shards.set(0, Reflect.construct(WebSocketShard, [client.ws, 0]))
client.ws.status = Status.Ready

let sequence = 0
const dispatch = (t: unknown, d: unknown) => {
  rejected.length = 0
  delivered.length = 0
  checked.emit("dispatch", { data: { op: 0, s: ++sequence, t, d }, shardId: 0 })
}

dispatch("READY", {
  v: 10, user: userJson(world, scenario.bot), guilds: [], session_id: "s", resume_gateway_url: "ws://127.0.0.1:9",
  shard: [0, 1], application: { id: scenario.applicationId, flags: 0 }
})
dispatch("GUILD_CREATE", guildJson(world, guild))

const message: StoredMessage = {
  id: "1200000000000000001", channelId: ids.text, guildId: ids.guild, type: 0, timestamp: "2024-01-01T00:00:00.000Z",
  interactionId: null, content: "Now playing", embeds: [], components: [], attachments: [], flags: 0,
  editedTimestamp: null, deleted: false
}
const upload = () => ({})
const valid: ReadonlyArray<JsonObject> = [
  interactionPayload(world, guild, ids.alice, ids.text, interactionType.command,
    commandData(world, ids.guild, "play", { query: "a song", next: true }, null, upload), null),
  interactionPayload(world, guild, ids.bob, ids.text, interactionType.command,
    commandData(world, ids.guild, "playlist save", { name: "mine", count: 3 }, null, upload), null),
  interactionPayload(world, guild, ids.alice, ids.text, interactionType.autocomplete,
    commandData(world, ids.guild, "play", { query: "a so" }, "query", upload), null),
  interactionPayload(world, guild, ids.carol, ids.text, interactionType.component,
    { custom_id: "np:skip", component_type: 2 }, message),
  interactionPayload(world, guild, ids.alice, ids.text, interactionType.component,
    { custom_id: "history:pick", component_type: 3, values: ["1", "2"] }, message)
]

/** `value` at `path` in a copy of `payload` (undefined deletes it); missing parents are made. */
const setPath = (payload: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown => {
  const [head, ...rest] = path
  if (head === undefined) return value
  if (Array.isArray(payload)) {
    const copy: Array<unknown> = [...payload]
    const at = typeof head === "number" ? head : copy.length
    copy[at] = setPath(copy[at], rest, value)
    return copy
  }
  const base: Record<string | number, unknown> = typeof payload === "object" && payload !== null ? { ...payload } : {}
  const next = setPath(base[head], rest, value)
  if (next === undefined) delete base[head]
  else base[head] = next
  return base
}

/** The fields discord.js reads on the way to an interaction, as the check knows them. */
const readPaths: ReadonlyArray<ReadonlyArray<string | number>> = [
  ["id"], ["token"], ["type"], ["application_id"], ["version"], ["guild_id"], ["app_permissions"], ["entitlements"],
  ["entitlements", 0], ["authorizing_integration_owners"], ["channel"], ["channel", "id"], ["channel", "type"],
  ["channel", "recipients"],
  ["member"], ["member", "permissions"], ["member", "roles"], ["member", "roles", 0], ["member", "flags"],
  ["member", "user"], ["member", "user", "id"], ["member", "user", "public_flags"], ["user"], ["data"],
  ["data", "id"], ["data", "name"], ["data", "type"], ["data", "options"], ["data", "options", 0],
  ["data", "options", 0, "type"], ["data", "options", 0, "value"], ["data", "options", 0, "focused"],
  ["data", "options", 1], ["data", "options", 0, "options"],
  ["data", "options", 0, "options", 0], ["data", "resolved"], ["data", "resolved", "users"],
  ["data", "resolved", "members"], ["data", "resolved", "attachments"], ["data", "custom_id"],
  ["data", "component_type"], ["data", "values"], ["message"], ["message", "id"], ["message", "channel_id"],
  ["message", "components"], ["message", "embeds"], ["message", "author"], ["message", "flags"]
]

/** Values near what Discord sends (ids, bitfields, kinds, empty lists), so that many reshaped payloads still decode. */
const plausible = fc.constantFrom<unknown>(
  ids.alice, ids.text, "8", "0", 0, 1, 2, 3, 4, 5, true, "a song", [], {}, [ids.dj], { id: ids.bob }, [{ id: ids.bob }]
)
const value = fc.oneof(
  { arbitrary: plausible, weight: 3 },
  { arbitrary: fc.jsonValue(), weight: 2 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: fc.constantFrom("0x8", "1e3", "-1", "", "NaN", "1.5"), weight: 1 }
)
const mutation = fc.tuple(fc.constantFrom(...readPaths), value)
const reshaped = fc.tuple(fc.constantFrom(...valid), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(
  ([payload, changes]) => changes.reduce<unknown>((p, [path, v]) => setPath(p, path, v), payload)
)

/** What became of one dispatch: exactly one of delivered (it gets an answer) or rejected (logged). */
const outcome = () => {
  assert.strictEqual(delivered.length + rejected.length, 1, "delivered to the edge, or dropped with a log line")
  return rejected[0]
}

describe("gateway dispatches checked before discord.js", () => {
  it("delivers every valid interaction as discord.js builds it", () => {
    for (const payload of valid) {
      dispatch("INTERACTION_CREATE", payload)
      assert.isUndefined(outcome())
      assert.strictEqual(delivered[0]?.id, payload["id"])
    }
  })

  it("reshaped fields discord.js reads: never a throw; built and delivered, or dropped as malformed", () => {
    fc.assert(
      fc.property(reshaped, (payload) => {
        dispatch("INTERACTION_CREATE", payload)
        const dropped = outcome()
        const interaction = delivered[0]
        // What the edge reads first: an autocomplete handler the text being typed.
        if (interaction?.isAutocomplete()) assert.isString(interaction.options.getFocused())
        if (dropped === undefined) return
        assert.strictEqual(dropped._tag, "Malformed", `discord.js threw on a payload the check admitted`)
        assert.strictEqual(dropped.event, "INTERACTION_CREATE")
        if (dropped._tag === "Malformed") assert.isNotEmpty(dropped.problem)
      }),
      { numRuns: 300 }
    )
  })

  it("anything at all as the payload, or deep in it: never a throw, and always delivered or logged", () => {
    const anywhere = fc.tuple(
      fc.constantFrom(...valid),
      fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.nat(3)), { minLength: 1, maxLength: 5 }),
      fc.anything()
    ).map(([payload, path, v]) => setPath(payload, path, v))
    fc.assert(
      fc.property(fc.oneof(fc.anything(), anywhere), (payload) => {
        dispatch("INTERACTION_CREATE", payload)
        outcome()
      }),
      { numRuns: 300 }
    )
  })

  it("keeps malformed guild and voice events out of the cache, and lets the well-formed in", () => {
    const malformed: ReadonlyArray<readonly [string, unknown, RegExp]> = [
      ["VOICE_STATE_UPDATE", { guild_id: ids.guild, user_id: ids.bob, channel_id: 5, session_id: "s" }, /^channel_id: /],
      ["VOICE_SERVER_UPDATE", { guild_id: ids.guild, endpoint: "wss://x/?a", token: "t" }, /^endpoint: /],
      ["GUILD_MEMBER_UPDATE", { guild_id: ids.guild, user: { id: ids.bob }, roles: "DJ" }, /^roles: /],
      ["GUILD_CREATE", { id: ids.otherGuild, channels: "none" }, /^channels: /],
      ["CHANNEL_UPDATE", { id: ids.music, type: 2, permission_overwrites: [{ id: ids.dj, type: 0, allow: "x", deny: "0" }] },
        /^permission_overwrites\.0\.allow: /]
    ]
    for (const [event, payload, problem] of malformed) {
      dispatch(event, payload)
      assert.deepInclude(rejected[0], { _tag: "Malformed", event })
      assert.match(rejected[0]?._tag === "Malformed" ? rejected[0].problem : "", problem)
    }
    const cached = client.guilds.cache.get(ids.guild)
    assert.strictEqual(cached?.voiceStates.cache.get(ids.bob)?.channelId, ids.music, "bob is still where he was")
    assert.isFalse(cached?.members.cache.get(ids.bob)?.roles.cache.has(ids.dj))
    dispatch("GUILD_MEMBER_UPDATE", { guild_id: ids.guild, user: userJson(world, world.user(ids.bob)), roles: [ids.dj] })
    assert.lengthOf(rejected, 0)
    assert.isTrue(cached?.members.cache.get(ids.bob)?.roles.cache.has(ids.dj))
  })

  it("contains what discord.js throws on an event it does not check: logged with the event, nothing escapes", () => {
    dispatch("CHANNEL_PINS_UPDATE", null)
    assert.deepInclude(rejected[0], { _tag: "Threw", event: "CHANNEL_PINS_UPDATE" })
    dispatch(42, {})
    assert.deepInclude(rejected[0], { _tag: "Malformed", event: "(unknown)" })
  })

  it("drops an autocomplete the handlers could not answer: nothing focused, or a number as the text typed", () => {
    const typing = valid[2]!
    for (const options of [[{ name: "query", type: 3, value: "a so" }], [{ name: "query", type: 3, value: 7, focused: true }]]) {
      dispatch("INTERACTION_CREATE", setPath(typing, ["data", "options"], options))
      const dropped = outcome()
      assert.strictEqual(dropped?._tag, "Malformed")
      if (dropped?._tag === "Malformed") assert.match(dropped.problem, /^data\.options: no single focused option/)
    }
  })

  it("keeps the interaction token out of what discord.js threw, and never lets the throw escape", () => {
    const payload = valid[0]!
    const token = String(payload["token"])
    const seen: Array<Rejected> = []
    const packet = { op: 0, s: 1, t: "INTERACTION_CREATE", d: payload }
    const delivered = deliverChecked(packet, () => {
      throw new RangeError(`Invalid bitfield flag or number: ${token}.`)
    }, (r) => seen.push(r))
    assert.isFalse(delivered)
    const [threw] = seen
    assert.strictEqual(threw?._tag, "Threw")
    if (threw?._tag !== "Threw") return
    assert.instanceOf(threw.error, Error)
    assert.notInclude(String(threw.error), token)
    assert.notInclude(threw.error instanceof Error ? threw.error.stack : "", token)
    assert.include(String(threw.error), "RangeError: Invalid bitfield flag or number: <token>.")
    assert.deepStrictEqual(threw.interactionId, Option.some(String(payload["id"])))
  })

  it("never puts a value of the payload in the problem it logs", () => {
    const secret = valid[0]!
    dispatch("INTERACTION_CREATE", { ...secret, member: { ...(secret["member"] as JsonObject), permissions: "all" } })
    const dropped = outcome()
    assert.strictEqual(dropped?._tag, "Malformed")
    if (dropped?._tag !== "Malformed") return
    assert.match(dropped.problem, /member\.permissions/)
    assert.notInclude(dropped.problem, String(secret["token"]))
    assert.notInclude(dropped.problem, "all")
    assert.strictEqual(dropped.interactionId._tag, "Some")
  })
})
