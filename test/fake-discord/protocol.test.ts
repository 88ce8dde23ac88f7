import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { WebSocket } from "ws"
import { FakeDiscord, type FakeDiscordEndpoints } from "./FakeDiscord.ts"
import { Journal } from "./Journal.ts"
import { defaultScenario } from "./Scenario.ts"
import { snowflakeTime } from "./Snowflake.ts"

interface Frame {
  readonly op: number
  readonly t: string | null
  readonly s: number | null
  readonly d: Record<string, unknown> | null
}

/** A bare gateway client, to check the fake's side of the protocol without discord.js in between. */
const connect = async (url: string): Promise<{ socket: WebSocket; frames: Journal<Frame> }> => {
  const frames = new Journal<Frame>("gateway frames", (f) => `op ${f.op} ${f.t}`)
  const socket = new WebSocket(`${url}?v=10&encoding=json`)
  socket.on("message", (raw) => frames.push(JSON.parse(raw.toString()) as Frame))
  await new Promise((resolve) => socket.once("open", resolve))
  return { socket, frames }
}

/** Test-side view of a JSON body: the assertions check the shape. */
const json = async <T>(response: Response): Promise<T> => (await response.json()) as T

interface ErrorBody {
  readonly code: number
}

interface MessageBody {
  readonly content: string
  readonly attachments: ReadonlyArray<{ readonly filename: string }>
}

const { scenario, ids } = defaultScenario()

describe("FakeDiscord protocol", () => {
  const fake = new FakeDiscord({ scenario })
  let endpoints: FakeDiscordEndpoints
  const api = (path: string, init: RequestInit = {}) => fetch(`${endpoints.apiBase}/v10${path}`, init)
  const bot = { authorization: `Bot ${fake.world.token}`, "content-type": "application/json" }

  beforeAll(async () => {
    endpoints = await fake.start()
  })
  afterAll(() => fake.stop())

  it("checks the bot token on REST and answers unknown routes with a fast, recorded 404", async () => {
    assert.strictEqual((await api("/gateway/bot", { headers: { authorization: "Bot wrong" } })).status, 401)
    const gateway = await json<{ url: string }>(await api("/gateway/bot", { headers: bot }))
    assert.strictEqual(gateway.url, endpoints.gatewayUrl)
    const missing = await api("/guilds/1/bans", { headers: bot })
    assert.strictEqual(missing.status, 404)
    assert.deepStrictEqual(await json(missing), { code: 0, message: "404: Not Found" })
    assert.isTrue(fake.restCalls.some((c) => c.path === "/guilds/1/bans" && c.status === 404))
  })

  it("closes an Identify with a bad token with 4004", async () => {
    const { socket } = await connect(endpoints.gatewayUrl)
    const closed = new Promise<number>((resolve) => socket.once("close", resolve))
    socket.send(JSON.stringify({ op: 2, d: { token: "wrong" } }))
    assert.strictEqual(await closed, 4004)
  })

  it("identifies, chunks members with the nonce, and enforces the interaction rules", async () => {
    const { socket, frames } = await connect(endpoints.gatewayUrl)
    assert.strictEqual((await frames.waitFor((f) => f.op === 10, "Hello")).op, 10)
    socket.send(JSON.stringify({ op: 2, d: { token: fake.world.token, intents: 129 } }))
    await frames.waitFor((f) => f.t === "GUILD_CREATE" && f.d?.["id"] === ids.otherGuild, "both GUILD_CREATEs")
    const guildCreate = await frames.waitFor((f) => f.t === "GUILD_CREATE", "GUILD_CREATE")
    const members = guildCreate.d?.["members"] as ReadonlyArray<{ user: { id: string } }>
    // discord.js routes the bot's own voice state to @discordjs/voice only when it knows the member.
    assert.isTrue(members.some((m) => m.user.id === scenario.bot.id), "the bot is a member")

    socket.send(JSON.stringify({ op: 8, d: { guild_id: ids.guild, user_ids: [ids.bob], nonce: "n1" } }))
    const chunk = await frames.waitFor((f) => f.t === "GUILD_MEMBERS_CHUNK", "GUILD_MEMBERS_CHUNK")
    assert.strictEqual(chunk.d?.["nonce"], "n1")
    assert.lengthOf(chunk.d?.["members"] as ReadonlyArray<unknown>, 1)

    const sent = fake.sendSlashCommand(ids.guild, ids.bob, "play", { query: "tone", next: true })
    const create = await frames.waitFor((f) => f.t === "INTERACTION_CREATE", "INTERACTION_CREATE")
    assert.strictEqual(create.d?.["token"], sent.token)
    assert.deepStrictEqual(create.d?.["entitlements"], [])
    assert.approximately(snowflakeTime(sent.id), Date.now(), 5000)

    const callback = (body: unknown, query = "") =>
      api(`/interactions/${sent.id}/${sent.token}/callback${query}`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body)
      })
    const first = await callback({ type: 5, data: { flags: 64 } }, "?with_response=true")
    assert.strictEqual(first.status, 200)
    const withResponse = await json<{
      resource: { type: number }
      interaction: { response_message_ephemeral: boolean }
    }>(first)
    assert.strictEqual(withResponse.resource.type, 5)
    assert.isTrue(withResponse.interaction.response_message_ephemeral)
    const again = await callback({ type: 4, data: { content: "twice" } })
    assert.deepStrictEqual([again.status, (await json<ErrorBody>(again)).code], [400, 40060])

    const webhook = `/webhooks/${scenario.applicationId}/${sent.token}`
    // discord.js percent-encodes @original.
    const edited = await api(`${webhook}/messages/%40original`, {
      method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ content: "Now playing" })
    })
    assert.strictEqual((await json<MessageBody>(edited)).content, "Now playing")
    assert.strictEqual((await fake.waitForEditReply(sent.token)).message.content, "Now playing")

    const form = new FormData()
    form.append("payload_json", JSON.stringify({ content: "with a file", attachments: [{ id: 0, filename: "a.txt" }] }))
    form.append("files[0]", new Blob(["hello"]), "a.txt")
    const followUp = await json<MessageBody>(await api(`${webhook}?wait=true`, { method: "POST", body: form }))
    assert.strictEqual(followUp.content, "with a file")
    assert.strictEqual(followUp.attachments[0]?.filename, "a.txt")

    socket.close()
  })

  it("forgets an interaction that is not acknowledged within the deadline", async () => {
    const strict = new FakeDiscord({ scenario, ackDeadlineMs: 50 })
    const started = await strict.start()
    try {
      const { socket, frames } = await connect(started.gatewayUrl)
      socket.send(JSON.stringify({ op: 2, d: { token: strict.world.token } }))
      await frames.waitFor((f) => f.t === "READY", "READY")
      const sent = strict.sendSlashCommand(ids.guild, ids.alice, "ping")
      await new Promise((resolve) => setTimeout(resolve, 100))
      const late = await fetch(`${started.apiBase}/v10/interactions/${sent.id}/${sent.token}/callback`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: 5 })
      })
      assert.deepStrictEqual([late.status, (await json<ErrorBody>(late)).code], [404, 10062])
      socket.close()
    } finally {
      await strict.stop()
    }
  })
})

