import { createServer, type Server } from "node:http"
import { Icons } from "./Icons.ts"
import type { AddressInfo } from "node:net"
import { performance } from "node:perf_hooks"
import { Attachments, type StoredFile } from "./Attachments.ts"
import { generateCertificate, type Certificate } from "./Certificate.ts"
import { aesGcm, xchacha, type EncryptionMode } from "./Crypto.ts"
import { Gateway } from "./Gateway.ts"
import {
  commandData, customIds, interactionPayload, interactionType, type OptionValue, type SentInteraction
} from "./Interactions.ts"
import { type ElsewhereGuild, OAuth } from "./OAuth.ts"
import { memberJson, voiceStateJson } from "./Payloads.ts"
import type { RestFailure } from "./Faults.ts"
import { Rest } from "./Rest.ts"
import { defaultScenario, type Scenario } from "./Scenario.ts"
import {
  World, type InteractionResponse, type JsonObject, type MessageEvent, type OpRecord, type RestCall
} from "./State.ts"
import { Udp, type RtpPacket, type UdpFault } from "./Udp.ts"
import { VoiceGateway, type VoiceSession } from "./VoiceGateway.ts"

export interface FakeDiscordOptions {
  readonly scenario?: Scenario | undefined
  readonly token?: string | undefined
  /** Gateway Hello interval; short values let a short test see heartbeats at all. Default 41 250 ms. */
  readonly heartbeatIntervalMs?: number | undefined
  /** Voice Hello interval. Default 13 750 ms. */
  readonly voiceHeartbeatIntervalMs?: number | undefined
  /** Encryption modes offered in voice Ready, in preference order. Default AES-GCM, then XChaCha20. */
  readonly voiceModes?: ReadonlyArray<EncryptionMode> | undefined
  /** How long an interaction waits for its first callback before it is unknown. Default 3 000 ms. */
  readonly ackDeadlineMs?: number | undefined
  /** OAuth2: the client secret (its id is the application's); guilds the users share without the bot. */
  readonly clientSecret?: string | undefined
  readonly elsewhere?: ReadonlyArray<ElsewhereGuild> | undefined
}

export interface FakeDiscordEndpoints {
  /** For `new Client({ rest: { api } })`: `http://127.0.0.1:P/api`. */
  readonly apiBase: string
  readonly gatewayUrl: string
  readonly voiceEndpoint: string
  readonly udpPort: number
  readonly token: string
  /** DISCORD_TOKEN, DISCORD_API_BASE and NODE_EXTRA_CA_CERTS (see `Certificate`) for a bot child process. */
  readonly env: Readonly<Record<string, string>>
  /** DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET, for a bot whose dashboard login should work. */
  readonly oauthEnv: Readonly<Record<string, string>>
}

/** What the bot sent on one voice session, as received: ReceivedAudio.ts decrypts and measures it. */
export interface VoiceStream {
  readonly guildId: string
  readonly channelId: string
  readonly ssrc: number
  readonly mode: EncryptionMode
  readonly key: Buffer
  readonly packets: ReadonlyArray<RtpPacket>
}

/** Whether a gateway op 4 payload leaves voice (its channel is null). */
export const isLeave = (d: unknown): boolean =>
  typeof d === "object" && d !== null && "channel_id" in d && d.channel_id === null

type Predicate<T> = (item: T) => boolean
const always = (): boolean => true

/**
 * A local Discord for end-to-end tests: REST, gateway, voice gateway and voice UDP on 127.0.0.1, a small world
 * of guilds and users, helpers that act as those users, and a record of everything the bot sent.
 */
