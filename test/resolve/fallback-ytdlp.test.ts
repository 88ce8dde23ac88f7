import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Layer, Stream } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { UserId } from "../../schema/Ids.ts"
import type { TrackInfo } from "../../src/resolve/Resolution.ts"
import type { ResolveError } from "../../src/resolve/ResolveError.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { ytdlpStandIn } from "../support/ytdlpStandIn.ts"
import { type Handler, httpServer, resolverWith, searchPrefixOn, toneMp3 } from "./helpers.ts"

/**
 * Source fallback through real yt-dlp, offline. YouTube is played by a stand-in yt-dlp that prints
 * YouTube's own errors (test/fixtures/ytdlp/*.stderr.txt, as yt-dlp's YouTube extractor words
 * them) for a few video ids and for YouTube searches, and hands every other (local) run to the
 * real yt-dlp; the fallback search prefix sends searches to a stand-in engine on local HTTP.
 */

const audio = toneMp3()
const user = UserId.make("123456789012345678")
const fixtures = new URL("../fixtures/ytdlp/", import.meta.url).pathname

const fixture = (name: string) => readFileSync(`${fixtures}${name}.stderr.txt`, "utf8")
const standIn = ytdlpStandIn(mkdtempSync(join(tmpdir(), "reprise-fallback-")), [
  { match: "ytsearch*|*watch?v=botcheck*|*/blocked/*", stderr: fixture("bot-check") },
  { match: "*watch?v=regionlock*", stderr: fixture("region-locked") },
  { match: "*watch?v=flaky*", stderr: "ERROR: [youtube] flaky: Unable to download webpage: HTTP Error 503: Service Unavailable\n" }
]).path

/** Three hits for any search: a longer version, another song as long as the track, and the track. */
const hits = [
  { slug: "extended", title: "The Artist - Song Title (Extended Mix)", duration: "0:09" },
  { slug: "other", title: "Another Band - Other Song", duration: "0:02" },
  { slug: "same", title: "The Artist - Song Title", duration: "0:03" }
]

const feed = (host: string, words: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">` +
  `<channel><title>Search: ${words}</title><link>http://example.invalid/</link><description>hits</description>` +
  hits.map((h) =>
    `<item><title>${h.title}</title><guid>${h.slug}</guid><itunes:duration>${h.duration}</itunes:duration>` +
    `<enclosure url="http://${host}/tone/${h.slug}" type="audio/mpeg" length="${audio.length}"/></item>`
  ).join("") +
  `</channel></rss>`

const handler: Handler = (req, res) => {
  const path = req.url ?? "/"
  if (path.startsWith("/tone/")) {
    res.writeHead(200, { "content-type": "audio/mpeg", "content-length": audio.length })
    return res.end(audio)
  }
  // The site searched first: one hit, on a host whose pages ask to sign in (the stand-in yt-dlp's /blocked/).
  if (path.startsWith("/primary/")) {
    const port = new URL(`http://${req.headers.host}`).port
    res.writeHead(200, { "content-type": "application/rss+xml" })
    return res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">` +
        `<channel><title>Primary</title><link>http://example.invalid/</link><description>hits</description>` +
        `<item><title>The Artist - Song Title</title><guid>song</guid><itunes:duration>0:02</itunes:duration>` +
        `<enclosure url="http://localhost:${port}/blocked/song" type="audio/mpeg" length="${audio.length}"/></item>` +
        `</channel></rss>`
    )
  }
  const search = /^\/search\/\d+:(.*)$/.exec(path)
  if (search === null) {
    res.writeHead(404, { "content-type": "text/plain" })
    return res.end("not found")
  }
  res.writeHead(200, { "content-type": "application/rss+xml" })
  res.end(feed(req.headers.host ?? "127.0.0.1", decodeURIComponent(search[1]!)))
}

const youtube = (id: string): TrackInfo => ({
  id: `youtube:${id}`,
  kind: "youtube",
  location: `https://www.youtube.com/watch?v=${id}`,
  title: "Song Title",
  author: "The Artist",
  durationMs: 2000,
  artworkUrl: null
})

const failure = <A>(exit: Exit.Exit<A, ResolveError>): ResolveError => {
  assert.isTrue(Exit.isFailure(exit))
  const e = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  assert.isDefined(e)
  return (e as { readonly error: ResolveError }).error
}

const withFallback = (enabled = true, primary: "youtube" | "local" = "youtube") =>
  Effect.gen(function*() {
    const server = yield* httpServer(handler)
    const prefix = searchPrefixOn(server.base)
    const { layer, spawner } = resolverWith({
      ytdlp: { path: standIn, searchPrefix: primary === "youtube" ? "ytsearch" : `${server.base}/primary/` },
      retry: { times: 1, base: Duration.millis(10) },
      fallback: { searchPrefix: enabled ? prefix : null, tolerance: Duration.seconds(5) },
      // Suggestions are awaited whole: a loaded machine must not turn a slow search into none.
      autocompleteTimeout: Duration.minutes(1)
    })
    const resolver = Context.get(yield* Layer.build(layer), Resolver)
    const searches = () =>
      spawner.spawned.map((args) => args[args.length - 1] ?? "").filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length))
    return { resolver, spawner, searches, base: server.base }
  })

