/**
 * Bench section "resolve.audio_cache": time from `/play` of a link to its first Opus packet, for a
 * link never played (yt-dlp, then FFmpeg reading over HTTP) and for the same links replayed after a
 * restart (the audio file cache: no yt-dlp, a file); and the cache's hit rate when 200 plays are
 * drawn from 30 tracks (Zipf, s = 1) with room for a third of them.
 *
 * Replays are timed twice: a quarter second apart, as listeners' commands come, and in a burst,
 * each as soon as the one before has its first packet. A cached track plays through the spare
 * FFmpeg (src/audio/WarmFfmpeg.ts) when one is waiting, and in a burst every other start finds the
 * spare still loading and costs about a cold start.
 */
import { NodeServices } from "@effect/platform-node"
import { Context, Effect, Layer, Schedule, Stream } from "effect"
import { mkdtempSync, readFileSync, statSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { UserId } from "../schema/Ids.ts"
import { AudioPipeline } from "../src/audio/AudioPipeline.ts"
import { FfmpegPipeline } from "../src/audio/FfmpegPipeline.ts"
import type { AudioCacheStats } from "../src/resolve/AudioCache.ts"
import { Resolver } from "../src/resolve/Resolver.ts"
import { ffmpeg } from "../test/support/audioFixtures.ts"
import { settings as resolverSettings, trackInfo } from "../test/resolve/helpers.ts"
import { type BenchSection, percentile, round, type SectionResult } from "./Section.ts"
import { benchSources, nowMs, request } from "./audio/BenchAudio.ts"

const TTFP_RUNS = 20
const PACE = "250 millis"
const TRACKS = 30
const PLAYS = 200

const user = UserId.make("123456789012345678")

/** A deterministic stream of numbers in [0, 1) (mulberry32), so every run draws the same plays. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** `plays` track numbers in [0, tracks), the k-th most played with weight 1/(k+1). */
const zipfPlays = (tracks: number, plays: number): ReadonlyArray<number> => {
  const weights = Array.from({ length: tracks }, (_, k) => 1 / (k + 1))
  const sum = weights.reduce((a, b) => a + b, 0)
  const next = seeded(42)
  return Array.from({ length: plays }, () => {
    let r = next() * sum
    for (let k = 0; k < tracks; k++) if ((r -= weights[k]!) <= 0) return k
    return tracks - 1
  })
}

/** The bench's music under every path: an audio extension makes a file link, none a page for yt-dlp. */
const musicServer = (file: Buffer) =>
  Effect.acquireRelease(
    Effect.callback<ReturnType<typeof createServer>>((resume) => {
      const s = createServer((req, res) => {
        res.writeHead(200, { "content-type": "audio/mpeg", "content-length": file.length })
        res.end(req.method === "HEAD" ? undefined : file)
      })
      s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
    }),
    (s) => Effect.sync(() => s.close())
  ).pipe(Effect.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`))

const settled = (resolver: Resolver["Service"], done: (s: AudioCacheStats) => boolean) =>
  resolver.audioCacheStats.pipe(Effect.repeat({ until: done, schedule: Schedule.spaced("5 millis") }), Effect.timeout("60 seconds"))

/** `/play` of a link as the player does it: resolve, `playable`, open; ms to the first packet. */
const playToFirstPacket = (resolver: Resolver["Service"], link: string) =>
  Effect.gen(function*() {
    const pipeline = yield* AudioPipeline
    const start = yield* nowMs
    const { tracks } = yield* resolver.resolve(link, user)
    const source = yield* resolver.playable(tracks[0]!)
    yield* Stream.runHead(pipeline.open(request(source)))
    return (yield* nowMs) - start
  })

export const runAudioCacheBench = Effect.gen(function*() {
  const { mp3 } = yield* Effect.promise(() => benchSources())
  const dir = mkdtempSync(join(tmpdir(), "reprise-bench-cache-"))
  // 20 s of the bench's music (192 kb/s MP3, about 480 KB): a short track, so 30 fill quickly.
  const clip = join(dir, "clip.mp3")
  yield* Effect.promise(() => ffmpeg(["-i", mp3, "-t", "20", "-c", "copy", clip]))
  const base = yield* musicServer(readFileSync(clip))
  const size = statSync(clip).size
  const resolverOn = (cacheDir: string, maxBytes: number) =>
    Layer.build(
      Resolver.layer(
        resolverSettings({ audioCacheMaxBytes: maxBytes, retry: { times: 0 }, ytdlp: { path: process.env["YTDLP_PATH"] ?? "yt-dlp" } }),
        { audioCacheDir: cacheDir }
      ).pipe(Layer.provide(NodeServices.layer))
    ).pipe(Effect.map((ctx) => Context.get(ctx, Resolver)))

  // Never played: each link a page yt-dlp reads; its audio kept while it "plays".
  const ttfpDir = join(dir, "ttfp")
  const links = Array.from({ length: TTFP_RUNS }, (_, i) => `${base}/song-${i}`)
  const uncached = yield* Effect.scoped(Effect.gen(function*() {
    const resolver = yield* resolverOn(ttfpDir, 1024 ** 3)
    const times: Array<number> = []
    for (const [i, link] of links.entries()) {
      times.push(yield* playToFirstPacket(resolver, link))
      yield* settled(resolver, (s) => s.fills + s.failures === i + 1)
    }
    return times
  }))
  // The same links after a restart: answered from the folder.
  const cached = yield* Effect.scoped(Effect.gen(function*() {
    const resolver = yield* resolverOn(ttfpDir, 1024 ** 3)
    const times: Array<number> = []
    for (const link of links) {
      // a listener's pace (one /play every quarter second is already more than one guild sends)
      yield* Effect.sleep(PACE)
      times.push(yield* playToFirstPacket(resolver, link))
    }
    // a burst: each /play as soon as the one before has its first packet
    const burst: Array<number> = []
    for (const link of links) burst.push(yield* playToFirstPacket(resolver, link))
    return { times, burst, stats: yield* resolver.audioCacheStats }
  }))

  // Replay-heavy: file links (no yt-dlp), each play's fill finished before the next play.
  const maxBytes = Math.floor(size * TRACKS / 3)
  const workload = yield* Effect.scoped(Effect.gen(function*() {
    const resolver = yield* resolverOn(join(dir, "workload"), maxBytes)
    const tracks = Array.from({ length: TRACKS }, (_, k) => trackInfo("http", `${base}/track-${k}.mp3`))
    let largest = 0
    for (const k of zipfPlays(TRACKS, PLAYS)) {
      const before = yield* resolver.audioCacheStats
      yield* resolver.playable(tracks[k]!)
      const after = yield* resolver.audioCacheStats
      if (after.misses > before.misses) yield* settled(resolver, (s) => s.fills + s.failures > before.fills + before.failures)
      largest = Math.max(largest, (yield* resolver.audioCacheStats).bytes)
    }
    return { stats: yield* resolver.audioCacheStats, largestBytes: largest }
  }))
  return { uncached, cached, workload, maxBytes, fileBytes: size }
}).pipe(Effect.scoped, Effect.provide(FfmpegPipeline.layer()))

export const audioCacheSection: BenchSection = {
  name: "resolve.audio_cache",
  description: "audio file cache: /play of a link to its first packet, cached vs not; hit rate, 200 Zipf plays of 30 tracks",
  run: async () => {
    const r = await Effect.runPromise(runAudioCacheBench)
    const p = (xs: ReadonlyArray<number>, q: number) => round(percentile(xs, q), 1)
    const { stats } = r.workload
    const hitRate = round(100 * stats.hits / (stats.hits + stats.misses), 1)
    return {
      figures: [
        { key: "ttfp_ms.uncached.p50", value: p(r.uncached, 50), unit: "ms" },
        { key: "ttfp_ms.uncached.p95", value: p(r.uncached, 95), unit: "ms" },
        { key: "ttfp_ms.cached.p50", value: p(r.cached.times, 50), unit: "ms" },
        { key: "ttfp_ms.cached.p95", value: p(r.cached.times, 95), unit: "ms", target: "< 100", ok: p(r.cached.times, 95) < 100 },
        { key: "ttfp_ms.cached_burst.p50", value: p(r.cached.burst, 50), unit: "ms" },
        { key: "ttfp_ms.cached_burst.p95", value: p(r.cached.burst, 95), unit: "ms" },
        { key: "ttfp.cached_hits", value: `${r.cached.stats.hits} of ${r.cached.times.length + r.cached.burst.length}` },
        { key: "hit_rate_pct", value: hitRate, unit: "%" },
        { key: "workload", value: `${PLAYS} plays of ${TRACKS} tracks, room for ${Math.floor(r.maxBytes / r.fileBytes)}` },
        { key: "workload.evictions", value: stats.evictions },
        { key: "workload.bound_held", value: r.workload.largestBytes <= r.maxBytes }
      ],
      details: r
    } satisfies SectionResult
  }
}
