import { randomBytes } from "node:crypto"
import { channelJson, memberJson, messageJson } from "./Payloads.ts"
import { snowflake } from "./Snowflake.ts"
import type { GuildState, JsonObject, StoredMessage, World } from "./State.ts"

/** An attachment a user "uploads" with a command; `url` is where the bot will download it from. */
export interface FakeAttachment {
  readonly filename: string
  readonly url: string
  readonly size?: number | undefined
  readonly contentType?: string | undefined
}

export type OptionValue = string | number | boolean | FakeAttachment

export interface SentInteraction {
  readonly id: string
  readonly token: string
}

const optionType = { string: 3, integer: 4, boolean: 5, number: 10, attachment: 11 } as const
export const interactionType = { command: 2, component: 3, autocomplete: 4 } as const

/** The option's type as registered by the bot, or else as the value suggests. */
const typeOf = (registered: JsonObject | undefined, name: string, value: OptionValue): number => {
  const options = Array.isArray(registered?.["options"]) ? registered["options"] : []
  const declared: unknown = options.find((o: unknown) =>
    typeof o === "object" && o !== null && "name" in o && o.name === name
  )
  if (typeof declared === "object" && declared !== null && "type" in declared && typeof declared.type === "number") {
    return declared.type
  }
  if (typeof value === "object") return optionType.attachment
  if (typeof value === "boolean") return optionType.boolean
  if (typeof value === "number") return Number.isInteger(value) ? optionType.integer : optionType.number
  return optionType.string
}

/** `data` of a slash command or autocomplete interaction, with attachments resolved as discord.js expects. */
export const commandData = (
  world: World,
  guildId: string,
  name: string,
  options: Readonly<Record<string, OptionValue>>,
  focused: string | null
): JsonObject => {
  const registered = world.command(guildId, name)
  const attachments: Record<string, JsonObject> = {}
  const apiOptions = Object.entries(options).map(([optionName, value]) => {
    const type = typeOf(registered, optionName, value)
    if (typeof value !== "object") {
      return { name: optionName, type, value, ...(optionName === focused ? { focused: true } : {}) }
    }
    const id = snowflake()
    attachments[id] = {
      id, filename: value.filename, size: value.size ?? 0, url: value.url, proxy_url: value.url,
      ...(value.contentType === undefined ? {} : { content_type: value.contentType })
    }
    return { name: optionName, type, value: id }
  })
  return {
    id: registered?.["id"] ?? snowflake(),
    name,
    type: 1,
    guild_id: guildId,
    options: apiOptions,
    ...(Object.keys(attachments).length === 0 ? {} : { resolved: { attachments } })
  }
}

/** An INTERACTION_CREATE body with everything discord.js reads: entitlements, owners, a channel object. */
export const interactionPayload = (
  world: World,
  guild: GuildState,
  userId: string,
  channelId: string,
  type: number,
  data: JsonObject,
  message: StoredMessage | null
): JsonObject & SentInteraction => {
  const channel = guild.spec.channels.find((c) => c.id === channelId)
  if (channel === undefined) throw new Error(`channel ${channelId} is not in guild ${guild.spec.id}`)
  if (!guild.members.has(userId)) throw new Error(`user ${userId} is not a member of guild ${guild.spec.id}`)
  return {
    id: snowflake(),
    application_id: world.scenario.applicationId,
    type,
    token: `fake-${randomBytes(24).toString("base64url")}`,
    version: 1,
    data,
    guild_id: guild.spec.id,
    guild: { id: guild.spec.id, locale: "en-US", features: [] },
    channel_id: channelId,
    channel: channelJson(guild, channel),
    member: memberJson(world, guild, userId, true),
    app_permissions: world.permissions(guild, world.scenario.bot.id).toString(),
    locale: "en-US",
    guild_locale: "en-US",
    entitlements: [],
    authorizing_integration_owners: { "0": guild.spec.id },
    context: 0,
    attachment_size_limit: 10_485_760,
    ...(message === null ? {} : { message: messageJson(world, message) })
  }
}

/** The custom ids in a message's components, looking inside action rows. */
export const customIds = (components: ReadonlyArray<unknown>): Array<string> =>
  components.flatMap((component) => {
    if (typeof component !== "object" || component === null) return []
    const own = "custom_id" in component && typeof component.custom_id === "string" ? [component.custom_id] : []
    const nested = "components" in component && Array.isArray(component.components) ? component.components : []
    return [...own, ...customIds(nested)]
  })
