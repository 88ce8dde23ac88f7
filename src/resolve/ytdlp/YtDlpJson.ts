import { Effect, Option, Schema } from "effect"
import type { Chapter } from "../../../schema/Segments.ts"
import type { Playable } from "../../audio/Playable.ts"
import type { PlaylistInfo, TrackInfo } from "../Resolution.ts"
import { REFUSED_PRIVATE, UNREACHABLE } from "../../resilience/EgressProxy.ts"
import { privateRefusal } from "../../resilience/UrlGuard.ts"
import { BotCheck, Failed, NotFound, type ResolveError, resolveError, Transient, UnsafeUrl, Unsupported } from "../ResolveError.ts"

const OptString = Schema.optional(Schema.NullOr(Schema.String))
const OptNumber = Schema.optional(Schema.NullOr(Schema.Number))

const Thumbnail = Schema.Struct({ url: Schema.String })

/** One of the chapters yt-dlp reads from a video's description or its site (seconds). */
const YtDlpChapter = Schema.Struct({ start_time: Schema.Number, end_time: Schema.Number, title: OptString })

/**
 * The part of the info dict yt-dlp prints (`-J` / `-j`) that the resolver reads. Extra keys are
 * ignored; every key is optional, because flat entries, full extractions and generic pages fill
 * different subsets.
 * An entry has an `id` or a `url` (`entryId`): the flat entries of an RSS feed (generic
 * extractor, `_type: "url_transparent"`) have only the enclosure's `url`.
 */
export interface YtDlpEntry {
  readonly _type?: string | null | undefined
  readonly id?: string | null | undefined
  readonly title?: string | null | undefined
  readonly url?: string | null | undefined
  readonly webpage_url?: string | null | undefined
  readonly original_url?: string | null | undefined
  readonly ie_key?: string | null | undefined
  readonly extractor_key?: string | null | undefined
  readonly extractor?: string | null | undefined
  readonly duration?: number | null | undefined
  readonly uploader?: string | null | undefined
  readonly channel?: string | null | undefined
  readonly artist?: string | null | undefined
  readonly creator?: string | null | undefined
  readonly thumbnail?: string | null | undefined
  readonly thumbnails?: ReadonlyArray<{ readonly url: string }> | null | undefined
  readonly chapters?: ReadonlyArray<typeof YtDlpChapter.Type> | null | undefined
  readonly is_live?: boolean | null | undefined
  readonly live_status?: string | null | undefined
  readonly http_headers?: { readonly [k: string]: string } | null | undefined
  readonly acodec?: string | null | undefined
  readonly ext?: string | null | undefined
  readonly playlist_count?: number | null | undefined
  readonly n_entries?: number | null | undefined
  readonly playlist_id?: string | null | undefined
  readonly playlist_title?: string | null | undefined
  readonly playlist_webpage_url?: string | null | undefined
  readonly entries?: ReadonlyArray<YtDlpEntry | null> | null | undefined
}

export const YtDlpEntry: Schema.Codec<YtDlpEntry> = Schema.Struct({
  _type: OptString,
  id: OptString,
  title: OptString,
  url: OptString,
  webpage_url: OptString,
  original_url: OptString,
  ie_key: OptString,
  extractor_key: OptString,
  extractor: OptString,
  duration: OptNumber,
  uploader: OptString,
  channel: OptString,
  artist: OptString,
  creator: OptString,
  thumbnail: OptString,
  thumbnails: Schema.optional(Schema.NullOr(Schema.Array(Thumbnail))),
  chapters: Schema.optional(Schema.NullOr(Schema.Array(YtDlpChapter))),
  is_live: Schema.optional(Schema.NullOr(Schema.Boolean)),
  live_status: OptString,
  http_headers: Schema.optional(Schema.NullOr(Schema.Record(Schema.String, Schema.String))),
  acodec: OptString,
  ext: OptString,
  playlist_count: OptNumber,
  n_entries: OptNumber,
  playlist_id: OptString,
  playlist_title: OptString,
  playlist_webpage_url: OptString,
  entries: Schema.optional(Schema.NullOr(Schema.Array(Schema.NullOr(Schema.suspend((): Schema.Codec<YtDlpEntry> => YtDlpEntry)))))
})

const decodeJson = Schema.decodeUnknownEffect(Schema.fromJsonString(YtDlpEntry))

const nonEmpty = (s: string | null | undefined): string | null => (s === null || s === undefined || s.trim() === "" ? null : s)

const SMUGGLE = "#__youtubedl_smuggle="
const decodeSmuggled = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Record(Schema.String, Schema.Unknown)))

