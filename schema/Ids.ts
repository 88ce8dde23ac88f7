import { Schema } from "effect"

/** A Discord snowflake: a decimal id of 17 to 20 digits. */
export const Snowflake = Schema.String.check(Schema.isPattern(/^\d{17,20}$/))

export const GuildId = Snowflake.pipe(Schema.brand("GuildId"))
export type GuildId = typeof GuildId.Type

export const UserId = Snowflake.pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type

export const ChannelId = Snowflake.pipe(Schema.brand("ChannelId"))
export type ChannelId = typeof ChannelId.Type

export const RoleId = Snowflake.pipe(Schema.brand("RoleId"))
export type RoleId = typeof RoleId.Type
