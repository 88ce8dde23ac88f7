import { Clock, Duration, Effect, Option, Result } from "effect"
import type { Playable } from "../../audio/Playable.ts"
import * as TtlCache from "../../resilience/TtlCache.ts"
import { CANDIDATES, fallsBack, pickSubstitute, searchText, type Wanted } from "../Fallback.ts"
import { type Query, searchKey } from "../Query.ts"
import type { PlaylistInfo, ResolvedInfo, TrackInfo } from "../Resolution.ts"
import { Failed, NotFound, type ResolveError, resolveError } from "../ResolveError.ts"
import { type Claim, type ClaimAnswer, refuse, type ResolveRequest, type Source, type SourceDeps, take } from "../Source.ts"
import { playlistOf, toPlayable, toTrackInfo, type YtDlpEntry } from "../ytdlp/YtDlpJson.ts"
import { plural } from "../../../schema/Wording.ts"

/** Circuit key and user-facing name per site, so a broken site never opens YouTube's circuit. */
export const siteOf = (url: string): { readonly key: string; readonly label: string } => {
  const host = (URL.parse(url)?.host ?? "unknown").toLowerCase().replace(/^(www|m|music)\./, "")
  if (host === "youtube.com" || host === "youtu.be") return { key: "ytdlp:youtube.com", label: "YouTube" }
  if (host === "soundcloud.com") return { key: "ytdlp:soundcloud.com", label: "SoundCloud" }
  if (host.endsWith("bandcamp.com")) return { key: "ytdlp:bandcamp.com", label: "Bandcamp" }
  return { key: `ytdlp:${host}`, label: host }
}

const searchSite = (prefix: string) =>
  prefix.startsWith("sc") ? siteOf("https://soundcloud.com") : prefix.startsWith("yt") ? siteOf("https://youtube.com") : { key: `ytdlp:${prefix}`, label: prefix }

/** A YouTube "mix" (`list=RD…`) is endless and personal: play the video, not the mix. */
const isMixLink = (url: string): boolean => {
  const u = URL.parse(url)
  return u !== null && u.searchParams.has("v") && (u.searchParams.get("list") ?? "").startsWith("RD")
}

export interface SearchOptions {
  readonly timeout?: Duration.Input | undefined
  readonly prefix?: string | undefined
}

/** Pages (any link no earlier source took) and searches (plain words), both read by yt-dlp. */
export interface YtDlpSource extends Source {
  /** A search with YTDLP_SEARCH_PREFIX unless `prefix` names another (the fallback's). */
  readonly search: (text: string, limit: number, options?: SearchOptions) => Effect.Effect<ReadonlyArray<TrackInfo>, ResolveError>
  /**
   * The first SUGGESTIONS results for words, as `/play` suggests them; `/play` of the same words
   * (by `searchKey`) plays the first of them. Kept for SEARCH_TTL and shared while in flight.
   */
  readonly suggest: (words: string) => Effect.Effect<ReadonlyArray<TrackInfo>, ResolveError>
  /** The stream of a track yt-dlp can read, its URL checked like a typed one (Spotify plays its match with it). */
  readonly stream: (track: TrackInfo) => Effect.Effect<Playable, ResolveError>
  /**
   * The best match for `wanted` among FALLBACK_SEARCH_PREFIX's hits for `text`: null when the
   * fallback is off or no hit matches (see `pickSubstitute`).
   */
  readonly substitute: (wanted: Wanted, text: string) => Effect.Effect<TrackInfo | null, ResolveError>
  /** Tracks the site itself relates to this one (YouTube's mix), for autoplay. */
  readonly related: (track: TrackInfo, limit: number) => Effect.Effect<ReadonlyArray<TrackInfo>, ResolveError>
}

/** How many links offered as suggestions, and how many substitutes for links, are remembered for a fallback. */
const OFFERED = 2500