/**
 * `url` without the data yt-dlp's extractors pass each other in its fragment
 * (`#__youtubedl_smuggle=<json>`) when that data is only `force_videoid`: the generic extractor
 * smuggles an RSS item's guid there, which names the entry in yt-dlp's output and plays no part in
 * fetching it. Anything else smuggled (headers a site wants) is kept, as playing the entry needs it.
 */
export const unsmuggled = (url: string): string => {
  const at = url.indexOf(SMUGGLE)
  if (at < 0) return url
  const data = decodeSmuggled(new URLSearchParams(url.slice(at + 1)).get("__youtubedl_smuggle"))
  return Option.isSome(data) && Object.keys(data.value).every((k) => k === "force_videoid") ? url.slice(0, at) : url
}

/** What identifies an entry: its `id`, else (a flat RSS item) its `url`; "" when it has neither. */
export const entryId = (e: YtDlpEntry): string => nonEmpty(e.id) ?? nonEmpty(e.url) ?? nonEmpty(e.webpage_url) ?? ""

const unexpected = (detail: string) =>
  resolveError("ytdlp", new Failed({ message: "yt-dlp answered something unexpected.", detail: detail.slice(0, 500) }))

/** Parses one JSON document printed by yt-dlp. `null` (yt-dlp's output for a failed `-J`) is an error. */
export const parseEntry = (text: string): Effect.Effect<YtDlpEntry, ResolveError> =>
  decodeJson(text).pipe(
    Effect.mapError((e) => unexpected(e.message)),
    Effect.filterOrFail((e) => entryId(e) !== "", () => unexpected("an entry with neither id nor url"))
  )

type Family = "youtube" | "soundcloud" | "bandcamp" | "other"

const familyOf = (e: YtDlpEntry): Family => {
  const key = (e.extractor_key ?? e.ie_key ?? e.extractor ?? "").toLowerCase()
  if (key.startsWith("youtube")) return "youtube"
  if (key.startsWith("soundcloud")) return "soundcloud"
  if (key.startsWith("bandcamp")) return "bandcamp"
  return "other"
}

/**
 * Metadata of one entry. `inPlaylist` matters for generic pages: their entries share the page
 * URL, so the media URL is the only location that identifies each one.
 */
export const toTrackInfo = (e: YtDlpEntry, inPlaylist: boolean): TrackInfo => {
  const family = familyOf(e)
  const id = unsmuggled(entryId(e))
  const location = family === "youtube"
    ? `https://www.youtube.com/watch?v=${id}`
    : unsmuggled(
      (inPlaylist ? nonEmpty(e.url) ?? nonEmpty(e.webpage_url) : nonEmpty(e.webpage_url) ?? nonEmpty(e.url)) ??
        nonEmpty(e.original_url) ?? id
    )
  const thumbs = e.thumbnails ?? []
  const chapters = chaptersOf(e)
  return {
    id: family === "other" ? `ytdlp:${location}` : `${family}:${id}`,
    kind: family === "other" ? "ytdlp" : family,
    location,
    title: nonEmpty(e.title) ?? id,
    author: nonEmpty(e.artist) ?? nonEmpty(e.uploader) ?? nonEmpty(e.channel) ?? nonEmpty(e.creator),
    durationMs: typeof e.duration === "number" && Number.isFinite(e.duration) && e.duration >= 0
      ? Math.round(e.duration * 1000)
      : null,
    artworkUrl: nonEmpty(e.thumbnail) ?? thumbs[thumbs.length - 1]?.url ?? null,
    ...(isLive(e) ? { live: true } : {}),
    ...(chapters.length === 0 ? {} : { chapters })
  }
}

/** The entry's chapters in track time, in order; untitled ones are numbered as players show them. */
const chaptersOf = (e: YtDlpEntry): Array<Chapter> =>
  (e.chapters ?? [])
    .filter((c) => Number.isFinite(c.start_time) && Number.isFinite(c.end_time) && c.end_time > c.start_time && c.start_time >= 0)
    .map((c, i) => ({
      startMs: Math.round(c.start_time * 1000),
      endMs: Math.round(c.end_time * 1000),
      title: nonEmpty(c.title) ?? `Chapter ${i + 1}`
    }))
    .sort((a, b) => a.startMs - b.startMs)

export const isLive = (e: YtDlpEntry): boolean => e.is_live === true || e.live_status === "is_live"

/** Playlist info of a `-J` playlist or of a `-j` entry that carries `playlist_*` keys. */
export const playlistOf = (e: YtDlpEntry, capped: number): PlaylistInfo | null => {
  if (e._type === "playlist") {
    const total = e.playlist_count ?? e.n_entries ?? e.entries?.length ?? null
    const id = entryId(e)
    return {
      id,
      title: nonEmpty(e.title) ?? id,
      url: nonEmpty(e.webpage_url) ?? nonEmpty(e.original_url),
      totalCount: total,
      truncated: total !== null && total > capped
    }
  }
  if (nonEmpty(e.playlist_id) === null) return null
  const total = e.playlist_count ?? e.n_entries ?? null
  return {
    id: e.playlist_id!,
    title: nonEmpty(e.playlist_title) ?? e.playlist_id!,
    url: nonEmpty(e.playlist_webpage_url),
    totalCount: total,
    truncated: total !== null && total > capped
  }
}

