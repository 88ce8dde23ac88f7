import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { UserId } from "../../schema/Ids.ts"
import type { ResolvedBatch } from "../../src/resolve/Resolution.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { type Handler, httpServer, resolverWith, toneMp3, rssFeed } from "./helpers.ts"

/**
 * Playlists through real yt-dlp, offline: an RSS feed served locally is a playlist to yt-dlp's
 * generic extractor (one `url_transparent` entry per `<enclosure>`, with no `id` of its own).
 */

const audio = toneMp3()
const user = UserId.make("123456789012345678")

const handler: Handler = (req, res) => {
  const path = req.url ?? "/"
  if (path.startsWith("/tone/")) {
    res.writeHead(200, { "content-type": "audio/mpeg", "content-length": audio.length })
    return res.end(audio)
  }
  const host = req.headers.host ?? "127.0.0.1"
  if (path === "/feed.xml") {
    res.writeHead(200, { "content-type": "application/rss+xml" })
    return res.end(rssFeed("Tone Podcast", 120, (i) => ({ url: `http://${host}/tone/${i}.mp3`, length: audio.length })))
  }
  res.writeHead(404, { "content-type": "text/plain" })
  res.end("not found")
}

const shape = (batches: ReadonlyArray<ResolvedBatch>) => ({
  sizes: batches.map((b) => b.tracks.length),
  loaded: batches.map((b) => b.loaded),
  expected: batches.map((b) => b.expected)
})

describe("playlists through yt-dlp (an RSS feed over local HTTP)", () => {
  it.live("the first track comes alone, then batches of PLAYLIST_BATCH_SIZE, from one yt-dlp process", () => {
    const { layer, spawner } = resolverWith({ playlistBatchSize: 50 })
    return Effect.gen(function*() {
      const server = yield* httpServer(handler)
      const resolver = yield* Resolver
      const batches = yield* Stream.runCollect(resolver.resolveStream(`${server.base}/feed.xml`, user))
      assert.deepStrictEqual(shape(batches), {
        sizes: [1, 50, 50, 19],
        loaded: [1, 51, 101, 120],
        expected: [120, 120, 120, 120]
      })
      assert.strictEqual(spawner.ytdlpRuns(), 1, "flat extraction: one process for the whole feed")
      const [run] = spawner.spawned.filter((a) => a.includes("--flat-playlist"))
      assert.isDefined(run)
      assert.includeMembers([...run!], ["-j", "--flat-playlist"])
      for (const b of batches) {
        assert.deepInclude(b.playlist, { title: "Tone Podcast", totalCount: 120, truncated: false })
      }
      const tracks = batches.flatMap((b) => b.tracks)
      assert.deepStrictEqual(tracks.slice(0, 3).map((t) => t.title), ["Episode 1", "Episode 2", "Episode 3"])
      assert.strictEqual(tracks[119]!.title, "Episode 120")
      assert.strictEqual(new Set(tracks.map((t) => t.id)).size, 120, "every episode is its own track")
      assert.isTrue(tracks.every((t) => t.kind === "ytdlp" && t.requester === user))
      // yt-dlp smuggles each item's guid into its URL (`#__youtubedl_smuggle=…`); users see the enclosure alone.
      assert.deepStrictEqual(tracks.slice(0, 2).map((t) => t.location), [`${server.base}/tone/1.mp3`, `${server.base}/tone/2.mp3`])
      assert.isFalse(tracks.some((t) => t.location.includes("smuggle") || t.id.includes("smuggle")))
      // A flat entry has no stream yet: the first track resolves to its enclosure on its own.
      const playable = yield* resolver.playable(tracks[0]!)
      assert.strictEqual(playable.input, `${server.base}/tone/1.mp3`)
      assert.strictEqual(spawner.ytdlpRuns(), 2)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("maxTracks caps the load: 70 of 120, truncated, and yt-dlp is told to stop there", () => {
    const { layer, spawner } = resolverWith({ playlistBatchSize: 50 })
    return Effect.gen(function*() {
      const server = yield* httpServer(handler)
      const resolver = yield* Resolver
      const load = resolver.resolveStream(`${server.base}/feed.xml`, user, { maxTracks: 70 })
      const batches = yield* Stream.runCollect(load)
      assert.deepStrictEqual(shape(batches), { sizes: [1, 50, 19], loaded: [1, 51, 70], expected: [70, 70, 70] })
      for (const b of batches) assert.deepInclude(b.playlist, { totalCount: 120, truncated: true })
      assert.strictEqual(batches.flatMap((b) => b.tracks).at(-1)?.title, "Episode 70")
      assert.strictEqual(spawner.ytdlpRuns(), 1)
      const run = spawner.spawned.find((a) => a.includes("--flat-playlist")) ?? []
      assert.strictEqual(run[run.indexOf("--playlist-end") + 1], "70")
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("the global MAX_PLAYLIST_SIZE bounds a larger per-call maximum", () => {
    const { layer } = resolverWith({ playlistBatchSize: 50, maxPlaylistSize: 30 })
    return Effect.gen(function*() {
      const server = yield* httpServer(handler)
      const resolver = yield* Resolver
      const load = resolver.resolveStream(`${server.base}/feed.xml`, user, { maxTracks: 500 })
      const batches = yield* Stream.runCollect(load)
      assert.deepStrictEqual(shape(batches), { sizes: [1, 29], loaded: [1, 30], expected: [30, 30] })
      assert.deepInclude(batches[1]!.playlist, { truncated: true })
    }).pipe(Effect.scoped, Effect.provide(layer))
  })
})