/** A bounded map whose oldest entries go first (a Map keeps insertion order). */
const recent = <A>(capacity: number) => {
  const entries = new Map<string, A>()
  return {
    get: (key: string): A | undefined => entries.get(key),
    set: (key: string, value: A): void => {
      entries.delete(key)
      if (entries.size >= capacity) entries.delete(entries.keys().next().value!)
      entries.set(key, value)
    }
  }
}

/** How many results a suggestion search asks for (and `/play` of words takes the first of). */
export const SUGGESTIONS = 5

/**
 * How long a search's results are reused. They are page links and titles, not stream URLs (those
 * expire; `playable` asks for them apart), and what a search finds changes over days, not minutes:
 * ten minutes covers typing a query and sending `/play`, and a repeated search, while a removed
 * video or a new upload is seen again soon. It stays within the metadata cache's 15 minutes.
 */
export const SEARCH_TTL = Duration.minutes(10)

export const make = Effect.fnUntraced(function*(
  deps: Pick<SourceDeps, "ytdlp" | "guard" | "settings" | "urls" | "primePlayable">
) {
  const { guard, settings, urls, ytdlp } = deps

  const resolveUrl = Effect.fn("YtDlpSource.resolveUrl")(function*(url: string, options: ResolveRequest) {
    const site = siteOf(url)
    const batchSize = settings.playlistBatchSize
    const attempt = Effect.suspend(() => {
      let playlist: PlaylistInfo | null = null
      let pending: Array<TrackInfo> = []
      const all: Array<TrackInfo> = []
      let emitted = 0
      const flush = (): Effect.Effect<void> => {
        if (pending.length === 0 || options.onBatch === undefined) return Effect.void
        const batch = pending
        pending = []
        emitted += batch.length
        return options.onBatch({
          tracks: batch,
          playlist,
          loaded: emitted,
          expected: playlist?.totalCount === null || playlist === null ? null : Math.min(playlist.totalCount, options.maxTracks)
        })
      }
      const onEntry = (entry: YtDlpEntry): Effect.Effect<void> => {
        playlist ??= playlistOf(entry, options.maxTracks)
        const info = toTrackInfo(entry, playlist !== null)
        all.push(info)
        pending.push(info)
        if (all.length > 1 && pending.length < batchSize) return Effect.void
        // The first track goes out alone so playback can start while the rest loads. A single
        // video's line carries its stream: keep it before the track is handed on, as the player may
        // ask for it at once (and a caller that took only this batch stops yt-dlp before it exits).
        const playable = all.length === 1 && playlist === null ? toPlayable(entry) : Option.none()
        return Option.isSome(playable) ? Effect.andThen(deps.primePlayable(info.id, playable.value), flush()) : flush()
      }
      return ytdlp.extract(url, {
        mode: "lines",
        noPlaylist: isMixLink(url),
        playlistEnd: options.maxTracks,
        onEntry,
        site: site.label,
        // A long playlist streams for a while; the budget grows with the cap.
        timeout: Duration.times(settings.ytdlp.timeout, Math.max(1, Math.ceil(options.maxTracks / 500)))
      }).pipe(
        Effect.flatMap(() =>
          Effect.as(flush(), { tracks: all.slice(0, options.maxTracks), playlist } satisfies ResolvedInfo)
        ),
        // Once some of a playlist went out, a retry would send it twice: fail for good instead.
        Effect.mapError((e) =>
          emitted > 0 && e.retryable
            ? resolveError("ytdlp", new Failed({ message: `Loading the playlist stopped after ${plural(emitted, "track")}.`, detail: e.message }))
            : e
        )
      )
    })
    return yield* attempt.pipe(guard.run({ source: "ytdlp", key: site.key, label: site.label }))
  })

  const search = Effect.fn("YtDlpSource.search")(function*(
    text: string,
    limit: number,
    options?: SearchOptions
  ) {
    const prefix = options?.prefix ?? settings.ytdlp.searchPrefix
    const site = searchSite(prefix)
    const [result] = yield* ytdlp.extract(`${prefix}${limit}:${text}`, {
      mode: "flat",
      timeout: options?.timeout,
      site: site.label
    }).pipe(
      guard.run({ source: "ytdlp", key: site.key, label: site.label })
    )
    return (result?.entries ?? []).filter((e): e is YtDlpEntry => e !== null).map((e) => toTrackInfo(e, false))
  })

  // What the suggestions said of each link they offered, so a picked one its site will not play
  // can still be matched elsewhere by title and length.
  const offered = recent<TrackInfo>(OFFERED)
  const remember = (t: TrackInfo) => offered.set(t.location, t)

  // One search per key for suggestions and `/play` alike. It runs with yt-dlp's full timeout even when
  // a keystroke started it: a `/play` may be waiting on it, and autocomplete stops waiting at its own deadline.
  const searches = yield* TtlCache.make({
    name: "search",
    capacity: 500,
    timeToLive: () => SEARCH_TTL,
    lookup: (key: string) => Effect.tap(search(key, SUGGESTIONS), (found) => Effect.sync(() => found.forEach(remember)))
  })
  const suggest = (words: string) => searches.get(searchKey(words))

  const extractStream = Effect.fn("YtDlpSource.playable")(function*(track: TrackInfo) {
    const site = siteOf(track.location)
    const [entry] = yield* ytdlp.extract(track.location, { mode: "full", noPlaylist: true, site: site.label }).pipe(
      guard.run({ source: "ytdlp", key: site.key, label: site.label })
    )
    const found = entry === undefined ? Option.none() : toPlayable(entry)
    if (Option.isNone(found)) {
      return yield* resolveError(
        "ytdlp",
        new NotFound({ message: `No playable audio stream was found for "${track.title}".` })
      )
    }
    return found.value
  })

  // What yt-dlp hands back (a playlist entry's page, a stream URL) was never typed by the user:
  // it is checked like a typed URL, so a public feed cannot point the bot at a private address.
  const stream = (track: TrackInfo) =>
    Effect.tap(extractStream(track), (p) => (/^https?:\/\//i.test(p.input) ? urls.check("ytdlp", p.input) : Effect.void))

  const playable = (track: TrackInfo) =>
    track.kind === "ytdlp" ? Effect.andThen(urls.check("ytdlp", track.location), stream(track)) : stream(track)

  const related = Effect.fn("YtDlpSource.related")(function*(track: TrackInfo, limit: number) {
    if (track.kind === "youtube") {
      const videoId = track.id.slice("youtube:".length)
      const mix = `https://www.youtube.com/watch?v=${videoId}&list=RD${videoId}`
      const site = siteOf(mix)
      const [result] = yield* ytdlp.extract(mix, { mode: "flat", playlistEnd: limit + 1, site: site.label }).pipe(
        guard.run({ source: "ytdlp", key: site.key, label: site.label })
      )
      return (result?.entries ?? []).filter((e): e is YtDlpEntry => e !== null).map((e) => toTrackInfo(e, true))
    }
    // Other sites have no mix: search for more by the same artist.
    const query = track.author ?? track.title
    return yield* search(query, limit)
  })

  /**
   * A link: the page yt-dlp reads, which may be a playlist (streamed in batches). A picked suggestion
   * is one too, and is read again rather than taken from the search: a flat search entry has no
   * stream, so playing it needs one yt-dlp run anyway, and for a single video that one run (this
   * one) yields the details and the stream together (primed in `resolveUrl`), and fails at `/play`
   * rather than in the queue when the video is gone.
   */
  const page = (url: URL): Claim => ({
    key: `url:${url.href}`,
    inBatches: true,
    resolve: (request) =>
      Effect.flatMap(urls.check("ytdlp", url.href), (checked) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const replaced = substituted.get(checked.href)
          return replaced !== undefined && replaced.until > now
            ? Effect.succeed(replaced.info)
            : resolveUrl(checked.href, request).pipe(Effect.catch((e) => pageElsewhere(checked.href, e)))
        }))
  })

  const toleranceMs = Duration.toMillis(settings.fallback.tolerance)

  const substitute = Effect.fn("YtDlpSource.substitute")(function*(wanted: Wanted, text: string) {
    const prefix = settings.fallback.searchPrefix
    if (prefix === null) return null
    return pickSubstitute(wanted, yield* search(text, CANDIDATES, { prefix }), toleranceMs)
  })

  /**
   * What a site will not give for good (its circuit is open, it asks to sign in, the video is
   * region-locked), found elsewhere and said to be from there: the best match for `wanted` among the
   * fallback search's hits for `text`. Otherwise, the original failure.
   */
  const elsewhere = (wanted: Wanted, text: string, original: ResolveError, from: string): Effect.Effect<ResolvedInfo, ResolveError> =>
    !fallsBack(original) || settings.fallback.searchPrefix === settings.ytdlp.searchPrefix
      ? Effect.fail(original)
      : substitute(wanted, text).pipe(
        Effect.tapError((e) => Effect.logWarning("fallback search failed", { words: text, error: e.message })),
        Effect.orElseSucceed(() => null),
        Effect.flatMap((found) =>
          found === null
            ? Effect.fail(original)
            : Effect.as(
              Effect.logInfo("found elsewhere", { words: text, because: original.message, found: found.id }),
              { tracks: [found], playlist: null, substitution: { from, to: siteOf(found.location).label } } satisfies ResolvedInfo
            )
        )
      )

  // Substitutes found for links, so the next `/play` of the link goes straight to its substitute
  // (a link streamed in batches skips the resolver's metadata cache). Kept as long as a search.
  const substituted = recent<{ readonly info: ResolvedInfo; readonly until: number }>(OFFERED)

  /** A link its site will not play: matched elsewhere when a suggestion offered it (and so its title and length are known). */
  const pageElsewhere = (url: string, original: ResolveError): Effect.Effect<ResolvedInfo, ResolveError> => {
    const known = offered.get(url)
    if (known === undefined || known.durationMs === null) return Effect.fail(original)
    return elsewhere(known, searchText(known), original, siteOf(url).label).pipe(
      Effect.tap((info) =>
        Effect.map(Clock.currentTimeMillis, (now) => substituted.set(url, { info, until: now + Duration.toMillis(SEARCH_TTL) }))
      )
    )
  }

  /** Words: the first search result, of the search the suggestions for them came from when there was one. */
  const firstResult = (text: string): Claim => ({
    key: `search:${searchKey(text)}`,
    resolve: () =>
      suggest(text).pipe(
        Effect.flatMap((found) =>
          found.length === 0
            ? Effect.fail(resolveError("ytdlp", new NotFound({ message: `Nothing found for "${text}".` })))
            : Effect.succeed<ResolvedInfo>({ tracks: found.slice(0, 1), playlist: null })
        ),
        // Only most of the words say a hit is the song asked for: no length is known.
        Effect.catch((e) => elsewhere({ title: text, author: null, durationMs: null }, text, e, searchSite(settings.ytdlp.searchPrefix).label))
      )
  })

  // Last of the sources that take queries: every link left is a page (a bad one is reported here), all words a search.
  const claim = (query: Query): ClaimAnswer => {
    if (query.link !== null) return Option.some(Result.map(query.link, page))
    if (query.text.length > settings.queryMaxLength) {
      return refuse(`Searches are limited to ${settings.queryMaxLength} characters.`)
    }
    return take(firstResult(query.text))
  }

  const source: YtDlpSource = {
    name: "ytdlp",
    claim,
    kinds: ["youtube", "soundcloud", "bandcamp", "ytdlp"],
    playable,
    search,
    suggest,
    stream,
    related,
    substitute
  }
  return source
})
