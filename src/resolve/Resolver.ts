import { Clock, Context, Duration, Effect, Fiber, Layer, Option, Queue, Stream } from "effect"
import { ChildProcessSpawner } from "effect/process"
import type { UserId } from "../../schema/Ids.ts"
import { formatMs } from "../../schema/PlayerError.ts"
import { Track } from "../../schema/Track.ts"
import { isHttp } from "../audio/FfmpegArgs.ts"
import type { Playable } from "../audio/Playable.ts"
import { Egress } from "../resilience/Egress.ts"
import { EgressProxy } from "../resilience/EgressProxy.ts"
import * as TtlCache from "../resilience/TtlCache.ts"
import { type HostLookup, UrlGuard } from "../resilience/UrlGuard.ts"
import * as AudioCache from "./AudioCache.ts"
import type { ResolvedBatch, ResolvedInfo, ResolvedTracks, ResolveOptions, TrackInfo } from "./Resolution.ts"
import { measureDuration } from "./Probe.ts"
import type { ResolveError } from "./ResolveError.ts"
import * as Section from "../config/Section.ts"
import { section as databaseSection } from "../persistence/Database.ts"
import * as NodePath from "node:path"
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
  /** The audio file cache's hits and misses (plays of cacheable tracks), fills, evictions and size. */
  readonly audioCacheStats: Effect.Effect<AudioCache.AudioCacheStats>
}>()("reprise/resolve/Resolver") {
  /** Needs YtDlp, UrlGuard, Egress, EgressProxy and a ChildProcessSpawner. */
  static readonly make = Effect.fnUntraced(function*(settings: ResolverSettings, options?: {
    readonly fetch?: typeof globalThis.fetch | undefined
    /** Where played tracks' audio is kept (up to AUDIO_CACHE_MAX_BYTES); none keeps nothing. */
    readonly audioCacheDir?: string | undefined
  }) {
    // Set once the cache exists; sources prime it with stream URLs that came with metadata.
    let primeRef: (id: string, p: Playable) => Effect.Effect<void> = () => Effect.void
    const primePlayable = (id: string, p: Playable) => Effect.suspend(() => primeRef(id, p))

    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const httpProxy = (yield* EgressProxy).url
    const sources = yield* makeSources({
      settings,
      ytdlp: yield* YtDlp,
      spawner,
      urls: safeUrls(yield* UrlGuard),
      guard: yield* makeSourceGuard(settings),
      httpProxy,
      primePlayable,
      fetch: options?.fetch
    })
    const { attachments, local, spotify, ytdlp } = sources
    const audio = options?.audioCacheDir === undefined ? AudioCache.off : yield* AudioCache.make({
      dir: options.audioCacheDir,
      maxBytes: settings.audioCacheMaxBytes,
      entryMaxBytes: settings.maxTrackSizeBytes,
      // A whole file, at the pace the site sends it: an hour of podcast on a slow link.
      downloadTimeout: "30 minutes",
      probeTimeout: settings.httpTimeout
    }, { egress: yield* Egress, spawner })
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

    /**
     * A link whose track's audio is kept answers from the cache, as the track it resolved to last
     * time: a replay needs neither yt-dlp nor the network. Searches are not (what they find changes).
     */
    const isLink = (claimed: Claimed) => !claimed.key.startsWith("search:")
    const kept = (claimed: Claimed) =>
      !isLink(claimed)
        ? Effect.succeed(Option.none<ResolvedInfo>())
        : Effect.map(audio.byLink(claimed.key), Option.map((t): ResolvedInfo => ({ tracks: [t], playlist: null })))
    /** A link that was one track is remembered for `kept` (once the track's audio is). */
    const learn = (claimed: Claimed, info: ResolvedInfo) =>
      !isLink(claimed) || info.playlist !== null || info.tracks.length !== 1 || info.substitution !== undefined
        ? Effect.void
        : audio.learn(claimed.key, info.tracks[0]!)
    const fresh = (claimed: Claimed, query: string, maxTracks: number) =>
      Effect.tap(deduped.get({ key: claimed.key, query, maxTracks }), (info) => learn(claimed, info))
    const lookup = (claimed: Claimed, query: string, maxTracks: number) =>
      Effect.flatMap(kept(claimed), Option.match({ onSome: Effect.succeed, onNone: () => fresh(claimed, query, maxTracks) }))

    const resolve = Effect.fn("Resolver.resolve")(function*(query: string, requester: UserId, options?: ResolveOptions) {
      const claimed = yield* claim(query)
      yield* Effect.annotateCurrentSpan({ "resolve.source": claimed.source })
      return toTracks(yield* lookup(claimed, query, capOf(options)), requester)
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
          yield* learn(claimed, info)
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
          const cached = yield* kept(claimed)
          if (claimed.inBatches === true && Option.isNone(cached)) return streamBatches(claimed, requester, maxTracks)
          return Stream.fromEffect(
            Effect.map(Option.isSome(cached) ? Effect.succeed(cached.value) : fresh(claimed, query, maxTracks), (info): ResolvedBatch => ({
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
      const onDisk = yield* audio.lookup(track)
      yield* Effect.annotateCurrentSpan({ "audio_cache.hit": Option.isSome(onDisk) })
      if (Option.isSome(onDisk)) return onDisk.value
      return yield* Effect.tap(playables.get(track), (source) => audio.fill(track, source))
    })

    const duration = (source: Playable) =>
      measureDuration(spawner, source.input, {
        source: "duration",
        timeout: settings.httpTimeout,
        network: isHttp(source.input),
        headers: source.httpHeaders,
        httpProxy,
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
      cacheStats: Effect.zipWith(playables.stats, playables.size, (s, size) => ({ ...s, size })),
      audioCacheStats: audio.stats
    })
  })

  /**
   * Explicit settings; needs a ChildProcessSpawner (NodeServices.layer). Gives the egress proxy its
   * helpers fetch through as well, for the players' FFmpeg: one guard for every connection.
   * `lookup` and `isPrivate` stand in for DNS and for the line between public and private in tests.
   */
  static readonly layer = (settings: ResolverSettings, options?: {
    readonly lookup?: HostLookup | undefined
    readonly isPrivate?: ((address: string) => boolean) | undefined
    readonly fetch?: typeof globalThis.fetch | undefined
    readonly audioCacheDir?: string | undefined
  }) => {
    const network = { allowPrivateNetwork: settings.allowPrivateNetwork, lookup: options?.lookup, isPrivate: options?.isPrivate }
    return Layer.effect(Resolver, Resolver.make(settings, { fetch: options?.fetch, audioCacheDir: options?.audioCacheDir })).pipe(
      Layer.provide(Layer.mergeAll(YtDlp.layerProxied(settings.ytdlp), UrlGuard.layer(network), Egress.layer(network))),
      Layer.provideMerge(EgressProxy.layer(network))
    )
  }

  /** Settings from the application configuration; needs a ChildProcessSpawner (NodeServices.layer). */
  static readonly layerConfig = Layer.unwrap(
    Effect.gen(function*() {
      const { dataDir } = yield* Section.settingsOf(databaseSection)
      return Resolver.layer(yield* Section.settingsOf(section), { audioCacheDir: NodePath.join(dataDir, "audio-cache") })
    })
  )
}
