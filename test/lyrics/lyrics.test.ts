import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Option } from "effect"
import { afterAll, afterEach, beforeAll } from "vitest"
import { Lyrics, type LyricsError } from "../../src/lyrics/Lyrics.ts"
import { userAgent } from "../../src/resilience/JsonApi.ts"
import { type FakeLrclib, record, startFakeLrclib } from "../support/fakeLrclib.ts"

const river = record({
  id: 11,
  trackName: "River",
  artistName: "The Band",
  duration: 200,
  plainLyrics: "Down by the river\nWe sang",
  syncedLyrics: "[00:01.00] Down by the river\n[00:04.50] We sang"
})
const riverLive = record({ id: 12, trackName: "River (Live)", artistName: "The Band", duration: 320, plainLyrics: "Live words" })
const otherRiver = record({ id: 13, trackName: "River", artistName: "Someone Else", duration: 150, plainLyrics: "Other words" })
const interlude = record({ id: 14, trackName: "Interlude", artistName: "The Band", instrumental: true })

let fake: FakeLrclib
beforeAll(async () => {
  fake = await startFakeLrclib([river, riverLive, otherRiver, interlude])
})
afterAll(() => fake.close())
afterEach(() => {
  fake.behaviour = "normal"
})

const withLyrics = <A, E>(use: (lyrics: Lyrics["Service"]) => Effect.Effect<A, E>, timeout = Duration.seconds(2)) =>
  Lyrics.use(use).pipe(Effect.provide(Lyrics.layer({ apiBase: fake.url, timeout })))

const failure = <A>(exit: Exit.Exit<A, LyricsError>) => {
  assert.isTrue(Exit.isFailure(exit), "the lookup fails")
  const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  return error?._tag === "Fail" ? error.error : undefined
}

describe("lyrics from LRCLIB", () => {
  it.live("finds a playing track by title, artist and duration, with its synced lines, naming Reprise", () =>
    withLyrics((lyrics) =>
      Effect.gen(function*() {
        const before = fake.requests.length
        const song = yield* lyrics.forTrack({ title: "River", artist: "The Band", durationMs: 201_000 })
        assert.isTrue(Option.isSome(song))
        const found = Option.getOrThrow(song)
        assert.strictEqual(found.id, 11)
        assert.strictEqual(found.plain, "Down by the river\nWe sang")
        assert.deepStrictEqual(found.synced, [{ atMs: 1000, text: "Down by the river" }, { atMs: 4500, text: "We sang" }])
        const asked = fake.requests.slice(before)
        assert.deepStrictEqual(asked.map((r) => r.path), ["/api/get"])
        assert.strictEqual(asked[0]?.params.get("duration"), "201")
        assert.strictEqual(asked[0]?.headers["user-agent"], userAgent)
        assert.match(userAgent, /Reprise/)
      })
    ))

  it.live("falls back to a search by title when the exact lookup is 404, preferring the closest duration and artist", () =>
    withLyrics((lyrics) =>
      Effect.gen(function*() {
        const before = fake.requests.length
        const song = yield* lyrics.forTrack({ title: "River", artist: "TheBandVEVO", durationMs: 151_000 })
        assert.strictEqual(Option.getOrThrow(song).id, 13, "the one within a few seconds of the track")
        assert.deepStrictEqual(fake.requests.slice(before).map((r) => r.path), ["/api/get", "/api/search"])
        // Without a duration there is no exact lookup: among the results, the artist decides.
        const mark = fake.requests.length
        const byArtist = yield* lyrics.forTrack({ title: "River", artist: "Someone Else", durationMs: null })
        assert.strictEqual(Option.getOrThrow(byArtist).id, 13)
        assert.deepStrictEqual(fake.requests.slice(mark).map((r) => r.path), ["/api/search"])
        const byDuration = yield* lyrics.forTrack({ title: "River", artist: null, durationMs: 319_000 })
        assert.strictEqual(Option.getOrThrow(byDuration).id, 12, "River (Live), the one as long as the track")
      })
    ))

  it.live("answers none when LRCLIB has no such track (404) or the search is empty", () =>
    withLyrics((lyrics) =>
      Effect.gen(function*() {
        assert.isTrue(Option.isNone(yield* lyrics.forTrack({ title: "Nothing Like It", artist: "Nobody", durationMs: 100_000 })))
        assert.isTrue(Option.isNone(yield* lyrics.search("nothing like it")))
        assert.isTrue(Option.isNone(yield* lyrics.byId(999)))
      })
    ))

  it.live("searches free words, says when a track is instrumental, and finds a song again by its id without asking", () =>
    withLyrics((lyrics) =>
      Effect.gen(function*() {
        assert.strictEqual(Option.getOrThrow(yield* lyrics.search("river live")).id, 12)
        assert.isTrue(Option.getOrThrow(yield* lyrics.search("interlude")).instrumental)
        const before = fake.requests.length
        assert.strictEqual(Option.getOrThrow(yield* lyrics.byId(12)).plain, "Live words")
        assert.strictEqual(Option.getOrThrow(yield* lyrics.search("river live")).id, 12)
        assert.strictEqual(fake.requests.length, before, "both answered from what was kept")
        const fresh = yield* lyrics.byId(13)
        assert.strictEqual(Option.getOrThrow(fresh).artistName, "Someone Else")
        assert.strictEqual(fake.requests.at(-1)?.path, "/api/get/13")
      })
    ))

  it.live("turns an answer that is not JSON into a typed error, not a crash", () =>
    withLyrics((lyrics) =>
      Effect.gen(function*() {
        fake.behaviour = "malformed"
        const error = failure(yield* Effect.exit(lyrics.search("anything at all")))
        assert.strictEqual(error?.reason._tag, "BadAnswer")
        assert.match(error?.message ?? "", /lyrics service/)
      })
    ))

  it.live("gives up on a server that does not answer within the timeout, and on one that is not there", () =>
    Effect.gen(function*() {
      fake.behaviour = "stall"
      const started = Date.now()
      const stalled = failure(yield* Effect.exit(withLyrics((lyrics) => lyrics.search("stalled"), Duration.millis(300))))
      assert.strictEqual(stalled?.reason._tag, "Unreachable")
      assert.isBelow(Date.now() - started, 5_000)
      const gone = yield* Effect.exit(
        Lyrics.use((lyrics) => lyrics.search("gone")).pipe(
          Effect.provide(Lyrics.layer({ apiBase: "http://127.0.0.1:9", timeout: Duration.seconds(2) }))
        )
      )
      assert.strictEqual(failure(gone)?.reason._tag, "Unreachable")
    }))
})
