import { type GuildMember, PermissionFlagsBits } from "discord.js"
import { Context, Effect, Layer, Option } from "effect"
import { ChannelId, type GuildId, RoleId, UserId } from "../../schema/Ids.ts"
import { DiscordGateway } from "./DiscordGateway.ts"

/** What the permission rules need to know about a member. */
export interface MemberInfo {
  readonly userId: UserId
  readonly roleIds: ReadonlyArray<RoleId>
  /** Manage Server (or Administrator). */
  readonly manager: boolean
  /** The voice channel the member is in, if any. */
  readonly voiceChannelId: ChannelId | null
}

export const memberInfo = (member: GuildMember): MemberInfo => ({
  userId: UserId.make(member.id),
  roleIds: [...member.roles.cache.keys()].map((id) => RoleId.make(id)),
  manager: member.permissions.has(PermissionFlagsBits.ManageGuild),
  voiceChannelId: member.voice.channelId === null ? null : ChannelId.make(member.voice.channelId)
})

/** A guild the bot is in, as a list of guilds shows it. */
export interface GuildInfo {
  readonly id: GuildId
  readonly name: string
  /** The guild's icon as a URL, if it has one. */
  readonly icon: string | null
}

/**
 * Who is in a guild and where, from the gateway's cache: a member's roles and voice channel,
 * and how many people are in a voice channel. Any edge can ask (an HTTP request has no
 * interaction to read them from); a member missing from the cache is fetched once.
 */
export class GuildDirectory extends Context.Service<GuildDirectory, {
  /** None when the bot is not in the guild. */
  readonly guild: (guildId: GuildId) => Effect.Effect<Option.Option<GuildInfo>>
  /** None when the guild or the member is unknown to the bot. */
  readonly member: (guildId: GuildId, userId: UserId) => Effect.Effect<Option.Option<MemberInfo>>
  /** Humans (bots excluded) in a voice channel; 0 when the channel is unknown. */
  readonly humansIn: (guildId: GuildId, channelId: ChannelId) => Effect.Effect<number>
  /** Whether the guild still has this voice channel (it may have been deleted meanwhile). */
  readonly hasVoiceChannel: (guildId: GuildId, channelId: ChannelId) => Effect.Effect<boolean>
  /**
   * The names the guild shows for these users (nickname, else display name), from the cache only:
   * a page that lists a queue must not wait on Discord; a user not cached is left out.
   */
  readonly names: (guildId: GuildId, userIds: Iterable<UserId>) => Effect.Effect<ReadonlyMap<UserId, string>>
  /** The roles a member can be given, highest first: not @everyone, not a bot's or an integration's own. */
  readonly roles: (guildId: GuildId) => Effect.Effect<ReadonlyArray<{ readonly id: RoleId; readonly name: string }>>
}>()("reprise/gateway/GuildDirectory") {
  static readonly layer = Layer.effect(
    GuildDirectory,
    Effect.gen(function*() {
      const { client } = yield* DiscordGateway

      const member = Effect.fn("GuildDirectory.member")(function*(guildId: GuildId, userId: UserId) {
        const guild = client.guilds.cache.get(guildId)
        if (guild === undefined) return Option.none()
        const cached = guild.members.cache.get(userId)
        if (cached !== undefined) return Option.some(memberInfo(cached))
        return yield* Effect.tryPromise(() => guild.members.fetch(userId)).pipe(
          Effect.timeout("5 seconds"),
          Effect.map((fetched) => Option.some(memberInfo(fetched))),
          Effect.catch((error) => Effect.as(Effect.logDebug("member lookup failed", { guildId, userId, error }), Option.none()))
        )
      })

      const voiceChannel = (guildId: GuildId, channelId: ChannelId) => {
        const channel = client.guilds.cache.get(guildId)?.channels.cache.get(channelId)
        return channel !== undefined && channel.isVoiceBased() ? channel : undefined
      }

      return GuildDirectory.of({
        guild: (guildId) =>
          Effect.sync(() =>
            Option.map(
              Option.fromNullishOr(client.guilds.cache.get(guildId)),
              (guild): GuildInfo => ({ id: guildId, name: guild.name, icon: guild.iconURL({ extension: "png", size: 128 }) })
            )
          ),
        member,
        humansIn: (guildId, channelId) =>
          Effect.sync(() => voiceChannel(guildId, channelId)?.members.filter((m) => !m.user.bot).size ?? 0),
        hasVoiceChannel: (guildId, channelId) => Effect.sync(() => voiceChannel(guildId, channelId) !== undefined),
        names: (guildId, userIds) =>
          Effect.sync(() => {
            const guild = client.guilds.cache.get(guildId)
            const names = new Map<UserId, string>()
            for (const userId of userIds) {
              const name = guild?.members.cache.get(userId)?.displayName ?? client.users.cache.get(userId)?.displayName
              if (name !== undefined) names.set(userId, name)
            }
            return names
          }),
        roles: (guildId) =>
          Effect.sync(() => {
            const guild = client.guilds.cache.get(guildId)
            if (guild === undefined) return []
            return [...guild.roles.cache.values()]
              .filter((role) => role.id !== guild.id && !role.managed)
              .sort((a, b) => b.position - a.position)
              .map((role) => ({ id: RoleId.make(role.id), name: role.name }))
          })
      })
    })
  )
}
