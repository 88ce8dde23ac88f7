import type { ChannelId, GuildId, RoleId, UserId } from "../../schema/Ids.ts"
import type { Initiator } from "../../schema/PlayerEvent.ts"
import type { MemberInfo } from "../gateway/GuildDirectory.ts"

/** The edge a request came through, as the audit log records it. */
export type Origin = "discord" | "http"

/**
 * Who asks the application core to act: a guild member (from a Discord interaction, or looked up
 * in the gateway's cache for another edge, as a dashboard session is), or one of the guild's API
 * keys. Each is mapped to the same rules (Authorization.ts).
 */
export interface Member {
  readonly _tag: "Member"
  readonly origin: Origin
  readonly guildId: GuildId
  readonly userId: UserId
  readonly roleIds: ReadonlyArray<RoleId>
  /** Manage Server (or Administrator): may always change settings and act as DJ. */
  readonly manager: boolean
  /** The voice channel the member is in, if any. */
  readonly voiceChannelId: ChannelId | null
}

/**
 * A script holding one of the guild's API keys. It acts with DJ rights in that guild alone, from
 * no voice channel of its own: what it starts plays where the bot is, or in the channel it names.
 */
export interface Key {
  readonly _tag: "Key"
  readonly origin: Origin
  readonly guildId: GuildId
  /** Who created the key: what the key queues is theirs. */
  readonly userId: UserId
  readonly keyName: string
  /** The voice channel the request names, if any. */
  readonly voiceChannelId: ChannelId | null
}

export type Actor = Member | Key

export const member = (origin: Origin, guildId: GuildId, info: MemberInfo): Actor => ({
  _tag: "Member",
  origin,
  guildId,
  ...info
})

/** The actor as a player event names who asked. */
export const initiator = (actor: Actor): Initiator => ({
  userId: actor.userId,
  origin: actor.origin,
  keyName: actor._tag === "Key" ? actor.keyName : null
})
