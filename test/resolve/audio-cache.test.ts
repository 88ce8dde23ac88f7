import { assert, describe, it } from "@effect/vitest"
import { NodeServices } from "@effect/platform-node"
import { Effect, Layer, Option, Schedule, Stream } from "effect"
import { ChildProcessSpawner } from "effect/process"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync } from "node:fs"
import type { IncomingMessage } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { UserId } from "../../schema/Ids.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import * as AudioCache from "../../src/resolve/AudioCache.ts"
import type { AudioCacheStats } from "../../src/resolve/AudioCache.ts"
import { Egress } from "../../src/resilience/Egress.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { collectAudio, pipelineRequest } from "../support/audioPipeline.ts"
import { countingSpawner, httpServer, settings, trackInfo } from "./helpers.ts"

const fixtures = mkdtempSync(join(tmpdir(), "reprise-audio-cache-"))
const mp3 = join(fixtures, "tone.mp3")
execFileSync("ffmpeg", [
  "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
  "-metadata", "title=Cached Tone", "-c:a", "libmp3lame", "-b:a", "64k", mp3
])
const audio = readFileSync(mp3)
const user = UserId.make("123456789012345678")

/** FFmpeg and ffprobe say who they are; the cache's download (Node's HTTP client) does not. */
const isDownload = (req: IncomingMessage) => req.method === "GET" && !/Lavf/i.test(req.headers["user-agent"] ?? "")

/**
 * Audio under any path; `/cut…` answers the first download with half the file and then drops the
 * connection, as a server that dies midway.
 */
const audioServer = () => {
  const requests: Array<{ readonly path: string; readonly download: boolean }> = []
  let cut = false
  return Effect.map(
    httpServer((req, res) => {
      const path = req.url ?? "/"
      requests.push({ path, download: isDownload(req) })
      res.writeHead(200, { "content-type": "audio/mpeg", "content-length": audio.length })
      if (req.method === "HEAD") return res.end()
      if (path.startsWith("/cut") && isDownload(req) && !cut) {
        cut = true
        res.write(audio.subarray(0, audio.length >> 1))
        return setTimeout(() => res.destroy(), 20)
      }
      res.end(audio)
    }),
    (server) => ({ ...server, requests, downloads: () => requests.filter((r) => r.download).length })
  )
}

/** A resolver keeping audio in `dir`, its processes counted; each `provide` of `layer` is a fresh start. */
const cachingResolver = (dir: string, maxBytes: number) => {
  const spawner = countingSpawner()
  const layer = Resolver.layer(settings({ audioCacheMaxBytes: maxBytes }), { audioCacheDir: dir }).pipe(
    Layer.provide(spawner.layer)
  )
  return { layer, spawner }
}

const until = (done: (s: AudioCacheStats) => boolean) =>
  Resolver.use((r) => r.audioCacheStats).pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("20 millis") }),
    Effect.timeout("20 seconds")
  )

const isFileIn = (dir: string, input: string) => input.startsWith(dir)

