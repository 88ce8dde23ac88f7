/**
 * The pieces of Discord's gateway payloads that discord.js parses or dereferences as it builds its
 * structures (users, members, roles, channels), each checked only as far as discord.js reads it.
 * The rest of a payload passes as sent.
 */
import { Schema } from "effect"
import { Snowflake } from "../../schema/Ids.ts"

/** A permission set as Discord sends it: discord.js hands the decimal string to `BigInt`. */
export const Permissions = Schema.String.check(Schema.isPattern(/^\d{1,40}$/))

/** Flags discord.js reads into a number bitfield: a number or a decimal string. */
export const Flags = Schema.Union([Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), Permissions])

export const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

export const User = Schema.Struct({
  id: Snowflake,
  username: Schema.optionalKey(Schema.String),
  public_flags: Schema.optionalKey(Flags)
})

/** A member without its user (as in an interaction's `resolved.members`). */
export const memberFields = {
  roles: Schema.Array(Snowflake),
  permissions: Schema.optionalKey(Permissions),
  flags: Schema.optionalKey(Flags)
}

export const Member = Schema.Struct({ ...memberFields, user: User })

export const Role = Schema.Struct({
  id: Snowflake,
  name: Schema.String,
  permissions: Permissions,
  flags: Schema.optionalKey(Flags)
})

/** A channel's permission overwrite: discord.js reads `allow` and `deny` with `BigInt`. */
const Overwrite = Schema.Struct({ id: Snowflake, type: Schema.Int, allow: Permissions, deny: Permissions })

export const Channel = Schema.Struct({
  id: Snowflake,
  type: Schema.Int,
  guild_id: Schema.optionalKey(Snowflake),
  permissions: Schema.optionalKey(Permissions),
  permission_overwrites: Schema.optionalKey(Schema.Array(Overwrite)),
  flags: Schema.optionalKey(Flags),
  recipients: Schema.optionalKey(Schema.Array(User))
})

/** Who is in which voice channel: the bot's own voice state is what @discordjs/voice connects with. */
export const VoiceState = Schema.Struct({
  guild_id: Schema.optionalKey(Snowflake),
  channel_id: Schema.NullOr(Snowflake),
  user_id: Snowflake,
  member: Schema.optionalKey(Member),
  session_id: Schema.String,
  deaf: Schema.optionalKey(Schema.Boolean),
  mute: Schema.optionalKey(Schema.Boolean),
  self_deaf: Schema.optionalKey(Schema.Boolean),
  self_mute: Schema.optionalKey(Schema.Boolean),
  self_video: Schema.optionalKey(Schema.Boolean),
  self_stream: Schema.optionalKey(Schema.Boolean),
  suppress: Schema.optionalKey(Schema.Boolean),
  request_to_speak_timestamp: Schema.optionalKey(Schema.NullOr(Schema.String))
})
