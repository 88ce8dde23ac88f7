import { Journal } from "./Journal.ts"
import { defaultEveryonePermissions, Permissions, type GuildSpec, type Scenario, type UserSpec } from "./Scenario.ts"
import { snowflake } from "./Snowflake.ts"

export type JsonObject = { readonly [key: string]: unknown }

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export interface VoiceState {
  readonly channelId: string
  readonly sessionId: string
  readonly selfDeaf: boolean
  readonly selfMute: boolean
}

export interface GuildState {
  readonly spec: GuildSpec
  /** userId → role ids */
  readonly members: Map<string, ReadonlyArray<string>>
  readonly voice: Map<string, VoiceState>
}

export interface StoredMessage {
  readonly id: string
  readonly channelId: string
  readonly guildId: string | null
  /** 20 for an interaction's original response, 19 for a follow-up, 0 for a channel message. */
  readonly type: number
  readonly timestamp: string
  readonly interactionId: string | null
  content: string
  embeds: ReadonlyArray<unknown>
  components: ReadonlyArray<unknown>
  attachments: ReadonlyArray<unknown>
  flags: number
  editedTimestamp: string | null
  deleted: boolean
}

export interface Interaction {
  readonly id: string
  readonly token: string
  readonly type: number
  readonly guildId: string
  readonly channelId: string
  readonly userId: string
  readonly sentAt: number
  acknowledged: boolean
  /** For a component interaction, the message that carried the component: `@original` means it. */
  originalMessageId: string | null
}

export interface RestCall {
  readonly at: number
  readonly method: string
  /** Percent-decoded (discord.js sends `@original` as `%40original`), without the `/api/v10` prefix. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly auth: string | null
  readonly body: unknown
  readonly files: ReadonlyArray<{ readonly field: string; readonly filename: string; readonly size: number }>
  readonly status: number
}

export interface InteractionResponse {
  readonly at: number
  readonly interactionId: string
  readonly type: number
  readonly data: JsonObject
  /** Milliseconds from the INTERACTION_CREATE dispatch to this callback. */
  readonly latencyMs: number
}

export interface MessageEvent {
  readonly at: number
  readonly kind: "create" | "edit" | "delete"
  readonly via: "callback" | "webhook" | "channel"
  /** The interaction token for webhook edits and follow-ups. */
  readonly token: string | null
  readonly original: boolean
  readonly message: Readonly<StoredMessage>
}

export interface OpRecord {
  readonly at: number
  readonly op: number
  readonly d: unknown
  /** The guild, for voice gateway ops. */
  readonly guildId: string | null
}

export const allPermissions = (1n << 51n) - 1n

const describeOp = (r: OpRecord) => `op ${r.op} ${JSON.stringify(r.d)?.slice(0, 160)}`

/** Everything the fake knows and records, shared by its REST, gateway and voice parts. */
export class World {
  readonly scenario: Scenario
  readonly token: string
  readonly users = new Map<string, UserSpec>()
  readonly guilds = new Map<string, GuildState>()
  readonly globalCommands = new Map<string, JsonObject>()
  readonly guildCommands = new Map<string, Map<string, JsonObject>>()
  readonly messages = new Map<string, StoredMessage>()
  readonly interactions = new Map<string, Interaction>()
  readonly rest = new Journal<RestCall>("REST calls", (c) => `${c.method} ${c.path} → ${c.status}`)
  readonly responses = new Journal<InteractionResponse>(
    "interaction callbacks",
    (r) => `${r.interactionId} type ${r.type}`
  )
  readonly messageEvents = new Journal<MessageEvent>(
    "message events",
    (e) => `${e.kind} via ${e.via} ${JSON.stringify(e.message.content)}`
  )
  readonly gatewayOps = new Journal<OpRecord>("gateway ops from the bot", describeOp)
  readonly voiceOps = new Journal<OpRecord>("voice gateway ops from the bot", describeOp)

  constructor(scenario: Scenario, token: string) {
    this.scenario = scenario
    this.token = token
    for (const user of [scenario.bot, ...scenario.users]) this.users.set(user.id, user)
    for (const spec of scenario.guilds) {
      const members = new Map<string, ReadonlyArray<string>>([[scenario.bot.id, []]])
      for (const member of spec.members) members.set(member.userId, member.roles ?? [])
      const voice = new Map<string, VoiceState>()
      for (const [userId, channelId] of Object.entries(spec.voiceStates)) {
        voice.set(userId, { channelId, sessionId: snowflake(), selfDeaf: false, selfMute: false })
      }
      this.guilds.set(spec.id, { spec, members, voice })
    }
  }

  guild(guildId: string): GuildState {
    const guild = this.guilds.get(guildId)
    if (guild === undefined) throw new Error(`unknown guild ${guildId}`)
    return guild
  }

  user(userId: string): UserSpec {
    const user = this.users.get(userId)
    if (user === undefined) throw new Error(`unknown user ${userId}`)
    return user
  }

  permissions(guild: GuildState, userId: string): bigint {
    if (guild.spec.ownerId === userId) return allPermissions
    let permissions = guild.spec.everyonePermissions ?? defaultEveryonePermissions
    for (const roleId of guild.members.get(userId) ?? []) {
      permissions |= guild.spec.roles.find((role) => role.id === roleId)?.permissions ?? 0n
    }
    return (permissions & Permissions.Administrator) === 0n ? permissions : allPermissions
  }

  /** A guild command shadows a global one of the same name, as in Discord's client. */
  command(guildId: string, name: string): JsonObject | undefined {
    return this.guildCommands.get(guildId)?.get(name) ?? this.globalCommands.get(name)
  }
}
