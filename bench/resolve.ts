/**
 * Bench section "resolve": resolution latency of a cached hit and of a miss through real yt-dlp
 * against a local HTTP server (p50/p95), yt-dlp runs saved by de-duplication under a burst, and
 * `/play` suggestion latency, cold (a yt-dlp search of a stand-in engine on the same server) and
 * warm (the cached search), with the yt-dlp runs of `/play` of words just suggested.
 * Run alone with `node bench/resolve.ts`, or from bench/run.ts through `runResolveBench`.
 */
import { NodeServices } from "@effect/platform-node"
import { Context, Duration, Effect, Layer } from "effect"
import { ChildProcessSpawner } from "effect/process"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { UserId } from "../schema/Ids.ts"
import { Resolver } from "../src/resolve/Resolver.ts"
import type { ResolverSettings } from "../src/resolve/ResolveSettings.ts"
import { searchFeed, searchPrefixOn } from "../test/resolve/helpers.ts"

type Latency = { readonly p50: number; readonly p95: number; readonly n: number }

export interface ResolveBenchResult {
  readonly missMs: Latency
  readonly hitMs: Latency
  readonly burst: { readonly requests: number; readonly ytdlpRuns: number; readonly saved: number; readonly wallMs: number }
  readonly suggest: {
    /** First keystroke of a query: a yt-dlp search, cut off at AUTOCOMPLETE_TIMEOUT. */
    readonly coldMs: Latency
    /** Cold suggestions that had results within the deadline. */
    readonly coldAnswered: number
    /** The same queries again: the cached search. */
    readonly warmMs: Latency
    /** yt-dlp runs of `/play` of each query just suggested (the search is reused: 0). */
    readonly playYtdlpRuns: number
  }
}

const percentile = (xs: ReadonlyArray<number>, p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
}
const round = (x: number) => Math.round(x * 1000) / 1000
const latency = (xs: ReadonlyArray<number>): Latency => ({ p50: round(percentile(xs, 50)), p95: round(percentile(xs, 95)), n: xs.length })

const benchSettings: ResolverSettings = {
  ytdlp: {
    path: process.env["YTDLP_PATH"] ?? "yt-dlp",
    cookies: null,
    concurrency: 3,
    queueTimeout: Duration.seconds(60),
    maxQueue: 1000,
    timeout: Duration.seconds(30),
    jsRuntime: "",
    extraArgs: [],
    searchPrefix: "ytsearch"
  },
  // Off: the bench measures the primary source, and the default fallback is a public host.
  fallback: { searchPrefix: null, tolerance: Duration.seconds(5) },
  retry: { times: 0, base: Duration.millis(100) },
  breaker: { failures: 100, openDuration: Duration.seconds(1) },
  cache: { capacity: 1000, ttl: Duration.hours(1) },
  spotify: { clientId: null, clientSecret: null, apiBase: "", accountsBase: "", matchTolerance: Duration.seconds(5) },
  httpTimeout: Duration.seconds(10),
  musicDir: null,
  allowPrivateNetwork: true,
  maxPlaylistSize: 1000,
  playlistBatchSize: 50,
  maxTrackDuration: Duration.hours(3),
  maxTrackSizeBytes: 512 * 1024 ** 2,
  attachmentMaxBytes: 25 * 1024 * 1024,
  queryMaxLength: 200,
  autocompleteTimeout: Duration.seconds(2),
  audioCacheMaxBytes: 0
}

export const runResolveBench = (options?: {
  readonly misses?: number
  readonly hits?: number
  readonly burst?: number
  readonly searches?: number
  readonly warm?: number
}) => {
  const misses = options?.misses ?? 8
  const hits = options?.hits ?? 2000
  const burst = options?.burst ?? 20
  const searches = options?.searches ?? 8
  const warm = options?.warm ?? 50
  const dir = mkdtempSync(join(tmpdir(), "reprise-bench-"))
  const mp3 = join(dir, "tone.mp3")
  execFileSync("ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "libmp3lame", mp3])
  const audio = readFileSync(mp3)
  let spawns = 0
  const spawner = Layer.effect(
    ChildProcessSpawner.ChildProcessSpawner,
    Effect.map(Effect.service(ChildProcessSpawner.ChildProcessSpawner), (inner) =>
      ChildProcessSpawner.make((command) => {
        spawns++
        return inner.spawn(command)
      }))
  ).pipe(Layer.provide(NodeServices.layer))
  const user = UserId.make("123456789012345678")

  const program = Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(
      Effect.callback<ReturnType<typeof createServer>>((resume) => {
        const s = createServer((req, res) => {
          const feed = searchFeed(req.url ?? "/", req.headers.host ?? "127.0.0.1")
          if (feed !== null) {
            res.writeHead(200, { "content-type": "application/rss+xml" })
            return res.end(feed)
          }
          res.writeHead(200, { "content-type": "audio/mpeg", "content-length": audio.length })
          res.end(audio)
        })
        s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
      }),
      (s) => Effect.sync(() => s.close())
    )
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const settings = { ...benchSettings, ytdlp: { ...benchSettings.ytdlp, searchPrefix: searchPrefixOn(base) } }
    const resolver = Context.get(yield* Layer.build(Resolver.layer(settings).pipe(Layer.provide(spawner))), Resolver)

    const missTimes: Array<number> = []
    for (let i = 0; i < misses; i++) {
      const t0 = performance.now()
      yield* resolver.resolve(`${base}/miss-${i}`, user)
      missTimes.push(performance.now() - t0)
    }
    const resolved = yield* resolver.resolve(`${base}/hit`, user)
    const track = resolved.tracks[0]!
    yield* resolver.playable(track)
    const hitTimes: Array<number> = []
    for (let i = 0; i < hits; i++) {
      const t0 = performance.now()
      yield* resolver.playable(track)
      hitTimes.push(performance.now() - t0)
    }

    const before = spawns
    const t0 = performance.now()
    yield* Effect.all(Array.from({ length: burst }, () => resolver.resolve(`${base}/burst`, user)), { concurrency: "unbounded" })
    const wallMs = performance.now() - t0
    const runs = spawns - before

    const queries = Array.from({ length: searches }, (_, i) => `bench song ${i}`)
    const coldTimes: Array<number> = []
    let coldAnswered = 0
    for (const q of queries) {
      const t = performance.now()
      const choices = yield* resolver.autocomplete(q)
      coldTimes.push(performance.now() - t)
      if (choices.length > 0) coldAnswered++
    }
    const warmTimes: Array<number> = []
    for (let i = 0; i < warm; i++) {
      for (const q of queries) {
        const t = performance.now()
        yield* resolver.autocomplete(q)
        warmTimes.push(performance.now() - t)
      }
    }
    const beforePlay = spawns
    for (const q of queries) yield* resolver.resolve(q, user)

    return {
      missMs: latency(missTimes),
      hitMs: latency(hitTimes),
      burst: { requests: burst, ytdlpRuns: runs, saved: burst - runs, wallMs: Math.round(wallMs) },
      suggest: { coldMs: latency(coldTimes), coldAnswered, warmMs: latency(warmTimes), playYtdlpRuns: spawns - beforePlay }
    } satisfies ResolveBenchResult
  })

  return program.pipe(Effect.scoped)
}

if (process.argv[1]?.endsWith("resolve.ts")) {
  Effect.runPromise(runResolveBench()).then((r) => process.stdout.write(`${JSON.stringify({ resolve: r }, null, 2)}\n`))
}
