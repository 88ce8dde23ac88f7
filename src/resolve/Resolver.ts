import { Clock, Context, Duration, Effect, Fiber, Layer, Option, Queue, Stream } from "effect"
import { ChildProcessSpawner } from "effect/process"
import type { UserId } from "../../schema/Ids.ts"
import { formatMs } from "../../schema/PlayerError.ts"
import { Track } from "../../schema/Track.ts"
import { isHttp } from "../audio/FfmpegArgs.ts"
import type { Playable } from "../audio/Playable.ts"
import * as TtlCache from "../resilience/TtlCache.ts"
import { type HostLookup, UrlGuard } from "../resilience/UrlGuard.ts"
import type { ResolvedBatch, ResolvedInfo, ResolvedTracks, ResolveOptions, TrackInfo } from "./Resolution.ts"
import { measureDuration } from "./Probe.ts"
import type { ResolveError } from "./ResolveError.ts"
import * as Section from "../config/Section.ts"
import { type ResolverSettings, section } from "./ResolveSettings.ts"
import { safeUrls } from "./SafeUrls.ts"
import { type Claimed, claimQuery } from "./Source.ts"
import { makeSourceGuard } from "./SourceGuard.ts"
import type { AttachmentInput, StoredUpload } from "./sources/AttachmentSource.ts"
import { makeSources } from "./sources/index.ts"
import { playWithFallback } from "./Fallback.ts"
import { YtDlp } from "./ytdlp/YtDlp.ts"
import { clip } from "../../schema/Wording.ts"

/** Discord caps an autocomplete choice's name and value at 100 characters. */
const choiceMax = 100

/** One `/play` autocomplete choice, in Discord's shape (both at most 100 characters). */
export interface Suggestion {
  readonly name: string
  readonly value: string
}

const stamp = (info: TrackInfo, requester: UserId): Track => new Track({ ...info, requester })

/**
 * Track resolution for every source, behind one interface: commands resolve queries and uploads
 * with it, the player asks it for `playable` and autoplay for `related`. Queries and `playable`
 * are dispatched through the source registry (src/resolve/sources/index.ts).
 */
