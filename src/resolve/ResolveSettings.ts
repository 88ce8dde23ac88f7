import { type Duration, Option, type Redacted, Schema } from "effect"
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { maxGuildLimit } from "../../schema/GuildRules.ts"
import { DurationText, Flag, HttpUrl, Integer, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"

/** Settings of track resolution, read once at start-up from the configuration. */
export interface ResolverSettings {
  readonly ytdlp: {
    readonly path: string
    readonly cookies: string | null
    readonly concurrency: number
    /** How long a request may wait for a free yt-dlp slot. */
    readonly queueTimeout: Duration.Duration
    /** How many requests may wait for a slot at once; more are refused at once. */
    readonly maxQueue: number
    /** Per attempt, for metadata and stream URLs. */
    readonly timeout: Duration.Duration
    /** "node" passes this Node as yt-dlp's JavaScript runtime when yt-dlp supports it; "" disables. */
    readonly jsRuntime: string
    readonly extraArgs: ReadonlyArray<string>
    /** yt-dlp search prefix for plain queries: ytsearch, scsearch, … */
    readonly searchPrefix: string
  }
  /**
   * Where a track goes when its own source will not play it (sign-in check, region lock, open
   * circuit): a yt-dlp search prefix (scsearch, …), null when switched off, and how far the
   * substitute's length may be from the track's.
   */
  readonly fallback: { readonly searchPrefix: string | null; readonly tolerance: Duration.Duration }
  readonly retry: { readonly times: number; readonly base: Duration.Duration }
  readonly breaker: { readonly failures: number; readonly openDuration: Duration.Duration }
  readonly cache: { readonly capacity: number; readonly ttl: Duration.Duration }
  readonly spotify: {
    readonly clientId: string | null
    readonly clientSecret: Redacted.Redacted<string> | null
    readonly apiBase: string
    readonly accountsBase: string
    readonly matchTolerance: Duration.Duration
  }
  /** Budget of one HTTP call or ffprobe run. */
  readonly httpTimeout: Duration.Duration
  readonly musicDir: string | null
  readonly allowPrivateNetwork: boolean
  readonly maxPlaylistSize: number
  readonly playlistBatchSize: number
  /** The longest track played (a guild may set a lower limit); longer ones are refused before they play. */
  readonly maxTrackDuration: Duration.Duration
  /** The largest file played from a link; a server's Content-Length over it is refused before anything is downloaded. */
  readonly maxTrackSizeBytes: number
  readonly attachmentMaxBytes: number
  readonly queryMaxLength: number
  readonly autocompleteTimeout: Duration.Duration
  /** Bound of the audio file cache (least recently played go first); 0 keeps nothing. */
  readonly audioCacheMaxBytes: number
}

/**
 * The yt-dlp binary youtube-dl-exec downloads at install time, when it is there (it is not when
 * installed with YOUTUBE_DL_SKIP_DOWNLOAD); else whatever `yt-dlp` the PATH finds.
 */
export const defaultYtDlpPath = (): string => {
  const require = createRequire(import.meta.url)
  const bundled = Option.liftThrowable(
    () => (require("youtube-dl-exec") as { constants: { YOUTUBE_DL_PATH: string } }).constants.YOUTUBE_DL_PATH
  )()
  return Option.isSome(bundled) && existsSync(bundled.value) ? bundled.value : "yt-dlp"
}

const words = (s: string): ReadonlyArray<string> => s.split(/\s+/).filter((w) => w.length > 0)

/** Track resolution's variables. */
export const section = Section.make({
  fields: {
    YTDLP_PATH: Schema.optionalKey(Schema.NonEmptyString),
    YTDLP_COOKIES: Schema.optionalKey(Schema.NonEmptyString),
    YTDLP_CONCURRENCY: Integer(1, 64).pipe(withDefault("3")),
    YTDLP_QUEUE_TIMEOUT: DurationText("10 minutes").pipe(withDefault("20 seconds")),
    YTDLP_MAX_QUEUE: Integer(0, 10_000).pipe(withDefault("100")),
    YTDLP_TIMEOUT: DurationText("10 minutes").pipe(withDefault("30 seconds")),
    YTDLP_JS_RUNTIME: Schema.NonEmptyString.pipe(withDefault("node")),
    YTDLP_EXTRA_ARGS: Schema.optionalKey(Schema.String),
    YTDLP_SEARCH_PREFIX: Schema.NonEmptyString.pipe(withDefault("ytsearch")),
    FALLBACK_SEARCH_PREFIX: Schema.NonEmptyString.pipe(withDefault("scsearch")),
    FALLBACK_MATCH_TOLERANCE: DurationText("10 minutes").pipe(withDefault("5 seconds")),
    RESOLVE_RETRIES: Integer(0, 10).pipe(withDefault("2")),
    RESOLVE_RETRY_BASE: DurationText("1 minute").pipe(withDefault("500 millis")),
    BREAKER_FAILURES: Integer(1, 1000).pipe(withDefault("5")),
    BREAKER_OPEN_DURATION: DurationText("1 hour").pipe(withDefault("30 seconds")),
    RESOLVE_CACHE_CAPACITY: Integer(1, 1_000_000).pipe(withDefault("1000")),
    RESOLVE_CACHE_TTL: DurationText("7 days").pipe(withDefault("1 hour")),
    SPOTIFY_CLIENT_ID: Schema.optionalKey(Schema.NonEmptyString),
    SPOTIFY_CLIENT_SECRET: Schema.optionalKey(
      Schema.RedactedFromValue(Schema.NonEmptyString, { label: "SPOTIFY_CLIENT_SECRET" })
    ),
    SPOTIFY_API_BASE: HttpUrl.pipe(withDefault("https://api.spotify.com/v1")),
    SPOTIFY_ACCOUNTS_BASE: HttpUrl.pipe(withDefault("https://accounts.spotify.com")),
    SPOTIFY_MATCH_TOLERANCE: DurationText("10 minutes").pipe(withDefault("5 seconds")),
    SOURCES_HTTP_TIMEOUT: DurationText("10 minutes").pipe(withDefault("10 seconds")),
    SOURCES_ALLOW_PRIVATE_NETWORK: Flag.pipe(withDefault("false")),
    MUSIC_DIR: Schema.optionalKey(Schema.NonEmptyString),
    MAX_PLAYLIST_SIZE: Integer(1, maxGuildLimit).pipe(withDefault("1000")),
    PLAYLIST_BATCH_SIZE: Integer(1, 1000).pipe(withDefault("50")),
    MAX_TRACK_DURATION: DurationText("1 day").pipe(withDefault("3 hours")),
    MAX_TRACK_SIZE: Integer(1024 ** 2, 16 * 1024 ** 3).pipe(withDefault(String(512 * 1024 ** 2))),
    ATTACHMENT_MAX_BYTES: Integer(1, 1024 ** 3).pipe(withDefault(String(25 * 1024 * 1024))),
    QUERY_MAX_LENGTH: Integer(1, 6000).pipe(withDefault("200")),
    AUTOCOMPLETE_TIMEOUT: DurationText("3 seconds").pipe(withDefault("2 seconds")),
    AUDIO_CACHE_MAX_BYTES: Integer(0, 1024 ** 4).pipe(withDefault(String(2 * 1024 ** 3)))
  },
  secrets: ["SPOTIFY_CLIENT_SECRET"],
  build: (e): ResolverSettings => ({
    ytdlp: {
      path: e.YTDLP_PATH ?? defaultYtDlpPath(),
      cookies: e.YTDLP_COOKIES ?? null,
      concurrency: e.YTDLP_CONCURRENCY,
      queueTimeout: e.YTDLP_QUEUE_TIMEOUT,
      maxQueue: e.YTDLP_MAX_QUEUE,
      timeout: e.YTDLP_TIMEOUT,
      // "none" switches the runtime off: an empty value would count as unset.
      jsRuntime: e.YTDLP_JS_RUNTIME === "none" ? "" : e.YTDLP_JS_RUNTIME,
      extraArgs: words(e.YTDLP_EXTRA_ARGS ?? ""),
      searchPrefix: e.YTDLP_SEARCH_PREFIX
    },
    // "none" switches the fallback off, as for YTDLP_JS_RUNTIME.
    fallback: {
      searchPrefix: e.FALLBACK_SEARCH_PREFIX === "none" ? null : e.FALLBACK_SEARCH_PREFIX,
      tolerance: e.FALLBACK_MATCH_TOLERANCE
    },
    retry: { times: e.RESOLVE_RETRIES, base: e.RESOLVE_RETRY_BASE },
    breaker: { failures: e.BREAKER_FAILURES, openDuration: e.BREAKER_OPEN_DURATION },
    cache: { capacity: e.RESOLVE_CACHE_CAPACITY, ttl: e.RESOLVE_CACHE_TTL },
    spotify: {
      clientId: e.SPOTIFY_CLIENT_ID ?? null,
      clientSecret: e.SPOTIFY_CLIENT_SECRET ?? null,
      apiBase: e.SPOTIFY_API_BASE.replace(/\/+$/, ""),
      accountsBase: e.SPOTIFY_ACCOUNTS_BASE.replace(/\/+$/, ""),
      matchTolerance: e.SPOTIFY_MATCH_TOLERANCE
    },
    httpTimeout: e.SOURCES_HTTP_TIMEOUT,
    musicDir: e.MUSIC_DIR ?? null,
    allowPrivateNetwork: e.SOURCES_ALLOW_PRIVATE_NETWORK,
    maxPlaylistSize: e.MAX_PLAYLIST_SIZE,
    playlistBatchSize: e.PLAYLIST_BATCH_SIZE,
    maxTrackDuration: e.MAX_TRACK_DURATION,
    maxTrackSizeBytes: e.MAX_TRACK_SIZE,
    attachmentMaxBytes: e.ATTACHMENT_MAX_BYTES,
    queryMaxLength: e.QUERY_MAX_LENGTH,
    autocompleteTimeout: e.AUTOCOMPLETE_TIMEOUT,
    audioCacheMaxBytes: e.AUDIO_CACHE_MAX_BYTES
  })
})