/**
 * The stream of a full extraction made with a single-format selector (`-f bestaudio/best`):
 * yt-dlp then copies the chosen format's `url`, `http_headers`, `acodec` and `ext` to the top.
 * YouTube's googlevideo URLs say when they expire (`expire=` seconds); others are taken not to.
 */
export const toPlayable = (e: YtDlpEntry): Option.Option<Playable> => {
  // Flat entries (`_type: "url"`) carry a page URL, not a stream; only a resolved video with a
  // selected format (it has `ext`) does.
  if ((e._type !== undefined && e._type !== null && e._type !== "video") || nonEmpty(e.ext) === null) return Option.none()
  const input = nonEmpty(e.url)
  if (input === null || !/^https?:\/\//i.test(input)) return Option.none()
  const expire = Number(URL.parse(input)?.searchParams.get("expire") ?? NaN)
  const opus = e.acodec === "opus"
  return Option.some({
    input,
    httpHeaders: e.http_headers ?? {},
    codec: opus && e.ext === "webm" ? "webm-opus" : opus && (e.ext === "ogg" || e.ext === "opus") ? "ogg-opus" : "unknown",
    expiresAt: Number.isFinite(expire) && expire > 0 ? expire * 1000 : null,
    isLive: isLive(e)
  })
}

const BOT_CHECK = /sign in to confirm you.{1,3}re not a bot/i

/**
 * Maps yt-dlp's stderr to a reason. Order matters: yt-dlp wraps HTTP errors in "Unable to
 * download webpage", so the status decides between transient (5xx, 429) and permanent (4xx).
 */
export const classifyStderr = (
  stderr: string,
  options: { readonly cookiesSet: boolean; readonly site: string }
): ResolveError => {
  const errorLines = stderr.split("\n").filter((l) => l.startsWith("ERROR:"))
  const detail = (errorLines.length > 0 ? errorLines.join("\n") : stderr.trim().split("\n").slice(-3).join("\n"))
    .slice(0, 1000)
  const fail = (reason: Parameters<typeof resolveError>[1]) => resolveError("ytdlp", reason)
  if (BOT_CHECK.test(stderr)) {
    return fail(
      new BotCheck({
        message: options.cookiesSet
          ? "YouTube asked the bot to sign in (\"confirm you're not a bot\") even with the cookies in YTDLP_COOKIES: " +
            "they have probably expired. Export fresh YouTube cookies to that file."
          : "YouTube asked the bot to sign in (\"confirm you're not a bot\"). The bot's operator can fix this by " +
            "exporting YouTube cookies (Netscape format) to a file and setting YTDLP_COOKIES to its path.",
        detail
      })
    )
  }
  // The egress proxy refused where the page (or a redirect of it) led.
  if (detail.includes(REFUSED_PRIVATE)) return fail(new UnsafeUrl({ message: privateRefusal().message }))
  if (detail.includes(UNREACHABLE)) return fail(new Transient({ message: `Could not reach ${options.site}; please try again.`, detail }))
  if (/HTTP Error (5\d\d|429)/.test(detail)) {
    return fail(new Transient({ message: `${options.site} had a temporary problem; please try again.`, detail }))
  }
  if (/HTTP Error 4\d\d/.test(detail)) {
    return fail(new NotFound({ message: "That link could not be found (or is not public).", detail }))
  }
  if (/Unsupported URL|is not a valid URL/i.test(detail)) {
    return fail(new Unsupported({ message: "Nothing playable was found at that link.", detail }))
  }
  if (
    /Video unavailable|Private video|not available|available in your country|geo.?restrict|unavailable|has been removed|members.only|age.restricted|confirm your age|does not exist|No video formats found|Requested format is not available|This live event will begin/i
      .test(detail)
  ) {
    return fail(new NotFound({ message: "That track is unavailable (removed, private or region-locked).", detail }))
  }
  if (
    /timed out|Connection (refused|reset|aborted)|Temporary failure in name resolution|Name or service not known|Network is unreachable|Remote end closed|IncompleteRead|Unable to download|ssl/i
      .test(detail)
  ) {
    return fail(new Transient({ message: `Could not reach ${options.site}; please try again.`, detail }))
  }
  return fail(new Failed({ message: "yt-dlp could not resolve that.", detail: detail === "" ? "no output" : detail }))
}
