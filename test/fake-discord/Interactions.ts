import { randomBytes } from "node:crypto"
import { channelJson, memberJson, messageJson, userJson } from "./Payloads.ts"
import { snowflake } from "./Snowflake.ts"
import { type GuildState, isObject, type JsonObject, type StoredMessage, type World } from "./State.ts"

/**
 * An attachment a user "uploads" with a command: served from `url` (and `size` is what Discord
 * declares), or, given its `content`, kept and served by the fake's CDN like a real upload.
 */
export type FakeAttachment =
  | {
    readonly filename: string
    readonly url: string
    readonly size?: number | undefined
    readonly contentType?: string | undefined
  }
  | { readonly filename: string; readonly content: string | Uint8Array; readonly contentType?: string | undefined }

/** Keeps an uploaded file and answers its attachment object (see Attachments.ts). */
export type Upload = (filename: string, bytes: Buffer, contentType: string) => JsonObject

export type OptionValue = string | number | boolean | FakeAttachment

export interface SentInteraction {
  readonly id: string
  readonly token: string
}

const optionType = { string: 3, integer: 4, boolean: 5, user: 6, number: 10, attachment: 11 } as const
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

const subcommandType = 1

/** The registered subcommand `name` of `command`. */
const subcommandOf = (command: JsonObject | undefined, name: string): JsonObject | undefined => {
  const options: ReadonlyArray<unknown> = Array.isArray(command?.["options"]) ? command["options"] : []
  return options.filter(isObject).find((o) => o["name"] === name && o["type"] === subcommandType)
}

const attachmentJson = (value: FakeAttachment, upload: Upload): JsonObject => {
  const contentType = value.contentType
  if ("content" in value) {
    return upload(value.filename, Buffer.from(value.content), contentType ?? "application/octet-stream")
  }
  return {
    id: snowflake(), filename: value.filename, size: value.size ?? 0, url: value.url, proxy_url: value.url,
    ...(contentType === undefined ? {} : { content_type: contentType })
  }
}

/**
 * `data` of a slash command or autocomplete interaction, with attachments resolved as discord.js
 * expects. `name` may name a subcommand after a space (`"playlist save"`): the options are then
 * the subcommand's, nested under it as Discord sends them.
 */
export const commandData = (
  world: World,
  guildId: string,
  name: string,
  options: Readonly<Record<string, OptionValue>>,
  focused: string | null,
  upload: Upload
): JsonObject => {
  const [commandName = name, subcommand] = name.split(" ")
  const registered = world.command(guildId, commandName)
  const declared = subcommand === undefined ? registered : subcommandOf(registered, subcommand)
  const attachments: Record<string, JsonObject> = {}
  const users: Record<string, JsonObject> = {}
  const members: Record<string, JsonObject> = {}
  const apiOptions = Object.entries(options).map(([optionName, value]) => {
    const type = typeOf(declared, optionName, value)
    if (type === optionType.user && typeof value === "string") {
      // Discord resolves a user option to the user, and to the member when they are in the guild.
      users[value] = userJson(world, world.user(value))
      const guild = world.guild(guildId)
      if (guild.members.has(value)) {
        const { user: _, ...member } = memberJson(world, guild, value)
        members[value] = member
      }
    }
    if (typeof value !== "object") {
      return { name: optionName, type, value, ...(optionName === focused ? { focused: true } : {}) }
    }
    const attachment = attachmentJson(value, upload)
    const id = String(attachment["id"])
    attachments[id] = attachment
    return { name: optionName, type, value: id }
  })
  return {
    id: registered?.["id"] ?? snowflake(),
    name: commandName,
    type: 1,
    guild_id: guildId,
    options: subcommand === undefined ? apiOptions : [{ name: subcommand, type: subcommandType, options: apiOptions }],
    ...(Object.keys(attachments).length + Object.keys(users).length === 0 ? {} : {
      resolved: {
        ...(Object.keys(attachments).length === 0 ? {} : { attachments }),
        ...(Object.keys(users).length === 0 ? {} : { users, members })
      }
    })
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
