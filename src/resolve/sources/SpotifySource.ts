import { Clock, Duration, Effect, Redacted, Schema, Semaphore } from "effect"
import type { Playable } from "../../audio/Playable.ts"
import { type Query, urlOf } from "../Query.ts"
import type { ResolvedInfo, TrackInfo } from "../Resolution.ts"
import {
  Failed,
  NotFound,
  type ResolveError,
  resolveError,
  SourceDisabled,
  timeoutError,
  Transient
} from "../ResolveError.ts"
import * as TtlCache from "../../resilience/TtlCache.ts"
import { type Claim, type ClaimAnswer, pass, refuse, type Source, type SourceDeps, take } from "../Source.ts"

const Image = Schema.Struct({ url: Schema.String })
const Artist = Schema.Struct({ name: Schema.String })
const SpotifyTrack = Schema.Struct({
  id: Schema.NullOr(Schema.String),
  name: Schema.String,
  duration_ms: Schema.Number,
  type: Schema.optional(Schema.String),
  is_local: Schema.optional(Schema.Boolean),
  artists: Schema.optional(Schema.Array(Artist)),
  external_ids: Schema.optional(Schema.Struct({ isrc: Schema.optional(Schema.String) })),
  album: Schema.optional(Schema.Struct({ images: Schema.optional(Schema.Array(Image)) }))
})
type SpotifyTrack = typeof SpotifyTrack.Type
const Page = <S extends Schema.Top>(item: S) =>
  Schema.Struct({ items: Schema.Array(item), next: Schema.NullOr(Schema.String), total: Schema.optional(Schema.Number) })
const TrackPage = Page(SpotifyTrack)
// Playlist items: `track` in the long-standing API, `item` in the renamed one; episodes and
// removed tracks are null or lack artists and are skipped.
const PlaylistItem = Schema.Struct({
  track: Schema.optional(Schema.NullOr(SpotifyTrack)),
  item: Schema.optional(Schema.NullOr(SpotifyTrack))
})
const PlaylistPage = Page(PlaylistItem)
const Album = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  images: Schema.optional(Schema.Array(Image)),
  tracks: TrackPage
})
const Playlist = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  tracks: Schema.optional(PlaylistPage),
  items: Schema.optional(PlaylistPage)
})
const Token = Schema.Struct({ access_token: Schema.String, expires_in: Schema.Number })

/** Spotify metadata kept for matching: what `playable` needs and a Track cannot hold (the ISRC). */
export interface SpotifyMeta {
  readonly id: string
  readonly title: string
  readonly artists: ReadonlyArray<string>
  readonly durationMs: number
  readonly isrc: string | null
}

/** Finds candidates to play a Spotify track with (yt-dlp search in production). */
export type CandidateSearch = (text: string, limit: number) => Effect.Effect<ReadonlyArray<TrackInfo>, ResolveError>

const words = (s: string) =>
  new Set(s.toLowerCase().normalize("NFKD").replace(/[^\p{L}\p{N}]+/gu, " ").split(" ").filter((w) => w.length > 1))

/**
 * The best candidate within the duration tolerance: more shared title words and the artist's
 * name first, then the closest duration. Candidates without a duration, or off by more than the
 * tolerance (a live version, an extended mix, a different song), are never chosen.
 */
export const pickMatch = (meta: SpotifyMeta, candidates: ReadonlyArray<TrackInfo>, toleranceMs: number): TrackInfo | null => {
  const title = words(meta.title)
  const artist = (meta.artists[0] ?? "").toLowerCase()
  let best: { readonly track: TrackInfo; readonly score: number; readonly diff: number } | null = null
  for (const c of candidates) {
    if (c.durationMs === null) continue
    const diff = Math.abs(c.durationMs - meta.durationMs)
    if (diff > toleranceMs) continue
    const cw = words(`${c.title} ${c.author ?? ""}`)
    let score = 0
    for (const w of title) if (cw.has(w)) score++
    if (artist !== "" && `${c.title} ${c.author ?? ""}`.toLowerCase().includes(artist)) score += 2
    if (best === null || score > best.score || (score === best.score && diff < best.diff)) best = { track: c, score, diff }
  }
  return best?.track ?? null
}

export type SpotifyItem = "track" | "album" | "playlist"

const itemOf = (type: string | undefined): SpotifyItem | null =>
  type === "track" || type === "album" || type === "playlist" ? type : null

const SPOTIFY_URI = /^spotify:(track|album|playlist):([A-Za-z0-9]{10,40})$/
const SPOTIFY_PATH = /^\/(?:intl-[a-z-]+\/)?(track|album|playlist)\/([A-Za-z0-9]{10,40})\/?$/

/** Spotify tracks, albums and playlists, played as their best match found by `search`. */
export interface SpotifySource extends Source {
  readonly resolve: (type: SpotifyItem, id: string, maxTracks: number) => Effect.Effect<ResolvedInfo, ResolveError>
  /** The candidate chosen to play this Spotify track. */
  readonly match: (track: TrackInfo) => Effect.Effect<TrackInfo, ResolveError>
}

