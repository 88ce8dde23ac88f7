import type { IncomingMessage, ServerResponse } from "node:http"
import { performance } from "node:perf_hooks"
import type { Attachments } from "./Attachments.ts"
import { channelJson, guildJson, memberJson, messageJson, userJson } from "./Payloads.ts"
import { discordError as error, type FaultReply, type RestFailure, RestFaults } from "./Faults.ts"
import { snowflake } from "./Snowflake.ts"
import {
  isObject, type GuildState, type Interaction, type JsonObject, type StoredMessage, type World
} from "./State.ts"

type Params = ReadonlyArray<string | undefined>

/** A file part of a multipart body, with its bytes. */
interface Upload {
  readonly field: string
  readonly filename: string
  readonly size: number
  readonly contentType: string
  readonly bytes: Buffer
}

interface Request {
  readonly method: string
  readonly query: Readonly<Record<string, string>>
  readonly body: JsonObject
  readonly files: ReadonlyArray<Upload>
}

type Reply = FaultReply

interface Route {
  readonly method: string
  readonly pattern: RegExp
  /** Interaction callbacks and webhooks are authorised by their token in the path, not a header. */
  readonly botAuth: boolean
  readonly handle: (params: Params, request: Request) => Reply
}

export interface RestOptions {
  readonly gatewayUrl: () => string
  /** Discord forgets an interaction that is not acknowledged in time (10062 Unknown interaction). */
  readonly ackDeadlineMs: number
  /** Where files sent with messages are kept and served from. */
  readonly attachments: Attachments
}

const ok = (body: unknown): Reply => ({ status: 200, body })
const noContent: Reply = { status: 204 }
const notFound = error(404, 0, "404: Not Found")
const unknownMessage = error(404, 10008, "Unknown Message")
const unknownInteraction = error(404, 10062, "Unknown interaction")
const loadingFlag = 1 << 7
const responseTypes = new Set([4, 5, 6, 7, 8, 9])
const segment = "([^/]+)"
const route = (method: string, path: string, botAuth: boolean, handle: Route["handle"]): Route => ({
  method,
  pattern: new RegExp(`^${path.replaceAll(":id", segment)}$`),
  botAuth,
  handle
})

const asArray = (value: unknown): ReadonlyArray<unknown> => Array.isArray(value) ? value : []

/** Reads JSON, or multipart/form-data whose `payload_json` part holds the JSON and the rest are files. */
const readBody = async (req: IncomingMessage): Promise<Pick<Request, "body" | "files"> & { raw: unknown }> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(Buffer.from(chunk as Uint8Array))
  const buffer = Buffer.concat(chunks)
  if (buffer.length === 0) return { raw: null, body: {}, files: [] }
  const contentType = req.headers["content-type"] ?? ""
  if (contentType.startsWith("multipart/form-data")) {
    const form = await new Response(buffer, { headers: { "content-type": contentType } }).formData()
    const files: Array<Upload> = []
    let body: unknown = {}
    for (const [field, value] of form) {
      if (typeof value === "string") {
        if (field === "payload_json") body = JSON.parse(value)
      } else {
        const bytes = Buffer.from(await value.arrayBuffer())
        files.push({ field, filename: value.name, size: value.size, contentType: value.type || "application/octet-stream", bytes })
      }
    }
    return { raw: body, body: isObject(body) ? body : {}, files }
  }
  const raw: unknown = JSON.parse(buffer.toString("utf8"))
  // Command registration sends a bare array; handlers read it from `items`.
  return { raw, body: Array.isArray(raw) ? { items: raw } : isObject(raw) ? raw : {}, files: [] }
}

export class Rest {
  readonly #world: World
  readonly #options: RestOptions
  readonly #routes: ReadonlyArray<Route>
  readonly #faults = new RestFaults()

