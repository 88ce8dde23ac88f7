/**
 * The guild and voice events discord.js keeps its cache with, as far as it reads them. These are
 * what the bot knows of members, roles and voice channels (and what @discordjs/voice connects with):
 * a malformed one, patched in, would make a member's every command fail, or point the voice
 * connection at a server that is no server, until Discord's next event about them.
 */
import { Schema } from "effect"
import { Snowflake } from "../../schema/Ids.ts"
import { Channel, Member, Role, User, VoiceState } from "./PayloadParts.ts"

/** The voice server to connect to: `endpoint` is a host (and port), or null while Discord moves it. */
const VoiceServerUpdate = Schema.Struct({
  token: Schema.NonEmptyString,
  guild_id: Snowflake,
  endpoint: Schema.NullOr(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/)))
})

const GuildMemberUpdate = Schema.Struct({
  guild_id: Snowflake,
  user: User,
  roles: Schema.Array(Snowflake),
  nick: Schema.optionalKey(Schema.NullOr(Schema.String))
})

/** A guild as GUILD_CREATE and GUILD_UPDATE send it (an unavailable one is its id alone). */
const Guild = Schema.Struct({
  id: Snowflake,
  unavailable: Schema.optionalKey(Schema.Boolean),
  roles: Schema.optionalKey(Schema.Array(Role)),
  channels: Schema.optionalKey(Schema.Array(Channel)),
  members: Schema.optionalKey(Schema.Array(Member)),
  voice_states: Schema.optionalKey(Schema.Array(VoiceState))
})

const RoleEvent = Schema.Struct({ guild_id: Snowflake, role: Role })

/** Event name → the shape of its payload. */
export const guildEvents: Readonly<Record<string, Schema.Decoder<unknown>>> = {
  VOICE_STATE_UPDATE: VoiceState,
  VOICE_SERVER_UPDATE: VoiceServerUpdate,
  GUILD_MEMBER_UPDATE: GuildMemberUpdate,
  GUILD_CREATE: Guild,
  GUILD_UPDATE: Guild,
  GUILD_DELETE: Schema.Struct({ id: Snowflake, unavailable: Schema.optionalKey(Schema.Boolean) }),
  CHANNEL_CREATE: Channel,
  CHANNEL_UPDATE: Channel,
  CHANNEL_DELETE: Channel,
  GUILD_ROLE_CREATE: RoleEvent,
  GUILD_ROLE_UPDATE: RoleEvent,
  GUILD_ROLE_DELETE: Schema.Struct({ guild_id: Snowflake, role_id: Snowflake })
}
