import { NodeServices } from "@effect/platform-node"
import { Duration, Effect, Layer } from "effect"
import { ChildProcessSpawner } from "effect/process"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { UrlGuard } from "../../src/resilience/UrlGuard.ts"
import type { ResolverSettings } from "../../src/resolve/ResolveSettings.ts"
import { safeUrls } from "../../src/resolve/SafeUrls.ts"
import { makeSourceGuard } from "../../src/resolve/SourceGuard.ts"
import { makeSources } from "../../src/resolve/sources/index.ts"
import { YtDlp } from "../../src/resolve/ytdlp/YtDlp.ts"
import type { TrackInfo } from "../../src/resolve/Resolution.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"

export const settings = (over: {
  readonly ytdlp?: Partial<ResolverSettings["ytdlp"]>
  readonly retry?: Partial<ResolverSettings["retry"]>
  readonly breaker?: Partial<ResolverSettings["breaker"]>
} & Partial<Omit<ResolverSettings, "ytdlp" | "retry" | "breaker">> = {}): ResolverSettings => ({
  ytdlp: {
    path: "yt-dlp",
    cookies: null,
    concurrency: 3,
    queueTimeout: Duration.seconds(20),
    maxQueue: 100,
    timeout: Duration.seconds(20),
    jsRuntime: "",
    extraArgs: [],
    searchPrefix: "ytsearch",
    ...over.ytdlp
  },
  // Off unless a test turns it on: the default (SoundCloud) is a public host.
  fallback: over.fallback ?? { searchPrefix: null, tolerance: Duration.seconds(5) },
  retry: { times: 2, base: Duration.millis(50), ...over.retry },
  breaker: { failures: 5, openDuration: Duration.seconds(30), ...over.breaker },
  cache: over.cache ?? { capacity: 100, ttl: Duration.hours(1) },
  spotify: over.spotify ?? {
    clientId: null,
    clientSecret: null,
    apiBase: "http://127.0.0.1:1/v1",
    accountsBase: "http://127.0.0.1:1",
    matchTolerance: Duration.seconds(5)
  },
  httpTimeout: over.httpTimeout ?? Duration.seconds(10),
  musicDir: over.musicDir ?? null,
  allowPrivateNetwork: over.allowPrivateNetwork ?? true,
  maxPlaylistSize: over.maxPlaylistSize ?? 1000,
  playlistBatchSize: over.playlistBatchSize ?? 50,
  maxTrackDuration: over.maxTrackDuration ?? Duration.hours(3),
  maxTrackSizeBytes: over.maxTrackSizeBytes ?? 512 * 1024 ** 2,
  attachmentMaxBytes: over.attachmentMaxBytes ?? 25 * 1024 * 1024,
  queryMaxLength: over.queryMaxLength ?? 200,
  autocompleteTimeout: over.autocompleteTimeout ?? Duration.seconds(2),
  // Kept only where a test gives the resolver a folder for it.
  audioCacheMaxBytes: over.audioCacheMaxBytes ?? 0
})

/** The sources as the resolver builds them, for tests of the registry itself; nothing runs until asked. */
export const makeTestSources = (s: ResolverSettings) =>
  Effect.gen(function*() {
    return yield* makeSources({
      settings: s,
      ytdlp: yield* YtDlp.make(s.ytdlp),
      spawner: yield* ChildProcessSpawner.ChildProcessSpawner,
      urls: safeUrls(UrlGuard.make({ allowPrivateNetwork: s.allowPrivateNetwork })),
      guard: yield* makeSourceGuard(s),
      httpProxy: undefined,
      primePlayable: () => Effect.void
    })
  }).pipe(Effect.provide(NodeServices.layer))

