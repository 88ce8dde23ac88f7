/**
 * Bench section "resolve": resolution latency of a cached hit and of a miss through real yt-dlp
 * against a local HTTP server (p50/p95), and yt-dlp runs saved by de-duplication under a burst.
 * Run alone with `node bench/resolve.ts`, or from bench/run.ts through `runResolveBench`.
 */
import { NodeServices } from "@effect/platform-node"
import { Duration, Effect, Layer } from "effect"
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

export interface ResolveBenchResult {
  readonly missMs: { readonly p50: number; readonly p95: number; readonly n: number }
  readonly hitMs: { readonly p50: number; readonly p95: number; readonly n: number }
  readonly burst: { readonly requests: number; readonly ytdlpRuns: number; readonly saved: number; readonly wallMs: number }
}

const percentile = (xs: ReadonlyArray<number>, p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
}
const round = (x: number) => Math.round(x * 1000) / 1000

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
  retry: { times: 0, base: Duration.millis(100) },
  breaker: { failures: 100, openDuration: Duration.seconds(1) },
  cache: { capacity: 1000, ttl: Duration.hours(1) },
  spotify: { clientId: null, clientSecret: null, apiBase: "", accountsBase: "", matchTolerance: Duration.seconds(5) },
  httpTimeout: Duration.seconds(10),
  musicDir: null,
  allowPrivateNetwork: true,
  maxPlaylistSize: 1000,
  playlistBatchSize: 50,
  attachmentMaxBytes: 25 * 1024 * 1024,
  queryMaxLength: 200,
  autocompleteTimeout: Duration.seconds(2)
}

export const runResolveBench = (options?: { readonly misses?: number; readonly hits?: number; readonly burst?: number }) => {
  const misses = options?.misses ?? 8
  const hits = options?.hits ?? 2000
  const burst = options?.burst ?? 20
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
        const s = createServer((_req, res) => {
          res.writeHead(200, { "content-type": "audio/mpeg", "content-length": audio.length })
          res.end(audio)
        })
        s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
      }),
      (s) => Effect.sync(() => s.close())
    )
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const resolver = yield* Resolver

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
    return {
      missMs: { p50: round(percentile(missTimes, 50)), p95: round(percentile(missTimes, 95)), n: misses },
      hitMs: { p50: round(percentile(hitTimes, 50)), p95: round(percentile(hitTimes, 95)), n: hits },
      burst: { requests: burst, ytdlpRuns: runs, saved: burst - runs, wallMs: Math.round(wallMs) }
    } satisfies ResolveBenchResult
  })

  return program.pipe(Effect.scoped, Effect.provide(Resolver.layer(benchSettings).pipe(Layer.provide(spawner))))
}

if (process.argv[1]?.endsWith("resolve.ts")) {
  Effect.runPromise(runResolveBench()).then((r) => process.stdout.write(`${JSON.stringify({ resolve: r }, null, 2)}\n`))
}
