import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { UserId } from "../../schema/Ids.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { type Handler, httpServer, resolverWith, toneMp3, searchFeed, searchPrefixOn } from "./helpers.ts"

/**
 * `/play` suggestions and `/play` of words share one yt-dlp search, through real yt-dlp against a
 * stand-in search engine on local HTTP (helpers.ts `searchFeed`). Runs are counted at the spawner.
 */

const audio = toneMp3()
const user = UserId.make("123456789012345678")

/** The search engine, answering after `delayMs`, and the audio its hits link to. */
const handler = (delayMs: number): Handler => (req, res) => {
  const path = req.url ?? "/"
  if (path.startsWith("/tone/")) {
    res.writeHead(200, { "content-type": "audio/mpeg", "content-length": audio.length })
    return res.end(audio)
  }
  const feed = searchFeed(path, req.headers.host ?? "127.0.0.1")
  if (feed === null) {
    res.writeHead(404, { "content-type": "text/plain" })
    return res.end("not found")
  }
  setTimeout(() => {
    res.writeHead(200, { "content-type": "application/rss+xml" })
    res.end(feed)
  }, delayMs)
}

/**
 * A resolver whose searches go to a fresh stand-in engine. Suggestions wait for the search unless
 * a test sets the deadline: how long yt-dlp takes on a shared machine is not what is tested.
 */
const withSearch = (delayMs = 0, autocompleteTimeout = Duration.minutes(1)) =>
  Effect.gen(function*() {
    const server = yield* httpServer(handler(delayMs))
    const prefix = searchPrefixOn(server.base)
    const { layer, spawner } = resolverWith({ ytdlp: { searchPrefix: prefix }, autocompleteTimeout })
    const resolver = Context.get(yield* Layer.build(layer), Resolver)
    // What each yt-dlp search asked for ("5:blue moon"); the target is its last argument.
    const searches = () =>
      spawner.spawned.map((args) => args[args.length - 1] ?? "").filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length))
    return { resolver, spawner, searches }
  })

describe("search shared by /play suggestions and /play", () => {
  it.live("autocomplete, then /play of the same words (other case and spacing): one yt-dlp search", () =>
    Effect.gen(function*() {
      const { resolver, spawner, searches } = yield* withSearch()
      const suggested = yield* resolver.autocomplete("Blue  Moon ")
      assert.strictEqual(suggested.length, 5)
      assert.strictEqual(suggested[0]!.name, "blue moon 1 (live)")
      assert.strictEqual(spawner.ytdlpRuns(), 1)
      const played = yield* resolver.resolve("blue moon", user)
      assert.strictEqual(played.tracks.length, 1)
      assert.strictEqual(played.tracks[0]!.title, "blue moon 1")
      assert.strictEqual(played.tracks[0]!.location, suggested[0]!.value, "/play takes the first suggestion")
      assert.strictEqual(spawner.ytdlpRuns(), 1, "the search behind the suggestions was reused")
      assert.deepStrictEqual(searches(), ["5:blue moon"])
    }).pipe(Effect.scoped))

  it.live("/play joins a search still running after the autocomplete deadline", () =>
    Effect.gen(function*() {
      const { resolver, spawner, searches } = yield* withSearch(1000, Duration.millis(100))
      assert.deepStrictEqual(yield* resolver.autocomplete("slow song"), [], "the deadline passed")
      const played = yield* resolver.resolve("slow song", user)
      assert.strictEqual(played.tracks[0]!.title, "slow song 1")
      assert.strictEqual(spawner.ytdlpRuns(), 1)
      assert.deepStrictEqual(searches(), ["5:slow song"])
    }).pipe(Effect.scoped))

  it.live("other words are a new search", () =>
    Effect.gen(function*() {
      const { resolver, spawner, searches } = yield* withSearch()
      yield* resolver.autocomplete("blue moon")
      const played = yield* resolver.resolve("blue mood", user)
      assert.strictEqual(played.tracks[0]!.title, "blue mood 1")
      assert.strictEqual(spawner.ytdlpRuns(), 2)
      assert.deepStrictEqual(searches(), ["5:blue moon", "5:blue mood"])
    }).pipe(Effect.scoped))

  it.effect("/play reuses a search younger than its time to live, and searches again after it", () =>
    Effect.gen(function*() {
      const { resolver, spawner, searches } = yield* withSearch()
      yield* resolver.autocomplete("blue moon")
      yield* resolver.autocomplete("red moon")
      yield* TestClock.adjust("9 minutes")
      yield* resolver.resolve("blue moon", user)
      assert.strictEqual(spawner.ytdlpRuns(), 2, "still fresh")
      yield* TestClock.adjust("2 minutes")
      const played = yield* resolver.resolve("red moon", user)
      assert.strictEqual(played.tracks[0]!.title, "red moon 1")
      assert.strictEqual(spawner.ytdlpRuns(), 3, "stale: searched again")
      assert.deepStrictEqual(searches(), ["5:blue moon", "5:red moon", "5:red moon"])
    }).pipe(Effect.scoped))

  it.live("a picked suggestion (its URL) plays with one more yt-dlp run, for metadata and stream together", () =>
    Effect.gen(function*() {
      const { resolver, spawner } = yield* withSearch()
      const [first] = yield* resolver.autocomplete("blue moon")
      const picked = yield* resolver.resolve(first!.value, user)
      assert.strictEqual(picked.tracks[0]!.location, first!.value)
      assert.strictEqual(spawner.ytdlpRuns(), 2)
      const playable = yield* resolver.playable(picked.tracks[0]!)
      assert.strictEqual(playable.input, first!.value)
      assert.strictEqual(spawner.ytdlpRuns(), 2, "the stream came with the metadata")
    }).pipe(Effect.scoped))

  it.live("the stream of a picked suggestion is kept as soon as its track is handed on, as /play queues it", () =>
    Effect.gen(function*() {
      const { resolver, spawner } = yield* withSearch()
      const [, second] = yield* resolver.autocomplete("blue moon")
      // `/play` queues the first batch the moment it comes; the player may ask for its stream at once.
      const [batch] = yield* Stream.runCollect(Stream.take(resolver.resolveStream(second!.value, user), 1))
      assert.strictEqual(spawner.ytdlpRuns(), 2)
      const playable = yield* resolver.playable(batch!.tracks[0]!)
      assert.strictEqual(playable.input, second!.value)
      assert.strictEqual(spawner.ytdlpRuns(), 2, "no second run for the stream")
    }).pipe(Effect.scoped))
})