describe("source fallback", () => {
  it.live("a track YouTube asks to sign in for plays its match elsewhere: the same song of about its length", () =>
    Effect.gen(function*() {
      const { base, resolver, searches } = yield* withFallback()
      const playable = yield* resolver.playable(youtube("botcheck1"))
      assert.strictEqual(playable.input, `${base}/tone/same`, "not the extended mix, not the other song")
      assert.deepStrictEqual(playable.substitution, { from: "YouTube", to: new URL(base).host }, "so listeners are told")
      assert.deepStrictEqual(searches(), ["5:The Artist - Song Title"])
    }).pipe(Effect.scoped))

  it.live("a region-locked video falls back too, and its next play goes straight to the substitute", () =>
    Effect.gen(function*() {
      const { base, resolver, searches, spawner } = yield* withFallback()
      const track = youtube("regionlock")
      assert.strictEqual((yield* resolver.playable(track)).input, `${base}/tone/same`)
      const runs = spawner.ytdlpRuns()
      const again = yield* resolver.playable(track)
      assert.strictEqual(again.input, `${base}/tone/same`)
      assert.deepStrictEqual(again.substitution, { from: "YouTube", to: new URL(base).host }, "still said on the next play")
      assert.strictEqual(spawner.ytdlpRuns(), runs, "no run of YouTube, no new search")
      assert.deepStrictEqual(searches(), ["5:The Artist - Song Title"])
    }).pipe(Effect.scoped))

  it.live("a failure a retry may fix (a 503) is retried and reported, never searched elsewhere", () =>
    Effect.gen(function*() {
      const { resolver, searches } = yield* withFallback()
      const e = failure(yield* Effect.exit(resolver.playable(youtube("flaky"))))
      assert.strictEqual(e.reason._tag, "Transient")
      assert.deepStrictEqual(searches(), [])
    }).pipe(Effect.scoped))

  it.live("with the fallback off, the listener hears YouTube's own failure", () =>
    Effect.gen(function*() {
      const { resolver, spawner } = yield* withFallback(false)
      const e = failure(yield* Effect.exit(resolver.playable(youtube("botcheck1"))))
      assert.strictEqual(e.reason._tag, "BotCheck")
      assert.strictEqual(spawner.ytdlpRuns(), 1, "one run, no search")
    }).pipe(Effect.scoped))

  it.live("no candidate of the track's length: the original failure, not another song", () =>
    Effect.gen(function*() {
      const { resolver, searches } = yield* withFallback()
      const e = failure(yield* Effect.exit(resolver.playable({ ...youtube("botcheck2"), durationMs: 60_000 })))
      assert.strictEqual(e.reason._tag, "BotCheck")
      assert.deepStrictEqual(searches(), ["5:The Artist - Song Title"])
    }).pipe(Effect.scoped))

  it.live("/play of words YouTube will not search: the best match elsewhere, said to come from there, then from the cache", () =>
    Effect.gen(function*() {
      const { base, resolver, searches } = yield* withFallback()
      const played = yield* resolver.resolve("song title", user)
      assert.strictEqual(played.tracks.length, 1)
      assert.strictEqual(played.tracks[0]!.title, "The Artist - Song Title", "the plain title before its extended mix")
      assert.deepStrictEqual(played.substitution, { from: "YouTube", to: new URL(base).host })
      const again = yield* resolver.resolve("Song  Title", user)
      assert.strictEqual(again.tracks[0]!.location, played.tracks[0]!.location)
      assert.deepStrictEqual(searches(), ["5:song title"], "the second /play searched nothing")
    }).pipe(Effect.scoped))

  it.live("/play of a suggested link its site will not play: the match elsewhere of the suggestion's length, said to come from there", () =>
    Effect.gen(function*() {
      const { base, resolver, searches, spawner } = yield* withFallback(true, "local")
      const [offered] = yield* resolver.autocomplete("song title")
      assert.isDefined(offered)
      assert.match(offered!.value, /\/blocked\/song$/)
      const played = yield* resolver.resolve(offered!.value, user)
      assert.strictEqual(played.tracks[0]!.location, `${base}/tone/same`, "not the extended mix, not the other song")
      assert.deepStrictEqual(played.substitution, { from: new URL(offered!.value).host, to: new URL(base).host })
      const runs = spawner.ytdlpRuns()
      // `/play` of a link streams it, past the resolver's metadata cache.
      const again = yield* Stream.runCollect(resolver.resolveStream(offered!.value, user))
      assert.strictEqual(again[0]!.tracks[0]!.location, `${base}/tone/same`)
      assert.deepStrictEqual(again[0]!.substitution, played.substitution)
      assert.strictEqual(spawner.ytdlpRuns(), runs, "the second /play ran nothing")
      assert.deepStrictEqual(searches(), ["5:The Artist - Song Title"])
    }).pipe(Effect.scoped))

  it.live("/play of a link nobody suggested, that its site will not play: the site's own failure", () =>
    Effect.gen(function*() {
      const { base, resolver, searches } = yield* withFallback()
      const e = failure(yield* Effect.exit(resolver.resolve(`${base.replace("127.0.0.1", "localhost")}/blocked/song`, user)))
      assert.strictEqual(e.reason._tag, "BotCheck")
      assert.deepStrictEqual(searches(), [], "nothing says what to search for")
    }).pipe(Effect.scoped))

  it.live("/play of words with the fallback off: YouTube's own failure", () =>
    Effect.gen(function*() {
      const { resolver, spawner } = yield* withFallback(false)
      const e = failure(yield* Effect.exit(resolver.resolve("song title", user)))
      assert.strictEqual(e.reason._tag, "BotCheck")
      assert.strictEqual(spawner.ytdlpRuns(), 1, "YouTube's search alone, nothing elsewhere")
    }).pipe(Effect.scoped))
})
