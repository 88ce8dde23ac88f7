import { snowflake } from "./Snowflake.ts"

export interface UserSpec {
  readonly id: string
  readonly username: string
}

export interface RoleSpec {
  readonly id: string
  readonly name: string
  readonly permissions: bigint
}

export interface ChannelSpec {
  readonly id: string
  readonly name: string
  readonly type: "text" | "voice"
}

export interface MemberSpec {
  readonly userId: string
  readonly roles?: ReadonlyArray<string> | undefined
}

export interface GuildSpec {
  readonly id: string
  readonly name: string
  readonly ownerId: string
  /** Besides @everyone, whose id is the guild id. */
  readonly roles: ReadonlyArray<RoleSpec>
  readonly channels: ReadonlyArray<ChannelSpec>
  /** Human members; the bot is always added (discord.js routes its voice state only for a known member). */
  readonly members: ReadonlyArray<MemberSpec>
  /** userId → voice channel id, for users already in voice when the bot connects. */
  readonly voiceStates: Readonly<Record<string, string>>
  readonly everyonePermissions?: bigint | undefined
  /** The icon's hash, as Discord names it; none by default. */
  readonly icon?: string | undefined
}

export interface Scenario {
  readonly applicationId: string
  readonly bot: UserSpec
  readonly users: ReadonlyArray<UserSpec>
  readonly guilds: ReadonlyArray<GuildSpec>
}

export const Permissions = {
  Administrator: 1n << 3n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  UseApplicationCommands: 1n << 31n
} as const

/**
 * What @everyone may do unless a guild says otherwise: enough to join, speak and answer (discord.js
 * derives `joinable` from these).
 */
export const defaultEveryonePermissions = Permissions.ViewChannel | Permissions.SendMessages |
  Permissions.EmbedLinks | Permissions.AttachFiles | Permissions.ReadMessageHistory | Permissions.Connect |
  Permissions.Speak | Permissions.UseApplicationCommands

/** Fixed creation times keep ids readable in logs while still decoding to real timestamps. */
const created = Date.UTC(2024, 0, 1)
const id = (n: number): string => snowflake(created + n * 1000)

/**
 * Two guilds and three humans: alice (owner, DJ) and bob sit in guild one's "Music" channel,
 * carol is in no voice channel; guild two has alice and carol, carol being its DJ.
 */
/** Guild One's icon hash (Guild Two has none). */
export const guildOneIcon = "a1b2c3d4e5f60718293a4b5c6d7e8f90"

export const defaultScenario = () => {
  const ids = {
    application: id(1), bot: id(2), alice: id(3), bob: id(4), carol: id(5),
    guild: id(10), text: id(11), music: id(12), lounge: id(13), dj: id(14),
    otherGuild: id(20), otherText: id(21), otherMusic: id(22), otherDj: id(23)
  }
  const scenario: Scenario = {
    applicationId: ids.application,
    bot: { id: ids.bot, username: "Reprise" },
    users: [
      { id: ids.alice, username: "alice" },
      { id: ids.bob, username: "bob" },
      { id: ids.carol, username: "carol" }
    ],
    guilds: [
      {
        id: ids.guild, name: "Guild One", ownerId: ids.alice, icon: guildOneIcon,
        roles: [{ id: ids.dj, name: "DJ", permissions: 0n }],
        channels: [
          { id: ids.text, name: "general", type: "text" },
          { id: ids.music, name: "Music", type: "voice" },
          { id: ids.lounge, name: "Lounge", type: "voice" }
        ],
        members: [{ userId: ids.alice, roles: [ids.dj] }, { userId: ids.bob }, { userId: ids.carol }],
        voiceStates: { [ids.alice]: ids.music, [ids.bob]: ids.music }
      },
      {
        id: ids.otherGuild, name: "Guild Two", ownerId: ids.carol,
        roles: [{ id: ids.otherDj, name: "DJ", permissions: 0n }],
        channels: [
          { id: ids.otherText, name: "general", type: "text" },
          { id: ids.otherMusic, name: "Music", type: "voice" }
        ],
        members: [{ userId: ids.alice }, { userId: ids.carol, roles: [ids.otherDj] }],
        voiceStates: {}
      }
    ]
  }
  return { scenario, ids }
}
