import type { ChannelId, GuildId, RoleId, UserId } from "../../schema/Ids.ts"
import type { MemberInfo } from "../gateway/GuildDirectory.ts"

/** The edge a request came through, as the audit log records it. */
export type Origin = "discord" | "http"

/**
 * Who asks the application core to act. Today every caller is a guild member (from a Discord
 * interaction, or looked up in the gateway's cache for another edge); an API key or a dashboard
 * session will be further cases of this union, each mapped to the same rules.
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

export type Actor = Member

export const member = (origin: Origin, guildId: GuildId, info: MemberInfo): Actor => ({
  _tag: "Member",
  origin,
  guildId,
  ...info
})