export class FakeDiscord {
  readonly world: World
  readonly udp = new Udp((ssrc) => this.#voice.guildOf(ssrc))
  readonly #attachments = new Attachments(() => this.endpoints.apiBase.replace(/\/api$/, ""))
  readonly #rest: Rest
  readonly #gateway: Gateway
  readonly #http: Server
  readonly #certificate: Certificate
  readonly #voice: VoiceGateway
  readonly oauth: OAuth
  /** The CDN's guild icons. */
  readonly icons: Icons
  #endpoints: FakeDiscordEndpoints | null = null

  constructor(options: FakeDiscordOptions = {}) {
    this.world = new World(options.scenario ?? defaultScenario().scenario, options.token ?? "fake.bot.token")
    this.#certificate = generateCertificate()
    this.icons = new Icons(this.world)
    this.#rest = new Rest(this.world, {
      gatewayUrl: () => this.endpoints.gatewayUrl,
      ackDeadlineMs: options.ackDeadlineMs ?? 3000,
      attachments: this.#attachments
    })
    this.#gateway = new Gateway(this.world, {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      url: () => this.endpoints.gatewayUrl,
      onBotVoiceState: (guildId, channelId, selfDeaf, selfMute) =>
        this.#botVoiceState(guildId, channelId, selfDeaf, selfMute)
    })
    this.#voice = new VoiceGateway(this.world, {
      certificate: this.#certificate,
      modes: options.voiceModes ?? [aesGcm, xchacha],
      heartbeatIntervalMs: options.voiceHeartbeatIntervalMs ?? 13_750,
      udpPort: () => this.endpoints.udpPort
    })
    const client = { clientId: this.world.scenario.applicationId, clientSecret: options.clientSecret ?? "fake.client.secret" }
    this.oauth = new OAuth(this.world, { client, elsewhere: options.elsewhere ?? [] })
    this.#http = createServer((req, res) => {
      if (!this.#attachments.serve(req, res) && !this.icons.serve(req, res) && !this.oauth.handle(req, res)) {
        void this.#rest.handle(req, res)
      }
    })
    this.#http.on("upgrade", (req, socket, head) => {
      if ((req.url ?? "").startsWith("/gateway")) this.#gateway.upgrade(req, socket, head)
      else socket.destroy()
    })
  }

  get endpoints(): FakeDiscordEndpoints {
    if (this.#endpoints === null) throw new Error("FakeDiscord is not started")
    return this.#endpoints
  }

  async start(): Promise<FakeDiscordEndpoints> {
    await new Promise<void>((resolve) => this.#http.listen(0, "127.0.0.1", resolve))
    const port = (this.#http.address() as AddressInfo).port
    const voicePort = await this.#voice.start()
    const udpPort = await this.udp.start()
    const apiBase = `http://127.0.0.1:${port}/api`
    this.#endpoints = {
      apiBase,
      gatewayUrl: `ws://127.0.0.1:${port}/gateway`,
      voiceEndpoint: `127.0.0.1:${voicePort}`,
      udpPort,
      token: this.world.token,
      env: {
        DISCORD_TOKEN: this.world.token,
        DISCORD_API_BASE: apiBase,
        DISCORD_CDN_BASE: `http://127.0.0.1:${port}`,
        NODE_EXTRA_CA_CERTS: this.#certificate.caBundlePath
      },
      oauthEnv: { DISCORD_CLIENT_ID: this.oauth.client.clientId, DISCORD_CLIENT_SECRET: this.oauth.client.clientSecret }
    }
    return this.#endpoints
  }

  async stop(): Promise<void> {
    this.#gateway.close()
    this.#voice.close()
    this.udp.close()
    this.#http.closeAllConnections()
    await new Promise<void>((resolve) => this.#http.close(() => resolve()))
    this.#certificate.dispose()
  }

  // Records

  get restCalls(): ReadonlyArray<RestCall> {
    return this.world.rest.items
  }

  get gatewayOps(): ReadonlyArray<OpRecord> {
    return this.world.gatewayOps.items
  }

  get voiceOps(): ReadonlyArray<OpRecord> {
    return this.world.voiceOps.items
  }

  get interactionResponses(): ReadonlyArray<InteractionResponse> {
    return this.world.responses.items
  }

  get messageEvents(): ReadonlyArray<MessageEvent> {
    return this.world.messageEvents.items
  }

  get voiceSessions(): ReadonlyArray<VoiceSession> {
    return this.#voice.sessions
  }

  /** Registered commands: global ones, or a guild's. */
  commands(guildId?: string): ReadonlyArray<JsonObject> {
    const commands = guildId === undefined ? this.world.globalCommands : this.world.guildCommands.get(guildId)
    return [...(commands?.values() ?? [])]
  }

  /** A file the fake's CDN serves at `url`: one the bot sent, or one a user uploaded. */
  attachment(url: string): StoredFile | undefined {
    return this.#attachments.content(url)
  }

  /** When the gateway sent READY to each new session, oldest first (performance.now()). */
  readyTimes(): ReadonlyArray<number> {
    return this.#gateway.readyAt
  }

  /** Every voice session that got a key, with the RTP the bot sent on it; a resume keeps the session. */
  voiceStreams(guildId?: string): Array<VoiceStream> {
    return this.#voice.sessions.flatMap(({ guildId: guild, channelId, ssrc, mode, key }) =>
      mode === null || key === null || (guildId !== undefined && guild !== guildId)
        ? []
        : [{ guildId: guild, channelId, ssrc, mode, key, packets: this.udp.rtp.items.filter((p) => p.ssrc === ssrc) }]
    )
  }

  /** The channel a user (or the bot) is in, as Discord sees it. */
  voiceChannelOf(guildId: string, userId: string = this.world.scenario.bot.id): string | null {
    return this.world.guild(guildId).voice.get(userId)?.channelId ?? null
  }

  // Acting as users

  sendSlashCommand(
    guildId: string,
    userId: string,
    name: string,
    options: Readonly<Record<string, OptionValue>> = {},
    channelId?: string
  ): SentInteraction {
    const data = commandData(this.world, guildId, name, options, null, this.#upload)
    return this.#interact(guildId, userId, channelId, interactionType.command, data, null)
  }

  /**
   * A slash command whose INTERACTION_CREATE `shape` rewrites before it is sent, as a broken or hostile
   * gateway might send it (options as a string, no `data`, …). The interaction is recorded as sent, so
   * the waiters see whatever the bot answers to its id and token.
   */
  sendShapedSlashCommand(
    guildId: string,
    userId: string,
    name: string,
    options: Readonly<Record<string, OptionValue>>,
    shape: (payload: JsonObject) => unknown
  ): SentInteraction {
    const data = commandData(this.world, guildId, name, options, null, this.#upload)
    return this.#interact(guildId, userId, undefined, interactionType.command, data, null, shape)
  }

  /** Sends a gateway dispatch exactly as given: an event no helper builds, or one no real Discord would send. */
  sendRawDispatch(t: string, d: unknown): void {
    this.#gateway.dispatch(t, d)
  }

  autocomplete(
    guildId: string,
    userId: string,
    name: string,
    options: Readonly<Record<string, OptionValue>>,
    focused: string
  ): SentInteraction {
    const data = commandData(this.world, guildId, name, options, focused, this.#upload)
    return this.#interact(guildId, userId, undefined, interactionType.autocomplete, data, null)
  }

  pressButton(messageId: string, customId: string, userId: string): SentInteraction {
    return this.#component(messageId, customId, userId, { custom_id: customId, component_type: 2 })
  }

  selectMenu(messageId: string, customId: string, userId: string, values: ReadonlyArray<string>): SentInteraction {
    return this.#component(messageId, customId, userId, { custom_id: customId, component_type: 3, values })
  }

  /** A user joins, moves to, or (with null) leaves a voice channel. */
  userJoinsVoice(userId: string, guildId: string, channelId: string | null): void {
    this.#setVoiceState(guildId, userId, channelId, false, false)
  }

  /** Drags the bot to another channel: the voice socket closes with 4014, then new voice state and server. */
  moveBot(guildId: string, channelId: string): void {
    const current = this.world.guild(guildId).voice.get(this.world.scenario.bot.id)
    this.#voice.disconnect(guildId, 4014)
    this.#botVoiceState(guildId, channelId, current?.selfDeaf ?? false, current?.selfMute ?? false)
  }

  /** Disconnects the bot from voice, as a moderator would. */
  kickBot(guildId: string): void {
    this.#setVoiceState(guildId, this.world.scenario.bot.id, null, false, false)
    this.#voice.disconnect(guildId, 4014)
  }

  /** Changes a member's roles (e.g. grants DJ) and tells the bot with GUILD_MEMBER_UPDATE. */
  setMemberRoles(guildId: string, userId: string, roles: ReadonlyArray<string>): void {
    const guild = this.world.guild(guildId)
    guild.members.set(userId, roles)
    this.#gateway.dispatch("GUILD_MEMBER_UPDATE", { ...memberJson(this.world, guild, userId), guild_id: guildId })
  }

  /** Discord refuses the next matching REST request (e.g. 403 / 50013), once or `times` in a row (see `RestFailure`). */
  failNextRest(method: string, path: RegExp, failure: RestFailure): void {
    this.#rest.failNext(method, path, failure)
  }

  /** Forgets the REST refusals of `failNextRest` not used up yet. */
  clearRestFaults(): void {
    this.#rest.clearFaults()
  }

  /** Closes the main gateway socket with a resumable code (4000 by default). */
  dropGateway(code?: number): void {
    this.#gateway.drop(code)
  }

  /** Sends gateway op 7 Reconnect: the bot should reconnect and resume. */
  requestReconnect(): void {
    this.#gateway.requestReconnect()
  }

  /**
   * Closes the guild's voice socket: 4015 or "terminate" (seen as 1006) make the library resume, 4014 reads
   * as a kick, and other codes of 4000 and up make it rejoin through gateway op 4.
   */
  closeVoice(guildId: string, code: number | "terminate"): void {
    this.#voice.disconnect(guildId, code)
  }

  /** Black-holes the guild's voice UDP, or only stops echoing its keepalives; the function returned lifts it. */
  failVoiceUdp(guildId: string, fault: UdpFault = "all"): () => void {
    return this.udp.fail(guildId, fault)
  }

  /** Stops answering the guild's voice heartbeats; the function returned lifts it. */
  withholdVoiceAcks(guildId: string): () => void {
    return this.#voice.withholdAcks(guildId)
  }

  // Waiters

  waitForGatewayOp(op: number, predicate: Predicate<OpRecord> = always, timeoutMs?: number): Promise<OpRecord> {
    return this.world.gatewayOps.waitFor((r) => r.op === op && predicate(r), `gateway op ${op}`, timeoutMs)
  }

  waitForVoiceOp(op: number, predicate: Predicate<OpRecord> = always, timeoutMs?: number): Promise<OpRecord> {
    return this.world.voiceOps.waitFor((r) => r.op === op && predicate(r), `voice op ${op}`, timeoutMs)
  }

  waitForRest(predicate: Predicate<RestCall>, timeoutMs?: number): Promise<RestCall> {
    return this.world.rest.waitFor(predicate, "a REST call", timeoutMs)
  }

  /** Resolves once all `names` are registered (globally, or in the guild). */
  waitForCommands(names: ReadonlyArray<string>, guildId?: string, timeoutMs?: number): Promise<RestCall> {
    const registered = () => names.every((name) => this.commands(guildId).some((c) => c["name"] === name))
    return this.world.rest.waitFor((c) => c.path.includes("/commands") && registered(), `commands ${names}`, timeoutMs)
  }

  /** The interaction's first callback (reply, defer, update, modal, autocomplete result). */
  waitForInteractionResponse(interactionId: string, timeoutMs?: number): Promise<InteractionResponse> {
    const label = `callback of ${interactionId}`
    return this.world.responses.waitFor((r) => r.interactionId === interactionId, label, timeoutMs)
  }

  /** An edit of the interaction's original response (`editReply`) matching `predicate`. */
  waitForEditReply(token: string, predicate: Predicate<MessageEvent> = always, timeoutMs?: number) {
    return this.waitForMessage(
      (e) => e.kind === "edit" && e.via === "webhook" && e.original && e.token === token && predicate(e),
      timeoutMs
    )
  }

  waitForFollowUp(token: string, predicate: Predicate<MessageEvent> = always, timeoutMs?: number) {
    const followUp = (e: MessageEvent) => e.kind === "create" && e.via === "webhook" && e.token === token
    return this.waitForMessage((e) => followUp(e) && predicate(e), timeoutMs)
  }

  waitForMessage(predicate: Predicate<MessageEvent>, timeoutMs?: number): Promise<MessageEvent> {
    return this.world.messageEvents.waitFor(predicate, "a message event", timeoutMs)
  }

  /** The `count`-th RTP packet (1 = the first) on the guild's current voice session. */
  waitForRtp(guildId: string, count = 1, timeoutMs?: number): Promise<RtpPacket> {
    let seen = 0
    // Counts as it goes: the journal offers recorded packets first, then new ones, each once.
    const nth = (p: RtpPacket) => p.ssrc === this.#voice.current(guildId)?.ssrc && ++seen === count
    return this.udp.rtp.waitFor(nth, `RTP packet ${count} in guild ${guildId}`, timeoutMs)
  }

  // Internals

  /** A command's upload, where Discord keeps those: under the application, not a channel. */
  readonly #upload = (filename: string, bytes: Buffer, contentType: string) =>
    this.#attachments.store(`ephemeral-attachments/${this.world.scenario.applicationId}`, filename, bytes, contentType)

  #interact(
    guildId: string,
    userId: string,
    channelId: string | undefined,
    type: number,
    data: JsonObject,
    messageId: string | null,
    shape: (payload: JsonObject) => unknown = (payload) => payload
  ): SentInteraction {
    const guild = this.world.guild(guildId)
    const message = messageId === null ? null : this.world.messages.get(messageId) ?? null
    const channel = channelId ?? message?.channelId ?? guild.spec.channels.find((c) => c.type === "text")?.id ?? ""
    const payload = interactionPayload(this.world, guild, userId, channel, type, data, message)
    this.world.interactions.set(payload.id, {
      id: payload.id, token: payload.token, type, guildId, channelId: channel, userId, sentAt: performance.now(),
      acknowledged: false, originalMessageId: messageId
    })
    this.#gateway.dispatch("INTERACTION_CREATE", shape(payload))
    return { id: payload.id, token: payload.token }
  }

  #component(messageId: string, customId: string, userId: string, data: JsonObject): SentInteraction {
    const message = this.world.messages.get(messageId)
    if (message === undefined || message.guildId === null) throw new Error(`unknown guild message ${messageId}`)
    if (!customIds(message.components).includes(customId)) {
      throw new Error(`message ${messageId} has no component "${customId}" (has ${customIds(message.components)})`)
    }
    return this.#interact(message.guildId, userId, message.channelId, interactionType.component, data, messageId)
  }

  #setVoiceState(guildId: string, userId: string, channelId: string | null, selfDeaf: boolean, selfMute: boolean) {
    const guild = this.world.guild(guildId)
    const sessionId = userId === this.world.scenario.bot.id ? this.#gateway.sessionId ?? "" : `voice-${userId}`
    if (channelId === null) {
      const leaving = { ...voiceStateJson(this.world, guild, userId), channel_id: null }
      guild.voice.delete(userId)
      this.#gateway.dispatch("VOICE_STATE_UPDATE", leaving)
    } else {
      guild.voice.set(userId, { channelId, sessionId, selfDeaf, selfMute })
      this.#gateway.dispatch("VOICE_STATE_UPDATE", voiceStateJson(this.world, guild, userId))
    }
  }

  /** Gateway op 4: VOICE_STATE_UPDATE first, then VOICE_SERVER_UPDATE, or @discordjs/voice never starts. */
  #botVoiceState(guildId: string, channelId: string | null, selfDeaf: boolean, selfMute: boolean): void {
    this.#setVoiceState(guildId, this.world.scenario.bot.id, channelId, selfDeaf, selfMute)
    if (channelId === null) {
      this.#voice.disconnect(guildId, 4014)
      return
    }
    const session = this.#voice.issue(guildId, channelId, this.#gateway.sessionId ?? "")
    this.#gateway.dispatch("VOICE_SERVER_UPDATE", {
      token: session.token,
      guild_id: guildId,
      endpoint: this.endpoints.voiceEndpoint
    })
  }
}
