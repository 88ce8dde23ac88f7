import { type Duration, Option, type Redacted, Schema } from "effect"
import { type GuildId, GuildId as GuildIdSchema } from "../../schema/Ids.ts"
import { DurationText, HttpUrl, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"

export interface GatewaySettings {
  readonly token: Redacted.Redacted<string>
  /** Another REST base than Discord's (tests, proxies). */
  readonly apiBase: Option.Option<string>
  /** Another CDN than Discord's, where guild icons are (tests, proxies). */
  readonly cdnBase: Option.Option<string>
  /** Register slash commands in this guild only (instant) instead of globally. */
  readonly guildId: Option.Option<GuildId>
  /** Longest wait between login attempts while Discord is unreachable. */
  readonly loginBackoffMax: Duration.Duration
}

const missingToken = "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications, " +
  "then put its token in .env (DISCORD_TOKEN=...) or the environment. See .env.example."

/** The bot's identity on Discord and how it connects. */
export const section = Section.make({
  fields: {
    DISCORD_TOKEN: Schema.RedactedFromValue(Schema.NonEmptyString, { label: "DISCORD_TOKEN" }),
    DISCORD_API_BASE: Schema.optionalKey(HttpUrl),
    DISCORD_CDN_BASE: Schema.optionalKey(HttpUrl),
    DISCORD_GUILD_ID: Schema.optionalKey(GuildIdSchema),
    DISCORD_LOGIN_BACKOFF_MAX: DurationText("1 hour").pipe(withDefault("1 minute"))
  },
  secrets: ["DISCORD_TOKEN"],
  missing: { DISCORD_TOKEN: missingToken },
  build: (e): GatewaySettings => ({
    token: e.DISCORD_TOKEN,
    apiBase: Option.fromUndefinedOr(e.DISCORD_API_BASE),
    cdnBase: Option.fromUndefinedOr(e.DISCORD_CDN_BASE),
    guildId: Option.fromUndefinedOr(e.DISCORD_GUILD_ID),
    loginBackoffMax: e.DISCORD_LOGIN_BACKOFF_MAX
  })
})
