import { Effect } from "effect"
import type { Playable } from "../../audio/Playable.ts"
import { AUDIO_EXTENSIONS, fileTitle } from "../AudioFiles.ts"
import { probe } from "../Probe.ts"
import { type Query, urlOf } from "../Query.ts"
import type { ResolvedInfo, TrackInfo } from "../Resolution.ts"
import { NotFound, Rejected, resolveError, Transient } from "../ResolveError.ts"
import { type ClaimAnswer, pass, type Source, type SourceDeps, take } from "../Source.ts"
import { mb } from "./AttachmentSource.ts"

/** Links to audio files and HLS playlists, probed and played by FFmpeg itself. */
export const make = (deps: Pick<SourceDeps, "spawner" | "urls" | "guard" | "settings" | "primePlayable" | "httpProxy">): Source => {
  const { settings } = deps
  const probeUrl = (url: URL) =>
    probe(deps.spawner, url.href, {
      source: "direct",
      timeout: settings.httpTimeout,
      network: true,
      httpProxy: deps.httpProxy
    }).pipe(
      deps.guard.run({ source: "direct", key: `http:${url.host}`, label: url.host })
    )

  const resolve = Effect.fn("DirectSource.resolve")(function*(input: string, hls: boolean) {
    // Redirects are followed here, hop by hop through the guard, so ffprobe gets a checked URL.
    const head = yield* deps.urls.followRedirects("direct", input, settings.httpTimeout)
    if (head.status >= 400 && head.status !== 405) {
      return yield* resolveError(
        "direct",
        head.status >= 500 || head.status === 429
          ? new Transient({ message: `The file's server answered HTTP ${head.status}.`, detail: input })
          : new NotFound({ message: `The file could not be fetched (HTTP ${head.status}).` })
      )
    }
    // Refused before FFmpeg reads a byte: what the server says a file weighs, or what ffprobe learnt from its GET.
    const tooLarge = (bytes: number | null) =>
      bytes !== null && bytes > settings.maxTrackSizeBytes
        ? resolveError("direct", new Rejected({ message: `That file is ${mb(bytes)}; files up to ${mb(settings.maxTrackSizeBytes)} can be played.` }))
        : null
    const declared = tooLarge(head.contentLength)
    if (declared !== null) return yield* declared
    const info = yield* probeUrl(head.url)
    const probed = tooLarge(info.sizeBytes)
    if (probed !== null) return yield* probed
    // No length and no size either: a stream without an end, as internet radio sends. A file served
    // in chunks without a size looks the same and is taken for one too (it would take an endless
    // download to tell them apart).
    const live = info.durationMs === null && (hls || head.contentLength === null)
    const track: TrackInfo = {
      id: `http:${head.url.href}`,
      kind: "http",
      location: head.url.href,
      title: info.title ?? fileTitle(head.url.pathname),
      author: info.artist,
      durationMs: live ? null : info.durationMs,
      artworkUrl: null,
      ...(live ? { live: true } : {})
    }
    yield* deps.primePlayable(track.id, { input: track.location, httpHeaders: {}, codec: info.codec, expiresAt: null, isLive: live })
    return { tracks: [track], playlist: null } satisfies ResolvedInfo
  })

  const playable = Effect.fn("DirectSource.playable")(function*(track: TrackInfo) {
    const url = yield* deps.urls.check("direct", track.location)
    const info = yield* probeUrl(url)
    return {
      input: url.href,
      httpHeaders: {},
      codec: info.codec,
      expiresAt: null,
      // As the resolution found it (a radio has no size, which the probe does not see), or HLS without a length.
      isLive: track.live === true || (info.durationMs === null && /\.m3u8$/i.test(url.pathname))
    } satisfies Playable
  })

  // Before pages: a link whose path ends in an audio extension or .m3u8 is a file, not a page.
  const claim = (query: Query): ClaimAnswer => {
    const url = urlOf(query)
    if (url === null) return pass
    const path = url.pathname.toLowerCase()
    const hls = path.endsWith(".m3u8")
    if (!hls && !AUDIO_EXTENSIONS.some((e) => path.endsWith(e))) return pass
    return take({ key: `url:${url.href}`, resolve: () => resolve(url.href, hls) })
  }

  return { name: "direct", claim, kinds: ["http"], playable }
}