export class Resolver extends Context.Service<Resolver, {
  /** Query or URL → tracks. Concurrent identical queries share one resolution. */
  readonly resolve: (query: string, requester: UserId, options?: ResolveOptions) => Effect.Effect<ResolvedTracks, ResolveError>
  /**
   * The same as a stream of batches: a playlist's first track comes alone and at once, the rest
   * in batches of PLAYLIST_BATCH_SIZE while yt-dlp still reads the playlist.
   */
  readonly resolveStream: (query: string, requester: UserId, options?: ResolveOptions) => Stream.Stream<ResolvedBatch, ResolveError>
  /** An uploaded file (`/playfile`): type and size are checked before anything is fetched. */
  readonly resolveAttachment: (attachment: AttachmentInput, requester: UserId) => Effect.Effect<ResolvedTracks, ResolveError>
  /** A file uploaded to the bot's own API, which it keeps on its disk. */
  readonly resolveStored: (upload: StoredUpload, requester: UserId) => Effect.Effect<ResolvedTracks, ResolveError>
  /** What FFmpeg reads for a track: cached (TTL within the stream URL's expiry), de-duplicated. */
  readonly playable: (track: TrackInfo) => Effect.Effect<Playable, ResolveError>
  /**
   * How long a playable plays, for a track that started without a duration (see
   * `measureDuration`); null when nothing says, as for a live stream. Never fails.
   */
  readonly duration: (source: Playable) => Effect.Effect<number | null>
  /** Suggestions while typing; never fails and answers within AUTOCOMPLETE_TIMEOUT. */
  readonly autocomplete: (input: string) => Effect.Effect<ReadonlyArray<Suggestion>>
  /** Autoplay: a track related to `after`, none of whose ids is in `recentIds`. */
  readonly related: (
    after: Track,
    recentIds: ReadonlyArray<string>,
    requester: UserId
  ) => Effect.Effect<Option.Option<Track>, ResolveError>
  readonly cacheStats: Effect.Effect<{ readonly hits: number; readonly misses: number; readonly evictions: number; readonly size: number }>
}>()("reprise/resolve/Resolver") {
  /** Needs YtDlp, UrlGuard and a ChildProcessSpawner. */
  static readonly make = Effect.fnUntraced(function*(settings: ResolverSettings, options?: {
    readonly fetch?: typeof globalThis.fetch | undefined
  }) {
    // Set once the cache exists; sources prime it with stream URLs that came with metadata.
    let primeRef: (id: string, p: Playable) => Effect.Effect<void> = () => Effect.void
    const primePlayable = (id: string, p: Playable) => Effect.suspend(() => primeRef(id, p))

    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const sources = yield* makeSources({
      settings,
      ytdlp: yield* YtDlp,
      spawner,
      urls: safeUrls(yield* UrlGuard),
      guard: yield* makeSourceGuard(settings),
      primePlayable,
      fetch: options?.fetch
    })
    const { attachments, local, spotify, ytdlp } = sources
    const claim = (query: string) => claimQuery(sources.registry, query)

    const maxTtl = Duration.toMillis(settings.cache.ttl)
    // Keep a stream URL at most until 10 minutes before it expires, so a cached URL still has
    // time to be opened; live streams' manifests are short-lived, keep those briefly.
    const playableTtl = (p: Playable, _key: TrackInfo, now: number) =>
      Math.min(maxTtl, p.isLive ? 60_000 : maxTtl, p.expiresAt === null ? maxTtl : p.expiresAt - now - 10 * 60_000)
    const playables = yield* TtlCache.make({
      name: "playable",
      capacity: settings.cache.capacity,
      timeToLive: playableTtl,
      lookup: yield* playWithFallback(settings, sources),
      keyOf: (t: TrackInfo) => t.id
    })
    primeRef = (id, p) => playables.set({ id } as TrackInfo, p)

    // Single results are kept briefly so a re-queued song or a repeated search is instant;
    // playlists are not (large, and their content changes). The key is plain data, not the
    // claim: concurrent lookups share one run only when their keys compare equal.
    const metadataTtl = (r: ResolvedInfo) => (r.playlist === null && r.tracks.length === 1 ? Math.min(maxTtl, 15 * 60_000) : 0)
    const deduped = yield* TtlCache.make({
      name: "metadata",
      capacity: settings.cache.capacity,
      timeToLive: metadataTtl,
      lookup: (k: { readonly key: string; readonly query: string; readonly maxTracks: number }) =>
        Effect.flatMap(claim(k.query), (c) => c.resolve({ maxTracks: k.maxTracks })),
      keyOf: (k) => `${k.key}#${k.maxTracks}`
    })

    const capOf = (options: ResolveOptions | undefined) =>
      Math.min(options?.maxTracks ?? settings.maxPlaylistSize, settings.maxPlaylistSize)

    const toTracks = (info: ResolvedInfo, requester: UserId): ResolvedTracks => ({
      tracks: info.tracks.map((t) => stamp(t, requester)),
      playlist: info.playlist,
      substitution: info.substitution
    })

    const resolve = Effect.fn("Resolver.resolve")(function*(query: string, requester: UserId, options?: ResolveOptions) {
      const claimed = yield* claim(query)
      yield* Effect.annotateCurrentSpan({ "resolve.source": claimed.source })
      return toTracks(yield* deduped.get({ key: claimed.key, query, maxTracks: capOf(options) }), requester)
    })

    /** A playlist read as it goes: batches are sent as they come; a page that was one video arrives whole. */
    const streamBatches = (claimed: Claimed, requester: UserId, maxTracks: number) =>
      Stream.callback<ResolvedBatch, ResolveError>((queue) =>
        Effect.gen(function*() {
          let sent = 0
          const info = yield* claimed.resolve({
            maxTracks,
            onBatch: (b) =>
              Effect.suspend(() => {
                sent += b.tracks.length
                return Queue.offer(queue, { ...b, tracks: b.tracks.map((t) => stamp(t, requester)) })
              }).pipe(Effect.asVoid)
          })
          if (sent === 0) {
            yield* Queue.offer(queue, {
              ...toTracks(info, requester),
              loaded: info.tracks.length,
              expected: info.tracks.length
            })
          }
          yield* Queue.end(queue)
        }).pipe(Effect.catch((e) => Queue.fail(queue, e)))
      )

    // Only a source that reads playlists in batches streams; every other query answers in one (cached) piece.
    const resolveStream = (query: string, requester: UserId, options?: ResolveOptions) =>
      Stream.unwrap(
        Effect.gen(function*() {
          const maxTracks = capOf(options)
          const claimed = yield* claim(query)
          if (claimed.inBatches === true) return streamBatches(claimed, requester, maxTracks)
          return Stream.fromEffect(
            Effect.map(deduped.get({ key: claimed.key, query, maxTracks }), (info): ResolvedBatch => ({
              ...toTracks(info, requester),
              loaded: info.tracks.length,
              expected: info.tracks.length
            }))
          )
        })
      )

    const resolveAttachment = Effect.fn("Resolver.resolveAttachment")(function*(a: AttachmentInput, requester: UserId) {
      return toTracks(yield* attachments.resolve(a), requester)
    })
    const resolveStored = Effect.fn("Resolver.resolveStored")(function*(upload: StoredUpload, requester: UserId) {
      return toTracks(yield* attachments.resolveStored(upload), requester)
    })

    // A search that misses the deadline keeps running (in the resolver's scope, not the keystroke's),
    // so the next keystroke or the `/play` that follows finds it (YtDlpSource.suggest).
    const scope = yield* Effect.scope
    const autocomplete = Effect.fn("Resolver.autocomplete")(function*(input: string) {
      const text = input.trim().replace(/\s+/g, " ")
      if (text.length < 2 || text.length > settings.queryMaxLength || /^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return []
      const localHits = local.enabled
        ? yield* local.search(text.replace(/^local:/i, ""), 5).pipe(Effect.orElseSucceed(() => []))
        : []
      const localChoices = localHits.map((t) => ({ name: clip(`📁 ${t.title}`, choiceMax), value: clip(`local:${t.location}`, choiceMax) }))
      if (/^local:/i.test(text)) return localChoices
      const fiber = yield* ytdlp.suggest(text).pipe(Effect.forkIn(scope))
      const remote = yield* Fiber.join(fiber).pipe(
        Effect.timeoutOption(settings.autocompleteTimeout),
        Effect.map(Option.getOrElse((): ReadonlyArray<TrackInfo> => [])),
        Effect.orElseSucceed((): ReadonlyArray<TrackInfo> => [])
      )
      const length = (ms: number | null) => (ms === null ? "live" : formatMs(ms))
      const remoteChoices = remote
        .filter((t) => t.location.length <= 100)
        .map((t) => ({ name: clip(`${t.title}${t.author ? ` — ${t.author}` : ""} (${length(t.durationMs)})`, choiceMax), value: t.location }))
      return [...localChoices, ...remoteChoices].slice(0, 25)
    })

    const related = Effect.fn("Resolver.related")(function*(after: Track, recentIds: ReadonlyArray<string>, requester: UserId) {
      const avoid = new Set([after.id, ...recentIds])
      const pick = (candidates: ReadonlyArray<TrackInfo>) => Option.fromNullishOr(candidates.find((c) => !avoid.has(c.id)))
      if (after.kind === "local") {
        const all = yield* local.search("", 200)
        const fresh = all.filter((t) => !avoid.has(t.id))
        if (fresh.length === 0) return Option.none()
        const now = yield* Clock.currentTimeMillis
        return Option.some(stamp(fresh[now % fresh.length]!, requester))
      }
      // A Spotify track plays as its YouTube match: relate from that.
      const base = after.kind === "spotify" ? yield* spotify.match(after) : after
      const found = pick(yield* ytdlp.related(base, 25))
      return Option.map(found, (t) => stamp(t, requester))
    })

    const playable = Effect.fn("Resolver.playable")(function*(track: TrackInfo) {
      yield* Effect.annotateCurrentSpan({ "track.id": track.id, "track.kind": track.kind })
      return yield* playables.get(track)
    })

    const duration = (source: Playable) =>
      measureDuration(spawner, source.input, {
        source: "duration",
        timeout: settings.httpTimeout,
        network: isHttp(source.input),
        headers: source.httpHeaders,
        // Reading a remote file through is a download of it: a podcast episode can take a while.
        readThroughTimeout: "3 minutes"
      })

    return Resolver.of({
      resolve,
      resolveStream,
      resolveAttachment,
      resolveStored,
      playable,
      duration,
      autocomplete,
      related,
      cacheStats: Effect.zipWith(playables.stats, playables.size, (s, size) => ({ ...s, size }))
    })
  })

  /** Explicit settings; needs a ChildProcessSpawner (NodeServices.layer). */
  static readonly layer = (settings: ResolverSettings, options?: {
    readonly lookup?: HostLookup | undefined
    readonly fetch?: typeof globalThis.fetch | undefined
  }) =>
    Layer.effect(Resolver, Resolver.make(settings, { fetch: options?.fetch })).pipe(
      Layer.provide(Layer.mergeAll(
        YtDlp.layer(settings.ytdlp),
        UrlGuard.layer({ allowPrivateNetwork: settings.allowPrivateNetwork, lookup: options?.lookup })
      ))
    )

  /** Settings from the application configuration; needs a ChildProcessSpawner (NodeServices.layer). */
  static readonly layerConfig = Layer.unwrap(
    Effect.gen(function*() {
      return Resolver.layer(yield* Section.settingsOf(section))
    })
  )
}