describe("FakeDiscord acting as users", () => {
  const fake = new FakeDiscord({ scenario })
  let endpoints: FakeDiscordEndpoints
  let frames: Journal<Frame>
  let socket: WebSocket
  const post = (path: string, body: unknown) =>
    fetch(`${endpoints.apiBase}/v10${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bot ${fake.world.token}` },
      body: JSON.stringify(body)
    })

  beforeAll(async () => {
    endpoints = await fake.start()
    ;({ socket, frames } = await connect(endpoints.gatewayUrl))
    socket.send(JSON.stringify({ op: 2, d: { token: fake.world.token } }))
    await frames.waitFor((f) => f.t === "READY", "READY")
  })
  afterAll(async () => {
    socket.close()
    await fake.stop()
  })

  it("types options from the registered command and resolves attachments", async () => {
    await post(`/applications/${scenario.applicationId}/commands`, {
      name: "playfile", description: "d", options: [{ name: "file", type: 11 }, { name: "next", type: 5 }]
    })
    const file = { filename: "tone.mp3", url: "http://127.0.0.1:9/tone.mp3", size: 1234 }
    fake.sendSlashCommand(ids.guild, ids.alice, "playfile", { file, next: true })
    const create = await frames.waitFor((f) => f.t === "INTERACTION_CREATE", "INTERACTION_CREATE")
    const data = create.d?.["data"] as {
      id: string
      options: ReadonlyArray<{ name: string; type: number; value: string }>
      resolved: { attachments: Record<string, { url: string }> }
    }
    assert.strictEqual(data.id, fake.commands()[0]?.["id"])
    assert.deepStrictEqual(data.options.map((o) => [o.name, o.type]), [["file", 11], ["next", 5]])
    assert.strictEqual(data.resolved.attachments[data.options[0]?.value ?? ""]?.url, file.url)
  })

  it("nests a subcommand's options, serves uploads from its CDN, and keeps the files the bot sends", async () => {
    await post(`/applications/${scenario.applicationId}/commands`, {
      name: "playlist", description: "d", options: [
        { name: "save", type: 1, description: "d", options: [{ name: "name", type: 3, description: "d" }] },
        { name: "import", type: 1, description: "d", options: [{ name: "file", type: 11, description: "d" }] }
      ]
    })
    const file = { filename: "mix.json", content: `{"format":"reprise.playlist"}`, contentType: "application/json" }
    const sent = fake.sendSlashCommand(ids.guild, ids.alice, "playlist import", { file })
    const create = await frames.waitFor((f) => f.t === "INTERACTION_CREATE" && f.d?.["id"] === sent.id, "import")
    const data = create.d?.["data"] as {
      name: string
      options: ReadonlyArray<{ name: string; type: number; options: ReadonlyArray<{ name: string; type: number; value: string }> }>
      resolved: { attachments: Record<string, { url: string; size: number; content_type: string }> }
    }
    assert.strictEqual(data.name, "playlist")
    assert.deepStrictEqual(data.options.map((o) => [o.name, o.type]), [["import", 1]])
    const [option] = data.options[0]?.options ?? []
    assert.strictEqual(option?.type, 11)
    const uploaded = data.resolved.attachments[option?.value ?? ""]
    assert.deepInclude(uploaded, { size: file.content.length, content_type: "application/json" })
    assert.match(uploaded?.url ?? "", /\/ephemeral-attachments\/\d+\/\d+\/mix\.json\?ex=[0-9a-f]+&/)
    const served = await fetch(uploaded?.url ?? "")
    assert.deepStrictEqual([served.status, await served.text()], [200, file.content])

    // The bot answers with a file of its own: the message's attachment serves the same bytes.
    const form = new FormData()
    form.append("payload_json", JSON.stringify({ type: 4, data: { content: "here", attachments: [{ id: 0, filename: "out.json" }] } }))
    form.append("files[0]", new Blob([`{"tracks":[]}`], { type: "application/json" }), "out.json")
    await fetch(`${endpoints.apiBase}/v10/interactions/${sent.id}/${sent.token}/callback`, { method: "POST", body: form })
    const reply = await fake.waitForMessage((e) => e.token === sent.token && e.kind === "create")
    const [attachment] = reply.message.attachments as ReadonlyArray<{ url: string; filename: string }>
    assert.strictEqual(attachment?.filename, "out.json")
    assert.strictEqual(await (await fetch(attachment?.url ?? "")).text(), `{"tracks":[]}`)
    assert.strictEqual(fake.attachment(attachment?.url ?? "")?.contentType, "application/json")
    assert.strictEqual((await fetch(`${endpoints.apiBase.replace(/\/api$/, "")}/attachments/1/2/none.json`)).status, 404)
  })

  it("presses a button on a message the bot sent, and the bot updates that message", async () => {
    const sent = await post(`/channels/${ids.text}/messages`, {
      content: "Now playing",
      components: [{ type: 1, components: [{ type: 2, style: 1, custom_id: "pause", label: "Pause" }] }]
    })
    const message = await json<{ id: string }>(sent)
    assert.throws(() => fake.pressButton(message.id, "skip", ids.bob), /no component "skip"/)
    const press = fake.pressButton(message.id, "pause", ids.bob)
    const create = await frames.waitFor((f) => f.t === "INTERACTION_CREATE" && f.d?.["id"] === press.id, "button")
    assert.deepInclude(create.d?.["data"], { custom_id: "pause", component_type: 2 })
    await post(`/interactions/${press.id}/${press.token}/callback`, { type: 7, data: { content: "Paused" } })
    const update = await fake.waitForMessage((e) => e.kind === "edit" && e.message.id === message.id)
    assert.strictEqual(update.message.content, "Paused")
  })

  it("sends autocomplete with the focused option, and voice state changes as VOICE_STATE_UPDATE", async () => {
    const sent = fake.autocomplete(ids.guild, ids.bob, "play", { query: "ton" }, "query")
    const create = await frames.waitFor((f) => f.t === "INTERACTION_CREATE" && f.d?.["id"] === sent.id, "autocomplete")
    assert.strictEqual(create.d?.["type"], 4)
    assert.deepInclude((create.d?.["data"] as { options: ReadonlyArray<unknown> }).options[0], { focused: true })

    fake.userJoinsVoice(ids.carol, ids.guild, ids.lounge)
    const joined = await frames.waitFor((f) => f.t === "VOICE_STATE_UPDATE", "VOICE_STATE_UPDATE")
    assert.deepInclude(joined.d, { user_id: ids.carol, channel_id: ids.lounge })
    assert.strictEqual(fake.voiceChannelOf(ids.guild, ids.carol), ids.lounge)
  })
})
