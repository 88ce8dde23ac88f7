import type { IncomingMessage } from "node:http"
import { randomBytes } from "node:crypto"
import type { Duplex } from "node:stream"
import { performance } from "node:perf_hooks"
import { WebSocketServer, type RawData, type WebSocket } from "ws"
import { guildJson, memberJson, userJson } from "./Payloads.ts"
import { isObject, type JsonObject, type World } from "./State.ts"

interface Dispatch {
  readonly s: number
  readonly t: string
  readonly d: unknown
}

interface Session {
  readonly id: string
  readonly events: Array<Dispatch>
  socket: WebSocket | null
}

export interface GatewayOptions {
  readonly heartbeatIntervalMs: number
  readonly url: () => string
  /** Gateway op 4 from the bot; `channelId` null means leave. */
  readonly onBotVoiceState: (guildId: string, channelId: string | null, selfDeaf: boolean, selfMute: boolean) => void
}

const op = {
  dispatch: 0, heartbeat: 1, identify: 2, voiceStateUpdate: 4, resume: 6, reconnect: 7,
  requestGuildMembers: 8, invalidSession: 9, hello: 10, heartbeatAck: 11
} as const

/** The main gateway: one shard, JSON, no compression. Sessions outlive sockets so a resume can replay. */
export class Gateway {
  readonly #world: World
  readonly #options: GatewayOptions
  readonly #server = new WebSocketServer({ noServer: true })
  readonly #sessions = new Map<string, Session>()
  #current: Session | null = null

  constructor(world: World, options: GatewayOptions) {
    this.#world = world
    this.#options = options
    this.#server.on("connection", (socket, req) => this.#connect(socket, req))
  }

  /** The session the bot is identified on, if any. */
  get sessionId(): string | null {
    return this.#current?.id ?? null
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#server.emit("connection", ws, req))
  }

  /** Sends a dispatch now, or on resume when the bot is between sockets. */
  dispatch(t: string, d: unknown): void {
    const session = this.#current
    if (session === null) throw new Error(`cannot dispatch ${t}: the bot has not identified`)
    this.#send(session, t, d)
  }

  /** Closes the socket with a code @discordjs/ws resumes after (4000 Unknown error by default). */
  drop(code = 4000): void {
    this.#current?.socket?.close(code, "fake Discord dropped the connection")
  }

  /** Asks the bot to reconnect and resume (op 7), as Discord does before maintenance. */
  requestReconnect(): void {
    this.#current?.socket?.send(JSON.stringify({ op: op.reconnect, d: null, s: null, t: null }))
  }

  close(): void {
    for (const client of this.#server.clients) client.terminate()
    this.#server.close()
  }

  #connect(socket: WebSocket, req: IncomingMessage): void {
    // zlib-sync in node_modules makes discord.js ask for a compressed stream this fake does not speak.
    if ((req.url ?? "").includes("compress=")) {
      socket.close(4000, "fake Discord does not support transport compression; uninstall zlib-sync")
      return
    }
    let session: Session | null = null
    const hello = { heartbeat_interval: this.#options.heartbeatIntervalMs }
    socket.send(JSON.stringify({ op: op.hello, d: hello, s: null, t: null }))
    socket.on("message", (raw: RawData) => {
      const payload: unknown = JSON.parse(raw.toString())
      if (!isObject(payload) || typeof payload["op"] !== "number") return
      const d = payload["d"]
      const data = isObject(d) ? d : {}
      const guildId = typeof data["guild_id"] === "string" ? data["guild_id"] : null
      this.#world.gatewayOps.push({ at: performance.now(), op: payload["op"], d, guildId })
      switch (payload["op"]) {
        case op.heartbeat:
          socket.send(JSON.stringify({ op: op.heartbeatAck, d: null, s: null, t: null }))
          break
        case op.identify:
          if (data["token"] !== this.#world.token) {
            socket.close(4004, "Authentication failed.")
            break
          }
          session = this.#identify(socket)
          break
        case op.resume:
          session = this.#resume(socket, data)
          break
        case op.voiceStateUpdate:
          if (guildId !== null) {
            const channelId = typeof data["channel_id"] === "string" ? data["channel_id"] : null
            this.#options.onBotVoiceState(guildId, channelId, data["self_deaf"] === true, data["self_mute"] === true)
          }
          break
        case op.requestGuildMembers:
          if (session !== null && guildId !== null) this.#membersChunk(session, guildId, data)
          break
      }
    })
    socket.on("close", () => {
      if (session !== null && session.socket === socket) session.socket = null
    })
  }

  /** When each new session was sent READY (performance.now()): where a restarted bot's clock starts. */
  readonly readyAt: Array<number> = []

  #identify(socket: WebSocket): Session {
    const session: Session = { id: randomBytes(16).toString("hex"), events: [], socket }
    this.readyAt.push(performance.now())
    this.#sessions.set(session.id, session)
    this.#current = session
    const world = this.#world
    this.#send(session, "READY", {
      v: 10,
      user: userJson(world, world.scenario.bot),
      guilds: [...world.guilds.keys()].map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.#options.url(),
      shard: [0, 1],
      application: { id: world.scenario.applicationId, flags: 0 }
    })
    // Every guild in READY needs its GUILD_CREATE, or clientReady waits 15 s.
    for (const guild of world.guilds.values()) this.#send(session, "GUILD_CREATE", guildJson(world, guild))
    return session
  }

  #resume(socket: WebSocket, data: JsonObject): Session | null {
    const session = this.#sessions.get(String(data["session_id"]))
    if (session === undefined || data["token"] !== this.#world.token) {
      socket.send(JSON.stringify({ op: op.invalidSession, d: false, s: null, t: null }))
      return null
    }
    session.socket = socket
    this.#current = session
    const seen = typeof data["seq"] === "number" ? data["seq"] : 0
    for (const missed of session.events.filter((e) => e.s > seen)) {
      socket.send(JSON.stringify({ op: op.dispatch, ...missed }))
    }
    this.#send(session, "RESUMED", null)
    return session
  }

  #membersChunk(session: Session, guildId: string, data: JsonObject): void {
    const guild = this.#world.guilds.get(guildId)
    if (guild === undefined) return
    const wanted = Array.isArray(data["user_ids"]) ? data["user_ids"].map(String) : null
    const ids = [...guild.members.keys()].filter((id) => wanted === null || wanted.includes(id))
    this.#send(session, "GUILD_MEMBERS_CHUNK", {
      guild_id: guildId,
      members: ids.map((id) => memberJson(this.#world, guild, id)),
      chunk_index: 0,
      chunk_count: 1,
      not_found: wanted?.filter((id) => !guild.members.has(id)) ?? [],
      // Without the nonce echoed back, guild.members.fetch() waits two minutes.
      ...(data["nonce"] === undefined ? {} : { nonce: data["nonce"] })
    })
  }

  #send(session: Session, t: string, d: unknown): void {
    const event: Dispatch = { s: session.events.length + 1, t, d }
    session.events.push(event)
    session.socket?.send(JSON.stringify({ op: op.dispatch, ...event }))
  }
}
