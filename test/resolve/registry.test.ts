import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SourceKind } from "../../schema/Track.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { claimQuery } from "../../src/resolve/Source.ts"
import { countingSpawner, makeTestSources, settings, trackInfo } from "./helpers.ts"

describe("source registry", () => {
  it.effect("every track kind is made playable by exactly one source", () =>
    Effect.gen(function*() {
      const { registry } = yield* makeTestSources(settings())
      const kinds = registry.flatMap((s) => s.kinds)
      assert.sameMembers(kinds, [...SourceKind.literals])
      assert.strictEqual(new Set(kinds).size, kinds.length)
    }))

  it.effect("precedence: local: first, Spotify before files, files before pages, bad links and long words refused", () =>
    Effect.gen(function*() {
      const { registry } = yield* makeTestSources(settings({ queryMaxLength: 50 }))
      const source = (q: string) => Effect.map(claimQuery(registry, q), (c) => c.source)
      const refusal = (q: string) => Effect.map(Effect.flip(claimQuery(registry, q)), (e) => [e.reason._tag, e.message])
      // `local:` wins even over something that reads as a link.
      assert.strictEqual(yield* source("local://Album/song.mp3"), "local")
      assert.strictEqual(yield* source("www.example.com/a.mp3"), "direct")
      // Schemes other than http(s) are pages, so the URL guard refuses them when they resolve.
      assert.strictEqual(yield* source("file:///etc/passwd"), "ytdlp")
      // Not a Spotify URI, not a link: words.
      assert.strictEqual(yield* source("spotify:episode:4cOdK2wGLETKBW3PvgPWqT"), "ytdlp")
      // A Spotify link is Spotify's to refuse, even when it ends like a file.
      for (const link of ["https://open.spotify.com/show/4cOdK2wGLETKBW3PvgPWqT", "https://open.spotify.com/track/x.mp3"]) {
        assert.deepStrictEqual(yield* refusal(link), ["InvalidQuery", "Only Spotify track, album and playlist links can be played."])
      }
      assert.deepStrictEqual(yield* refusal(`https://open.spotify.com/track/${"a".repeat(2048)}`), [
        "InvalidQuery",
        "Links longer than 2048 characters are refused."
      ])
      assert.deepStrictEqual(yield* refusal("local:   "), ["InvalidQuery", "Give the name of a file in the music library."])
      assert.deepStrictEqual(yield* refusal("x".repeat(51)), ["InvalidQuery", "Searches are limited to 50 characters."])
      assert.deepStrictEqual(yield* refusal(" \u0000 "), ["InvalidQuery", "Type a song name or paste a link."])
    }))

  it.effect("plain file tracks (the bot's own) are handed to FFmpeg as they are, with nothing spawned", () => {
    const spawner = countingSpawner()
    return Effect.gen(function*() {
      const resolver = yield* Resolver
      const playable = yield* resolver.playable(trackInfo("file", "/music/song.opus"))
      assert.deepStrictEqual(playable, { input: "/music/song.opus", httpHeaders: {}, codec: "unknown", expiresAt: null, isLive: false })
      assert.strictEqual(spawner.spawned.length, 0)
    }).pipe(Effect.provide(Resolver.layer(settings()).pipe(Layer.provide(spawner.layer))))
  })
})
