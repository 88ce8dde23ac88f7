import { Duration, Effect, Option } from "effect"
import type { Playable } from "../../audio/Playable.ts"
import type { PlaylistInfo, ResolvedInfo, TrackInfo } from "../Resolution.ts"
import { Failed, NotFound, type ResolveError, resolveError } from "../ResolveError.ts"
import type { ResolverSettings } from "../ResolveSettings.ts"
import type { SourceGuard } from "../SourceGuard.ts"
import type { YtDlp } from "../ytdlp/YtDlp.ts"
import { playlistOf, toPlayable, toTrackInfo, type YtDlpEntry } from "../ytdlp/YtDlpJson.ts"

/** A batch of a progressive playlist load. */
export interface InfoBatch {
  readonly tracks: ReadonlyArray<TrackInfo>
  readonly playlist: PlaylistInfo | null
  readonly loaded: number
  readonly expected: number | null
}

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

export interface YtDlpSource {
  readonly resolveUrl: (
    url: string,
    options: { readonly maxTracks: number; readonly onBatch?: ((batch: InfoBatch) => Effect.Effect<void>) | undefined }
  ) => Effect.Effect<ResolvedInfo, ResolveError>
  readonly search: (text: string, limit: number, options?: { readonly timeout?: Duration.Input | undefined }) => Effect.Effect<
    ReadonlyArray<TrackInfo>,
    ResolveError
  >
  readonly playable: (track: TrackInfo) => Effect.Effect<Playable, ResolveError>
  /** Tracks the site itself relates to this one (YouTube's mix), for autoplay. */
  readonly related: (track: TrackInfo, limit: number) => Effect.Effect<ReadonlyArray<TrackInfo>, ResolveError>
}

export const make = (deps: {
  readonly ytdlp: YtDlp["Service"]
  readonly guard: SourceGuard
  readonly settings: ResolverSettings
  /** Where a stream URL that came with the metadata is kept for `playable`. */
  readonly primePlayable: (id: string, playable: Playable) => Effect.Effect<void>
}): YtDlpSource => {
  const { guard, settings, ytdlp } = deps

  const resolveUrl = Effect.fn("YtDlpSource.resolveUrl")(function*(
    url: string,
    options: { readonly maxTracks: number; readonly onBatch?: ((batch: InfoBatch) => Effect.Effect<void>) | undefined }
  ) {
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
        // The first track goes out alone so playback can start while the rest loads.
        return all.length === 1 || pending.length >= batchSize ? flush() : Effect.void
      }
      return ytdlp.extract(url, {
        mode: "lines",
        noPlaylist: isMixLink(url),
        playlistEnd: options.maxTracks,
        onEntry,
        // A long playlist streams for a while; the budget grows with the cap.
        timeout: Duration.times(settings.ytdlp.timeout, Math.max(1, Math.ceil(options.maxTracks / 500)))
      }).pipe(
        Effect.flatMap((entries) =>
          Effect.gen(function*() {
            yield* flush()
            if (playlist === null && entries.length === 1) {
              const playable = toPlayable(entries[0]!)
              if (Option.isSome(playable)) yield* deps.primePlayable(all[0]!.id, playable.value)
            }
            return { tracks: all.slice(0, options.maxTracks), playlist } satisfies ResolvedInfo
          })
        ),
        // Once some of a playlist went out, a retry would send it twice: fail for good instead.
        Effect.mapError((e) =>
          emitted > 0 && e.retryable
            ? resolveError("ytdlp", new Failed({ message: `Loading the playlist stopped after ${emitted} tracks.`, detail: e.message }))
            : e
        )
      )
    })
    return yield* attempt.pipe(guard.run({ source: "ytdlp", key: site.key, label: site.label }))
  })

  const search = Effect.fn("YtDlpSource.search")(function*(
    text: string,
    limit: number,
    options?: { readonly timeout?: Duration.Input | undefined }
  ) {
    const prefix = settings.ytdlp.searchPrefix
    const site = searchSite(prefix)
    const [result] = yield* ytdlp.extract(`${prefix}${limit}:${text}`, { mode: "flat", timeout: options?.timeout }).pipe(
      guard.run({ source: "ytdlp", key: site.key, label: site.label })
    )
    return (result?.entries ?? []).filter((e): e is YtDlpEntry => e !== null).map((e) => toTrackInfo(e, false))
  })

  const playable = Effect.fn("YtDlpSource.playable")(function*(track: TrackInfo) {
    const site = siteOf(track.location)
    const [entry] = yield* ytdlp.extract(track.location, { mode: "full", noPlaylist: true }).pipe(
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

  const related = Effect.fn("YtDlpSource.related")(function*(track: TrackInfo, limit: number) {
    if (track.kind === "youtube") {
      const videoId = track.id.slice("youtube:".length)
      const mix = `https://www.youtube.com/watch?v=${videoId}&list=RD${videoId}`
      const site = siteOf(mix)
      const [result] = yield* ytdlp.extract(mix, { mode: "flat", playlistEnd: limit + 1 }).pipe(
        guard.run({ source: "ytdlp", key: site.key, label: site.label })
      )
      return (result?.entries ?? []).filter((e): e is YtDlpEntry => e !== null).map((e) => toTrackInfo(e, true))
    }
    // Other sites have no mix: search for more by the same artist.
    const query = track.author ?? track.title
    return yield* search(query, limit)
  })

  return { resolveUrl, search, playable, related }
}
