import { defaultEveryonePermissions, type ChannelSpec, type UserSpec } from "./Scenario.ts"
import type { GuildState, JsonObject, StoredMessage, World } from "./State.ts"

const joinedAt = "2024-01-01T00:00:00.000Z"

export const userJson = (world: World, user: UserSpec): JsonObject => ({
  id: user.id,
  username: user.username,
  discriminator: "0",
  global_name: user.username,
  avatar: null,
  bot: user.id === world.scenario.bot.id,
  flags: 0
})

export const memberJson = (world: World, guild: GuildState, userId: string, withPermissions = false): JsonObject => ({
  user: userJson(world, world.user(userId)),
  roles: guild.members.get(userId) ?? [],
  nick: null,
  avatar: null,
  joined_at: joinedAt,
  premium_since: null,
  deaf: false,
  mute: false,
  pending: false,
  flags: 0,
  communication_disabled_until: null,
  ...(withPermissions ? { permissions: world.permissions(guild, userId).toString() } : {})
})

export const channelJson = (guild: GuildState, channel: ChannelSpec): JsonObject => ({
  id: channel.id,
  guild_id: guild.spec.id,
  name: channel.name,
  type: channel.type === "text" ? 0 : 2,
  position: guild.spec.channels.indexOf(channel),
  permission_overwrites: [],
  parent_id: null,
  nsfw: false,
  ...(channel.type === "voice" ? { bitrate: 64000, user_limit: 0, rtc_region: null } : { topic: null })
})

export const voiceStateJson = (world: World, guild: GuildState, userId: string): JsonObject => {
  const state = guild.voice.get(userId)
  return {
    guild_id: guild.spec.id,
    channel_id: state?.channelId ?? null,
    user_id: userId,
    session_id: state?.sessionId ?? "",
    deaf: false,
    mute: false,
    self_deaf: state?.selfDeaf ?? false,
    self_mute: state?.selfMute ?? false,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
    // discord.js routes the bot's own voice state to @discordjs/voice only when it knows the member.
    member: memberJson(world, guild, userId)
  }
}

/** The @everyone role's id is the guild id; its permissions decide `joinable` and `speakable`. */
const rolesJson = (world: World, guild: GuildState): Array<JsonObject> => {
  const role = (id: string, name: string, position: number, permissions: bigint): JsonObject => ({
    id, name, position, permissions: permissions.toString(), color: 0, hoist: false, managed: false,
    mentionable: false, flags: 0, icon: null, unicode_emoji: null
  })
  const everyone = guild.spec.everyonePermissions ?? defaultEveryonePermissions
  return [
    role(guild.spec.id, "@everyone", 0, everyone),
    ...guild.spec.roles.map((r, i) => role(r.id, r.name, i + 1, r.permissions))
  ]
}

export const guildJson = (world: World, guild: GuildState): JsonObject => ({
  id: guild.spec.id,
  name: guild.spec.name,
  icon: guild.spec.icon ?? null,
  owner_id: guild.spec.ownerId,
  unavailable: false,
  member_count: guild.members.size,
  large: false,
  joined_at: joinedAt,
  features: [],
  emojis: [],
  stickers: [],
  preferred_locale: "en-US",
  roles: rolesJson(world, guild),
  // Without `channels` discord.js treats the guild as unavailable.
  channels: guild.spec.channels.map((channel) => channelJson(guild, channel)),
  members: [...guild.members.keys()].map((userId) => memberJson(world, guild, userId)),
  voice_states: [...guild.voice.keys()].map((userId) => {
    const { member: _, ...state } = voiceStateJson(world, guild, userId)
    return state
  }),
  threads: [],
  presences: [],
  stage_instances: [],
  guild_scheduled_events: [],
  soundboard_sounds: []
})

export const messageJson = (world: World, message: StoredMessage): JsonObject => ({
  id: message.id,
  channel_id: message.channelId,
  ...(message.guildId === null ? {} : { guild_id: message.guildId }),
  author: userJson(world, world.scenario.bot),
  content: message.content,
  timestamp: message.timestamp,
  edited_timestamp: message.editedTimestamp,
  tts: false,
  mention_everyone: false,
  mentions: [],
  mention_roles: [],
  attachments: message.attachments,
  embeds: message.embeds,
  components: message.components,
  pinned: false,
  type: message.type,
  flags: message.flags,
  ...(message.interactionId === null ? {} : {
    webhook_id: world.scenario.applicationId,
    application_id: world.scenario.applicationId
  })
})
