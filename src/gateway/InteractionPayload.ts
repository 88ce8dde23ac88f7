/**
 * INTERACTION_CREATE as discord.js reads it. discord.js builds its interaction objects from the
 * payload without checking it (`BigInt` of the permissions, `.map` of the options, `data.data.type`),
 * and a throw there ends the process. Every field discord.js dereferences or parses on the way to an
 * interaction of a kind this bot registered is checked here; the rest of the payload passes as sent.
 */
import { Schema } from "effect"
import { Snowflake } from "../../schema/Ids.ts"
import { Channel, Flags, JsonObject, Member, memberFields, Permissions, Role, User } from "./PayloadParts.ts"

const Attachment = Schema.Struct({
  id: Snowflake,
  filename: Schema.String,
  url: Schema.String,
  size: Schema.optionalKey(Schema.Int),
  flags: Schema.optionalKey(Flags)
})

interface Component {
  readonly type: number
  readonly components?: ReadonlyArray<Component>
}

const Component = Schema.Struct({
  type: Schema.Int,
  components: Schema.optionalKey(Schema.Array(Schema.suspend((): Schema.Codec<Component> => Component)))
})

const Message = Schema.Struct({
  id: Snowflake,
  channel_id: Snowflake,
  author: Schema.optionalKey(User),
  embeds: Schema.optionalKey(Schema.Array(JsonObject)),
  components: Schema.optionalKey(Schema.Array(Component)),
  attachments: Schema.optionalKey(Schema.Array(Attachment)),
  mentions: Schema.optionalKey(Schema.Array(User)),
  mention_roles: Schema.optionalKey(Schema.Array(Snowflake)),
  flags: Schema.optionalKey(Flags)
})

/** Resolved members are looked up in `users` by the same id: discord.js assumes both are there. */
const Resolved = Schema.Struct({
  users: Schema.optionalKey(Schema.Record(Schema.String, User)),
  members: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct(memberFields))),
  roles: Schema.optionalKey(Schema.Record(Schema.String, Role)),
  channels: Schema.optionalKey(Schema.Record(Schema.String, Channel)),
  attachments: Schema.optionalKey(Schema.Record(Schema.String, Attachment)),
  messages: Schema.optionalKey(Schema.Record(Schema.String, Message))
}).check(Schema.makeFilter((resolved) =>
  Object.keys(resolved.members ?? {})
    .filter((id) => resolved.users?.[id] === undefined)
    .map((id) => ({ path: ["members", id], issue: "a resolved member without its user" }))
))

export interface CommandOption {
  readonly name: string
  readonly type: number
  readonly value?: string | number | boolean
  readonly options?: ReadonlyArray<CommandOption>
  readonly focused?: boolean
}

const CommandOption = Schema.Struct({
  name: Schema.String,
  type: Schema.Int,
  value: Schema.optionalKey(Schema.Union([Schema.String, Schema.Finite, Schema.Boolean])),
  options: Schema.optionalKey(Schema.Array(Schema.suspend((): Schema.Codec<CommandOption> => CommandOption))),
  focused: Schema.optionalKey(Schema.Boolean)
})

/** A slash command's data (type 1, chat input: the only application commands this bot registers). */
const SlashData = Schema.Struct({
  id: Snowflake,
  name: Schema.String,
  type: Schema.Literal(1),
  guild_id: Schema.optionalKey(Snowflake),
  options: Schema.optionalKey(Schema.Array(CommandOption)),
  resolved: Schema.optionalKey(Resolved)
})

/** A press of one of the bot's components: it sends buttons (2) and string select menus (3) only. */
/** The options under the subcommand group and subcommand, if any: where discord.js looks for the focused one. */
const hoisted = (options: ReadonlyArray<CommandOption>): ReadonlyArray<CommandOption> => {
  const inGroup = options[0]?.type === 2 ? options[0].options ?? [] : options
  return inGroup[0]?.type === 1 ? inGroup[0].options ?? [] : inGroup
}

/** What is being typed: discord.js's `getFocused()` throws without it, and handlers read it as text. */
const AutocompleteData = SlashData.check(Schema.makeFilter((data) => {
  const focused = hoisted(data.options ?? []).filter((option) => option.focused === true)
  return (focused.length === 1 && typeof focused[0]?.value === "string") ||
    { path: ["options"], issue: "no single focused option with the text typed" }
}))

const ComponentData = Schema.Struct({
  custom_id: Schema.String,
  component_type: Schema.Literals([2, 3]),
  values: Schema.optionalKey(Schema.Array(Schema.String)),
  resolved: Schema.optionalKey(Resolved)
})

const common = {
  id: Snowflake,
  application_id: Snowflake,
  token: Schema.NonEmptyString,
  version: Schema.optionalKey(Schema.Int),
  guild_id: Schema.optionalKey(Snowflake),
  channel: Schema.optionalKey(Channel),
  channel_id: Schema.optionalKey(Snowflake),
  member: Schema.optionalKey(Member),
  user: Schema.optionalKey(User),
  app_permissions: Schema.optionalKey(Permissions),
  locale: Schema.optionalKey(Schema.String),
  entitlements: Schema.Array(Schema.Struct({ id: Snowflake })),
  authorizing_integration_owners: JsonObject
}

/**
 * The interactions this bot answers: slash commands (2), components (3: its buttons and select
 * menus, on a message) and autocomplete (4). Pings never come over the gateway, and the bot
 * registers no context menus and opens no modals, so any other kind is malformed for it.
 */
export const InteractionPayload = Schema.Union([
  Schema.Struct({ ...common, type: Schema.Literal(2), data: SlashData }),
  Schema.Struct({ ...common, type: Schema.Literal(3), data: ComponentData, message: Message }),
  Schema.Struct({ ...common, type: Schema.Literal(4), data: AutocompleteData })
]).annotate({ expected: "an interaction of type 2, 3 or 4 (slash command, component, autocomplete)" }).check(Schema.makeFilter((payload) =>
  payload.member !== undefined || payload.user !== undefined || "neither a member nor a user"
))
export type InteractionPayload = typeof InteractionPayload.Type
