import { randomBytes } from "node:crypto"
import { createServer, type Server } from "node:https"
import type { AddressInfo } from "node:net"
import { performance } from "node:perf_hooks"
import { WebSocketServer, type RawData, type WebSocket } from "ws"
import type { Certificate } from "./Certificate.ts"
import type { EncryptionMode } from "./Crypto.ts"
import { isObject, type JsonObject, type World } from "./State.ts"

/** One voice server token, from a VOICE_SERVER_UPDATE until the bot leaves; resumes keep it. */
export interface VoiceSession {
  readonly guildId: string
  readonly channelId: string
  readonly sessionId: string
  readonly token: string
  readonly ssrc: number
  mode: EncryptionMode | null
  key: Buffer | null
  socket: WebSocket | null
  seq: number
  resumes: number
  /** `max_dave_protocol_version` from Identify: 1 when the library's default DAVE support is on. */
  maxDaveProtocolVersion: number | null
}

export interface VoiceGatewayOptions {
  readonly certificate: Certificate
  /** In preference order; the client takes the first it supports. */
  readonly modes: ReadonlyArray<EncryptionMode>
  readonly heartbeatIntervalMs: number
  readonly udpPort: () => number
}

const op = {
  identify: 0, selectProtocol: 1, ready: 2, heartbeat: 3, sessionDescription: 4, speaking: 5, heartbeatAck: 6,
  resume: 7, hello: 8, resumed: 9
} as const

/** The voice gateway v8 over TLS, which @discordjs/voice requires. DAVE is offered as version 0. */
export class VoiceGateway {
  readonly sessions: Array<VoiceSession> = []
  readonly #world: World
  readonly #options: VoiceGatewayOptions
  readonly #https: Server
  readonly #server: WebSocketServer
  /** Guilds whose heartbeats go unanswered (a fault). */
  readonly #unacked = new Set<string>()
  #nextSsrc = 1000

  constructor(world: World, options: VoiceGatewayOptions) {
    this.#world = world
    this.#options = options
    this.#https = createServer({ cert: options.certificate.cert, key: options.certificate.key })
    this.#server = new WebSocketServer({ server: this.#https })
    this.#server.on("connection", (socket) => this.#connect(socket))
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#https.listen(0, "127.0.0.1", resolve))
    return (this.#https.address() as AddressInfo).port
  }

  close(): void {
    for (const client of this.#server.clients) client.terminate()
    this.#server.close()
    this.#https.close()
  }

  /** A new voice server token for a join; the gateway sends it in VOICE_SERVER_UPDATE. */
  issue(guildId: string, channelId: string, sessionId: string): VoiceSession {
    const session: VoiceSession = {
      guildId, channelId, sessionId, token: randomBytes(8).toString("hex"), ssrc: this.#nextSsrc++,
      mode: null, key: null, socket: null, seq: 0, resumes: 0, maxDaveProtocolVersion: null
    }
    this.sessions.push(session)
    return session
  }

  /** The guild's live voice session, if the bot has one. */
  current(guildId: string): VoiceSession | undefined {
    return this.sessions.findLast((s) => s.guildId === guildId)
  }

  /**
   * Closes the guild's voice socket: 4014 means "disconnected, do not reconnect"; 4015 and codes below 4000
   * make the client resume; "terminate" drops the TCP connection, which the client sees as 1006.
   */
  disconnect(guildId: string, code: number | "terminate"): void {
    const socket = this.current(guildId)?.socket
    if (socket === null || socket === undefined) return
    if (code === "terminate") socket.terminate()
    else socket.close(code)
  }

  /** Until the returned function is called, the guild's voice heartbeats get no ACK (its sessions' now and later). */
  withholdAcks(guildId: string): () => void {
    this.#unacked.add(guildId)
    return () => void this.#unacked.delete(guildId)
  }

  /** The guild of a session's SSRC. */
  guildOf(ssrc: number): string | undefined {
    return this.sessions.find((s) => s.ssrc === ssrc)?.guildId
  }

  #connect(socket: WebSocket): void {
    let session: VoiceSession | undefined
    socket.send(JSON.stringify({ op: op.hello, d: { heartbeat_interval: this.#options.heartbeatIntervalMs } }))
    socket.on("message", (raw: RawData, isBinary: boolean) => {
      const at = performance.now()
      if (isBinary) {
        // DAVE's MLS messages: with dave_protocol_version 0 they should not come, and are only recorded.
        const bytes = Buffer.from(raw as Buffer)
        const guildId = session?.guildId ?? null
        this.#world.voiceOps.push({ at, op: bytes[0] ?? -1, d: { binary: bytes.length }, guildId })
        return
      }
      const payload: unknown = JSON.parse(raw.toString())
      if (!isObject(payload) || typeof payload["op"] !== "number") return
      const data = isObject(payload["d"]) ? payload["d"] : {}
      const guildId = session?.guildId ?? (typeof data["server_id"] === "string" ? data["server_id"] : null)
      this.#world.voiceOps.push({ at, op: payload["op"], d: payload["d"], guildId })
      switch (payload["op"]) {
        case op.identify:
          session = this.#authenticate(data, data["user_id"] === this.#world.scenario.bot.id)
          if (session === undefined) return socket.close(4004, "Authentication failed")
          session.socket = socket
          session.maxDaveProtocolVersion = typeof data["max_dave_protocol_version"] === "number"
            ? data["max_dave_protocol_version"]
            : null
          return this.#send(session, op.ready, {
            ssrc: session.ssrc, ip: "127.0.0.1", port: this.#options.udpPort(), modes: this.#options.modes,
            heartbeat_interval: this.#options.heartbeatIntervalMs
          })
        case op.selectProtocol:
          return this.#selectProtocol(socket, session, data)
        case op.heartbeat:
          if (guildId !== null && this.#unacked.has(guildId)) return
          return socket.send(JSON.stringify({ op: op.heartbeatAck, d: { t: data["t"] } }))
        case op.resume:
          session = this.#authenticate(data, true)
          if (session === undefined) return socket.close(4006, "Session no longer valid")
          session.socket = socket
          session.resumes++
          return this.#send(session, op.resumed, null)
      }
    })
  }

  #authenticate(data: JsonObject, userMatches: boolean): VoiceSession | undefined {
    const session = this.sessions.find((s) => s.token === data["token"])
    const valid = session !== undefined && userMatches && session.guildId === data["server_id"] &&
      session.sessionId === data["session_id"]
    return valid ? session : undefined
  }

  #selectProtocol(socket: WebSocket, session: VoiceSession | undefined, data: JsonObject): void {
    const protocol = isObject(data["data"]) ? data["data"] : {}
    const mode = this.#options.modes.find((m) => m === protocol["mode"])
    if (session === undefined) return socket.close(4003, "Not authenticated")
    if (mode === undefined) return socket.close(4016, "Unknown encryption mode")
    session.mode = mode
    session.key = randomBytes(32)
    this.#send(session, op.sessionDescription, {
      mode,
      secret_key: [...session.key],
      // Version 0: the client keeps DAVE support on but sends plain Opus under transport encryption.
      dave_protocol_version: 0,
      audio_codec: "opus",
      video_codec: null,
      media_session_id: randomBytes(16).toString("hex")
    })
  }

  #send(session: VoiceSession, opcode: number, d: unknown): void {
    session.seq++
    session.socket?.send(JSON.stringify({ op: opcode, d, seq: session.seq }))
  }
}
