import { Duration, Effect, Schema, SchemaTransformation } from "effect"
import { GuildId } from "../../schema/Ids.ts"

/** The variable may be absent; absent means `value` (written as it would be in the environment). */
const withDefault = (value: string) => <S extends Schema.Constraint & { readonly "Encoded": string }>(self: S) =>
  Schema.withDecodingDefaultKey<S>(Effect.succeed(value))(self)

const HttpUrl = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s/]+(\/\S*)?$/, { message: "must be an http:// or https:// URL" })
)

const PostgresUrl = Schema.String.check(
  Schema.isPattern(/^postgres(ql)?:\/\/\S+$/, { message: "must be a postgres:// or postgresql:// URL" })
)

const Port = Schema.NumberFromString.check(
  Schema.isInt({ message: "must be a whole number" }),
  Schema.isBetween({ minimum: 0, maximum: 65535 }, { message: "must be a port number between 0 and 65535" })
)

const DurationText = Schema.DurationFromString.check(
  Schema.makeFilter((d: Duration.Duration) => Duration.isGreaterThan(d, Duration.zero), {
    message: "must be a positive duration such as \"30 seconds\" or \"5 minutes\""
  })
)

const Count = (minimum: number) =>
  Schema.NumberFromString.check(
    Schema.isInt({ message: "must be a whole number" }),
    Schema.isGreaterThanOrEqualTo(minimum, { message: `must be ${minimum} or more` })
  )

const Flag = Schema.Literals(["true", "false"]).pipe(
  Schema.decodeTo(Schema.Boolean, SchemaTransformation.transform({
    decode: (text) => text === "true",
    encode: (flag) => flag ? "true" as const : "false" as const
  }))
)

export const LogLevelName = Schema.Literals(["trace", "debug", "info", "warn", "error", "fatal"])
export type LogLevelName = typeof LogLevelName.Type

/**
 * Every environment variable Reprise reads, decoded in one pass so that all problems are
 * reported together. `.env.example` documents each key (a test keeps the two in step).
 */
export const Env = Schema.Struct({
  DISCORD_TOKEN: Schema.RedactedFromValue(Schema.NonEmptyString, { label: "DISCORD_TOKEN" }),
  DISCORD_API_BASE: Schema.optionalKey(HttpUrl),
  DISCORD_GUILD_ID: Schema.optionalKey(GuildId),
  DATABASE_URL: Schema.optionalKey(Schema.RedactedFromValue(PostgresUrl, { label: "DATABASE_URL" })),
  DATA_DIR: Schema.NonEmptyString.pipe(withDefault("./data")),
  HTTP_HOST: Schema.NonEmptyString.pipe(withDefault("127.0.0.1")),
  HTTP_PORT: Port.pipe(withDefault("8080")),
  LOG_LEVEL: LogLevelName.pipe(withDefault("info")),
  LOG_FORMAT: Schema.optionalKey(Schema.Literals(["pretty", "json"])),
  OTEL_EXPORTER_OTLP_ENDPOINT: Schema.optionalKey(HttpUrl),
  OTEL_SERVICE_NAME: Schema.NonEmptyString.pipe(withDefault("reprise")),
  DISCORD_LOGIN_BACKOFF_MAX: DurationText.pipe(withDefault("1 minute")),
  PLAYER_IDLE_TIMEOUT: DurationText.pipe(withDefault("5 minutes")),
  VOICE_ALONE_TIMEOUT: DurationText.pipe(withDefault("2 minutes")),
  FFMPEG_PATH: Schema.NonEmptyString.pipe(withDefault("ffmpeg")),
  VOLUME_REFERENCE_GAIN: Schema.NumberFromString.check(
    Schema.isBetween({ minimum: 0.05, maximum: 1 }, { message: "must be a number between 0.05 and 1" })
  ).pipe(withDefault("0.25")),
  // Track resolution (see src/resolve/ResolveSettings.ts for how each is used).
  YTDLP_PATH: Schema.optionalKey(Schema.NonEmptyString),
  YTDLP_COOKIES: Schema.optionalKey(Schema.NonEmptyString),
  YTDLP_CONCURRENCY: Count(1).pipe(withDefault("3")),
  YTDLP_QUEUE_TIMEOUT: DurationText.pipe(withDefault("20 seconds")),
  YTDLP_MAX_QUEUE: Count(0).pipe(withDefault("100")),
  YTDLP_TIMEOUT: DurationText.pipe(withDefault("30 seconds")),
  YTDLP_JS_RUNTIME: Schema.NonEmptyString.pipe(withDefault("node")),
  YTDLP_EXTRA_ARGS: Schema.optionalKey(Schema.String),
  YTDLP_SEARCH_PREFIX: Schema.NonEmptyString.pipe(withDefault("ytsearch")),
  RESOLVE_RETRIES: Count(0).pipe(withDefault("2")),
  RESOLVE_RETRY_BASE: DurationText.pipe(withDefault("500 millis")),
  BREAKER_FAILURES: Count(1).pipe(withDefault("5")),
  BREAKER_OPEN_DURATION: DurationText.pipe(withDefault("30 seconds")),
  RESOLVE_CACHE_CAPACITY: Count(1).pipe(withDefault("1000")),
  RESOLVE_CACHE_TTL: DurationText.pipe(withDefault("1 hour")),
  SPOTIFY_CLIENT_ID: Schema.optionalKey(Schema.NonEmptyString),
  SPOTIFY_CLIENT_SECRET: Schema.optionalKey(
    Schema.RedactedFromValue(Schema.NonEmptyString, { label: "SPOTIFY_CLIENT_SECRET" })
  ),
  SPOTIFY_API_BASE: HttpUrl.pipe(withDefault("https://api.spotify.com/v1")),
  SPOTIFY_ACCOUNTS_BASE: HttpUrl.pipe(withDefault("https://accounts.spotify.com")),
  SPOTIFY_MATCH_TOLERANCE: DurationText.pipe(withDefault("5 seconds")),
  SOURCES_HTTP_TIMEOUT: DurationText.pipe(withDefault("10 seconds")),
  SOURCES_ALLOW_PRIVATE_NETWORK: Flag.pipe(withDefault("false")),
  MUSIC_DIR: Schema.optionalKey(Schema.NonEmptyString),
  MAX_PLAYLIST_SIZE: Count(1).pipe(withDefault("1000")),
  PLAYLIST_BATCH_SIZE: Count(1).pipe(withDefault("50")),
  ATTACHMENT_MAX_BYTES: Count(1).pipe(withDefault(String(25 * 1024 * 1024))),
  QUERY_MAX_LENGTH: Count(1).pipe(withDefault("200")),
  AUTOCOMPLETE_TIMEOUT: DurationText.pipe(withDefault("2 seconds"))
})
export type Env = typeof Env.Type

/** Keys whose values must never be echoed back, even in an error message. */
export const secretKeys: ReadonlySet<string> = new Set(["DISCORD_TOKEN", "DATABASE_URL", "SPOTIFY_CLIENT_SECRET"])
