import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { UserId } from "../../schema/Ids.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import type { ResolveError } from "../../src/resolve/ResolveError.ts"
import { type Handler, httpServer, resolverWith } from "./helpers.ts"

const dir = mkdtempSync(join(tmpdir(), "reprise-resolve-"))
const mp3 = join(dir, "tone.mp3")
execFileSync("ffmpeg", [
  "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
  "-metadata", "title=Test Tone", "-c:a", "libmp3lame", "-b:a", "32k", mp3
])
const audio = readFileSync(mp3)
const user = UserId.make("123456789012345678")

const serveAudio: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "audio/mpeg", "content-length": audio.length })
  res.end(audio)
}

const handler = (hits: Map<string, number>): Handler => (req, res) => {
  const path = req.url ?? "/"
  const n = (hits.get(path) ?? 0) + 1
  hits.set(path, n)
  if (path.startsWith("/tone")) return serveAudio(req, res)
  if (path === "/page.html") {
    res.writeHead(200, { "content-type": "text/html" })
    return res.end(`<html><head><title>Embedded</title></head><body><audio src="/tone-embedded.mp3"></audio></body></html>`)
  }
  if (path.startsWith("/slow")) return // never answers
  if (path.startsWith("/flaky") && n > 1) return serveAudio(req, res)
  res.writeHead(500, { "content-type": "text/plain" })
  res.end("boom")
}

const failure = (exit: Exit.Exit<unknown, ResolveError>): ResolveError => {
  assert.isTrue(Exit.isFailure(exit))
  const e = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  assert.isDefined(e)
  return (e as { readonly error: ResolveError }).error
}

describe("yt-dlp against a local HTTP server", () => {
  it.live("resolves a direct file and an HTML page with an embedded media link (generic extractor)", () => {
    const { layer, spawner } = resolverWith({})
    return Effect.gen(function*() {
      const hits = new Map<string, number>()
      const server = yield* httpServer(handler(hits))
      const resolver = yield* Resolver
      // No audio extension in the path, so this goes through yt-dlp rather than the direct source.
      const file = yield* resolver.resolve(`${server.base}/tone`, user)
      assert.strictEqual(file.tracks.length, 1)
      assert.strictEqual(file.tracks[0]!.kind, "ytdlp")
      assert.strictEqual(file.tracks[0]!.requester, user)
      const page = yield* resolver.resolve(`${server.base}/page.html`, user)
      assert.strictEqual(page.tracks[0]!.title, "Embedded (1)")
      assert.strictEqual(page.playlist, null)
      // The stream URL came with the metadata: playable is a cache hit, no further spawn.
      const runs = spawner.ytdlpRuns()
      const playable = yield* resolver.playable(page.tracks[0]!)
      assert.strictEqual(playable.input, `${server.base}/tone-embedded.mp3`)
      assert.strictEqual(spawner.ytdlpRuns(), runs)
      assert.strictEqual((yield* resolver.cacheStats).hits, 1)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("a missing yt-dlp is reported as not started, naming YTDLP_PATH", () => {
    const { layer } = resolverWith({ ytdlp: { path: join(dir, "no-such-yt-dlp") }, retry: { times: 0 } })
    return Effect.gen(function*() {
      const server = yield* httpServer(handler(new Map()))
      const resolver = yield* Resolver
      const error = failure(yield* Effect.exit(resolver.resolve(`${server.base}/tone`, user)))
      assert.match(error.message, /yt-dlp could not be started; check YTDLP_PATH/)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("a host that does not answer is named to the user, never the rest of its URL", () => {
    const { layer } = resolverWith({ retry: { times: 0 } })
    return Effect.gen(function*() {
      // A port that was just free: nothing listens there.
      const closed = yield* httpServer(handler(new Map()))
      closed.close()
      const host = new URL(closed.base).host
      const resolver = yield* Resolver
      // A page goes to yt-dlp; a file's link is followed by the bot itself first.
      for (const path of ["/page?token=secret", "/song.mp3?token=secret"]) {
        const error = failure(yield* Effect.exit(resolver.resolve(`${closed.base}${path}`, user)))
        assert.strictEqual(error.reason._tag, "Transient", path)
        assert.strictEqual(error.message, `Could not reach ${host}; please try again.`, path)
      }
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("a slow server trips the timeout and the process is killed", () => {
    const { layer } = resolverWith({ ytdlp: { timeout: Duration.millis(1500) }, retry: { times: 0 } })
    return Effect.gen(function*() {
      const server = yield* httpServer(handler(new Map()))
      const resolver = yield* Resolver
      const started = Date.now()
      const error = failure(yield* Effect.exit(resolver.resolve(`${server.base}/slow`, user)))
      assert.strictEqual(error.reason._tag, "Timeout")
      assert.match(error.message, /took longer than/)
      assert.isBelow(Date.now() - started, 5000)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("a 500-then-200 server is retried and succeeds", () => {
    const { layer, spawner } = resolverWith({})
    return Effect.gen(function*() {
      const hits = new Map<string, number>()
      const server = yield* httpServer(handler(hits))
      const resolver = yield* Resolver
      const result = yield* resolver.resolve(`${server.base}/flaky`, user)
      assert.strictEqual(result.tracks.length, 1)
      assert.strictEqual(spawner.ytdlpRuns(), 2)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("a server that always fails opens the breaker; the next call fails fast", () => {
    const { layer, spawner } = resolverWith({ retry: { times: 0 }, breaker: { failures: 2 } })
    return Effect.gen(function*() {
      const server = yield* httpServer(handler(new Map()))
      const resolver = yield* Resolver
      for (const n of [1, 2]) {
        const e = failure(yield* Effect.exit(resolver.resolve(`${server.base}/broken${n}`, user)))
        assert.strictEqual(e.reason._tag, "Transient")
      }
      const runs = spawner.ytdlpRuns()
      const started = Date.now()
      const e = failure(yield* Effect.exit(resolver.resolve(`${server.base}/broken3`, user)))
      assert.isBelow(Date.now() - started, 100)
      assert.strictEqual(e.reason._tag, "SourceDown")
      assert.match(e.message, /failing repeatedly/)
      assert.strictEqual(spawner.ytdlpRuns(), runs)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("ten concurrent identical requests cause one yt-dlp run", () => {
    const { layer, spawner } = resolverWith({})
    return Effect.gen(function*() {
      const server = yield* httpServer(handler(new Map()))
      const resolver = yield* Resolver
      const results = yield* Effect.all(
        Array.from({ length: 10 }, () => resolver.resolve(`${server.base}/tone-same`, user)),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(results.length, 10)
      assert.isTrue(results.every((r) => r.tracks[0]!.id === results[0]!.tracks[0]!.id))
      assert.strictEqual(spawner.ytdlpRuns(), 1)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })
})