export const make = Effect.fnUntraced(function*(deps: Pick<SourceDeps, "settings" | "guard" | "fetch"> & {
  readonly search: CandidateSearch
  /** Plays the chosen candidate (yt-dlp in production). */
  readonly play: (candidate: TrackInfo) => Effect.Effect<Playable, ResolveError>
}) {
  const { settings } = deps
  const cfg = settings.spotify
  const doFetch = deps.fetch ?? globalThis.fetch
  const enabled = cfg.clientId !== null && cfg.clientSecret !== null
  const fail = (reason: Parameters<typeof resolveError>[1]) => Effect.fail(resolveError("spotify", reason))
  const disabled = fail(
    new SourceDisabled({
      message: "Spotify links are not available: the bot's operator has not set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET."
    })
  )
  const apiOrigin = URL.parse(cfg.apiBase)?.origin ?? ""

  /** One HTTP call with its own timeout; maps statuses to reasons (5xx/429 transient). */
  const call = (url: string, init: RequestInit) =>
    Effect.tryPromise({
      try: async (signal) => {
        const r = await doFetch(url, { ...init, signal })
        return { status: r.status, body: await r.text(), retryAfter: r.headers.get("retry-after") }
      },
      catch: (cause) =>
        resolveError("spotify", new Transient({ message: "Could not reach Spotify.", detail: String(cause) }))
    }).pipe(
      Effect.timeout(settings.httpTimeout),
      Effect.catchTag("TimeoutError", () => Effect.fail(timeoutError("spotify", "Spotify", settings.httpTimeout)))
    )

  let token: { readonly value: string; readonly expiresAt: number } | null = null
  const tokenLock = yield* Semaphore.make(1)

  /** A client-credentials token, reused until a minute before it expires; one refresh at a time. */
  const getToken = (force: boolean) =>
    tokenLock.withPermits(1)(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (!force && token !== null && token.expiresAt - 60_000 > now) return token.value
      const basic = Buffer.from(`${cfg.clientId}:${Redacted.value(cfg.clientSecret!)}`).toString("base64")
      const r = yield* call(`${cfg.accountsBase}/api/token`, {
        method: "POST",
        headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials"
      })
      if (r.status >= 500 || r.status === 429) {
        return yield* fail(new Transient({ message: "Spotify had a temporary problem.", detail: `token: HTTP ${r.status}` }))
      }
      if (r.status !== 200) {
        return yield* fail(
          new Failed({ message: "Spotify refused the bot's credentials (check SPOTIFY_CLIENT_ID/SECRET).", detail: `token: HTTP ${r.status}` })
        )
      }
      const t = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(Token))(r.body).pipe(
        Effect.mapError((e) => resolveError("spotify", new Failed({ message: "Spotify answered something unexpected.", detail: e.message })))
      )
      token = { value: t.access_token, expiresAt: now + t.expires_in * 1000 }
      return t.access_token
    }))

  const get = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, url: string) =>
    Effect.gen(function*() {
      let r = yield* call(url, { headers: { authorization: `Bearer ${yield* getToken(false)}` } })
      // A revoked or early-expired token: fetch a new one once.
      if (r.status === 401) r = yield* call(url, { headers: { authorization: `Bearer ${yield* getToken(true)}` } })
      if (r.status === 404 || r.status === 400) return yield* fail(new NotFound({ message: "Spotify does not know that link." }))
      if (r.status >= 500 || r.status === 429) {
        return yield* fail(new Transient({ message: "Spotify had a temporary problem.", detail: `${url}: HTTP ${r.status}` }))
      }
      if (r.status !== 200) return yield* fail(new Failed({ message: "Spotify refused the request.", detail: `${url}: HTTP ${r.status}` }))
      return yield* Schema.decodeUnknownEffect(Schema.fromJsonString(schema))(r.body).pipe(
        Effect.mapError((e) => resolveError("spotify", new Failed({ message: "Spotify answered something unexpected.", detail: e.message })))
      )
    }).pipe(deps.guard.run({ source: "spotify", key: "spotify", label: "Spotify" }))

  /** Follows `next` links, but only on the configured API's origin. */
  const nextUrl = (next: string | null) => (next !== null && URL.parse(next)?.origin === apiOrigin ? next : null)

  const metaCache = yield* TtlCache.make({
    name: "spotify-meta",
    capacity: 10_000,
    timeToLive: () => "6 hours",
    lookup: (id: string) => Effect.map(get(SpotifyTrack, `${cfg.apiBase}/tracks/${encodeURIComponent(id)}`), toMeta)
  })

  const toMeta = (t: SpotifyTrack): SpotifyMeta => ({
    id: t.id ?? "",
    title: t.name,
    artists: (t.artists ?? []).map((a) => a.name),
    durationMs: t.duration_ms,
    isrc: t.external_ids?.isrc ?? null
  })

  const toInfo = (t: SpotifyTrack, images: ReadonlyArray<{ readonly url: string }> | undefined): TrackInfo | null => {
    if (t.id === null || t.is_local === true || (t.type !== undefined && t.type !== "track") || (t.artists ?? []).length === 0) return null
    return {
      id: `spotify:${t.id}`,
      kind: "spotify",
      location: `https://open.spotify.com/track/${t.id}`,
      title: t.name,
      author: (t.artists ?? []).map((a) => a.name).join(", "),
      durationMs: t.duration_ms,
      artworkUrl: (t.album?.images ?? images)?.[0]?.url ?? null
    }
  }

  const remember = (t: SpotifyTrack) => (t.id === null ? Effect.void : metaCache.set(t.id, toMeta(t)))

  const resolve = Effect.fn("SpotifySource.resolve")(function*(type: SpotifyItem, id: string, maxTracks: number) {
    if (!enabled) return yield* disabled
    const base = `${cfg.apiBase}/${type}s/${encodeURIComponent(id)}`
    if (type === "track") {
      const t = yield* get(SpotifyTrack, base)
      yield* remember(t)
      const info = toInfo(t, undefined)
      if (info === null) return yield* fail(new NotFound({ message: "That Spotify track cannot be played." }))
      return { tracks: [info], playlist: null } satisfies ResolvedInfo
    }
    const tracks: Array<TrackInfo> = []
    const add = (t: SpotifyTrack | null | undefined, images: ReadonlyArray<{ readonly url: string }> | undefined) =>
      Effect.gen(function*() {
        if (t === null || t === undefined || tracks.length >= maxTracks) return
        const info = toInfo(t, images)
        if (info === null) return
        tracks.push(info)
        yield* remember(t)
      })
    let name: string
    let total: number | null
    let next: string | null
    if (type === "album") {
      const album = yield* get(Album, base)
      name = album.name
      total = album.tracks.total ?? null
      for (const t of album.tracks.items) yield* add(t, album.images)
      next = nextUrl(album.tracks.next)
      while (next !== null && tracks.length < maxTracks) {
        const page = yield* get(TrackPage, next)
        for (const t of page.items) yield* add(t, album.images)
        next = nextUrl(page.next)
      }
    } else {
      const playlist = yield* get(Playlist, base)
      const first = playlist.tracks ?? playlist.items
      name = playlist.name
      total = first?.total ?? null
      for (const i of first?.items ?? []) yield* add(i.track ?? i.item, undefined)
      next = nextUrl(first?.next ?? null)
      while (next !== null && tracks.length < maxTracks) {
        const page = yield* get(PlaylistPage, next)
        for (const i of page.items) yield* add(i.track ?? i.item, undefined)
        next = nextUrl(page.next)
      }
    }
    if (tracks.length === 0) return yield* fail(new NotFound({ message: `The Spotify ${type} has no playable tracks.` }))
    return {
      tracks,
      playlist: {
        id: `spotify:${type}:${id}`,
        title: name,
        url: `https://open.spotify.com/${type}/${id}`,
        totalCount: total,
        truncated: total !== null ? total > maxTracks : next !== null
      }
    } satisfies ResolvedInfo
  })

  const tolerance = Duration.toMillis(cfg.matchTolerance)

  const match = Effect.fn("SpotifySource.match")(function*(track: TrackInfo) {
    if (!enabled) return yield* disabled
    const meta = yield* metaCache.get(track.id.replace(/^spotify:/, ""))
    // ISRC first: YouTube's "Provided to YouTube" uploads are findable by it and are the exact recording.
    if (meta.isrc !== null) {
      const found = pickMatch(meta, yield* deps.search(`"${meta.isrc}"`, 3), tolerance)
      if (found !== null) return found
    }
    const found = pickMatch(meta, yield* deps.search(`${meta.artists[0] ?? ""} - ${meta.title}`.trim(), 5), tolerance)
    if (found !== null) return found
    return yield* fail(
      new NotFound({
        message: `No match for "${meta.title}" by ${meta.artists.join(", ") || "unknown"} within ${
          Duration.format(cfg.matchTolerance)
        } of its length.`
      })
    )
  })

  const item = (type: SpotifyItem, id: string): Claim => ({
    key: `spotify:${type}:${id}`,
    resolve: (request) => resolve(type, id, request.maxTracks)
  })

  // Before links to files: a Spotify link is never a file, and its path must name an item.
  const claim = (query: Query): ClaimAnswer => {
    const uri = SPOTIFY_URI.exec(query.text)
    const uriItem = itemOf(uri?.[1])
    if (uri !== null && uriItem !== null) return take(item(uriItem, uri[2]!))
    const url = urlOf(query)
    if (url === null || url.hostname !== "open.spotify.com") return pass
    const path = SPOTIFY_PATH.exec(url.pathname)
    const pathItem = itemOf(path?.[1])
    if (path === null || pathItem === null) return refuse("Only Spotify track, album and playlist links can be played.")
    return take(item(pathItem, path[2]!))
  }

  return {
    name: "spotify",
    claim,
    kinds: ["spotify"],
    playable: (track) => Effect.flatMap(match(track), deps.play),
    resolve,
    match
  } satisfies SpotifySource
})