  constructor(world: World, options: RestOptions) {
    this.#world = world
    this.#options = options
    const app = world.scenario.applicationId
    this.#routes = [
      route("GET", "/gateway/bot", true, () =>
        ok({
          url: options.gatewayUrl(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 }
        })),
      route("GET", "/gateway", false, () => ok({ url: options.gatewayUrl() })),
      route("GET", "/users/@me", true, () => ok(userJson(world, world.scenario.bot))),
      route("GET", "/applications/@me", true, () =>
        ok({
          id: app, name: world.scenario.bot.username, icon: null, description: "", bot_public: true,
          bot_require_code_grant: false, flags: 0, team: null, verify_key: "0".repeat(64),
          owner: userJson(world, world.scenario.users[0] ?? world.scenario.bot),
          bot: userJson(world, world.scenario.bot)
        })),
      route("GET", "/applications/:id/commands", true, ([a]) => this.#listCommands(a, null)),
      route("PUT", "/applications/:id/commands", true, ([a], r) => this.#setCommands(a, null, r.body)),
      route("POST", "/applications/:id/commands", true, ([a], r) => this.#createCommand(a, null, r.body)),
      route("GET", "/applications/:id/guilds/:id/commands", true, ([a, g]) => this.#listCommands(a, g)),
      route("PUT", "/applications/:id/guilds/:id/commands", true, ([a, g], r) => this.#setCommands(a, g, r.body)),
      route("POST", "/applications/:id/guilds/:id/commands", true, ([a, g], r) => this.#createCommand(a, g, r.body)),
      route("POST", "/interactions/:id/:id/callback", false, (p, r) => this.#callback(p, r)),
      route("POST", "/webhooks/:id/:id", false, (p, r) => this.#followUp(p, r)),
      ...["GET", "PATCH", "DELETE"].map((method) =>
        route(method, "/webhooks/:id/:id/messages/:id", false, (p, r) => this.#webhookMessage(p, r))),
      route("POST", "/channels/:id/messages", true, ([c], r) => this.#createChannelMessage(c, r)),
      ...["GET", "PATCH", "DELETE"].map((method) =>
        route(method, "/channels/:id/messages/:id", true, ([c, m], r) => this.#channelMessage(c, m, r))),
      route("GET", "/channels/:id", true, ([c]) => this.#channel(c)),
      route("GET", "/guilds/:id", true, ([g]) => this.#withGuild(g, (guild) => ok(guildJson(world, guild)))),
      route("GET", "/guilds/:id/members/:id", true, ([g, u]) =>
        this.#withGuild(g, (guild) =>
          guild.members.has(u ?? "") ? ok(memberJson(world, guild, u ?? "")) : error(404, 10007, "Unknown Member"))),
      route("GET", "/guilds/:id/channels", true, ([g]) =>
        this.#withGuild(g, (guild) => ok(guild.spec.channels.map((c) => channelJson(guild, c)))))
    ]
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = performance.now()
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v\d+/, ""))
    const method = req.method ?? "GET"
    const auth = req.headers.authorization ?? null
    let parsed: Awaited<ReturnType<typeof readBody>> = { raw: null, body: {}, files: [] }
    let reply: Reply
    try {
      parsed = await readBody(req)
      reply = this.#dispatch(path, auth, {
        method,
        query: Object.fromEntries(url.searchParams),
        body: parsed.body,
        files: parsed.files
      })
    } catch (cause) {
      // 4xx, never 5xx: @discordjs/rest retries server errors, which makes a failing test slow.
      reply = error(400, 50035, `fake Discord could not handle the request: ${String(cause)}`)
    }
    const files = parsed.files.map(({ field, filename, size }) => ({ field, filename, size }))
    this.#world.rest.push({
      at, method, path, query: Object.fromEntries(url.searchParams), auth, body: parsed.raw, files, status: reply.status
    })
    if (reply.body === undefined) {
      res.writeHead(reply.status, reply.headers).end()
    } else {
      res.writeHead(reply.status, { ...reply.headers, "content-type": "application/json" }).end(JSON.stringify(reply.body))
    }
  }

  /** The next requests matching `method` and `path` are refused with a Discord error (once unless `times`). */
  failNext(method: string, path: RegExp, failure: RestFailure): void {
    this.#faults.add(method, path, failure)
  }

  /** Forgets the refusals not used up yet. */
  clearFaults(): void {
    this.#faults.clear()
  }

  #dispatch(path: string, auth: string | null, request: Request): Reply {
    const refusal = this.#faults.take(request.method, path)
    if (refusal !== undefined) return refusal
    for (const candidate of this.#routes) {
      const match = candidate.method === request.method ? candidate.pattern.exec(path) : null
      if (match === null) continue
      if (candidate.botAuth && auth !== `Bot ${this.#world.token}`) return error(401, 0, "401: Unauthorized")
      return candidate.handle(match.slice(1), request)
    }
    return notFound
  }

  #withGuild(guildId: string | undefined, f: (guild: GuildState) => Reply): Reply {
    const guild = this.#world.guilds.get(guildId ?? "")
    return guild === undefined ? error(404, 10004, "Unknown Guild") : f(guild)
  }

  #channel(channelId: string | undefined): Reply {
    for (const guild of this.#world.guilds.values()) {
      const channel = guild.spec.channels.find((c) => c.id === channelId)
      if (channel !== undefined) return ok(channelJson(guild, channel))
    }
    return error(404, 10003, "Unknown Channel")
  }

  // Commands

  #commands(guildId: string | null): Map<string, JsonObject> {
    if (guildId === null) return this.#world.globalCommands
    const existing = this.#world.guildCommands.get(guildId)
    if (existing !== undefined) return existing
    const created = new Map<string, JsonObject>()
    this.#world.guildCommands.set(guildId, created)
    return created
  }

  #listCommands(appId: string | undefined, guildId: string | null | undefined): Reply {
    if (appId !== this.#world.scenario.applicationId) return error(404, 10002, "Unknown Application")
    return ok([...this.#commands(guildId ?? null).values()])
  }

  /** Keeps a command's id across re-registrations of the same name, as Discord does. */
  #normalise(command: JsonObject, guildId: string | null, previous: JsonObject | undefined): JsonObject {
    return {
      type: 1, options: [], default_member_permissions: null, nsfw: false, ...command,
      id: previous?.["id"] ?? snowflake(),
      application_id: this.#world.scenario.applicationId,
      version: snowflake(),
      ...(guildId === null ? {} : { guild_id: guildId })
    }
  }

  #setCommands(appId: string | undefined, guildId: string | null | undefined, body: JsonObject): Reply {
    if (appId !== this.#world.scenario.applicationId) return error(404, 10002, "Unknown Application")
    const commands = this.#commands(guildId ?? null)
    const next = asArray(body["items"]).filter(isObject).map((c) =>
      this.#normalise(c, guildId ?? null, commands.get(String(c["name"])))
    )
    commands.clear()
    for (const command of next) commands.set(String(command["name"]), command)
    return ok(next)
  }

  #createCommand(appId: string | undefined, guildId: string | null | undefined, body: JsonObject): Reply {
    if (appId !== this.#world.scenario.applicationId) return error(404, 10002, "Unknown Application")
    const commands = this.#commands(guildId ?? null)
    const command = this.#normalise(body, guildId ?? null, commands.get(String(body["name"])))
    commands.set(String(command["name"]), command)
    return { status: 201, body: command }
  }

  // Interactions

  #callback([id, token]: Params, { query, body, files }: Request): Reply {
    const interaction = this.#world.interactions.get(id ?? "")
    if (interaction === undefined || interaction.token !== token) return unknownInteraction
    const at = performance.now()
    if (interaction.acknowledged) return error(400, 40060, "Interaction has already been acknowledged.")
    if (at - interaction.sentAt > this.#options.ackDeadlineMs) return unknownInteraction
    const type = typeof body["type"] === "number" ? body["type"] : 0
    if (!responseTypes.has(type)) return error(400, 50035, `Invalid Form Body: callback type ${type}`)
    const data = isObject(body["data"]) ? body["data"] : {}
    interaction.acknowledged = true
    let message: StoredMessage | undefined
    if (type === 4 || type === 5) {
      message = this.#newMessage(interaction.channelId, interaction.guildId, 20, interaction.id)
      this.#apply(message, data, files)
      if (type === 5) message.flags |= loadingFlag
      interaction.originalMessageId = message.id
      this.#event("create", "callback", interaction.token, true, message)
    } else if (type === 6 || type === 7) {
      message = this.#world.messages.get(interaction.originalMessageId ?? "")
      if (message !== undefined && type === 7) {
        this.#apply(message, data, files)
        this.#event("edit", "callback", interaction.token, true, message)
      }
    }
    this.#world.responses.push({ at, interactionId: interaction.id, type, data, latencyMs: at - interaction.sentAt })
    if (query["with_response"] !== "true") return noContent
    return ok({
      interaction: {
        id: interaction.id,
        type: interaction.type,
        response_message_id: message?.id ?? null,
        response_message_loading: type === 5,
        response_message_ephemeral: message === undefined ? false : (message.flags & 64) !== 0
      },
      ...(message === undefined ? {} : { resource: { type, message: messageJson(this.#world, message) } })
    })
  }

  #interactionByToken(appId: string | undefined, token: string | undefined): Interaction | undefined {
    if (appId !== this.#world.scenario.applicationId) return undefined
    for (const interaction of this.#world.interactions.values()) if (interaction.token === token) return interaction
    return undefined
  }

  #followUp([appId, token]: Params, { query, body, files }: Request): Reply {
    const interaction = this.#interactionByToken(appId, token)
    if (interaction === undefined || !interaction.acknowledged) return error(404, 10015, "Unknown Webhook")
    const message = this.#newMessage(interaction.channelId, interaction.guildId, 19, interaction.id)
    this.#apply(message, body, files)
    this.#event("create", "webhook", interaction.token, false, message)
    return query["wait"] === "true" ? ok(messageJson(this.#world, message)) : noContent
  }

  #webhookMessage([appId, token, messageId]: Params, { method, body, files }: Request): Reply {
    const interaction = this.#interactionByToken(appId, token)
    if (interaction === undefined) return error(404, 10015, "Unknown Webhook")
    const original = messageId === "@original"
    const message = this.#world.messages.get((original ? interaction.originalMessageId : messageId) ?? "")
    if (message === undefined || message.deleted) return unknownMessage
    return this.#messageVerb(method, message, body, files, "webhook", interaction.token, original)
  }

  // Channel messages

  #createChannelMessage(channelId: string | undefined, { body, files }: Request): Reply {
    const guild = [...this.#world.guilds.values()].find((g) => g.spec.channels.some((c) => c.id === channelId))
    if (guild === undefined || channelId === undefined) return error(404, 10003, "Unknown Channel")
    const message = this.#newMessage(channelId, guild.spec.id, 0, null)
    this.#apply(message, body, files)
    this.#event("create", "channel", null, false, message)
    return ok(messageJson(this.#world, message))
  }

  #channelMessage(channelId: string | undefined, messageId: string | undefined, { method, body, files }: Request) {
    const message = this.#world.messages.get(messageId ?? "")
    if (message === undefined || message.deleted || message.channelId !== channelId) return unknownMessage
    return this.#messageVerb(method, message, body, files, "channel", null, false)
  }

  #messageVerb(
    method: string,
    message: StoredMessage,
    body: JsonObject,
    files: ReadonlyArray<Upload>,
    via: "webhook" | "channel",
    token: string | null,
    original: boolean
  ): Reply {
    if (method === "DELETE") {
      message.deleted = true
      this.#event("delete", via, token, original, message)
      return noContent
    }
    if (method === "PATCH") {
      this.#apply(message, body, files)
      message.flags &= ~loadingFlag
      message.editedTimestamp = new Date().toISOString()
      this.#event("edit", via, token, original, message)
    }
    return ok(messageJson(this.#world, message))
  }

  #newMessage(channelId: string, guildId: string | null, type: number, interactionId: string | null): StoredMessage {
    const message: StoredMessage = {
      id: snowflake(), channelId, guildId, type, interactionId, timestamp: new Date().toISOString(),
      content: "", embeds: [], components: [], attachments: [], flags: 0, editedTimestamp: null, deleted: false
    }
    this.#world.messages.set(message.id, message)
    return message
  }

  #event(kind: "create" | "edit" | "delete", via: "callback" | "webhook" | "channel", token: string | null,
    original: boolean, message: StoredMessage): void {
    this.#world.messageEvents.push({ at: performance.now(), kind, via, token, original, message: { ...message } })
  }

  /**
   * Applies the fields a create or edit sends; absent fields keep their value, as in Discord. A
   * body's `attachments` lists what stays: earlier attachments by id, and the files it uploads.
   */
  #apply(message: StoredMessage, body: JsonObject, files: ReadonlyArray<Upload>): void {
    if (typeof body["content"] === "string" || body["content"] === null) message.content = body["content"] ?? ""
    if (Array.isArray(body["embeds"])) message.embeds = body["embeds"]
    if (Array.isArray(body["components"])) message.components = body["components"]
    if (typeof body["flags"] === "number") message.flags = body["flags"]
    if (Array.isArray(body["attachments"]) || files.length > 0) {
      const keptIds = new Set(asArray(body["attachments"]).filter(isObject).map((a) => a["id"]))
      // Files being uploaded are listed by their part number; earlier attachments by their (string) id.
      const kept = message.attachments.filter((a) => isObject(a) && typeof a["id"] === "string" && keptIds.has(a["id"]))
      const uploaded = files.map((file) =>
        this.#options.attachments.store(`attachments/${message.channelId}`, file.filename, file.bytes, file.contentType)
      )
      message.attachments = [...kept, ...uploaded]
    }
  }
}
