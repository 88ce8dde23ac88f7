/**
 * Stand-ins for what the application core reads about a guild: its members as the gateway
 * would report them, and its settings as the database would store them, in memory.
 */
import { Effect, Layer, Option } from "effect"
import type { ChannelId, GuildId, RoleId } from "../../schema/Ids.ts"
import { defaultSponsorCategories, type SponsorCategory } from "../../schema/Segments.ts"
import { AuditTrail } from "../../src/control/AuditTrail.ts"
import { GuildDirectory, type MemberInfo } from "../../src/gateway/GuildDirectory.ts"
import {
  defaultAccessSettings,
  defaultLimits,
  type GuildAccessSettings,
  type GuildLimits,
  GuildSettingsRepo
} from "../../src/persistence/GuildSettingsRepo.ts"

/** A directory over a fixed member list; `members` may be changed by the test (someone joins voice). */
export const fakeDirectory = (members: Map<string, MemberInfo>) =>
  Layer.succeed(
    GuildDirectory,
    GuildDirectory.of({
      guild: (guildId) => Effect.succeed(Option.some({ id: guildId, name: "A guild", icon: null })),
      member: (_guildId, userId) => Effect.sync(() => Option.fromUndefinedOr(members.get(userId))),
      humansIn: (_guildId, channelId: ChannelId) =>
        Effect.sync(() => [...members.values()].filter((m) => m.voiceChannelId === channelId).length),
      hasVoiceChannel: () => Effect.succeed(true),
      names: () => Effect.succeed(new Map()),
      roles: () => Effect.succeed([])
    })
  )

/** Guild settings kept in a Map, with the same defaults as a guild without a row. */
export const memorySettings = () => {
  const access = new Map<GuildId, GuildAccessSettings>()
  const autoplay = new Map<GuildId, boolean>()
  const stay = new Map<GuildId, boolean>()
  const repost = new Map<GuildId, boolean>()
  const crossfade = new Map<GuildId, number>()
  const limits = new Map<GuildId, GuildLimits>()
  const sponsorBlock = new Map<GuildId, ReadonlyArray<SponsorCategory>>()
  const get = (guildId: GuildId) => access.get(guildId) ?? defaultAccessSettings
  const limitsOf = (guildId: GuildId) => limits.get(guildId) ?? defaultLimits
  return Layer.succeed(
    GuildSettingsRepo,
    GuildSettingsRepo.of({
      access: (guildId) => Effect.sync(() => get(guildId)),
      limits: (guildId) => Effect.sync(() => limitsOf(guildId)),
      autoplay: (guildId) => Effect.sync(() => autoplay.get(guildId) ?? false),
      stayConnected: (guildId) => Effect.sync(() => stay.get(guildId) ?? false),
      repostNowPlaying: (guildId) => Effect.sync(() => repost.get(guildId) ?? false),
      crossfade: (guildId) => Effect.sync(() => crossfade.get(guildId) ?? 0),
      setAutoplay: (guildId, enabled) => Effect.sync(() => void autoplay.set(guildId, enabled)),
      setDjRole: (guildId, roleId: RoleId | null) =>
        Effect.sync(() => void access.set(guildId, { ...get(guildId), djRoleId: roleId })),
      setVoteSkipRatio: (guildId, ratio) => Effect.sync(() => void access.set(guildId, { ...get(guildId), voteSkipRatio: ratio })),
      setStayConnected: (guildId, enabled) => Effect.sync(() => void stay.set(guildId, enabled)),
      setRepostNowPlaying: (guildId, enabled) => Effect.sync(() => void repost.set(guildId, enabled)),
      setCrossfade: (guildId, seconds) => Effect.sync(() => void crossfade.set(guildId, seconds)),
      setLimits: (guildId, change) => Effect.sync(() => void limits.set(guildId, { ...limitsOf(guildId), ...change })),
      setDjActions: (guildId, djActions) => Effect.sync(() => void access.set(guildId, { ...get(guildId), djActions })),
      sponsorBlock: (guildId) => Effect.sync(() => sponsorBlock.get(guildId) ?? defaultSponsorCategories),
      setSponsorBlock: (guildId, categories) => Effect.sync(() => void sponsorBlock.set(guildId, categories))
    })
  )
}

/** An audit trail that keeps what it is told in `recorded`, newest last. */
export const memoryAudit = () => {
  const recorded: Array<{ readonly userId: string; readonly action: string; readonly detail: Readonly<Record<string, unknown>> }> = []
  const layer = Layer.succeed(
    AuditTrail,
    AuditTrail.of({
      record: (actor, action, detail = {}) => Effect.sync(() => void recorded.push({ userId: actor.userId, action, detail })),
      read: () => Effect.succeed({ entries: [], page: 1, pages: 1 })
    })
  )
  return { recorded, layer }
}