/** Node's spawner, counting every process started (and remembering its arguments). */
export const countingSpawner = () => {
  const spawned: Array<ReadonlyArray<string>> = []
  const layer = Layer.effect(
    ChildProcessSpawner.ChildProcessSpawner,
    Effect.map(Effect.service(ChildProcessSpawner.ChildProcessSpawner), (inner) =>
      ChildProcessSpawner.make((command) => {
        if (command._tag === "StandardCommand") {
          // Helpers run as `nice -n 10 <helper> …` (HelperProcess.ts): remember the helper's own line.
          const line = [command.command, ...command.args.map(String)]
          spawned.push(line[0] === "nice" ? line.slice(3) : line)
        }
        return inner.spawn(command)
      }))
  ).pipe(Layer.provide(NodeServices.layer))
  return { layer, spawned, ytdlpRuns: () => spawned.filter((a) => a[0]?.includes("yt-dlp") && !a.includes("--version")).length }
}

/** A Resolver on `settings(over)`, with every process it starts counted. */
export const resolverWith = (over: Parameters<typeof settings>[0]) => {
  const spawner = countingSpawner()
  const layer = Resolver.layer(settings(over)).pipe(Layer.provide(spawner.layer))
  return { layer, spawner }
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** A local HTTP server on an ephemeral port, closed with the scope. */
/** A second of 440 Hz as MP3, made with FFmpeg: the audio a local page or feed links to. */
export const toneMp3 = (): Buffer => {
  const file = join(mkdtempSync(join(tmpdir(), "reprise-tone-")), "tone.mp3")
  execFileSync("ffmpeg", [
    "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
    "-c:a", "libmp3lame", "-b:a", "32k", file
  ])
  return readFileSync(file)
}

export const httpServer = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly base: string; readonly close: () => void }>((resume) => {
      const server = createServer(handler)
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          base: `http://127.0.0.1:${port}`,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        }))
      })
    }),
    (s) => Effect.sync(s.close)
  )

/**
 * A podcast feed of `count` episodes ("Episode 1", …, guid "ep-1", …). yt-dlp's generic extractor
 * reads RSS as a playlist: one entry per `<enclosure>`, which it smuggles the guid into.
 */
export const rssFeed = (
  title: string,
  count: number,
  enclosure: (i: number) => { readonly url: string; readonly length: number }
): string => {
  const items = Array.from({ length: count }, (_, k) => k + 1).map((i) => {
    const { length, url } = enclosure(i)
    return `<item><title>Episode ${i}</title><guid>ep-${i}</guid>` +
      `<enclosure url="${url}" type="audio/mpeg" length="${length}"/></item>`
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${title}</title>` +
    `<link>http://example.invalid/</link><description>A test feed</description>${items.join("")}</channel></rss>`
}

/** A track's metadata as the resolver keeps it, for tests that hand one straight to `playable`. */
export const trackInfo = (kind: TrackInfo["kind"], location: string, id = `${kind}:${location}`): TrackInfo => ({
  id,
  kind,
  location,
  title: location.split("/").pop() ?? location,
  author: null,
  durationMs: null,
  artworkUrl: null
})

/** The prefix that sends yt-dlp's searches to `searchFeed` on `base` (as YTDLP_SEARCH_PREFIX). */
export const searchPrefixOn = (base: string) => `${base}/search/`

/**
 * A stand-in search engine for yt-dlp, offline: with the prefix above, a search of `n` results for
 * some words is the URL `<base>/search/<n>:<words>`, which yt-dlp's generic extractor reads. The
 * answer is an RSS feed of `n` hits ("<words> 1", …), linked to `<base>/tone/<words>/<i>` (no file
 * extension, so a picked hit is a page for yt-dlp too). Null for any other path.
 */
export const searchFeed = (path: string, host: string): string | null => {
  const match = /^\/search\/(\d+):(.*)$/.exec(path)
  if (match === null) return null
  const words = decodeURIComponent(match[2]!)
  const slug = encodeURIComponent(words.replace(/\s+/g, "-"))
  return rssFeed(`Search: ${words}`, Number(match[1]), (i) => ({ url: `http://${host}/tone/${slug}/${i}`, length: 1000 }))
    .replace(/Episode (\d+)/g, `${words} $1`)
}
