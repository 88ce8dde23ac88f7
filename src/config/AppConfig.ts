import { Context, Duration, Effect, Layer, Option, type Redacted, Schema, SchemaIssue } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { parseEnv } from "node:util"
import type { GuildId } from "../../schema/Ids.ts"
import { resolverSettings, type ResolverSettings } from "../resolve/ResolveSettings.ts"
import { Env, type LogLevelName, secretKeys } from "./Env.ts"

/** The configuration could not be used; each problem names its variable and what is wrong. */
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    return this.problems.join("\n")
  }
}

export interface AppConfigShape {
  readonly discord: {
    readonly token: Redacted.Redacted<string>
    readonly apiBase: Option.Option<string>
    readonly guildId: Option.Option<GuildId>
    readonly loginBackoffMax: Duration.Duration
  }
  readonly database: {
    readonly url: Option.Option<Redacted.Redacted<string>>
    readonly dataDir: string
  }
  readonly http: { readonly host: string; readonly port: number }
  readonly log: { readonly level: LogLevelName; readonly format: "pretty" | "json" }
  readonly otel: { readonly endpoint: Option.Option<string>; readonly serviceName: string }
  readonly player: { readonly idleTimeout: Duration.Duration }
  /** `aloneTimeout`: how long the bot stays in a voice channel nobody else is in. */
  readonly voice: { readonly aloneTimeout: Duration.Duration }
  /** `referenceGain`: the linear gain that 100 % volume plays at (1 = the source's own level). */
  readonly audio: { readonly ffmpegPath: string; readonly referenceGain: number }
  readonly sources: ResolverSettings
}

const missingToken = "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications, " +
  "then put its token in .env (DISCORD_TOKEN=...) or the environment. See .env.example."

const toStandard = SchemaIssue.makeFormatterStandardSchemaV1()

const describe = (key: string, message: string): string => {
  if (message === "Missing key") return `${key} is required`
  // A secret's value must not reach the terminal, even when it is wrong.
  if (secretKeys.has(key) && !message.startsWith("must ")) return `${key} is not valid`
  return `${key} ${message.startsWith("must ") ? message : `is not valid: ${message}`}`
}

/** One line per variable: its first problem is the one to fix. */
const firstPerKey = (
  issues: ReadonlyArray<{ readonly path?: ReadonlyArray<unknown> | undefined; readonly message: string }>
) => {
  const byKey = new Map<string, string>()
  for (const issue of issues) {
    const key = String(issue.path?.[0] ?? "configuration")
    if (!byKey.has(key)) byKey.set(key, describe(key, issue.message))
  }
  return Array.from(byKey.values())
}

/** Unset and empty variables are the same thing: `.env` templates leave values blank. */
const present = (env: Readonly<Record<string, string | undefined>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "")
  )

/**
 * Decodes the configuration from environment variables, reporting every problem at once.
 * `interactive` picks the default log format: pretty on a terminal, JSON otherwise.
 */
export const decodeConfig = (
  env: Readonly<Record<string, string | undefined>>,
  interactive: boolean
): Effect.Effect<AppConfigShape, ConfigInvalid> => {
  const values = present(env)
  if (values.DISCORD_TOKEN === undefined) return Effect.fail(new ConfigInvalid({ problems: [missingToken] }))
  return Schema.decodeUnknownEffect(Env)(values, { errors: "all", onExcessProperty: "ignore" }).pipe(
    Effect.mapError((error) =>
      new ConfigInvalid({ problems: firstPerKey(toStandard(error.issue).issues) })
    ),
    Effect.map((e): AppConfigShape => ({
      discord: {
        token: e.DISCORD_TOKEN,
        apiBase: Option.fromUndefinedOr(e.DISCORD_API_BASE),
        guildId: Option.fromUndefinedOr(e.DISCORD_GUILD_ID),
        loginBackoffMax: e.DISCORD_LOGIN_BACKOFF_MAX
      },
      database: { url: Option.fromUndefinedOr(e.DATABASE_URL), dataDir: e.DATA_DIR },
      http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
      log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT ?? (interactive ? "pretty" : "json") },
      otel: { endpoint: Option.fromUndefinedOr(e.OTEL_EXPORTER_OTLP_ENDPOINT), serviceName: e.OTEL_SERVICE_NAME },
      player: { idleTimeout: e.PLAYER_IDLE_TIMEOUT },
      voice: { aloneTimeout: e.VOICE_ALONE_TIMEOUT },
      audio: { ffmpegPath: e.FFMPEG_PATH, referenceGain: e.VOLUME_REFERENCE_GAIN },
      sources: resolverSettings(e)
    }))
  )
}

/** The process environment over the optional `.env` file in the working directory (the environment wins). */
export const readEnvironment = (): Readonly<Record<string, string | undefined>> => {
  const fromFile = existsSync(".env") ? parseEnv(readFileSync(".env", "utf8")) : {}
  return { ...fromFile, ...process.env }
}

export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("reprise/config/AppConfig") {
  static readonly layer = Layer.effect(
    AppConfig,
    Effect.suspend(() => decodeConfig(readEnvironment(), process.stdout.isTTY === true))
  )
  static readonly layerFrom = (config: AppConfigShape) => Layer.succeed(AppConfig, config)
}