describe("the audio file cache", () => {
  it.live("a second play of a link, after a restart, runs no yt-dlp and makes no HTTP request", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "reprise-cache-")), "audio-cache")
    const first = cachingResolver(dir, 10_000_000)
    const second = cachingResolver(dir, 10_000_000)
    return Effect.gen(function*() {
      const server = yield* audioServer()
      // No extension: a page for yt-dlp.
      const link = `${server.base}/song`
      const played = yield* Effect.gen(function*() {
        const resolver = yield* Resolver
        // As `/play` asks: a link read by yt-dlp in batches.
        const tracks = (yield* Stream.runCollect(resolver.resolveStream(link, user))).flatMap((b) => b.tracks)
        const source = yield* resolver.playable(tracks[0]!)
        assert.isFalse(isFileIn(dir, source.input))
        yield* until((s) => s.entries === 1)
        assert.isAbove(first.spawner.ytdlpRuns(), 0)
        return tracks[0]!
      }).pipe(Effect.provide(first.layer))

      const seen = server.requests.length
      const replay = yield* Effect.gen(function*() {
        const resolver = yield* Resolver
        const tracks = (yield* Stream.runCollect(resolver.resolveStream(link, user))).flatMap((b) => b.tracks)
        assert.strictEqual((yield* resolver.resolve(link, user)).tracks[0]!.id, tracks[0]!.id)
        const source = yield* resolver.playable(tracks[0]!)
        return { track: tracks[0]!, source, stats: yield* resolver.audioCacheStats }
      }).pipe(Effect.provide(second.layer))
      assert.strictEqual(replay.track.id, played.id)
      assert.strictEqual(replay.track.title, played.title)
      assert.isTrue(isFileIn(dir, replay.source.input))
      assert.strictEqual(replay.stats.hits, 1)
      // It plays: two seconds of tone from the kept file.
      const { packets } = yield* collectAudio(pipelineRequest(replay.source)).pipe(Effect.provide(FfmpegPipeline.layer()))
      assert.isAtLeast(packets.length, 95)
      assert.strictEqual(second.spawner.ytdlpRuns(), 0)
      assert.strictEqual(server.requests.length, seen)
    }).pipe(Effect.scoped)
  })

  it.live("stays within its bound by removing the least recently played entry", () => {
    const dir = mkdtempSync(join(tmpdir(), "reprise-cache-"))
    // Room for two files, not three.
    const { layer } = cachingResolver(dir, Math.floor(audio.length * 2.5))
    return Effect.gen(function*() {
      const server = yield* audioServer()
      const resolver = yield* Resolver
      const [a, b, c] = ["a", "b", "c"].map((n) => trackInfo("http", `${server.base}/${n}.mp3`))
      for (const [track, n] of [[a!, 1], [b!, 2]] as const) {
        yield* resolver.playable(track)
        yield* until((s) => s.fills === n)
      }
      // A is played again, so B is now the one played longest ago.
      assert.isTrue(isFileIn(dir, (yield* resolver.playable(a!)).input))
      yield* resolver.playable(c!)
      const stats = yield* until((s) => s.fills === 3)
      assert.strictEqual(stats.evictions, 1)
      assert.strictEqual(stats.entries, 2)
      assert.isAtMost(stats.bytes, Math.floor(audio.length * 2.5))
      assert.strictEqual(readdirSync(dir).filter((f) => f.endsWith(".audio")).length, 2)
      assert.isTrue(isFileIn(dir, (yield* resolver.playable(a!)).input))
      assert.isTrue(isFileIn(dir, (yield* resolver.playable(c!)).input))
      assert.isFalse(isFileIn(dir, (yield* resolver.playable(b!)).input))
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("a download cut off midway leaves nothing to serve, and the next play downloads again", () => {
    const dir = mkdtempSync(join(tmpdir(), "reprise-cache-"))
    const { layer } = cachingResolver(dir, 10_000_000)
    return Effect.gen(function*() {
      const server = yield* audioServer()
      const resolver = yield* Resolver
      const track = trackInfo("http", `${server.base}/cut.mp3`)
      yield* resolver.playable(track)
      const failed = yield* until((s) => s.failures === 1)
      assert.strictEqual(failed.entries, 0)
      assert.deepStrictEqual(readdirSync(dir), [])
      assert.isFalse(isFileIn(dir, (yield* resolver.playable(track)).input))
      yield* until((s) => s.fills === 1)
      assert.strictEqual(server.downloads(), 2)
      assert.isTrue(isFileIn(dir, (yield* resolver.playable(track)).input))
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("a file cut short under the bot, and a killed process's leftovers, are removed at start-up", () => {
    const dir = mkdtempSync(join(tmpdir(), "reprise-cache-"))
    const before = cachingResolver(dir, 10_000_000)
    const after = cachingResolver(dir, 10_000_000)
    return Effect.gen(function*() {
      const server = yield* audioServer()
      const track = trackInfo("http", `${server.base}/whole.mp3`)
      yield* Effect.gen(function*() {
        yield* (yield* Resolver).playable(track)
        yield* until((s) => s.fills === 1)
      }).pipe(Effect.provide(before.layer))
      const kept = readdirSync(dir).find((f) => f.endsWith(".audio"))!
      truncateSync(join(dir, kept), audio.length >> 1)
      execFileSync("cp", [mp3, join(dir, `${kept.replace(/\.audio$/, "")}.part`)])
      const source = yield* Resolver.use((r) => r.playable(track)).pipe(Effect.provide(after.layer))
      assert.isFalse(isFileIn(dir, source.input))
      assert.isFalse(readdirSync(dir).some((f) => f.endsWith(".part") || f === kept))
    }).pipe(Effect.scoped)
  })

  it.live("two plays at once share one download", () => {
    const dir = mkdtempSync(join(tmpdir(), "reprise-cache-"))
    const { layer } = cachingResolver(dir, 10_000_000)
    return Effect.gen(function*() {
      const server = yield* audioServer()
      const resolver = yield* Resolver
      const track = trackInfo("http", `${server.base}/shared.mp3`)
      yield* Effect.all([resolver.playable(track), resolver.playable(track)], { concurrency: "unbounded" })
      yield* until((s) => s.fills === 1)
      assert.strictEqual(server.downloads(), 1)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("a substitute's audio kept for a track remembers where it came from, so its replay says so too", () => {
    const dir = mkdtempSync(join(tmpdir(), "reprise-cache-"))
    const open = Effect.gen(function*() {
      const deps = { egress: yield* Egress, spawner: yield* ChildProcessSpawner.ChildProcessSpawner }
      return yield* AudioCache.make({ dir, maxBytes: 10_000_000, downloadTimeout: "20 seconds", probeTimeout: "10 seconds" }, deps)
    })
    const substitution = { from: "YouTube", to: "SoundCloud" }
    const track = { ...trackInfo("youtube", "https://www.youtube.com/watch?v=gone", "youtube:gone"), durationMs: 2_000 }
    return Effect.gen(function*() {
      const server = yield* audioServer()
      const source = { input: `${server.base}/elsewhere.mp3`, httpHeaders: {}, codec: "unknown", expiresAt: null, isLive: false } as const
      yield* Effect.scoped(Effect.gen(function*() {
        const cache = yield* open
        yield* cache.fill(track, { ...source, substitution })
        yield* cache.stats.pipe(Effect.repeat({ until: (s) => s.fills === 1, schedule: Schedule.spaced("20 millis") }), Effect.timeout("20 seconds"))
      }))
      // After a restart, from the folder alone.
      const kept = yield* Effect.scoped(Effect.flatMap(open, (cache) => cache.lookup(track)))
      assert.isTrue(Option.isSome(kept))
      assert.isTrue(isFileIn(dir, Option.getOrThrow(kept).input))
      assert.deepStrictEqual(Option.getOrThrow(kept).substitution, substitution)
    }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(Egress.layer({ allowPrivateNetwork: true }), NodeServices.layer)))
  })

  it.live("AUDIO_CACHE_MAX_BYTES=0 keeps nothing", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "reprise-cache-")), "audio-cache")
    const { layer } = cachingResolver(dir, 0)
    return Effect.gen(function*() {
      const server = yield* audioServer()
      const resolver = yield* Resolver
      const source = yield* resolver.playable(trackInfo("http", `${server.base}/off.mp3`))
      // Played through: a download started alongside would have been asked for by now.
      yield* collectAudio(pipelineRequest(source)).pipe(Effect.provide(FfmpegPipeline.layer()))
      assert.strictEqual(server.downloads(), 0)
      assert.isFalse(existsSync(dir))
      assert.strictEqual((yield* resolver.audioCacheStats).misses, 0)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })
})
